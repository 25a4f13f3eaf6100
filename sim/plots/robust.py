"""Figures of a study (``sim robust``): regret, the trade-off between two outcomes, satisficing, failures.

* ``robust_regret``: one panel per outcome, each lever's regret across futures as a box (the middle
  half of futures, whiskers to the least and greatest), its 90th percentile and maximum marked;
* ``robust_tradeoff``: the first two outcomes against each other, one point per lever and future, each
  lever's mean across futures large;
* ``robust_satisficing``: each lever's share of futures meeting every goal with its 95% Monte Carlo
  interval, and its share for each goal;
* ``robust_failures``: one panel per lever, the futures on the two uncertainties its PRIM box limits
  most, those in which it misses a goal filled, the box drawn.

Everything is read from the study folder's files (``per_future.parquet``, ``robustness.parquet``,
``study.json``, ``failures.json``), so ``sim plot`` redraws them without computing anything again.
"""

from __future__ import annotations

import inspect
import json
import math
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from sim.errors import InputError
from sim.plots.compare import colour
from sim.plots.discovery import BOX_COLOUR, unit_of
from sim.plots.style import OBSERVED_COLOUR, footnote, save, styled, subplots

HORIZONTAL: dict[str, Any] = (
    {"orientation": "horizontal"}
    if "orientation" in inspect.signature(Axes.boxplot).parameters
    else {"vert": False}
)
"""Horizontal boxes, in the words of the matplotlib installed (``vert`` was deprecated in 3.11)."""
FIGURES = ("robust_regret", "robust_tradeoff", "robust_satisficing", "robust_failures")
"""The study's figures, in the order the report shows them."""
MAX_PANELS = 16


def _read(directory: Path) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame, list[dict[str, Any]] | None]:
    """Return a finished study's ``study.json``, per-future and robustness tables and failures.

    Raises:
        InputError: If the study has not been finished (its files are missing or damaged).
    """
    try:
        summary = json.loads((directory / "study.json").read_text(encoding="utf-8"))
        per_future = pd.read_parquet(directory / "per_future.parquet")
        robustness = pd.read_parquet(directory / "robustness.parquet")
        failures_path = directory / "failures.json"
        failures = json.loads(failures_path.read_text(encoding="utf-8")) if failures_path.is_file() else None
    except (OSError, ValueError) as exc:
        raise InputError(
            f"the study's results are missing or damaged ({type(exc).__name__}); finish it with "
            f"sim robust --resume {directory}, or run it again",
            str(directory),
        ) from None
    return summary, per_future, robustness, failures


def _title(summary: dict[str, Any], what: str) -> str:
    return (
        f"{summary['name']}: {what} ({len(summary['levers'])} levers x {summary['futures']} futures x "
        f"{summary['replications']} replications)"
    )


def _label(outcome: dict[str, Any]) -> str:
    return f"{outcome['name']} ({outcome['column']})"


@styled
def regret_figure(summary: dict[str, Any], per_future: pd.DataFrame) -> Figure:
    """Each lever's regret across futures, one panel per outcome."""
    outcomes = summary["outcomes"][:MAX_PANELS]
    levers = [lever["name"] for lever in summary["levers"]]
    columns = min(2, len(outcomes))
    rows = math.ceil(len(outcomes) / columns)
    figure, axes = subplots(
        rows, columns, figsize=(6.2 * columns, 0.55 * len(levers) * rows + 2.2 * rows), layout="constrained"
    )
    flat = np.atleast_1d(axes).ravel()
    for axis, outcome in zip(flat, outcomes, strict=False):
        data = [
            per_future.loc[per_future["lever"] == lever, f"{outcome['name']}_regret"].to_numpy()
            for lever in levers
        ]
        positions = np.arange(len(levers))[::-1]
        parts = axis.boxplot(
            data, positions=positions, whis=(0, 100), widths=0.5, patch_artist=True, **HORIZONTAL
        )
        for index, box in enumerate(parts["boxes"]):
            box.set_facecolor(colour(index))
            box.set_alpha(0.35)
        for index, values in enumerate(data):
            y = positions[index]
            axis.plot(np.percentile(values, 90), y, marker="|", markersize=14, color="0.15")
            axis.plot(values.max(), y, marker="v", markersize=7, color=OBSERVED_COLOUR)
        axis.set_yticks(positions, levers)
        unit = _unit(outcome)
        axis.set_xlabel(f"regret{f' ({unit})' if unit else ''}: how far below the best lever in a future")
        axis.set_title(textwrap.fill(_label(outcome) + f", {outcome['better']} is better", 60), fontsize=10)
        axis.set_xlim(left=0)
        axis.grid(axis="x", color="0.9")
    for axis in flat[len(outcomes) :]:
        axis.set_visible(False)
    figure.suptitle(_title(summary, "regret across futures"), fontsize=11)
    footnote(
        figure,
        "Each box holds the middle half of the futures (its line the median), its whiskers the least and "
        "the greatest regret; a black bar marks the 90th percentile, a red triangle the maximum. Regret is "
        "0 for the best lever of a future.",
    )
    return figure


