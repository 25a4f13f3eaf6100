"""The ``sim trace`` command: one replication's events as a timeline."""

from __future__ import annotations

import datetime as dt

import click

from sim.cli.options import load, set_option
from sim.errors import InputError


@click.command()
@click.argument("scenario_file", metavar="SCENARIO")
@click.option(
    "--replication",
    "-r",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Which replication (as numbered by sim run).",
)
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Root random seed.")
@set_option
@click.option("--sector", help="Only events in this sector (and theatre-wide ones).")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    help="Only events of this kind (assault, arrival, ready, commit, "
    "rotate, strike, withdrawal, withdrawn, sector_lost). Repeatable.",
)
def trace(
    scenario_file: str,
    replication: int,
    seed: int,
    overrides: tuple[str, ...],
    sector: str | None,
    kinds: tuple[str, ...],
) -> None:
    """Print one replication's events as a timeline: the same replication sim run makes with that seed."""
    from sim.batch.seeding import replication_seed
    from sim.model.replication import Replication

    scenario = load(scenario_file, overrides)
    if sector is not None and sector not in scenario.sectors:
        raise InputError(
            f"no sector {sector!r}; sectors are: {', '.join(scenario.sectors)}", field="--sector"
        )
    model = Replication(scenario, replication_seed(seed, replication), trace=True)
    trajectory = model.run()
    click.echo(f"{scenario.name}, replication {replication}, seed {seed}")
    for path, value in trajectory.parameters.items():
        click.echo(f"  sampled {path} = {value:.4g}")
    for event in trajectory.events:
        if sector is not None and event.sector not in ("", sector):
            continue
        if kinds and event.kind not in kinds:
            continue
        when = dt.datetime.combine(scenario.start, dt.time()) + dt.timedelta(days=event.day)
        stamp = when.strftime("%Y-%m-%d %H:%M")
        click.echo(f"{stamp}  {event.sector or '-':<20} {event.kind:<11} {event.text}")
    end_area = float(trajectory.area_km2[-1])
    withdrawal = (
        f"withdrawal began {scenario.start + dt.timedelta(days=trajectory.withdrawal_day)} "
        f"({trajectory.withdrawal_reason})"
        if trajectory.withdrawal_day is not None
        else "no withdrawal"
    )
    click.echo(f"end {scenario.end}: {end_area:,.1f} km2 held; {withdrawal}")
