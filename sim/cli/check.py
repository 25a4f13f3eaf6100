"""The ``sim check`` command: validate a scenario and say what it contains."""

from __future__ import annotations

import dataclasses
import sys

import click

from sim.cli.app import EXIT_INPUT
from sim.cli.options import load, set_option
from sim.errors import InputError

LISTED = 50
"""The most problems listed: a file broken everywhere (64 sectors, each wrong) says how many more."""


@click.command()
@click.argument("scenario_file", metavar="SCENARIO")
@set_option
def check(scenario_file: str, overrides: tuple[str, ...]) -> None:
    """Validate SCENARIO and print what it contains, or every problem it has, one a line (at most 50)."""
    from sim.scenario.describe import describe
    from sim.scenario.loader import more_problems

    try:
        scenario = load(scenario_file, overrides)
    except InputError as error:
        if not error.others:
            raise
        # Every problem, one a line, the most useful first (as other commands give only that one).
        first = dataclasses.replace(
            error, message=error.message.removesuffix(more_problems(len(error.others)))
        )
        problems = (first, *error.others)
        for problem in problems[:LISTED]:
            click.echo(f"error: {problem}", err=True)
        if len(problems) > LISTED:
            click.echo(f"error: ... and {len(problems) - LISTED} more problems not listed", err=True)
        sys.exit(EXIT_INPUT)

    click.echo(describe(scenario))
    click.echo(f"\n{scenario_file}: valid")