def _unit(outcome: dict[str, Any]) -> str:
    column = outcome["column"]
    if column.startswith(("area_km2_on_", "final_area_km2")):
        return "km²"
    if column.startswith("day_below_"):
        return "days"
    if column.startswith("withdrawal_began_by_"):
        return "share of runs"
    if column.startswith("casualties_"):
        return "personnel"
    return "m/day" if column == "advance_m_per_day" else ""


@styled
def tradeoff_figure(summary: dict[str, Any], per_future: pd.DataFrame) -> Figure | None:
    """The first two outcomes against each other across futures, one colour per lever."""
    if len(summary["outcomes"]) < 2:
        return None
    x, y = summary["outcomes"][:2]
    figure, axis = subplots(figsize=(8.5, 6.5), layout="constrained")
    for index, lever in enumerate(lever["name"] for lever in summary["levers"]):
        mine = per_future[per_future["lever"] == lever]
        axis.scatter(mine[x["name"]], mine[y["name"]], s=16, alpha=0.55, color=colour(index), label=lever)
        axis.scatter(
            mine[x["name"]].mean(), mine[y["name"]].mean(), s=140, marker="D", color=colour(index),
            edgecolor="black", linewidth=0.8, zorder=3,
        )  # fmt: skip
    for axis_name, outcome in (("x", x), ("y", y)):
        unit = _unit(outcome)
        label = f"{_label(outcome)}{f', {unit}' if unit else ''} ({outcome['better']} is better)"
        (axis.set_xlabel if axis_name == "x" else axis.set_ylabel)(textwrap.fill(label, 60))
    for goal in summary.get("goals") or []:
        for outcome, line in ((x, axis.axvline), (y, axis.axhline)):
            if goal["outcome"] == outcome["name"]:
                line(
                    goal["threshold"],
                    color="0.3",
                    linestyle="--",
                    linewidth=1,
                    label=f"goal {goal['name']}" + (" (on each run)" if goal.get("in_share") else ""),
                )
    axis.grid(color="0.92")
    axis.legend(fontsize=9, title="lever (diamond: mean across futures)", title_fontsize=9)
    axis.set_title(textwrap.fill(_title(summary, "trade-off across futures"), 80), fontsize=11)
    footnote(figure, "Each small point is one lever in one future: the mean over its replications.")
    return figure


@styled
def satisficing_figure(summary: dict[str, Any], robustness: pd.DataFrame) -> Figure | None:
    """Each lever's share of futures meeting every goal (95% interval), and its share for each goal."""
    goals = summary.get("goals") or []
    if not goals:
        return None
    levers = [lever["name"] for lever in summary["levers"]]
    figure, axis = subplots(figsize=(8.5, 1.0 + 0.65 * len(levers)), layout="constrained")
    positions = np.arange(len(levers))[::-1]
    every = robustness[robustness["metric"] == "satisficing"].set_index("lever").loc[levers]
    error = np.vstack([every["value"] - every["low"], every["high"] - every["value"]]) * 100
    axis.barh(
        positions, every["value"] * 100, color=[colour(i) for i in range(len(levers))], alpha=0.7, height=0.55
    )
    axis.errorbar(
        every["value"] * 100, positions, xerr=np.clip(error, 0, None), fmt="none", ecolor="black", capsize=4
    )
    markers = ("o", "s", "^", "D", "v", "P", "X", "*")
    for g, goal in enumerate(goals):
        shares = robustness[(robustness["metric"] == "goal") & (robustness["goal"] == goal["name"])]
        shares = shares.set_index("lever").loc[levers]
        axis.scatter(
            shares["value"] * 100, positions + 0.3, marker=markers[g % len(markers)], color="0.25", s=30,
            label=f"{goal['name']}: {goal['in_words']}", zorder=3,
        )  # fmt: skip
    axis.set_yticks(positions, levers)
    axis.set_xlim(0, 100)
    axis.grid(axis="x", color="0.9")
    axis.set_title(textwrap.fill(_title(summary, "futures meeting every goal (bars)"), 80), fontsize=11)
    figure.legend(
        fontsize=8,
        loc="outside lower center",
        title="each goal alone (markers)",
        title_fontsize=8,
        frameon=False,
    )
    footnote(
        figure,
        "Bars: the share of futures in which the lever meets every goal, with its 95% Monte Carlo interval.",
    )
    return figure


