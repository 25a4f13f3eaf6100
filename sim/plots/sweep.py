"""Figures of a sweep folder: outcomes against varied inputs, heatmaps, main effects and sensitivity indices.

Every number a figure shows carries its Monte Carlo uncertainty (``sim.analysis.sweep_stats``): a 95%
interval of each point's median or share, as error bars or in the heatmap cells. A share is drawn on 0 to
1 (its colour scale too); any other outcome on the range its points span, so that differences between
points show, and each heatmap cell prints its value. An outcome left to its default that is the same at
every point (the held area at the end, when every run loses everything) is left out and said so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from sim.analysis.sweep_stats import PointStats, point_stats
from sim.experiments.sensitivity import WIDE_INTERVAL, convergence_issues
from sim.plots.style import save, styled, subplots
from sim.results.columns import area_column, summary_date
from sim.results.files import read_json
from sim.results.folder import open_folder
from sim.results.locate import read_side_table
from sim.results.outputs import check_output_folder
from sim.results.readers import read_table
from sim.scenario.parameters import input_names
from sim.scenario.paths import reader_names
from sim.scenario.schema import Scenario
from sim.scenario.units import field_unit, printed

MEDIAN = "#08306b"
SHARE = "#a50f15"


SHARE_LIMITS = (-0.03, 1.03)
"""A share's axis: 0 to 1 with room for markers and error bars at either end."""


def _label(path: str, names: dict[str, str]) -> str:
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


def informative(panels: list[tuple[str, PointStats]]) -> tuple[list[tuple[str, PointStats]], list[str]]:
    """Split panels into those that differ between points and the outcomes equal at every point."""
    kept, same = [], []
    for outcome, stats in panels:
        finite = stats.centre[np.isfinite(stats.centre)]
        if finite.size and np.ptp(finite) == 0.0:
            same.append(f"{outcome_title(outcome)}: {finite[0]:,.3g} at every point")
        else:
            kept.append((outcome, stats))
    return kept, same


def _share_axis(axis: Any, stats: PointStats) -> None:
    if stats.share:
        axis.set_ylim(*SHARE_LIMITS)


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
        axis.set_xlabel(_label(path, input_names(scenario, [path])))
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
        axis.set_xlabel(_label(paths[0], names))
        axis.set_ylabel(_label(paths[1], names))
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
            axis.set_xlabel(_label(path, names))
            if col == 0:
                axis.set_ylabel(f"{outcome_title(outcome)}:\n{'share' if stats.share else 'median'} of runs")
            axis.grid(alpha=0.3)
            if row == 0 and col == 0:
                axis.legend(fontsize=8)
    figure.suptitle(
        title + "\nmain effects: each input's levels, averaged over the grid's other inputs", fontsize=11
    )
    return figure


@styled
def indices_chart(results: dict, title: str, scenario: Scenario | None = None) -> Figure:
    """Return bar charts of sensitivity indices (Sobol' S1/ST or Morris mu*), two outcomes per row.

    Inputs are named by ``input_names`` of the scenario (``reader_names`` of the inputs without one).
    """
    outcomes = list(results)
    columns = min(2, len(outcomes))
    rows = math.ceil(len(outcomes) / columns)
    inputs = len(results[outcomes[0]])
    paths = [entry["input"] for entry in results[outcomes[0]]]
    names = input_names(scenario, paths) if scenario is not None else reader_names(paths)
    figure, axes = subplots(
        rows,
        columns,
        figsize=(7.5 * columns, (0.42 * inputs + 1.6) * rows + 0.8),
        layout="constrained",
        squeeze=False,
    )
    for axis, outcome in zip(axes.flat, outcomes, strict=False):
        entries = results[outcome]
        sobol = "ST" in entries[0]
        key = "ST" if sobol else "mu_star"
        entries = sorted(entries, key=lambda r: r[key])
        labels = [_label(r["input"], names) for r in entries]
        y = np.arange(len(entries))
        if sobol:
            axis.barh(
                y + 0.2,
                [r["ST"] for r in entries],
                0.4,
                xerr=[r["ST_conf"] for r in entries],
                color="#08519c",
                label="total (ST)",
            )
            axis.barh(
                y - 0.2,
                [r["S1"] for r in entries],
                0.4,
                xerr=[r["S1_conf"] for r in entries],
                color="#6baed6",
                label="first order (S1)",
            )
            axis.set_xlabel("Sobol' index (share of output variance), 95% CI")
        else:
            axis.barh(
                y,
                [r["mu_star"] for r in entries],
                0.6,
                xerr=[r["mu_star_conf"] for r in entries],
                color="#08519c",
                label="mu* (mean |elementary effect|)",
            )
            axis.set_xlabel("Morris mu*, in the outcome's unit, 95% CI")
        axis.set_yticks(y, labels, fontsize=8)
        axis.set_title(outcome_title(outcome), fontsize=10)
        axis.grid(axis="x", alpha=0.3)
        axis.legend(fontsize=8, loc="lower right")
        if any(convergence_issues(entry) for entry in entries):
            # Indices lie in [0, 1] once converged; wider bars are sampling noise, said where they show.
            axis.set_title(
                f"{outcome_title(outcome)}\nnot converged: intervals wider than ±{WIDE_INTERVAL} or S1 > ST",
                fontsize=10,
                color=SHARE,
            )
    for axis in axes.flat[len(outcomes) :]:
        axis.set_visible(False)
    figure.suptitle(title, fontsize=11)
    return figure


