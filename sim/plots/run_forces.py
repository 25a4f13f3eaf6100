"""Figures of a run's forces: withdrawal reasons, strength and casualties, held area per sector.

Each function takes the scenario and arrays already read from the run folder and returns a figure.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.ticker as mticker
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from matplotlib.figure import Figure

from sim.plots.style import (
    BANDS,
    MEDIAN_COLOUR,
    OBSERVED_COLOUR,
    SIDE_COLOURS,
    date_number,
    day_dates,
    draw_observations,
    figure_legend,
    fmt_date,
    footnote,
    hide_unused,
    observations_of,
    quantile_bands,
    readable,
    reason_label,
    runs_text,
    style_time_axis,
    styled,
    subplots,
    suptitle,
)
from sim.scenario.rules.withdrawal import RULES
from sim.scenario.schema import Scenario


def has_withdrawal_rules(scenario: Scenario) -> bool:
    """Whether the side holding ground has any withdrawal rule switched on."""
    rules = scenario.sides[scenario.holder].command.withdrawal
    return rules is not None and any(
        getattr(rules, next(iter(rule.fields))) is not None for rule in RULES.values()
    )


# Over 60 lines: one figure drawn layer by layer on shared axes, whose parts share its scales, colours and
# legend.
@styled
def withdrawal_chart(
    scenario: Scenario,
    reasons: pa.Array | pa.ChunkedArray | Sequence[str | None],
    withdrawal_days: np.ndarray,
) -> Figure:
    """Return a bar chart of the rule that began each run's withdrawal, and the share begun by each date.

    Args:
        scenario: The run's scenario (which rules it has, dates).
        reasons: Each run's ``withdrawal_reason`` (None: no withdrawal), best as the Arrow column: it is
            counted with pyarrow compute, never turned into a Python object per run.
        withdrawal_days: Each run's ``withdrawal_day`` (NaN: none).
    """
    if not isinstance(reasons, pa.Array | pa.ChunkedArray):
        reasons = pa.array(list(reasons), type=pa.string())
    count = len(reasons)
    rules = scenario.sides[scenario.holder].command.withdrawal
    names = [
        name
        for name, rule in RULES.items()
        if rules is not None and getattr(rules, next(iter(rule.fields))) is not None
    ]
    names += sorted({r for r in pc.unique(reasons.drop_null()).to_pylist() if r not in names})
    # Each run's rule as its position in ``names``, -1 where none started the withdrawal.
    codes = pc.fill_null(pc.index_in(reasons, value_set=pa.array(names, type=pa.string())), -1)
    code = np.asarray(codes.to_numpy(zero_copy_only=False))
    counts = [int(np.sum(code == index)) for index in range(len(names))] + [int(np.sum(code == -1))]
    labels = [reason_label(n) for n in names] + ["no withdrawal\nby the end date"]
    palette = ["#d62728", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#bcbd22"]
    colours = [palette[i % len(palette)] for i in range(len(names))] + ["0.65"]
    figure, (bars, cumulative) = subplots(
        1, 2, figsize=(12, 5.6), layout="constrained", gridspec_kw={"width_ratios": (1, 1.2)}
    )
    positions = np.arange(len(labels))[::-1]
    bars.barh(positions, counts, color=colours)
    bars.set_yticks(positions, labels, fontsize=9)
    for y, n in zip(positions, counts, strict=True):
        bars.text(n, y, f" {n:,} ({n / max(count, 1):.0%})", va="center", fontsize=9)
    bars.set_xlim(0, max(max(counts, default=0), 1) * 1.3)
    bars.set_xlabel("runs (count)")
    bars.set_title("rule that started the withdrawal", fontsize=10)
    bars.grid(True, axis="x", alpha=0.3)
    days = np.asarray(withdrawal_days, dtype=float)
    grid = np.arange(scenario.horizon_days + 1)
    dates = day_dates(scenario, grid.size)
    layers = []
    for index in range(len(names)):
        began = np.sort(days[(code == index) & ~np.isnan(days)])
        layers.append(np.searchsorted(began, grid, side="right") / max(count, 1))
    if layers:
        cumulative.stackplot(
            dates,
            *layers,
            colors=colours[:-1],
            step="post",
            alpha=0.85,
            labels=[reason_label(n).replace("\n", " ") for n in names],
        )
        total = np.sum(layers, axis=0)
        cumulative.step(dates, total, where="post", color="0.15", linewidth=1.2, label="all rules together")
        cumulative.legend(loc="upper left", fontsize=8, framealpha=0.95)
    cumulative.set_ylim(0, 1.02)
    cumulative.set_ylabel("share of runs whose withdrawal has begun (0–1)")
    share_by_end = float(np.mean(~np.isnan(days))) if count else 0.0
    cumulative.set_title(
        f"withdrawal began by date ({share_by_end:.0%} of runs by {fmt_date(scenario.end)})", fontsize=10
    )
    style_time_axis(cumulative, scenario)
    suptitle(figure, "the defender's withdrawal", scenario, f"{count:,} runs")
    if rules is not None:
        since = f" from {fmt_date(rules.not_before)}" if rules.not_before else ""
        footnote(
            figure,
            f"A withdrawal begins when the first of {scenario.holder}'s withdrawal rules fires (checked "
            f"daily{since}); limits given as distributions are drawn anew for each run.",
        )
    return figure


@styled
def forces_chart(scenario: Scenario, values: dict[str, np.ndarray], total: int | None = None) -> Figure:
    """Return strength in theatre and cumulative casualties of each side over time: median and 80% band.

    Args:
        scenario: The run's scenario (sides, dates).
        values: ``strength_<side>`` and ``casualties_<side>`` arrays, shape (runs, days).
        total: Runs in the whole run, if the arrays hold only a subset.
    """
    figure, (strength, casualties) = subplots(2, 1, figsize=(10, 8), layout="constrained", sharex=True)
    sides = sorted(scenario.sides, key=lambda s: s != scenario.holder)
    used = 0
    for side, colour in zip(sides, SIDE_COLOURS, strict=False):
        role = "holds the ground" if side == scenario.holder else "attacks"
        for axis, what in ((strength, "strength"), (casualties, "casualties")):
            data = values[f"{what}_{side}"]
            used = len(data)
            dates = day_dates(scenario, data.shape[1])
            low, median, high = np.quantile(data, [0.1, 0.5, 0.9], axis=0)
            axis.fill_between(dates, low, high, color=colour, alpha=0.2, linewidth=0)
            axis.plot(dates, median, color=colour, linewidth=2, label=f"{side} ({role}): median")
            axis.fill_between([], [], [], color=colour, alpha=0.2, label=f"{side}: middle 80% of runs")
        reported = observations_of(scenario, "strength", side=side)
        draw_observations(strength, reported, colour, "soldiers", side)
        data = values[f"strength_{side}"]
        for obs in reported:
            day = min(max((obs.date - scenario.start).days, 0), data.shape[1] - 1)
            column = data[:, day]
            if column.size and not column.min() <= obs.value <= column.max():
                where = "above" if obs.value > column.max() else "below"
                strength.annotate(
                    f"reported {obs.value:,.0f}:\n{where} every run",
                    (date_number(scenario, day), obs.value),
                    xytext=(12, 0),
                    textcoords="offset points",
                    fontsize=8.5,
                    color=colour,
                    va="center",
                )
    strength.set_ylabel("personnel in theatre (soldiers)")
    strength.set_title(
        "strength: every soldier who has arrived, in line, in reserve or refitting", fontsize=10
    )
    casualties.set_ylabel("cumulative casualties (soldiers)")
    casualties.set_title(
        "casualties since the start (the bands flatten as runs withdraw: once the holder has left, "
        "the fighting stops)",
        fontsize=10,
    )
    for axis in (strength, casualties):
        axis.set_ylim(bottom=0)
        axis.yaxis.set_major_formatter(mticker.StrMethodFormatter("{x:,.0f}"))
        style_time_axis(axis, scenario, label=axis is casualties)
    figure_legend(figure, [strength], columns=len(sides), groups=sides)
    suptitle(figure, "forces and losses of each side", scenario, runs_text(total or used, used))
    return figure


@styled
def sectors_chart(scenario: Scenario, values: dict[str, np.ndarray], total: int | None = None) -> Figure:
    """Return small multiples of the held area per sector: median and 50/80/95% bands (as the fan chart).

    Args:
        scenario: The run's scenario (sectors, dates).
        values: Sector name to held area, shape (runs, days).
        total: Runs in the whole run, if the arrays hold only a subset.
    """
    count = max(len(values), 1)
    columns = min(count, 3 if count > 4 else 2)
    rows = (count + columns - 1) // columns
    figure, axes = subplots(
        rows, columns, figsize=(11, 1.6 + 3.0 * rows), layout="constrained", sharex=True, squeeze=False
    )
    used = 0
    for axis, (name, data) in zip(axes.flat, values.items(), strict=False):
        used = len(data)
        dates = day_dates(scenario, data.shape[1])
        bands = quantile_bands(data, [level for level, _ in BANDS])
        for level, colour in BANDS:
            low, high = bands[level]
            axis.fill_between(
                dates, low, high, color=colour, linewidth=0, label=f"middle {level:.0%} of runs"
            )
        axis.plot(dates, bands[0.0][0], color=MEDIAN_COLOUR, linewidth=2, label="median of runs")
        start = float(np.median(data[:, 0])) if data.size else 0.0
        axis.set_title(f"{readable(name)} (starts at {start:,.0f} km²)", fontsize=10)
        reported = observations_of(scenario, "sector_area_km2", sector=name)
        top = draw_observations(axis, reported, OBSERVED_COLOUR, "km²", "sector area")
        axis.set_ylim(0, max(float(np.nanmax(data)) if data.size else 0.0, top, 1.0) * 1.05)
        axis.set_ylabel("held area (km²)")
        style_time_axis(axis, scenario, label=False)
    hide_unused(axes, len(values))
    figure_legend(figure, axes.flat, columns=4)
    suptitle(figure, "held area per sector", scenario, runs_text(total or used, used))
    return figure