@styled
def failures_figure(
    summary: dict[str, Any], per_future: pd.DataFrame, failures: list[dict[str, Any]] | None
) -> Figure | None:
    """One panel per lever: the futures on its box's two most limited uncertainties, failures filled."""
    if not failures or "all_goals_met" not in per_future.columns:
        return None
    paths = [u["path"] for u in summary["uncertainties"]]
    names = {u["path"]: u["short_name"] for u in summary["uncertainties"]}
    if len(paths) < 2:
        return None
    shown = failures[:MAX_PANELS]
    columns = min(2, len(shown))
    rows = math.ceil(len(shown) / columns)
    figure, axes = subplots(
        rows, columns, figsize=(6.0 * columns, 4.6 * rows), layout="constrained", squeeze=False
    )
    for axis, failure in zip(axes.ravel(), shown, strict=False):
        box = failure.get("box")
        limited = [limit["uncertainty"] for limit in box["limits"]] if box else []
        pair = (limited + [p for p in paths if p not in limited])[:2]
        mine = per_future[per_future["lever"] == failure["lever"]]
        missed = ~mine["all_goals_met"].to_numpy(dtype=bool)
        x, y = mine[pair[0]].to_numpy(), mine[pair[1]].to_numpy()
        axis.scatter(
            x[~missed], y[~missed], facecolor="none", edgecolor="0.35", s=30, label="meets every goal"
        )
        axis.scatter(x[missed], y[missed], color=OBSERVED_COLOUR, s=30, label="misses a goal")
        if box:
            bounds = {limit["uncertainty"]: limit for limit in box["limits"]}
            (x0, x1), (y0, y1) = (_span(bounds.get(p), per_future[p]) for p in pair)
            axis.add_patch(
                Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor=BOX_COLOUR, linewidth=2)
            )
        axis.set_xlabel(_with(pair[0], names))
        axis.set_ylabel(_with(pair[1], names))
        axis.set_title(
            textwrap.fill(
                f"{failure['lever']}: misses a goal in {failure['futures_failed']} of "
                f"{failure['futures']} futures",
                55,
            ),
            fontsize=10,
        )
    for axis in axes.ravel()[len(shown) :]:
        axis.set_visible(False)
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    handles.append(Line2D([], [], color=BOX_COLOUR, linewidth=2))
    labels.append("PRIM box: where it fails most")
    figure.legend(handles, labels, loc="outside lower center", ncols=3, frameon=False, fontsize=9)
    figure.suptitle(_title(summary, "where each lever misses a goal"), fontsize=11)
    return figure


def _span(limit: dict[str, Any] | None, values: pd.Series) -> tuple[float, float]:
    low, high = float(values.min()), float(values.max())
    if limit is None:
        return low, high
    return (
        limit["lower"] if limit["lower"] is not None else low,
        limit["upper"] if limit["upper"] is not None else high,
    )


def _with(path: str, names: dict[str, str]) -> str:
    unit = unit_of(path)
    return f"{names.get(path, path)}{f' ({unit})' if unit else ''}"


def write_study_plots(directory: Path, fmt: str = "png") -> list[Path]:
    """Draw a finished study's figures into ``directory/plots``; return the files written.

    A figure with nothing to draw (one outcome, no goals, no failures) is skipped, and a file of that
    name left by an earlier drawing is removed.

    Raises:
        InputError: If the study has not been finished.
    """
    summary, per_future, robustness, failures = _read(directory)
    plots = directory / "plots"
    plots.mkdir(exist_ok=True)
    written: list[Path] = []
    for name, draw in (
        ("robust_regret", lambda: regret_figure(summary, per_future)),
        ("robust_tradeoff", lambda: tradeoff_figure(summary, per_future)),
        ("robust_satisficing", lambda: satisficing_figure(summary, robustness)),
        ("robust_failures", lambda: failures_figure(summary, per_future, failures)),
    ):
        path = plots / f"{name}.{fmt}"
        figure = draw()
        if figure is None:
            path.unlink(missing_ok=True)
            continue
        written.append(save(figure, path))
    return written
