"""The ``sim validate`` command."""

from __future__ import annotations

import click


@click.command()
def validate() -> None:
    """Score RUN_DIR's predictions against observations."""
    raise click.ClickException("sim validate is not built yet")
