"""The ``sim`` command line (also ``python -m sim``): one module per command."""

from __future__ import annotations

from collections.abc import Sequence

from sim.cli.app import cli
from sim.cli.backtest import backtest
from sim.cli.calibrate import calibrate
from sim.cli.check import check
from sim.cli.compare import compare
from sim.cli.discover import discover
from sim.cli.export import export
from sim.cli.plot import plot, report
from sim.cli.run import run
from sim.cli.schema import new, schema
from sim.cli.serve import serve
from sim.cli.suite import suite
from sim.cli.sweep import sweep
from sim.cli.trace import trace
from sim.cli.validate import validate

for _command in (
    run,
    check,
    trace,
    sweep,
    plot,
    report,
    calibrate,
    validate,
    backtest,
    suite,
    discover,
    compare,
    export,
    schema,
    new,
    serve,
):
    cli.add_command(_command)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="sim")


__all__ = ["cli", "main"]
