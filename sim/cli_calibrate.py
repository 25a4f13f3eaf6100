"""The ``sim calibrate`` command."""

from __future__ import annotations

import click


@click.command()
def calibrate() -> None:
    """Calibrate SCENARIO's calibrate: parameters to its observations (ABC-SMC)."""
    raise click.ClickException("sim calibrate is not built yet")
