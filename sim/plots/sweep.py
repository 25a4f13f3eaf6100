"""Figures of a sweep folder: the outcomes against the varied inputs (``sweep_grid``) and sensitivity indices.

``sweep_figures`` chooses the figures a design calls for; ``write_sweep_plots`` reads the folder and saves
them. An outcome left to its default that is the same at every point (the held area at the end, when every
run loses everything) is left out and said so.
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
from sim.plots.sweep_grid import SHARE, input_label, main_effects, one_input, outcome_title, two_inputs
from sim.results.columns import area_column, summary_date
from sim.results.files import read_json
from sim.results.folder import open_folder
from sim.results.locate import read_side_table
from sim.results.outputs import check_output_folder
from sim.results.readers import read_table
from sim.scenario.parameters import input_names
from sim.scenario.paths import reader_names
from sim.scenario.schema import Scenario


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


# Over 60 lines: one figure drawn layer by layer on shared axes, whose parts share its scales, colours and
# legend.
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
        labels = [input_label(r["input"], names) for r in entries]
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
