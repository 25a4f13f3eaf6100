"""The ``sim trace`` command: one replication's events as a timeline, in words."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

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
            f"area {n['area_change_km2']:+.1f} km² -> {n['area_km2']:.1f}"
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
            f"{n['to_area_km2']:.0f} km² over {n['duration_days']:.0f} days"
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
            f"{side} begins a fighting withdrawal: {subject}; area {n['area_km2']:.0f} km², force ratio "
            f"{n['force_ratio']:.2f}, supply {n['supply']:.2f}, casualties {n['casualties']:,.0f}; "
            f"{n['duration_days']:.0f} days"
        )
    if event.kind == "withdrawn":
        return f"{side} completes its withdrawal; no ground held"
    if event.kind == "sector_lost":
        return f"{side} loses the last of the sector"
    return f"{side} {event.kind} {subject}".strip()


def event_record(event: Event, start: dt.date) -> dict[str, Any]:
    """Return an event as a flat record: when, where, what, who, its words and its numbers."""
    when = dt.datetime.combine(start, dt.time()) + dt.timedelta(days=event.day)
    return {
        "time": when.isoformat(timespec="minutes"),
        "day": round(event.day, 6),
        "sector": event.sector,
        "kind": event.kind,
        "side": event.side,
        "subject": event.subject,
        "description": describe_event(event),
        "numbers": dict(event.numbers),
    }


def _csv(records: list[dict[str, Any]]) -> str:
    """One row per event; each number an own column (empty where the event has no such number)."""
    numbers = list(dict.fromkeys(name for record in records for name in record["numbers"]))
    header = ["time", "day", "sector", "kind", "side", "subject", "description", *numbers]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for record in records:
        fixed = [record[name] for name in header[:7]]
        writer.writerow([*fixed, *(record["numbers"].get(name, "") for name in numbers)])
    return buffer.getvalue()


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
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "csv", "json"]),
    default="text",
    show_default=True,
    help="text: a timeline to read; csv: one row per event, one column per number (for a spreadsheet); "
    "json: the sampled inputs, every event with its numbers, and the end.",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
def trace(
    scenario_file: str,
    replication: int,
    seed: int,
    overrides: tuple[str, ...],
    sector: str | None,
    kinds: tuple[str, ...],
    fmt: str,
    out_file: Path | None,
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
    events = [
        event
        for event in trajectory.events
        if (sector is None or event.sector in ("", sector)) and (not kinds or event.kind in kinds)
    ]
    end_area = float(trajectory.area_km2[-1])
    began = (
        scenario.start + dt.timedelta(days=trajectory.withdrawal_day)
        if trajectory.withdrawal_day is not None
        else None
    )
    if fmt == "text":
        withdrawal = (
            f"withdrawal began {began} ({trajectory.withdrawal_reason}: "
            f"{label_of(trajectory.withdrawal_reason or '')})"
            if began is not None
            else "no withdrawal"
        )
        lines = [f"{scenario.name}, replication {replication}, seed {seed}"]
        lines += [f"  sampled {path} = {value:.4g}" for path, value in trajectory.parameters.items()]
        for event in events:
            when = dt.datetime.combine(scenario.start, dt.time()) + dt.timedelta(days=event.day)
            stamp = when.strftime("%Y-%m-%d %H:%M")
            lines.append(f"{stamp}  {event.sector or '-':<20} {event.kind:<11} {describe_event(event)}")
        lines.append(f"end {scenario.end}: {end_area:,.1f} km² held; {withdrawal}")
        text = "\n".join(lines) + "\n"
    elif fmt == "csv":
        text = _csv([event_record(event, scenario.start) for event in events])
    else:
        document = {
            "scenario": scenario.name,
            "replication": replication,
            "seed": seed,
            "sampled": dict(trajectory.parameters),
            "events": [event_record(event, scenario.start) for event in events],
            "end": {
                "date": scenario.end.isoformat(),
                "area_km2": end_area,
                "withdrawal_began": began.isoformat() if began is not None else None,
                "withdrawal_reason": trajectory.withdrawal_reason,
            },
        }
        text = json.dumps(document, indent=1) + "\n"
    if out_file is None:
        click.echo(text, nl=False)
    else:
        from sim.results.store import atomic_path

        with atomic_path(out_file) as temporary:
            temporary.write_text(text, encoding="utf-8")
        click.echo(str(out_file))
