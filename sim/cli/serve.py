"""The ``sim serve`` command: the explorer, a local web application over a folder of results."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("folder", metavar="[FOLDER]", required=False, type=click.Path(path_type=Path))
@click.option(
    "--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free port)."
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; off the loopback interface an access token is printed and required.",
)
@click.option(
    "--executor",
    type=click.Choice(["process", "serial"]),
    default="process",
    show_default=True,
    help="Where what-if replications run: every core, or this process.",
)
def serve(folder: Path | None, port: int, host: str, executor: str) -> None:
    """Explore FOLDER (default results/) in a web browser, and run what-ifs.

    Its runs, sweeps, calibrations, backtests and comparisons with interactive charts; and what-ifs:
    change a scenario's inputs in a form and run them beside the unchanged scenario, with the paired
    differences.

    Nothing outside FOLDER can be read or written through it. Needs the explorer extra
    (pip install 'conflict-sim[explorer]').
    """
    from sim.explorer.server import serve as start

    start(folder or Path("results"), host, port, executor, announce=lambda line: click.echo(line, err=False))
