"""The validation figure: the fan chart of held area with the observations and both naive forecasts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from sim.analysis.observed import ObservedArea
from sim.analysis.scoring import LEVELS
from sim.analysis.validation import CalibrationPoint, line_forecast, persistence_forecast
from sim.plots.style import (
    BANDS,
    LINE_COLOUR,
    MEDIAN_COLOUR,
    OBSERVED_COLOUR,
    PERSISTENCE_COLOUR,
    style_time_axis,
    styled,
    subplots,
)
from sim.results.folder import RunFolder
from sim.results.readers import area_matrix, column_names, count_rows, read_column, table_path
from sim.scenario.schema import Scenario

BAND_COLOURS = dict(BANDS)


def _fan(run: RunFolder) -> tuple[np.ndarray, np.ndarray, str]:
    """Return the dates and a (runs, dates) array of held area for the fan chart, and where from.

    Every day from daily.parquet when there is one (from at most ``MAX_BAND_RUNS`` evenly spaced runs),
    else the dated outcome columns.
    """
    scenario = run.scenario
    if table_path(run.directory, "daily") is not None:
        days = scenario.horizon_days + 1
        matrix = area_matrix(run.directory, days)
        dates = np.datetime64(scenario.start, "D") + np.arange(days).astype("timedelta64[D]")
        total = count_rows(run.directory, "outcomes")
        basis = "every day"
        if len(matrix) < total:
            basis += f"; bands from {len(matrix):,} evenly spaced runs of {total:,}"
        return dates, matrix, basis
    dated: dict[dt.date, str] = {}
    names = column_names(run.directory, "outcomes")
    for column in names:
        if column.startswith("area_km2_on_"):
            try:
                dated[dt.date.fromisoformat(column.removeprefix("area_km2_on_"))] = column
            except ValueError:
                continue
    if "final_area_km2" in names:
        dated.setdefault(scenario.end, "final_area_km2")
    order = sorted(dated)
    matrix = np.column_stack([read_column(run.directory, "outcomes", dated[date]) for date in order])
    dates = np.array([np.datetime64(date, "D") for date in order])
    return dates, matrix, "dates kept in outcomes.parquet only"


def _naive_paths(
    scenario: Scenario, points: Sequence[CalibrationPoint]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return every day's date and both naive forecasts for it."""
    days = np.arange(scenario.horizon_days + 1)
    dates = [scenario.start + dt.timedelta(days=int(day)) for day in days]
    persistence = np.array([persistence_forecast(points, date) for date in dates])
    line = np.array([line_forecast(points, date) for date in dates])
    return np.datetime64(scenario.start, "D") + days.astype("timedelta64[D]"), persistence, line


# Over 60 lines: one figure drawn layer by layer on shared axes, whose parts share its scales, colours and
# legend.
@styled
def validation_chart(
    run: RunFolder,
    observations: Sequence[ObservedArea],
    points: Sequence[CalibrationPoint],
    result: dict[str, Any],
) -> Figure:
    """Return the fan chart of held area with the observations and both naive forecasts.

    Args:
        run: The run.
        observations: The observations scored.
        points: The scenario's calibration points (drawn, and the naive forecasts' basis).
        result: The validation document (for the summary line).
    """
    scenario = run.scenario
    dates, matrix, basis = _fan(run)
    figure, axis = subplots(figsize=(12.5, 6.4), layout="constrained")
    marker = "" if basis.startswith("every day") else "o"
    for level in sorted(LEVELS, reverse=True):
        low, high = np.nanquantile(matrix, [(1 - level) / 2, (1 + level) / 2], axis=0)
        axis.fill_between(
            dates, low, high, color=BAND_COLOURS[level], linewidth=0, label=f"middle {level:.0%} of runs"
        )
    axis.plot(
        dates,
        np.nanmedian(matrix, axis=0),
        color=MEDIAN_COLOUR,
        linewidth=2.2,
        marker=marker,
        label="median of runs",
    )
    naive_dates, persistence, line = _naive_paths(scenario, points)
    axis.plot(
        naive_dates,
        persistence,
        linestyle="--",
        color=PERSISTENCE_COLOUR,
        linewidth=1.6,
        label="naive: persistence\n(last known value)",
    )
    axis.plot(
        naive_dates,
        line,
        linestyle=(0, (6, 3, 1, 3)),
        color=LINE_COLOUR,
        linewidth=1.6,
        label="naive: least-squares line\nthrough known values",
    )
    axis.plot(
        [np.datetime64(point.date, "D") for point in points],
        [point.value for point in points],
        "D",
        color="black",
        markerfacecolor="none",
        markeredgewidth=1.6,
        markersize=11,
        zorder=8,
        label="known to the scenario:\nstart area, its own observations",
    )
    top = float(np.nanmax(matrix)) if matrix.size else 0.0
    top = max(top, max(point.value for point in points))
    for index, obs in enumerate(observations):
        low = obs.low if obs.low is not None else obs.value
        high = obs.high if obs.high is not None else obs.value
        top = max(top, high)
        axis.errorbar(
            [np.datetime64(obs.date, "D")],
            [obs.value],
            yerr=[[obs.value - low], [high - obs.value]],
            fmt="o",
            color=OBSERVED_COLOUR,
            markeredgecolor="black",
            markersize=8,
            capsize=6,
            elinewidth=2,
            zorder=7,
            label="observed\n(bar: 95% range, where given)" if index == 0 else None,
        )
    axis.set_ylim(0, top * 1.08)
    axis.set_ylabel("held area (km²)")
    axis.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    style_time_axis(axis, scenario)
    summary = result["summary"]
    naive = summary["naive"]
    figure.suptitle(
        f"{scenario.name}: held area against observations\nrun {run.name} · "
        f"{run.replications:,} runs · mean CRPS {summary['mean_crps']:,.0f} km² "
        f"(persistence {naive['persistence']['mean_crps']:,.0f}, line {naive['line']['mean_crps']:,.0f})",
        fontsize=11,
    )
    figure.legend(loc="outside right upper", fontsize=9, frameon=False, labelspacing=0.9)
    figure.supxlabel(
        f"Bands: on each date, the range holding the middle 50/80/95% of runs ({basis}). Naive forecasts use "
        "only values known before each date, so they jump where a new value becomes known.",
        fontsize=8,
        color="0.3",
        x=0.01,
        ha="left",
    )
    return figure
