"""The run summary as a reader sees it in the terminal (``sim run``), rendered with ``rich``."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from sim.scenario.rules.withdrawal import label_of
from sim.scenario.units import METRIC_NAMES, printed

WIDTH = 100
"""Characters per line of the printed summary, whatever the terminal (stable in logs and tests)."""


def _render(*items: Any) -> str:
    console = Console(file=io.StringIO(), width=WIDTH, color_system=None, highlight=False)
    for item in items:
        console.print(item)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    return "\n".join(line.rstrip() for line in text.splitlines())


def month_table(summary: dict[str, Any]) -> Table:
    """Return the month-by-month table: held area across runs, and the share whose withdrawal began by then.

    With a dynamics-only companion, two more columns give the same held area with the withdrawal rules off.
    """
    dynamics = summary.get("dynamics_only") or {}
    alone = {row["date"]: row for row in dynamics.get("by_month", [])}
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("date")
    for column in ("held km², p10", "median", "p90"):
        table.add_column(column, justify="right")
    table.add_column("withdrawal began by date", justify="right")
    if alone:
        table.add_column("no judgement: median", justify="right")
        table.add_column("(p10-p90)", justify="right")
    for row in summary["by_month"]:
        if "area_p50" in row:
            areas = [f"{row[key]:,.0f}" for key in ("area_p10", "area_p50", "area_p90")]
        else:
            areas = ["-", "-", "-"]
        cells = [row["date"], *areas, f"{row['p_withdrawal_began']:.1%}"]
        if alone:
            other = alone.get(row["date"], {})
            cells += (
                [f"{other['area_p50']:,.0f}", f"{other['area_p10']:,.0f}-{other['area_p90']:,.0f}"]
                if "area_p50" in other
                else ["-", "-"]
            )
        table.add_row(*cells)
    return table


def observation_line(obs: dict[str, Any]) -> str:
    """Return one reported figure against the model: whose, where, and whether the runs reach it.

    A figure is flagged only when the middle 95% of runs misses its whole reported range, not just its
    point value.
    """
    whose = f" of {obs['side']}" if obs.get("side") else ""
    where = f" in {obs['sector'].replace('_', ' ')}" if obs.get("sector") else ""
    unit = printed(obs["unit"])
    # Kilometres of advance are small numbers: one decimal; areas and soldiers: whole numbers.
    shown = ",.1f" if obs["unit"] == "km" else ",.0f"
    when = f"from {obs['since']} to {obs['date']}" if obs.get("since") else f"on {obs['date']}"
    line = (
        f"observed {METRIC_NAMES[obs['metric']]}{whose}{where} {when}: "
        f"{obs['observed']:{shown}} {unit}; "
        f"model median {obs['predicted_p50']:{shown}} (80% of runs {obs['predicted_p10']:{shown}}-"
        f"{obs['predicted_p90']:{shown}}), {obs['quantile_of_observed']:.0%} of runs at or below it"
    )
    if obs.get("outside_95"):
        quantile = obs["quantile_of_observed"]
        side = "above" if quantile >= 0.5 else "below"
        reported = f"{obs['observed_low']:{shown}}-{obs['observed_high']:{shown}}"
        line += f"  <- its reported range ({reported}) is {side} the middle 95% of runs"
    return line


def format_summary(summary: dict[str, Any]) -> str:
    """Return the summary of a run for the terminal.

    Args:
        summary: What ``sim.analysis.summary.summarize`` returns.
    """
    head = (
        f"{summary['scenario']}: {summary['replications']:,} replications, {summary['start']} to "
        f"{summary['end']}, {summary['initial_area_km2']:,.0f} km² held at the start"
    )
    lines: list[str] = []
    for crossing in summary["crossings"]:
        label = f"below {crossing['threshold_km2']:,.0f} km²"
        if crossing["is_half_of_start"]:
            label += " (half the start)"
        when = (
            crossing["median_date"]
            or f"not reached by the median run (reached in {crossing['share_crossed']:.0%} of runs)"
        )
        lines.append(f"median date {label}: {when}")
    lines.extend(observation_line(obs) for obs in summary["observations"])
    reasons = ", ".join(
        f"{label_of(k)}: {v:,} run{'s' if v != 1 else ''}"
        for k, v in sorted(summary["withdrawal_reasons"].items(), key=lambda item: -item[1])
    )
    lines.append(
        f"withdrawal began by the end: {summary['p_withdrawal_by_end']:.1%} of runs"
        + (f" (why: {reasons})" if reasons else "")
    )
    lines.extend(judgement_lines(summary))
    casualties = ", ".join(f"{side} {value:,.0f}" for side, value in summary["median_casualties"].items())
    lines.append(f"median casualties by the end: {casualties}")
    return "\n".join([head, "", _render(month_table(summary)), "", *lines])


def judgement_lines(summary: dict[str, Any]) -> list[str]:
    """Say in how many runs each withdrawal rule (judgement) began the withdrawal; what the dynamics do."""
    shares = summary.get("endings") or {}
    lines = []
    if shares:
        decided = ", ".join(
            f"{label_of(rule)} {share:.0%}"
            for rule, share in sorted(shares.items(), key=lambda item: -item[1])
            if rule != "no_withdrawal"
        )
        never = shares.get("no_withdrawal", 0.0)
        lines.append(
            f"withdrawals begun by a withdrawal rule (judgement, not the fighting): {decided or 'none'}; "
            f"no withdrawal began in {never:.0%} of runs"
        )
    dynamics = summary.get("dynamics_only")
    if dynamics:
        final = dynamics["final_area_km2"]
        lines.append(
            f"the dynamics alone (withdrawal rules off, the same {dynamics['replications']:,} replications): "
            f"held at the end median {final['p50']:,.0f} km² (80% of runs {final['p10']:,.0f}-"
            f"{final['p90']:,.0f}); all ground lost in {dynamics['share_all_lost']:.0%} of runs"
        )
    return lines


def written_lines(directory: Path, figures: list[Path]) -> list[str]:
    """Return what a finished run tells the user on standard error: its figures and the next step."""
    lines = []
    if figures:
        names = ", ".join(path.name for path in figures)
        lines.append(f"figures ({len(figures)}) in {figures[0].parent}: {names}")
    lines.append(f"next: sim report {directory}  (one HTML file with the summary, figures and scenario)")
    return lines
