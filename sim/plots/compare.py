"""Figures of a comparison of courses of action (``sim compare``).

* ``compare_fan_chart``: held area over time, the median and the middle 80% of runs of every run,
  overlaid (from each run's ``daily.parquet``; a run made with ``--daily none`` is left out, and the
  figure says so);
* ``compare_survival``: for each threshold X, the Kaplan-Meier share of runs whose held area has not
  yet fallen below X, one curve per run;
* ``compare_forest``: every difference (variant - baseline) with its 95% interval, one row per outcome,
  one panel per unit, a zero line; rows within Monte Carlo noise are hollow and grey.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.analysis.compare import Comparison
from sim.analysis.survival import kaplan_meier
from sim.plots.style import (
    OBSERVED_COLOUR,
    area_observations,
    day_dates,
    draw_observations,
    footnote,
    save,
    style_time_axis,
    styled,
    subplots,
)
from sim.results.readers import daily_matrices
from sim.scenario.units import printed

RUN_COLOURS = ("#08306b", "#e6550d", "#31a354", "#756bb1", "#8c6d31", "#17becf", "#e377c2")
"""The baseline's colour, then each variant's (repeating after seven runs); none is the reports' red."""


def colour(index: int) -> str:
    """Return the colour of the run at ``index`` (0 is the baseline)."""
    return RUN_COLOURS[index % len(RUN_COLOURS)]


def _names(comparison: Comparison) -> list[str]:
    """Return how the figures name each run: the baseline marked as such."""
    return [f"{run.label} (baseline)" if i == 0 else run.label for i, run in enumerate(comparison.runs)]


def _title(comparison: Comparison) -> str:
    runs = comparison.runs
    counts = sorted({run.folder.manifest.replications for run in runs})
    each = " / ".join(f"{count:,}" for count in counts)
    paired = "paired: same seed and count" if all(p.paired for p in comparison.pairings) else "not all paired"
    variants = f"{len(runs) - 1} variant{'s' if len(runs) > 2 else ''}"
    return f"{variants} against {runs[0].label}, {each} runs each ({paired})"


@styled
def compare_fan_chart(comparison: Comparison) -> tuple[Figure | None, str | None]:
    """Return the overlaid fan charts (median and 10-90% of runs per run), or None and why not."""
    base = comparison.runs[0].scenario
    kept = [(i, run) for i, run in enumerate(comparison.runs) if run.folder.has("daily")]
    missing = [run.label for run in comparison.runs if not run.folder.has("daily")]
    note = f"left out (no daily.parquet; made with --daily none): {', '.join(missing)}" if missing else None
    if not kept:
        return None, "skipped: no run kept a daily table (run with --daily total or full to draw it)"
    figure, axis = subplots(figsize=(10, 5.8), layout="constrained")
    handles: list[Any] = []
    labels: list[str] = []
    names = _names(comparison)
    few = len(kept) <= 2
    top = base.initial_area_km2
    for index, run in kept:
        data = daily_matrices(run.folder.directory, ["area_km2"], run.folder.days).values["area_km2"]
        low, median, high = np.quantile(data, [0.1, 0.5, 0.9], axis=0)
        dates = day_dates(run.scenario, data.shape[1])
        # Beyond two runs, filled bands pile into one muddy mass: keep them faint and draw their edges.
        axis.fill_between(dates, low, high, color=colour(index), alpha=0.18 if few else 0.06, linewidth=0)
        for edge in (low, high):
            axis.plot(dates, edge, color=colour(index), linewidth=0.8, linestyle="--", alpha=0.8)
        axis.plot(dates, median, color=colour(index), linewidth=2.2 if index == 0 else 1.8)
        top = max(top, float(np.nanmax(high)))
        band = Patch(facecolor=colour(index), alpha=0.3)
        handles.append((band, Line2D([], [], color=colour(index), linewidth=2)))
        labels.append(f"{names[index]}, {len(data):,} runs")
    observations = area_observations(base)
    if observations:
        top = max(top, draw_observations(axis, observations, OBSERVED_COLOUR, "km²", "held area"))
        handles.append(axis.get_legend_handles_labels()[0][-1])
        labels.append("reported held area (bar: 95% range)")
    axis.set_ylim(0, top * 1.05)
    axis.set_ylabel("held area (km²)")
    style_time_axis(axis, base)
    axis.legend(
        handles,
        labels,
        loc="upper right",
        fontsize=9,
        framealpha=0.95,
        title="line: median; band and dashes: 10-90%",
    )
    figure.suptitle(f"Held area over time, each course of action\n{_title(comparison)}", fontsize=11)
    footnote(
        figure,
        "Line: the median of runs on each day; band: the middle 80% of runs (10th to 90th percentile). "
        "Runs of paired courses of action share their random draws, so bands that overlap can still "
        "differ clearly replication by replication: the forest plot gives the intervals of the differences."
        + (f" Not drawn: {', '.join(missing)} (no daily table)." if missing else ""),
    )
    return figure, note


