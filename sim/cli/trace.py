"""The ``sim trace`` command: one replication's events as a timeline, in words."""

from __future__ import annotations

import datetime as dt

import click

from sim.cli.options import load, set_option
from sim.errors import InputError
from sim.model.events import EVENT_KINDS, Event
from sim.scenario.rules.tempo import RULES as TEMPO_RULES
from sim.scenario.rules.withdrawal import label_of


def describe_event(event: Event) -> str:
    """Return what an event says, in words (the model records only its kind, names and numbers)."""
    n = event.numbers
    side, subject = event.side, event.subject
    if event.kind == "assault":
        outcome = "succeeds" if n["succeeded"] else "fails"
        return (
            f"{side} assault, ratio {n['ratio']:.2f}, p(success) {n['success_probability']:.2f}: {outcome}; "
            f"losses {side} {n['attacker_losses']:,.0f}, {subject} {n['defender_losses']:,.0f}; "
            f"area {n['area_change_km2']:+.1f} km2 -> {n['area_km2']:.1f}"
        )
    if event.kind == "arrival":
        return (
            f"{side}: {n['units']:.0f} {subject} units ({n['personnel']:,.0f}) arrive; "
            f"ready in {n['ready_in_days']:.0f} days"
        )
    if event.kind == "ready":
        return f"{side}: {n['units']:.0f} {subject} units ready"
    if event.kind == "commit":
        return f"{side}: {subject} ({n['strength']:,.0f}) committed"
    if event.kind == "shift":
        return f"{side}: {subject} ({n['strength']:,.0f}) moved in from another sector to cover this one"
    if event.kind in TEMPO_RULES:
        figures = ", ".join(f"{name.replace('_', ' ')} {value:.3g}" for name, value in n.items())
        return f"{side} {subject} ({figures})"
    if event.kind == "fires":
        return f"{side} fire on {subject}'s line: {n['losses']:,.0f} lost"
    if event.kind == "fall_back":
        return (
            f"{side} {subject}: losses {n['loss_rate']:.1%} of its line a day; area {n['area_km2']:.0f} -> "
            f"{n['to_area_km2']:.0f} km2 over {n['duration_days']:.0f} days"
        )
    if event.kind == "prepared_line":
        return f"{side} stands on a prepared line (fortification {n['fortification']:.2f})"
    if event.kind == "weather":
        return f"weather: assault rates x{n['tempo']:.2f}, depth of a successful assault x{n['depth']:.2f}"
    if event.kind == "fallen":
        return f"{side}: {subject} has fallen ({n['strength']:.1f} left) and leaves the line to rebuild"
    if event.kind == "rotate":
        return f"{side}: {subject} pulled out to refit at {n['share']:.0%} strength"
    if event.kind == "strike":
        return (
            f"{side} long-range strike on {subject} supply: capacity -{n['cut']:.0%} "
            f"for {n['recovery_days']:.0f} days"
        )
    if event.kind == "withdrawal":
        return (
            f"{side} begins a fighting withdrawal: {subject}; area {n['area_km2']:.0f} km2, force ratio "
            f"{n['force_ratio']:.2f}, supply {n['supply']:.2f}, casualties {n['casualties']:,.0f}; "
            f"{n['duration_days']:.0f} days"
        )
    if event.kind == "withdrawn":
        return f"{side} completes its withdrawal; no ground held"
    if event.kind == "sector_lost":
        return f"{side} loses the last of the sector"
    return f"{side} {event.kind} {subject}".strip()


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
    type=click.Choice(EVENT_KINDS),
    help="Only events of this kind. Repeatable.",
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
        click.echo(f"{stamp}  {event.sector or '-':<20} {event.kind:<11} {describe_event(event)}")
    end_area = float(trajectory.area_km2[-1])
    withdrawal = (
        f"withdrawal began {scenario.start + dt.timedelta(days=trajectory.withdrawal_day)} "
        f"({trajectory.withdrawal_reason}: {label_of(trajectory.withdrawal_reason or '')})"
        if trajectory.withdrawal_day is not None
        else "no withdrawal"
    )
    click.echo(f"end {scenario.end}: {end_area:,.1f} km2 held; {withdrawal}")
