"""The ``sim plot`` and ``sim report`` commands."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
def plot(run_dir: Path) -> None:
    """Draw the figures of RUN_DIR."""
    raise click.ClickException("sim plot is not built yet")


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
def report(run_dir: Path) -> None:
    """Write a self-contained HTML report of RUN_DIR."""
    raise click.ClickException("sim report is not built yet")