@styled
def compare_survival(comparison: Comparison) -> Figure | None:
    """Return, per threshold, the Kaplan-Meier share of runs not yet below it, one curve per run."""
    days = [o for o in comparison.outcomes if o.kind == "days" and o.threshold_km2 is not None]
    if not days:
        return None
    base = comparison.runs[0].scenario
    horizon = base.horizon_days
    columns = 2 if len(days) > 1 else 1
    rows = math.ceil(len(days) / columns)
    figure, axes = subplots(
        rows,
        columns,
        figsize=(6 * columns, 3.6 * rows + 1.2),
        layout="constrained",
        sharex=True,
        squeeze=False,
    )
    dates = day_dates(base, horizon + 1)
    names = _names(comparison)
    for axis, outcome in zip(axes.flat, days, strict=False):
        for index, run in enumerate(comparison.runs):
            curve = kaplan_meier(run.values[outcome.key], horizon, outcome.threshold_km2 or math.nan)
            axis.fill_between(
                dates, curve.low, curve.high, step="post", color=colour(index), alpha=0.15, lw=0
            )
            label = f"{names[index]}"
            axis.step(dates, curve.sf, where="post", color=colour(index), linewidth=1.8, label=label)
        axis.set_title(f"held area not yet below {outcome.threshold_km2:,.0f} km²", fontsize=10)
        axis.set_ylim(0, 1.02)
        axis.set_ylabel("share of runs (0-1)")
        style_time_axis(axis, base, label=False)
        axis.axhline(0.5, color="0.4", linewidth=0.8, linestyle=":")
    for index, axis in enumerate(axes.flat):
        if index >= len(days):
            axis.set_visible(False)
        elif index + columns >= len(days):
            axis.xaxis.set_tick_params(labelbottom=True)
            axis.set_xlabel("date")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    figure.legend(
        handles, labels, loc="outside right upper", fontsize=9, title="course of action", frameon=False
    )
    figure.suptitle(
        f"Chance the held area has not yet fallen below X km², each course of action\n{_title(comparison)}",
        fontsize=11,
    )
    footnote(
        figure,
        f"Kaplan-Meier estimate; runs that never fell below X are censored at the end date {base.end}. "
        "Bands: pointwise 95% Greenwood intervals. Dotted line: 50%, where a curve crosses it is the "
        "median date of falling below X.",
    )
    return figure


@styled
def compare_forest(comparison: Comparison) -> Figure | None:
    """Return the forest plot: each difference with its 95% interval, one panel per unit."""
    table = comparison.table
    if table.empty:
        return None
    groups = list(dict.fromkeys(table["group"]))
    variants = list(dict.fromkeys(table["variant"]))
    counts = [table.loc[table["group"] == g, "outcome"].nunique() for g in groups]
    height = 0.27 * sum(counts) * max(1, 0.6 * len(variants)) + 0.95 * len(groups) + 2.0
    figure, axes = subplots(
        len(groups),
        1,
        figsize=(11.5, height),
        layout="constrained",
        squeeze=False,
        gridspec_kw={"height_ratios": [c * max(1, 0.6 * len(variants)) + 1.2 for c in counts]},
    )
    for axis, group in zip(axes[:, 0], groups, strict=True):
        _forest_panel(axis, table[table["group"] == group], group, variants)
    handles: list[object] = [
        Line2D(
            [],
            [],
            color=colour(i + 1),
            marker="o",
            linewidth=2.4,
            label=textwrap.fill(f"{v} − baseline", 30, break_long_words=False),
        )
        for i, v in enumerate(variants)
    ]
    handles += [
        Line2D([], [], color="0.2", marker="o", linewidth=2.4, label="beyond noise\n(interval excludes 0)"),
        Line2D(
            [],
            [],
            color="0.2",
            marker="o",
            markerfacecolor="white",
            linewidth=1.2,
            alpha=0.6,
            linestyle="--",
            label="within noise\n(interval contains 0)",
        ),
    ]
    figure.legend(handles=handles, loc="outside right upper", fontsize=9, frameon=False, labelspacing=1.0)
    figure.suptitle(
        f"What each course of action changes: variant − baseline, 95% intervals\n{_title(comparison)}",
        fontsize=11,
    )
    footnote(
        figure,
        "Each row: the variant's value minus the baseline's, with its 95% interval (mean: t-interval, "
        "paired when the runs share their seed; days: restricted mean to the end date, bootstrap; shares: "
        "Newcombe). Hollow points on thin dashed lines, grey labels: the interval contains 0, so the "
        "difference is within Monte Carlo noise.",
    )
    return figure


