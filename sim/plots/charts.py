"""Interactive charts of a run: Plotly specs of its fan chart, survival, held-area distribution and forces.

Only summaries reach a chart (quantile bands, a few sample runs, histogram counts), never every
replication, so a chart stays small however large the run. What every chart shares (Plotly.js, the
layout, JSON for a page) is in ``charts_spec``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.analysis.summary import dynamics_only
from sim.analysis.survival import kaplan_meier
from sim.plots.charts_spec import (
    Spec,
    band_traces,
    dates_of,
    layout,
    numbers,
    observation_trace,
)

# Re-exported: the explorer reads Plotly.js's place and a chart's JSON from this module.
from sim.plots.charts_spec import plotly_js_path as plotly_js_path
from sim.plots.charts_spec import spec_json as spec_json
from sim.plots.style import BANDS, MEDIAN_COLOUR, OBSERVED_COLOUR, SIDE_COLOURS, area_observations
from sim.results.folder import RunFolder
from sim.results.readers import areas_on, crossing_days, daily_matrices

SAMPLE_RUNS = 5
"""Single runs drawn thinly on a fan chart (hidden until their legend entry is clicked)."""


# Over 60 lines: the traces of one chart in drawing order, sharing its dates and bands.
def fan_chart(run: RunFolder) -> Spec | None:
    """Return the held area over time: median, 50/80/95% bands, a few single runs, reported figures.

    None if the run kept no daily table.
    """
    if not run.has("daily"):
        return None
    scenario = run.scenario
    data = daily_matrices(run.directory, ["area_km2"], run.days)
    areas = data.values["area_km2"].astype(float)
    dates = dates_of(scenario, areas.shape[1])
    traces: list[dict[str, Any]] = []
    for level, colour in BANDS:
        low, high = np.nanquantile(areas, [(1 - level) / 2, (1 + level) / 2], axis=0)
        traces += band_traces(dates, low, high, colour, f"middle {level:.0%} of runs", "km²", f"band{level}")
    for row, replication in zip(areas[:SAMPLE_RUNS], data.replications[:SAMPLE_RUNS], strict=False):
        traces.append(
            {
                "type": "scatter",
                "x": dates,
                "y": numbers(row, 1),
                "mode": "lines",
                "line": {"color": "#404040", "width": 0.8},
                "name": f"replication {int(replication)}",
                "legendgroup": "single",
                "legendgrouptitle": {"text": "single runs"},
                "visible": "legendonly",
                "hovertemplate": f"replication {int(replication)}: %{{y:,.0f}} km²<extra></extra>",
            }
        )
    traces.append(
        {
            "type": "scatter",
            "x": dates,
            "y": numbers(np.nanmedian(areas, axis=0), 1),
            "mode": "lines",
            "line": {"color": MEDIAN_COLOUR, "width": 2.5},
            "name": "median of runs",
            "hovertemplate": "median %{y:,.0f} km²<extra></extra>",
        }
    )
    alone = dynamics_only(run.directory, scenario)
    months = [row for row in (alone or {}).get("by_month", []) if row.get("area_p50") is not None]
    if months:
        traces.append(
            {
                "type": "scatter",
                "x": [str(row["date"]) for row in months],
                "y": [round(float(row["area_p50"]), 1) for row in months],
                "mode": "lines+markers",
                "line": {"color": MEDIAN_COLOUR, "width": 1.4, "dash": "dash"},
                "marker": {"size": 5},
                "name": "median without the withdrawal rules (the dynamics alone)",
                "hovertemplate": "without the withdrawal rules: median %{y:,.0f} km²<extra></extra>",
            }
        )
    observed = observation_trace(scenario)
    if observed is not None:
        traces.append(observed)
    runs = f"{data.total:,} runs" + (f" (bands from {areas.shape[0]:,})" if data.subset else "")
    return {"data": traces, "layout": layout(f"{scenario.name}: held area, {runs}", "held area (km²)")}


def survival_chart(run: RunFolder, thresholds: Sequence[float]) -> Spec | None:
    """Return the Kaplan-Meier chance that the held area has not yet fallen below each threshold."""
    scenario = run.scenario
    crossings, _ = crossing_days(run.directory, scenario, list(thresholds))
    if not crossings:
        return None
    horizon = scenario.horizon_days
    dates = dates_of(scenario, horizon + 1)
    palette = ("#440154", "#3b528b", "#21918c", "#5ec962", "#b5de2b", "#fde725")
    traces: list[dict[str, Any]] = []
    for index, (threshold, days) in enumerate(crossings.items()):
        curve = kaplan_meier(days, horizon, threshold)
        colour = palette[index % len(palette)]
        name = f"below {threshold:,.0f} km²"
        group = f"t{index}"
        for edge, values in (("low", curve.low), ("high", curve.high)):
            traces.append(
                {
                    "type": "scatter",
                    "x": dates,
                    "y": numbers(values, 4),
                    "mode": "lines",
                    "line": {"width": 0, "shape": "hv", "color": colour},
                    "fill": "tonexty" if edge == "high" else None,
                    "fillcolor": _rgba(colour, 0.2),
                    "legendgroup": group,
                    "showlegend": False,
                    "hoverinfo": "skip",
                    "name": f"{name} 95% band ({edge})",
                }
            )
        traces.append(
            {
                "type": "scatter",
                "x": dates,
                "y": numbers(curve.sf, 4),
                "mode": "lines",
                "line": {"width": 2.2, "shape": "hv", "color": colour},
                "legendgroup": group,
                "name": f"not yet {name} ({curve.crossed:,} crossed, {curve.censored:,} never)",
                "hovertemplate": f"not yet {name}: %{{y:.1%}}<extra></extra>",
            }
        )
    spec_layout = layout(
        f"{scenario.name}: chance the held area has not yet fallen below X (Kaplan–Meier, 95% band)",
        "probability not yet below X",
    )
    spec_layout["yaxis"].update({"range": [0, 1.02], "tickformat": ".0%", "rangemode": "normal"})
    return {"data": traces, "layout": spec_layout}


def _rgba(colour: str, alpha: float) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def distribution_chart(run: RunFolder, date: dt.date) -> Spec | None:
    """Return a histogram of the held area across runs on ``date`` (None if the run kept none that day)."""
    scenario = run.scenario
    values = areas_on(run.directory, scenario, date)
    if values is None or not values.size:
        return None
    values = np.asarray(values, dtype=float)
    top = max(float(values.max()), 1.0)
    counts, edges = np.histogram(values, bins=np.linspace(0.0, top * 1.0001, 41))
    centres = (edges[:-1] + edges[1:]) / 2
    ranges = [[round(float(a)), round(float(b))] for a, b in zip(edges[:-1], edges[1:], strict=True)]
    traces: list[dict[str, Any]] = [
        {
            "type": "bar",
            "x": numbers(centres, 1),
            "y": counts.tolist(),
            "width": float(edges[1] - edges[0]),
            "marker": {"color": BANDS[1][1], "line": {"color": "white", "width": 0.5}},
            "customdata": ranges,
            "name": "runs per bin",
            "hovertemplate": "%{customdata[0]:,} to %{customdata[1]:,} km²: %{y:,} runs<extra></extra>",
        }
    ]
    shares = np.linspace(0.0, 1.0, 201)
    traces.append(
        {
            "type": "scatter",
            "x": numbers(np.quantile(values, shares), 1),
            "y": numbers(shares, 3),
            "yaxis": "y2",
            "mode": "lines",
            "line": {"color": MEDIAN_COLOUR, "width": 1.8, "shape": "hv"},
            "name": "cumulative share of runs (right axis)",
            "hovertemplate": "%{y:.1%} of runs at or below %{x:,.0f} km²<extra></extra>",
        }
    )
    median = float(np.median(values))
    shapes = [_vertical(median, MEDIAN_COLOUR, "dash")]
    for obs in area_observations(scenario):
        if obs.date == date:
            shapes.append(_vertical(float(obs.value), OBSERVED_COLOUR, "solid"))
    title = (
        f"{scenario.name}: held area on {date.day} {date:%b %Y}, {values.size:,} runs "
        f"(dashed: median {median:,.0f} km²; red: reported)"
    )
    spec_layout = layout(title, "runs per bin (count)", hovermode="closest", shapes=shapes, bargap=0)
    axis_title = f"held area on {date.isoformat()} (km²)"
    spec_layout["xaxis"] = {"title": {"text": axis_title}, "rangemode": "tozero"}
    spec_layout["yaxis2"] = {
        "title": {"text": "share of runs at or below (0–1)"},
        "overlaying": "y",
        "side": "right",
        "range": [0, 1.02],
        "tickformat": ".0%",
    }
    spec_layout["legend"] = {"orientation": "h", "x": 0, "y": -0.18}
    return {"data": traces, "layout": spec_layout}


def _vertical(x: float, colour: str, dash: str) -> dict[str, Any]:
    return {
        "type": "line",
        "x0": x,
        "x1": x,
        "yref": "paper",
        "y0": 0,
        "y1": 1,
        "line": {"color": colour, "width": 2, "dash": dash},
    }


def forces_chart(run: RunFolder) -> Spec | None:
    """Return each side's strength in theatre and cumulative casualties: median and middle 80% of runs."""
    if not run.has("daily"):
        return None
    scenario = run.scenario
    columns = [f"{what}_{side}" for side in scenario.sides for what in ("strength", "casualties")]
    data = daily_matrices(run.directory, columns, run.days)
    traces: list[dict[str, Any]] = []
    for index, side in enumerate(scenario.sides):
        colour = SIDE_COLOURS[index % len(SIDE_COLOURS)]
        for what, axis, dash in (("strength", "y", "solid"), ("casualties", "y2", "dot")):
            values = data.values[f"{what}_{side}"].astype(float)
            dates = dates_of(scenario, values.shape[1])
            low, median, high = np.nanquantile(values, [0.1, 0.5, 0.9], axis=0)
            group = f"{side}-{what}"
            name = f"{side} {what}"
            band = band_traces(dates, low, high, _rgba(colour, 0.18), f"{name}, 10–90%", "soldiers", group)
            for trace in band:
                trace["yaxis"] = axis
                traces.append(trace)
            traces.append(
                {
                    "type": "scatter",
                    "x": dates,
                    "y": numbers(median, 0),
                    "mode": "lines",
                    "line": {"color": colour, "width": 2, "dash": dash},
                    "legendgroup": group,
                    "name": f"{name} (median)",
                    "yaxis": axis,
                    "hovertemplate": f"{name}: median %{{y:,.0f}} soldiers<extra></extra>",
                }
            )
    spec_layout = layout(f"{scenario.name}: strength in theatre and casualties", "strength (soldiers)")
    spec_layout["yaxis"]["domain"] = [0.55, 1]
    spec_layout["yaxis2"] = {
        "title": {"text": "cumulative casualties (soldiers)"},
        "domain": [0, 0.45],
        "rangemode": "tozero",
        "anchor": "x",
    }
    spec_layout["height"] = 620
    return {"data": traces, "layout": spec_layout}
