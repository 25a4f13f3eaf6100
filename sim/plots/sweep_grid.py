"""Figures of a sweep's points against its varied inputs: one input, a heatmap of two, main effects of more.

Every number a figure shows carries its Monte Carlo uncertainty (``sim.analysis.sweep_stats``): a 95%
interval of each point's median or share, as error bars or in the heatmap cells. A share is drawn on 0 to
1 (its colour scale too); any other outcome on the range its points span, so that differences between
points show, and each heatmap cell prints its value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from sim.analysis.sweep_stats import PointStats
from sim.plots.style import styled, subplots
from sim.scenario.parameters import input_names
from sim.scenario.schema import Scenario
from sim.scenario.units import field_unit, printed

MEDIAN = "#08306b"
SHARE = "#a50f15"


SHARE_LIMITS = (-0.03, 1.03)
"""A share's axis: 0 to 1 with room for markers and error bars at either end."""


def input_label(path: str, names: dict[str, str]) -> str:
    """A readable axis label for a dotted scenario path: its name (``reader_names``) and its unit."""
    unit = field_unit(path)
    name = names.get(path, path)
    return f"{name} ({printed(unit)})" if unit else name


def outcome_title(outcome: str) -> str:
    """A readable name for an outcome column."""
    if outcome.startswith("area_km2_on_"):
        return f"held area on {outcome.removeprefix('area_km2_on_')} (km²)"
    if outcome.startswith("day_below_"):
        return f"days until below {outcome.removeprefix('day_below_')} km²"
    if outcome.startswith("withdrawal_began_by_"):
        return f"withdrawal began by {outcome.removeprefix('withdrawal_began_by_')} (share of runs)"
    if outcome == "final_area_km2":
        return "held area at the end (km²)"
    if outcome.startswith("casualties_"):
        return f"casualties of {outcome.removeprefix('casualties_')} (soldiers)"
    if outcome == "advance_m_per_day":
        return "advance (m/day)"
    return outcome.replace("_", " ")


def _statistic(stats: PointStats, scatter: bool) -> str:
    """What the y axis shows: on a sampled design only each point's median (or share) is drawn."""
    if scatter:
        return "share of each point's runs" if stats.share else "median of each point's runs"
    return "share of runs, 95% interval" if stats.share else "median, 10–90% of runs"


def colour_range(values: np.ndarray, share: bool) -> tuple[float, float]:
    """The colour scale of a heatmap: 0 to 1 for a share, else the range the cells span (never empty)."""
    if share:
        return 0.0, 1.0
    finite = values[np.isfinite(values)]
    if not finite.size:
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    if high - low < 1e-9:
        return low - 1.0, high + 1.0
    return low, high


def _share_axis(axis: Any, stats: PointStats) -> None:
    if stats.share:
        axis.set_ylim(*SHARE_LIMITS)


# Over 60 lines: one figure drawn layer by layer on shared axes, whose parts share its scales, colours and
# legend.
@styled
def one_input(
    points: dict,
    path: str,
    panels: list[tuple[str, PointStats]],
    scenario: Scenario,
    title: str,
    scatter: bool,
) -> Figure:
    """Return one panel per outcome against one input.

    On a one-input grid: each point's median with the 10-90% band of its runs and the 95% interval of
    the median as error bars (or a share with its interval). For sampled designs, where the other
    inputs vary too: each point's median as a dot and the median of those dots in ten bins of the input.
    """
    x = np.asarray(points[path], dtype=float)
    order = np.argsort(x)
    figure, axes = subplots(
        1, len(panels), figsize=(5 * len(panels), 4.6), layout="constrained", squeeze=False
    )
    for index, (axis, (outcome, stats)) in enumerate(zip(axes[0], panels, strict=True)):
        colour = SHARE if stats.share else MEDIAN
        y = stats.centre
        if scatter:
            axis.plot(
                x,
                y,
                ".",
                color=colour,
                alpha=0.25,
                markersize=4,
                label="one point (median or share of its runs)",
            )
            edges = np.linspace(x.min(), x.max(), 11)
            bins = np.clip(np.digitize(x, edges) - 1, 0, 9)
            centres = (edges[:-1] + edges[1:]) / 2
            trend = [np.median(y[bins == b]) if np.any(bins == b) else np.nan for b in range(10)]
            axis.plot(
                centres, trend, "-", color="black", linewidth=2, label="median in each tenth of the range"
            )
        else:
            if not stats.share:
                axis.fill_between(
                    x[order], stats.low[order], stats.high[order], color="#9ecae1", label="10–90% of runs"
                )
            axis.errorbar(
                x[order],
                y[order],
                yerr=[y[order] - stats.ci_low[order], stats.ci_high[order] - y[order]],
                fmt="o-",
                color=colour,
                capsize=3,
                label=("share of runs" if stats.share else "median") + " (bars: 95% interval)",
            )
        axis.set_xlabel(input_label(path, input_names(scenario, [path])))
        axis.set_ylabel(f"{outcome_title(outcome)}:\n{_statistic(stats, scatter)}")
        _share_axis(axis, stats)
        axis.grid(alpha=0.3)
        if index == 0:
            axis.legend(fontsize=8)
    figure.suptitle(title, fontsize=11)
    return figure


