"""Every reported figure against the model's distribution of the same quantity on its date.

One panel per observation, whatever it measures (total or sector held area, advance rate, a side's
strength): a histogram of the runs' values (the ``obs<i>_...`` outcome column), the report with its 95%
range, where it falls among the runs, and a flag when its whole range lies outside the middle 95% of runs.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.ticker as mticker
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.plots.style import (
    BANDS,
    MEDIAN_COLOUR,
    OBSERVED_COLOUR,
    fmt_date,
    observation_range,
    readable,
    styled,
    subplots,
    suptitle,
)
from sim.results.columns import observation_column
from sim.results.readers import read_column
from sim.scenario.schema import Observation, Scenario
from sim.scenario.units import METRIC_UNITS, printed


def observation_title(observation: Observation) -> str:
    """Name what an observation measures, with whose and where: "strength of russia", "held area (Sudzha)"."""
    if observation.metric == "area_km2":
        return "held area"
    if observation.metric == "sector_area_km2":
        return f"held area of {readable(str(observation.sector))}"
    if observation.metric == "strength":
        return f"strength of {observation.side}"
    if observation.metric == "losses":
        return f"losses of {observation.side}"
    where = f" in {readable(observation.sector)}" if observation.sector else ""
    return f"advance{where}"


def observation_samples(run: Path, scenario: Scenario) -> dict[int, np.ndarray]:
    """Return every run's value of each observation (its outcome column), by observation index.

    Each column is read on its own, a row group at a time (nulls as NaN).
    """
    columns = [observation_column(i, scenario) for i in range(len(scenario.observations))]
    return {i: read_column(run, "outcomes", column) for i, column in enumerate(columns)}


# Over 60 lines: one figure drawn layer by layer on shared axes, whose parts share its scales, colours and
# legend.
@styled
def observations_chart(scenario: Scenario, samples: dict[int, np.ndarray]) -> Figure:
    """Return one panel per observation: the runs' values, the report with its range, and where it falls."""
    count = len(scenario.observations)
    columns = min(3, count)
    rows = math.ceil(count / columns)
    figure, axes = subplots(
        rows,
        columns,
        figsize=(max(9.0, 5.2 * columns), 3.7 * rows + 1.2),
        layout="constrained",
        squeeze=False,
    )
    runs = 0
    outside = 0
    for index, (axis, obs) in enumerate(zip(axes.flat, scenario.observations, strict=False)):
        values = samples.get(index, np.zeros(0))
        values = values[np.isfinite(values)]
        runs = max(runs, values.size)
        unit = printed(METRIC_UNITS[obs.metric])
        low, high, _ = observation_range(obs, unit)
        if values.size:
            span_low = min(float(values.min()), low)
            span_high = max(float(values.max()), high)
            edges = np.linspace(span_low, span_high + 1e-9 * max(abs(span_high), 1.0), 31)
            axis.hist(values, bins=list(edges), color=BANDS[1][1], edgecolor="white", linewidth=0.4, zorder=2)
            axis.axvline(float(np.median(values)), color=MEDIAN_COLOUR, linestyle="--", linewidth=1.2)
        axis.axvspan(low, high, color=OBSERVED_COLOUR, alpha=0.08, linewidth=0, zorder=0)
        axis.axvline(obs.value, color=OBSERVED_COLOUR, linewidth=2)
        share = float(np.mean(values <= obs.value)) if values.size else float("nan")
        band = np.quantile(values, [0.025, 0.975]) if values.size else (math.nan, math.nan)
        flag = ""
        if values.size and (band[1] < low or band[0] > high):
            outside += 1
            flag = "\nreported range outside the middle 95% of runs"
        when = f"on {fmt_date(obs.date)}"
        if obs.metric in ("advance_m_per_day", "advance_km", "losses"):
            when = f"from {fmt_date(obs.since or scenario.start)} to {fmt_date(obs.date)}"
        axis.set_title(
            f"{observation_title(obs)} {when}{flag}",
            fontsize=9.5,
            color=OBSERVED_COLOUR if flag else "black",
        )
        axis.set_xlabel(f"{observation_title(obs)} ({unit})")
        axis.set_ylabel("runs (count)")
        axis.text(
            0.02,
            0.97,
            f"reported {obs.value:,.0f} {unit}\n{share:.0%} of runs at or below it",
            transform=axis.transAxes,
            fontsize=8.5,
            va="top",
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
        )
        axis.grid(True, alpha=0.3)
        axis.xaxis.set_major_formatter(mticker.FuncFormatter(lambda x, _: f"{x:,.0f}"))
    for axis in axes.flat[count:]:
        axis.set_visible(False)
    handles = [
        Patch(color=BANDS[1][1], label="runs"),
        Line2D([], [], color=MEDIAN_COLOUR, linestyle="--", label="median of runs"),
        Line2D([], [], color=OBSERVED_COLOUR, linewidth=2, label="reported value"),
        Patch(color=OBSERVED_COLOUR, alpha=0.08, label="its 95% range"),
    ]
    figure.legend(
        handles=handles, loc="outside lower center", ncols=min(4, 2 * columns), fontsize=9, frameon=False
    )
    what = f"reported figures against the runs ({outside} of {count} outside the middle 95%)"
    suptitle(figure, what, scenario, f"{runs:,} runs")
    return figure