def shown_outcomes(scenario: Scenario, chosen: list[str]) -> list[str]:
    """The outcomes shown: those asked for, else the area on ``summary_date`` and at the end."""
    if chosen:
        return chosen
    return [
        area_column(summary_date(scenario)),
        "final_area_km2",
        f"withdrawal_began_by_{scenario.end.isoformat()}",
    ]


def sweep_panels(
    table: Any, scenario: Scenario, chosen: list[str], count: int
) -> tuple[list[tuple[str, PointStats]], list[str]]:
    """Return the outcomes to draw with their per-point statistics, and what was left out, in words.

    Outcomes asked for are all drawn; of the default ones (``shown_outcomes``), those equal at every point
    are left out.
    """
    panels = [
        (outcome, point_stats(table, scenario, outcome, count))
        for outcome in shown_outcomes(scenario, chosen)
    ]
    return (panels, []) if chosen else informative(panels)


@styled
def sweep_figures(
    points: dict[str, list[Any]],
    paths: list[str],
    panels: list[tuple[str, PointStats]],
    scenario: Scenario,
    title: str,
    design: str,
    left_out: Sequence[str] = (),
) -> Iterator[tuple[str, str, Figure]]:
    """Yield a sweep's figures, one at a time: file name (without suffix), caption, figure.

    Args:
        points: The design's points (``points.parquet``).
        paths: The varied inputs.
        panels: The outcomes drawn, with their per-point statistics (``sweep_panels``).
        scenario: The sweep's base scenario.
        title: The figures' title.
        design: ``grid``, ``lhs``, ``sobol`` or ``morris``.
        left_out: Outcomes not drawn, in words, said under each figure.
    """
    if not panels:
        return
    names = input_names(scenario, paths)
    drawn: Iterable[tuple[str, str, Figure]]
    if design == "grid" and len(paths) == 1:
        caption = (
            "Each outcome against the varied input: median with the 10–90% of runs and its 95% interval."
        )
        drawn = [("sweep_outcomes", caption, one_input(points, paths[0], panels, scenario, title, False))]
    elif design == "grid" and len(paths) == 2:
        caption = "Each outcome over the grid of the two varied inputs, each cell with its 95% interval."
        drawn = [("sweep_heatmap", caption, two_inputs(points, paths, panels, scenario, title))]
    elif design == "grid":
        caption = "Main effects: each input's levels, averaged over the grid's other inputs."
        drawn = [("sweep_main_effects", caption, main_effects(points, paths, panels, scenario, title))]
    else:
        drawn = (
            (
                f"sweep_{path.replace('.', '_')}",
                f"Each outcome against {names[path]}, the other inputs varying too: one dot per point "
                "(the median or share of its runs) and the median in each tenth of the input's range.",
                one_input(points, path, panels, scenario, title, True),
            )
            for path in paths
        )
    for name, caption, figure in drawn:
        if left_out:
            figure.supxlabel("not drawn, the same at every point: " + "; ".join(left_out), fontsize=8.5)
        yield name, caption, figure


def write_sweep_plots(directory: Path, fmt: str = "png", outcomes: list[str] | None = None) -> list[Path]:
    """Write a sweep folder's figures into ``directory/plots`` and return their paths.

    Args:
        directory: The sweep folder.
        fmt: ``png`` or ``svg``.
        outcomes: The outcomes to show (default: those the sweep was run with, else a standard set less
            those equal at every point).
    """
    folder = open_folder(directory, "read", kind="sweep")
    manifest, scenario = folder.manifest, folder.scenario
    points = read_side_table(directory, "points").to_pydict()
    paths: list[str] = manifest.varied or []
    sweep = manifest.sweep or {}
    design = sweep.get("design", "grid")
    count = len(points["point"])
    table = read_table(directory, "outcomes")
    panels, left_out = sweep_panels(table, scenario, list(outcomes or sweep.get("outcomes") or []), count)
    del table
    out = directory / "plots"
    check_output_folder(out, reads=directory, option="FOLDER")
    out.mkdir(exist_ok=True)
    title = f"{scenario.name}: {design} sweep, {count} points × {manifest.replications} runs"
    written = [
        save(figure, out / f"{name}.{fmt}")
        for name, _, figure in sweep_figures(points, paths, panels, scenario, title, design, left_out)
    ]
    sensitivity = directory / "sensitivity.json"
    if sensitivity.exists():
        results = read_json(sensitivity)
        written.append(save(indices_chart(results, title, scenario), out / f"sensitivity.{fmt}"))
    return written