@styled
def two_inputs(
    points: dict, paths: list[str], panels: list[tuple[str, PointStats]], scenario: Scenario, title: str
) -> Figure:
    """Return one heatmap per outcome over a grid of two inputs, each cell with its 95% interval."""
    x_values = np.unique(points[paths[0]])
    y_values = np.unique(points[paths[1]])
    figure, axes = subplots(
        1, len(panels), figsize=(6.4 * len(panels), 5.4), layout="constrained", squeeze=False
    )
    names = input_names(scenario, paths)
    cells = x_values.size * y_values.size
    size = 10.0 if cells <= 30 else 9.0 if cells <= 60 else 8.0
    for axis, (outcome, stats) in zip(axes[0], panels, strict=True):
        data = np.full((y_values.size, x_values.size), np.nan)
        half = np.full_like(data, np.nan)
        for i in range(len(points["point"])):
            col = int(np.searchsorted(x_values, points[paths[0]][i]))
            row = int(np.searchsorted(y_values, points[paths[1]][i]))
            data[row, col] = stats.centre[i]
            half[row, col] = (stats.ci_high[i] - stats.ci_low[i]) / 2
        low, high = colour_range(data, stats.share)
        image = axis.imshow(
            data,
            origin="lower",
            aspect="auto",
            cmap="Reds" if stats.share else "viridis",
            vmin=low,
            vmax=high,
        )
        axis.set_xticks(range(x_values.size), [f"{v:.3g}" for v in x_values])
        axis.set_yticks(range(y_values.size), [f"{v:.3g}" for v in y_values])
        axis.set_xlabel(input_label(paths[0], names))
        axis.set_ylabel(input_label(paths[1], names))
        fmt = "{:.0%}\n±{:.0%}" if stats.share else "{:,.0f}\n±{:,.0f}"
        for (row, col), value in np.ndenumerate(data):
            if not np.isnan(value):
                # Dark text on light cells, light text on dark ones.
                red, green, blue, _ = image.cmap(image.norm(value))
                shade = "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.5 else "white"
                axis.text(
                    col,
                    row,
                    fmt.format(value, half[row, col]),
                    ha="center",
                    va="center",
                    fontsize=size,
                    color=shade,
                )
        what = outcome_title(outcome)
        figure.colorbar(image, ax=axis, label=what if stats.share else f"{what}: median")
        axis.set_title(
            f"{outcome_title(outcome)} (± 95% interval of the {'share' if stats.share else 'median'})",
            fontsize=9.5,
        )
    figure.suptitle(title, fontsize=11)
    return figure


@styled
def main_effects(
    points: dict, paths: list[str], panels: list[tuple[str, PointStats]], scenario: Scenario, title: str
) -> Figure:
    """Return, for a grid of three or more inputs, each input's main effect on each outcome.

    For each level of an input: the mean over the grid's other inputs of the points' medians (or shares),
    with the spread of those points as a band; levels joined in order of the input, so there are no
    zig-zags from joining points in the order they were run.
    """
    names = input_names(scenario, paths)
    figure, axes = subplots(
        len(panels),
        len(paths),
        figsize=(4.2 * len(paths), 3.6 * len(panels) + 0.8),
        layout="constrained",
        squeeze=False,
    )
    for row, (outcome, stats) in enumerate(panels):
        colour = SHARE if stats.share else MEDIAN
        for col, path in enumerate(paths):
            axis = axes[row][col]
            x = np.asarray(points[path], dtype=float)
            levels = np.unique(x)
            means = np.array([np.nanmean(stats.centre[x == level]) for level in levels])
            lows = np.array([np.nanmin(stats.centre[x == level]) for level in levels])
            highs = np.array([np.nanmax(stats.centre[x == level]) for level in levels])
            axis.fill_between(
                levels, lows, highs, color=colour, alpha=0.15, label="range over the other inputs"
            )
            axis.plot(levels, means, "o-", color=colour, label="mean over the other inputs")
            _share_axis(axis, stats)
            axis.set_xlabel(input_label(path, names))
            if col == 0:
                axis.set_ylabel(f"{outcome_title(outcome)}:\n{'share' if stats.share else 'median'} of runs")
            axis.grid(alpha=0.3)
            if row == 0 and col == 0:
                axis.legend(fontsize=8)
    figure.suptitle(
        title + "\nmain effects: each input's levels, averaged over the grid's other inputs", fontsize=11
    )
    return figure
