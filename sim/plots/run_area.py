"""Figures of a run's held area: fan chart, survival, distribution on a date, crossing days.

Each function takes the scenario and arrays already read from the run folder and returns a figure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.analysis.survival import kaplan_meier
from sim.plots.style import (
    BANDS,
    MEDIAN_COLOUR,
    OBSERVED_COLOUR,
    Line2D,
    area_observations,
    date_number,
    day_dates,
    figure_legend,
    fmt_date,
    footnote,
    n_runs,
    observation_range,
    quantile_bands,
    runs_text,
    style_time_axis,
    styled,
    subplots,
    suptitle,
)
from sim.scenario.schema import Scenario


# Over 60 lines: one figure drawn layer by layer on shared axes, whose parts share its scales, colours and
# legend.
@styled
def fan_chart(
    scenario: Scenario,
    areas: np.ndarray,
    samples: int = 5,
    total: int | None = None,
    sample_ids: Sequence[int] | np.ndarray | None = None,
    dynamics: Sequence[dict[str, Any]] | None = None,
) -> Figure:
    """Return the fan chart of held area over dates: median, 50/80/95% bands, sample runs, observations.

    Args:
        scenario: The run's scenario (dates, observations).
        areas: Held area, shape (runs, days).
        samples: How many single runs to draw.
        total: Runs in the whole run, if ``areas`` holds only a subset.
        sample_ids: Replication numbers of the rows of ``areas`` (for the legend).
        dynamics: The held area of the same runs without the withdrawal rules, per month's first day
            (``date``, ``area_p50``), drawn as a dashed median: what the judgement rules change.
    """
    count = len(areas)
    dates = day_dates(scenario, areas.shape[1])
    figure, axis = subplots(figsize=(10, 6.8), layout="constrained")
    bands = quantile_bands(areas, [level for level, _ in BANDS])
    for level, colour in BANDS:
        axis.fill_between(
            dates, *bands[level], color=colour, linewidth=0, label=f"middle {level:.0%} of runs"
        )
    shown = min(samples, count)
    ids = list(sample_ids[:shown]) if sample_ids is not None else list(range(shown))
    for row in areas[:shown]:
        axis.plot(dates, row, color="0.25", linewidth=0.7, alpha=0.75)
    if shown:
        which = (
            f"replications {ids[0]}–{ids[-1]}" if ids == list(range(ids[0], ids[0] + shown)) else "examples"
        )
        axis.plot([], [], color="0.25", linewidth=0.7, label=f"{shown} single runs ({which})")
    axis.plot(dates, bands[0.0][0], color=MEDIAN_COLOUR, linewidth=2.2, label="median of runs")
    months = [row for row in dynamics or [] if "area_p50" in row]
    if months:
        axis.plot(
            [np.datetime64(row["date"], "D") for row in months],
            [row["area_p50"] for row in months],
            color=MEDIAN_COLOUR,
            linestyle="--",
            marker=".",
            linewidth=1.4,
            label="median without the withdrawal rules (the dynamics alone)",
        )
    top = max(scenario.initial_area_km2, float(np.nanmax(areas)) if areas.size else 0.0)
    reported = area_observations(scenario)
    # One legend entry for every report (each range said once): the markers show each date and value.
    kinds = dict.fromkeys(
        "±1.96 × sd" if obs.sd is not None else observation_range(obs)[2] for obs in reported
    )
    for index, obs in enumerate(reported):
        low, high, _ = observation_range(obs)
        top = max(top, high)
        axis.errorbar(
            [np.datetime64(obs.date, "D")],
            [obs.value],
            yerr=[[obs.value - low], [high - obs.value]],
            fmt="o",
            color=OBSERVED_COLOUR,
            markersize=7,
            capsize=5,
            elinewidth=1.8,
            zorder=5,
            label=f"reported held area ({len(reported)}); bar: its 95% range ({', '.join(kinds)})"
            if index == 0
            else "_nolegend_",
        )
    axis.set_ylim(0, top * 1.05)
    axis.set_ylabel("held area (km²)")
    style_time_axis(axis, scenario)
    suptitle(figure, "area held by the defender", scenario, runs_text(total or count, count))
    # Under the axes, not on them: no corner of a fan chart is free of its bands for long.
    figure_legend(figure, [axis], columns=2)
    footnote(
        figure,
        "Bands: on each day, the range holding the middle 50/80/95% of runs' held area; the median is "
        "taken day by day, so it is not itself one run.",
        under=axis,
    )
    return figure


@styled
def survival_chart(
    scenario: Scenario, crossings: dict[float, np.ndarray], confidence: float = 0.95
) -> Figure:
    """Return the Kaplan-Meier probability that the held area has not yet fallen below each X, by date.

    Args:
        scenario: The run's scenario (dates, horizon).
        crossings: Threshold X to every run's first day below X (NaN if never: censored at the horizon).
        confidence: Level of the Greenwood confidence band.
    """
    figure, axis = subplots(figsize=(12, 5.8), layout="constrained")
    horizon = scenario.horizon_days
    dates = day_dates(scenario, horizon + 1)
    colours = matplotlib.colormaps["viridis"](np.linspace(0.0, 0.85, max(len(crossings), 1)))
    half = round(scenario.initial_area_km2 / 2.0, 6)
    runs = 0
    for (threshold, days), colour in zip(crossings.items(), colours, strict=False):
        curve = kaplan_meier(days, horizon, threshold, confidence)
        runs = max(runs, curve.runs)
        axis.fill_between(dates, curve.low, curve.high, step="post", color=colour, alpha=0.25, linewidth=0)
        name = f"{threshold:,.0f}" if threshold >= 10 else f"{threshold:,g}"
        extra = " (half the start)" if np.isclose(threshold, half) else ""
        label = f"{name} km²{extra}\n{n_runs(curve.crossed)} crossed, {curve.censored:,} never crossed"
        axis.step(dates, curve.sf, where="post", color=colour, linewidth=2, label=label)
    axis.axhline(0.5, color="0.4", linewidth=0.8, linestyle=":")
    axis.text(
        date_number(scenario, horizon),
        0.51,
        "50%: median crossing date",
        ha="right",
        va="bottom",
        fontsize=8,
    )
    axis.fill_between([], [], [], color="0.6", alpha=0.35, label=f"{confidence:.0%} confidence band")
    axis.set_ylim(0, 1.02)
    axis.set_ylabel("probability held area not yet below X (0–1)")
    style_time_axis(axis, scenario)
    suptitle(figure, "chance the held area has not yet fallen below X km²", scenario, f"{runs:,} runs")
    figure.legend(
        loc="outside right upper",
        fontsize=9,
        title="held area not yet below",
        title_fontsize=9,
        labelspacing=0.9,
    )
    footnote(
        figure,
        f"Kaplan–Meier estimate (scipy.stats.ecdf); runs that never fell below X are censored at the end "
        f'date {scenario.end}. Band: pointwise {confidence:.0%} Greenwood interval. "Fallen below" means '
        "at least once: ground won back later does not count.",
    )
    return figure


# Over 60 lines: one figure drawn layer by layer on shared axes, whose parts share its scales, colours and
# legend.
@styled
def area_distribution(scenario: Scenario, values: np.ndarray, date: dt.date) -> Figure:
    """Return a histogram of the held area on ``date`` across runs, with the ECDF on a second axis.

    Args:
        scenario: The run's scenario (observations on that date are drawn).
        values: Each run's held area on that date.
        date: The date.
    """
    figure, axis = subplots(figsize=(10, 5.8), layout="constrained")
    values = np.asarray(values, dtype=float)
    top = max(float(values.max()) if values.size else 0.0, 1.0)
    bins = np.linspace(0.0, top * 1.0001, 41)
    axis.hist(
        values, bins=list(bins), color=BANDS[1][1], edgecolor="white", linewidth=0.5, label="runs per bin"
    )
    axis.set_xlabel(f"held area on {fmt_date(date)} (km²)")
    axis.set_ylabel(f"runs per {bins[1] - bins[0]:,.0f} km² bin (count)")
    axis.grid(True, alpha=0.3)
    ecdf = axis.twinx()
    ordered = np.sort(values)
    ecdf.step(
        np.concatenate([[0.0], ordered]),
        np.arange(ordered.size + 1) / max(ordered.size, 1),
        where="post",
        color=MEDIAN_COLOUR,
        linewidth=1.8,
    )
    ecdf.set_ylim(0, 1.02)
    ecdf.set_ylabel("share of runs at or below (0–1)")
    handles = [
        Patch(color=BANDS[1][1], label="runs per bin (left axis)"),
        Line2D([], [], color=MEDIAN_COLOUR, linewidth=1.8, label="cumulative share of runs (right axis)"),
    ]
    if values.size:
        median = float(np.median(values))
        axis.axvline(median, color=MEDIAN_COLOUR, linestyle="--", linewidth=1.2)
        handles.append(Line2D([], [], color=MEDIAN_COLOUR, linestyle="--", label=f"median {median:,.0f} km²"))
        zero = int(np.sum(values <= 0))
        if zero:
            handles.append(Patch(color="none", label=f"{zero:,} runs hold nothing (0 km²)"))
    for obs in area_observations(scenario):
        if obs.date != date:
            continue
        low, high, how = observation_range(obs)
        axis.axvspan(low, high, color=OBSERVED_COLOUR, alpha=0.12, linewidth=0, zorder=0)
        axis.axvline(obs.value, color=OBSERVED_COLOUR, linewidth=2)
        share = float(np.mean(values <= obs.value)) if values.size else float("nan")
        handles.append(
            Line2D(
                [],
                [],
                color=OBSERVED_COLOUR,
                linewidth=2,
                label=f"reported {obs.value:,.0f} km² ({share:.0%} of runs at or below it)",
            )
        )
        handles.append(Patch(color=OBSERVED_COLOUR, alpha=0.12, label=f"its 95% range ({how})"))
    axis.set_xlim(0, top * 1.03)
    figure.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=9, frameon=False)
    suptitle(figure, f"held area on {fmt_date(date)}", scenario, f"{values.size:,} runs")
    return figure
