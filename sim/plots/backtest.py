"""The backtest figure: for each origin, the forecast of held area, what was known, and what came after."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.analysis.forecast import known_points, observed_range
from sim.analysis.validation import line_forecast, persistence_forecast
from sim.experiments.backtest import BacktestResult, OriginResult
from sim.plots.style import (
    BANDS,
    LINE_COLOUR,
    MEDIAN_COLOUR,
    OBSERVED_COLOUR,
    PERSISTENCE_COLOUR,
    date_number,
    day_dates,
    figure_legend,
    fmt_date,
    footnote,
    quantile_bands,
    save,
    style_time_axis,
    styled,
    subplots,
)
from sim.results.readers import daily_matrices
from sim.scenario.schema import Scenario

KNOWN_COLOUR = "black"


IN_SAMPLE = ("0.88", "0.78", "0.66")
"""Greys of the 95/80/50% bands before the origin: the runs there replay the dates calibrated on."""


def _panel(axis: Axes, origin: OriginResult) -> None:
    scenario = origin.scenario
    days = scenario.horizon_days + 1
    areas = daily_matrices(origin.run_directory, ["area_km2"], days).values["area_km2"]
    forecast_panel(axis, scenario, origin.origin, areas, origin.summary)


# Over 60 lines: one panel drawn layer by layer (bands, median, in-sample runs, naive forecasts, reports) on
# one axis and its scales.
def forecast_panel(
    axis: Axes, scenario: Scenario, origin: dt.date, areas: np.ndarray, summary: dict[str, Any]
) -> None:
    """Draw one origin's panel: its runs, what was known, what came after, the naive forecasts.

    The runs are grey up to the origin (in-sample: they replay the dates calibrated on) and blue after it
    (the forecast).

    Args:
        axis: The axes.
        scenario: The scenario as calibrated at this origin.
        origin: The origin date.
        areas: Held area of the origin's runs, shape (runs, days).
        summary: The origin's scores by quantity (``held area``: mean CRPS and the naive forecasts').
    """
    dates = day_dates(scenario, areas.shape[1])
    bands = quantile_bands(areas, [level for level, _ in BANDS])
    split = int(min(max(scenario.day_of(origin), 0), areas.shape[1] - 1))
    before, after = slice(0, split + 1), slice(split, None)
    for (level, colour), grey in zip(BANDS, IN_SAMPLE, strict=True):
        lower, upper = bands[level]
        axis.fill_between(dates[before], lower[before], upper[before], color=grey, linewidth=0)
        label = f"forecast: middle {level:.0%}"
        axis.fill_between(dates[after], lower[after], upper[after], color=colour, linewidth=0, label=label)
    median = bands[0.0][0]
    axis.plot(dates[before], median[before], color="0.35", linewidth=2, label="before the origin: in-sample")
    axis.plot(dates[after], median[after], color=MEDIAN_COLOUR, linewidth=2, label="forecast: median")
    area_observations = [obs for obs in scenario.observations if obs.metric == "area_km2"]
    later = [obs for obs in area_observations if obs.date > origin]
    known = [obs for obs in area_observations if obs.date <= origin]
    for group, colour, face, label in (
        (known, KNOWN_COLOUR, KNOWN_COLOUR, "known at the origin (calibrated on)"),
        (later, OBSERVED_COLOUR, "white", "reported after the origin (scored)"),
    ):
        for index, obs in enumerate(group):
            low, high = observed_range(obs)
            axis.errorbar(
                [np.datetime64(obs.date, "D")],
                [obs.value],
                yerr=[[obs.value - low], [high - obs.value]],
                fmt="o",
                color=colour,
                markerfacecolor=face,
                markersize=7,
                capsize=4,
                zorder=6,
                label=label if index == 0 else None,
            )
    if later:
        points = known_points(scenario, later[0], origin)
        naive_days = [origin + dt.timedelta(days=d) for d in range(0, (scenario.end - origin).days + 1)]
        naive_dates = [np.datetime64(day, "D") for day in naive_days]
        axis.plot(
            naive_dates,
            [persistence_forecast(points, day + dt.timedelta(days=1)) for day in naive_days],
            "--",
            color=PERSISTENCE_COLOUR,
            linewidth=1.4,
            label="naive: persistence",
        )
        axis.plot(
            naive_dates,
            [line_forecast(points, day + dt.timedelta(days=1)) for day in naive_days],
            linestyle=(0, (6, 3, 1, 3)),
            color=LINE_COLOUR,
            linewidth=1.4,
            label="naive: straight line through known values",
        )
    at = date_number(scenario, scenario.day_of(origin))
    axis.axvline(at, color="0.2", linewidth=1.2, linestyle=":")
    top = max(float(np.nanmax(areas)) if areas.size else 0.0, scenario.initial_area_km2)
    axis.text(at, top * 1.02, f" origin {fmt_date(origin)}", fontsize=9, va="bottom")
    axis.set_ylim(0, top * 1.12)
    axis.set_ylabel("held area (km²)")
    area_summary = summary.get("held area")
    if area_summary:
        naive = area_summary["naive"]
        line = naive["line"]["mean_crps"]
        persistence = naive["persistence"]["mean_crps"]
        axis.set_title(
            f"origin {fmt_date(origin)}: mean CRPS of later held area "
            f"{area_summary['mean_crps']:,.0f} km² "
            f"(persistence {_km2(persistence)}, straight line {_km2(line)})",
            fontsize=10,
        )
    style_time_axis(axis, scenario)


def _km2(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


@styled
def backtest_chart(result: BacktestResult) -> Figure:
    """Return a panel per origin: forecast of held area, known and later observations, naive forecasts."""
    count = len(result.origins)
    figure, axes = subplots(count, 1, figsize=(11, 4.2 * count + 0.8), layout="constrained", squeeze=False)
    for axis, origin in zip(axes[:, 0], result.origins, strict=True):
        _panel(axis, origin)
    # Under the panels, so that it hides none of the forecasts or the naive lines.
    figure_legend(figure, [axes[0, 0]], columns=3)
    figure.suptitle(
        f"{result.scenario.name}: backtest — calibrated on what was known at each origin, "
        "scored on what came after",
        fontsize=11,
    )
    footnote(
        figure,
        "Each forecast is a run of the scenario with its calibrate: inputs drawn from the posterior "
        "fitted to the observations on or before the origin; before the origin (grey) the runs replay "
        "the dates calibrated on, in-sample. Bars: each report's 95% range. Naive "
        "forecasts use only values known at the origin (the start area and earlier reports).",
        under=axes[-1, 0],
    )
    return figure


def write_backtest_plot(result: BacktestResult, fmt: str = "png") -> Path:
    """Write ``plots/backtest.<fmt>`` into the backtest folder."""
    folder = result.directory / "plots"
    folder.mkdir(parents=True, exist_ok=True)
    return save(backtest_chart(result), folder / f"backtest.{fmt}")