def _forest_panel(axis: Axes, rows: pd.DataFrame, group: str, variants: list[str]) -> None:
    """Draw one unit's rows: a point and an interval per variant, a zero line, noise rows hollow."""
    labels = list(dict.fromkeys(rows["label"]))
    unit = str(rows["unit"].iloc[0])
    scale = 100.0 if unit == "share" else 1.0
    spread = 0.6 if len(variants) > 1 else 0.0
    quiet_rows = []
    for position, label in enumerate(labels):
        mine = rows[rows["label"] == label]
        quiet_rows.append(bool(mine["within_noise"].all()))
        for index, variant in enumerate(variants):
            row = mine[mine["variant"] == variant]
            if row.empty:
                continue
            r = row.iloc[0]
            offset = (index - (len(variants) - 1) / 2) * spread / max(len(variants), 1)
            y = position + offset
            quiet = bool(r["within_noise"])
            tint = colour(index + 1)
            low, high, diff = r["low"] * scale, r["high"] * scale, r["difference"] * scale
            # Within noise: thin, dashed, faded and hollow; beyond noise: thick, solid and filled.
            line = {"linewidth": 1.2, "linestyle": "--", "alpha": 0.6} if quiet else {"linewidth": 2.4}
            if np.isfinite(low) and np.isfinite(high):
                axis.plot([low, high], [y, y], color=tint, solid_capstyle="butt", **line)
            face = "white" if quiet else tint
            axis.plot(
                [diff],
                [y],
                "o",
                color=tint,
                markerfacecolor=face,
                markersize=6.5,
                markeredgewidth=1.6,
                zorder=3,
            )
    axis.axvline(0, color="black", linewidth=1)
    axis.set_yticks(range(len(labels)), [label.replace("km2", "km²") for label in labels], fontsize=9)
    for tick, quiet in zip(axis.get_yticklabels(), quiet_rows, strict=True):
        tick.set_color("0.45" if quiet else "black")
    axis.set_ylim(len(labels) - 0.5, -0.5)
    axis.grid(True, axis="x", alpha=0.3)
    what = f"{group.replace('km2', 'km²')}: difference of {rows['statistic'].iloc[0]}s"
    axis.set_title(textwrap.fill(what, 95), fontsize=10, loc="left")
    axis.set_xlabel(
        f"difference, variant − baseline ({'percentage points' if unit == 'share' else printed(unit)})",
        fontsize=9,
    )
    lo, hi = axis.get_xlim()
    reach = max(abs(lo), abs(hi))
    axis.set_xlim(-reach, reach)  # zero in the middle: the side a difference falls on reads at a glance


def write_compare_plots(
    directory: Path, comparison: Comparison, fmt: str = "png"
) -> tuple[list[Path], list[str]]:
    """Draw the comparison's figures into ``directory``; return the files written and notes.

    A figure that cannot be drawn (no run kept its daily table) is skipped with a note; a file of that
    name left by an earlier comparison is removed, so the folder never shows a stale figure.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    notes: list[str] = []
    fan, note = compare_fan_chart(comparison)
    if note:
        notes.append(f"compare_fan_chart: {note}")
    # One figure in memory at a time: each is saved and let go before the next is drawn.
    for name, draw in (
        ("compare_fan_chart", lambda: fan),
        ("compare_survival", lambda: compare_survival(comparison)),
        ("compare_forest", lambda: compare_forest(comparison)),
    ):
        figure = draw()
        path = directory / f"{name}.{fmt}"
        if figure is not None:
            written.append(save(figure, path))
            continue
        path.unlink(missing_ok=True)
        if name != "compare_fan_chart":
            notes.append(f"{name}: skipped (no outcome to draw)")
    return written, notes
