"""Figures of scenario discovery: PRIM's coverage/density trade-off, the chosen box, feature scores."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from sim.analysis.discovery import Cases, Discovery, Limit, describe_condition, number
from sim.plots.style import MEDIAN_COLOUR, OBSERVED_COLOUR, save, styled, subplots
from sim.scenario.units import field_unit, printed

BOX_COLOUR = "#e6550d"
RANGE_COLOUR = "#d9d9d9"


def unit_of(path: str) -> str | None:
    """Return the unit of a scenario field as printed, if known."""
    unit = field_unit(path)
    return None if unit is None else printed(unit)


def _with_unit(path: str, names: dict[str, str]) -> str:
    unit = unit_of(path)
    name = names.get(path, path)
    return f"{name} ({unit})" if unit else name


def _title(discovery: Discovery, cases: Cases) -> str:
    words = describe_condition(discovery.condition, cases.scenario)
    return textwrap.fill(f"{cases.scenario.name}: when does it happen? {words} ({discovery.condition})", 90)


@styled
def tradeoff_figure(discovery: Discovery, cases: Cases) -> Figure:
    """Coverage against density of every box on PRIM's trajectory, the chosen box marked."""
    rows = discovery.trajectory
    coverage = np.array([r["coverage"] for r in rows]) * 100
    density = np.array([r["density"] for r in rows]) * 100
    limited = np.array([r["restricted"] for r in rows])
    figure, axis = subplots(figsize=(8.5, 6.2), layout="constrained")
    axis.plot(coverage, density, color="0.75", linewidth=1, zorder=1)
    top = int(limited.max())
    colours = matplotlib.colormaps["viridis"].resampled(top + 1)
    norm = BoundaryNorm(np.arange(-0.5, top + 1.5), colours.N)
    dots = axis.scatter(coverage, density, c=limited, cmap=colours, norm=norm, s=28, zorder=2)
    bar = figure.colorbar(dots, ax=axis, ticks=np.arange(0, top + 1, max(1, (top + 1) // 10)))
    bar.set_label("inputs the box limits")
    axis.axhline(
        discovery.threshold * 100,
        color="0.4",
        linestyle="--",
        linewidth=1,
        label=f"density threshold ({discovery.threshold:.0%})",
    )
    box = discovery.box
    axis.scatter(
        [box.coverage * 100],
        [box.density * 100],
        s=180,
        facecolors="none",
        edgecolors=OBSERVED_COLOUR,
        linewidths=2,
        zorder=3,
        label=f"chosen: box {box.index} (coverage {box.coverage:.0%}, density {box.density:.0%}, "
        f"{len(box.limits)} inputs limited)",
    )
    share = discovery.of_interest / discovery.total
    axis.axhline(
        share * 100, color=MEDIAN_COLOUR, linestyle=":", linewidth=1, label=f"all runs ({share:.0%})"
    )
    axis.set_xlabel("coverage: share of the runs meeting the condition that are in the box (%)")
    axis.set_ylabel("density: share of the box's runs meeting the condition (%)")
    axis.set_xlim(-2, 102)
    axis.set_ylim(0, 102)
    axis.grid(True, alpha=0.3)
    axis.legend(loc="lower left", fontsize=9)
    figure.suptitle(
        _title(discovery, cases) + f"\nPRIM's peeling and pasting trajectory: {len(rows)} boxes, "
        f"{discovery.total:,} runs",
        fontsize=11,
    )
    return figure


def _limit_panel(axis: Axes, limits: tuple[Limit, ...], names: dict[str, str]) -> None:
    rows = len(limits)
    for row, limit in enumerate(limits):
        y = rows - 1 - row
        span = limit.maximum - limit.minimum or 1.0
        low, high = (limit.low - limit.minimum) / span, (limit.high - limit.minimum) / span
        axis.barh(y, 1, color=RANGE_COLOUR, height=0.55)
        axis.barh(y, high - low, left=low, color=BOX_COLOUR, height=0.55)
        axis.text(-0.02, y, number(limit.minimum), ha="right", va="center", fontsize=8, color="0.3")
        axis.text(1.02, y, number(limit.maximum), ha="left", va="center", fontsize=8, color="0.3")
        if limit.qp_low is not None:
            axis.text(low, y + 0.32, number(limit.low), ha="center", va="bottom", fontsize=8)
        if limit.qp_high is not None:
            axis.text(high, y + 0.32, number(limit.high), ha="center", va="bottom", fontsize=8)
    labels = []
    for limit in limits:
        ends = [p for p in (limit.qp_low, limit.qp_high) if p is not None]
        worst = max(ends) if ends else 1.0
        significance = "quasi-p < 0.001" if worst < 0.001 else f"quasi-p {worst:.2g}"
        labels.append(f"{_with_unit(limit.name, names)}\n{significance}{' n.s.' if worst >= 0.05 else ''}")
    axis.set_yticks(np.arange(rows)[::-1], labels, fontsize=8)
    axis.set_xlim(-0.16, 1.16)
    axis.set_ylim(-0.6, rows - 0.2)
    axis.set_xticks([0, 0.5, 1], ["lowest", "middle", "highest"])
    axis.set_xlabel(
        "position in the input's range over all runs (box in orange, numbers in the input's units)"
    )
    axis.set_title("the box's limits (largest cut first)", fontsize=10)


def _pair_panel(
    axis: Axes, figure: Figure, discovery: Discovery, cases: Cases, names: dict[str, str]
) -> None:
    first, second = discovery.box.limits[:2]
    x, y = cases.inputs[first.name], cases.inputs[second.name]
    pairs, where = np.unique(np.column_stack([x, y]), axis=0, return_inverse=True)
    where = where.ravel()
    share = np.bincount(where, weights=discovery.y.astype(float)) / np.bincount(where)
    order = np.argsort(share, kind="stable")
    size = 14 if len(pairs) <= 2000 else 5
    dots = axis.scatter(
        pairs[order, 0], pairs[order, 1], c=share[order], cmap="viridis", vmin=0, vmax=1, s=size, linewidths=0
    )
    bar = figure.colorbar(dots, ax=axis)
    bar.set_label("share of runs meeting the condition")
    axis.add_patch(
        Rectangle(
            (first.low, second.low),
            first.high - first.low,
            second.high - second.low,
            fill=False,
            edgecolor=BOX_COLOUR,
            linewidth=2.5,
            label=f"box {discovery.box.index}: its limits on these two inputs",
        )
    )
    axis.set_xlabel(_with_unit(first.name, names))
    axis.set_ylabel(_with_unit(second.name, names))
    axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize=8, frameon=False)
    repeated = " (each dot: the runs sharing these two values)" if len(pairs) < len(x) else ""
    axis.set_title(f"the two most cut inputs{repeated}", fontsize=10)


@styled
def box_figure(discovery: Discovery, cases: Cases, names: dict[str, str]) -> Figure:
    """The chosen box: its limits against each input's range, and the two most cut inputs' runs."""
    limits = discovery.box.limits
    pair = len(limits) >= 2
    height = max(4.8, 1.6 + 0.55 * len(limits))
    figure, axes = subplots(
        1, 2 if pair else 1, figsize=(14 if pair else 8, height), layout="constrained", squeeze=False
    )
    if limits:
        _limit_panel(axes[0, 0], limits, names)
    else:
        axes[0, 0].text(0.5, 0.5, "the box limits no input", ha="center", va="center")
        axes[0, 0].set_axis_off()
    if pair:
        _pair_panel(axes[0, 1], figure, discovery, cases, names)
    box = discovery.box
    figure.suptitle(
        _title(discovery, cases) + f"\nbox {box.index}: coverage {box.coverage:.0%}, density "
        f"{box.density:.0%}, {box.cases:,} of {discovery.total:,} runs",
        fontsize=11,
    )
    return figure


def outcome_label(outcome: str) -> str:
    """Return an outcome column (or the condition, as the first column) in words for an axis."""
    if any(op in outcome for op in "<>=!"):
        return f"the condition: {outcome}"
    if outcome.startswith("area_km2_on_"):
        date = dt.date.fromisoformat(outcome.removeprefix("area_km2_on_"))
        return f"area held on {date.day} {date:%b %Y} (km²)"
    if outcome.startswith("day_below_"):
        return f"days until below {outcome.removeprefix('day_below_')} km²"
    if outcome.startswith("casualties_"):
        return f"casualties, {outcome.removeprefix('casualties_')}"
    words = {
        "final_area_km2": "area held at the end (km²)",
        "withdrawal_began_by_end": "withdrawal began by the end (0/1)",
    }
    return words.get(outcome, outcome)


@styled
def scores_figure(
    scores: tuple[list[str], list[str], np.ndarray], names: dict[str, str], title: str
) -> Figure:
    """A heatmap of the feature scores, inputs (most important first) by outcomes."""
    inputs, outcomes, matrix = scores
    order = np.argsort(-np.nanmax(matrix, axis=1), kind="stable")
    values = matrix[order]
    figure, axis = subplots(
        figsize=(3.5 + 0.62 * len(outcomes), 2.6 + 0.34 * len(inputs)), layout="constrained"
    )
    image = axis.imshow(values, cmap="Blues", vmin=0, vmax=max(float(np.nanmax(values)), 1e-9), aspect="auto")
    bar = figure.colorbar(image, ax=axis, shrink=0.6)
    bar.set_label("feature score (extra trees; each column sums to 1)")
    threshold = 0.6 * float(np.nanmax(values))
    for (row, column), value in np.ndenumerate(values):
        if value >= 0.005:
            colour = "white" if value > threshold else "black"
            axis.text(column, row, f"{value:.2f}", ha="center", va="center", fontsize=7, color=colour)
    axis.set_yticks(np.arange(len(inputs)), [names.get(inputs[i], inputs[i]) for i in order], fontsize=8)
    axis.set_xticks(
        np.arange(len(outcomes)),
        [textwrap.fill(outcome_label(o), 28) for o in outcomes],
        rotation=60,
        ha="right",
        rotation_mode="anchor",
        fontsize=8,
    )
    axis.set_xlabel("outcome")
    axis.set_ylabel("input (most important first)")
    figure.suptitle(title, fontsize=11)
    return figure


def write_discovery_plots(
    out: Path,
    discovery: Discovery,
    cases: Cases,
    names: dict[str, str],
    scores: tuple[list[str], list[str], np.ndarray] | None,
) -> list[Path]:
    """Write ``discovery_tradeoff.png``, ``discovery_box.png`` and ``feature_scores.png``."""
    written = [
        save(tradeoff_figure(discovery, cases), out / "discovery_tradeoff.png"),
        save(box_figure(discovery, cases, names), out / "discovery_box.png"),
    ]
    if scores is not None:
        title = (
            f"{cases.scenario.name}: which inputs matter for each outcome (extra-trees feature scores, "
            f"{discovery.total:,} runs)"
        )
        written.append(
            save(scores_figure(scores, names, textwrap.fill(title, 90)), out / "feature_scores.png")
        )
    return written
