"""The ``sim check`` command: validate a scenario and say what it contains."""

from __future__ import annotations

import click

from sim.cli.options import load, set_option


@click.command()
@click.argument("scenario_file", metavar="SCENARIO")
@set_option
def check(scenario_file: str, overrides: tuple[str, ...]) -> None:
    """Validate SCENARIO and print what it contains."""
    from sim.scenario.describe import describe

    scenario = load(scenario_file, overrides)
    click.echo(describe(scenario))
    click.echo(f"\n{scenario_file}: valid")
