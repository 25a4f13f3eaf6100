"""The ``sim`` command line (also ``python -m sim``): one module per command."""

from __future__ import annotations

import sys
from types import TracebackType


def _interrupted_while_starting(
    kind: type[BaseException], value: BaseException, traceback: TracebackType | None
) -> None:
    """Print one line, not a traceback, for a Ctrl-C that arrives before a command runs (imports)."""
    if issubclass(kind, KeyboardInterrupt):
        sys.stderr.write("interrupted\n")
        sys.stderr.flush()
        return
    sys.__excepthook__(kind, value, traceback)


# Before anything else is imported: on a busy machine a Ctrl-C can arrive while click is being imported.
if sys.excepthook is sys.__excepthook__:
    sys.excepthook = _interrupted_while_starting

from collections.abc import Sequence  # noqa: E402

from sim.cli.app import cli  # noqa: E402
from sim.cli.backtest import backtest  # noqa: E402
from sim.cli.calibrate import calibrate  # noqa: E402
from sim.cli.check import check  # noqa: E402
from sim.cli.compare import compare  # noqa: E402
from sim.cli.discover import discover  # noqa: E402
from sim.cli.export import export  # noqa: E402
from sim.cli.plot import plot, report  # noqa: E402
from sim.cli.robust import robust  # noqa: E402
from sim.cli.run import run  # noqa: E402
from sim.cli.schema import new, schema  # noqa: E402
from sim.cli.serve import serve  # noqa: E402
from sim.cli.suite import suite  # noqa: E402
from sim.cli.sweep import sweep  # noqa: E402
from sim.cli.trace import trace  # noqa: E402
from sim.cli.validate import validate  # noqa: E402

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
    robust,
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
