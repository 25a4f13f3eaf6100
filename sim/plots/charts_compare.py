"""Interactive charts of a comparison: each run's held area over time, and the paired differences.

The same numbers as ``sim.plots.compare`` draws with matplotlib, as Plotly specs (``sim.plots.charts``):
the fan chart reads each run's daily table; the differences come from ``compare.parquet``'s rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sim.analysis.differences import value_text, verdict
from sim.errors import InputError
from sim.plots.charts_spec import Spec, band_traces, dates_of, layout, numbers, observation_trace
from sim.plots.compare import colour
from sim.results.folder import open_folder
from sim.results.readers import daily_matrices


def compare_fan_chart(runs: Sequence[tuple[str, Path]]) -> Spec | None:
    """Return every run's median held area and middle 80% of runs, the baseline first.

    Args:
        runs: Each run's label and folder. A run that cannot be opened or kept no daily table is left
            out; None if none is left.
    """
    traces: list[dict[str, Any]] = []
    first = None
    counts = []
    for index, (label, directory) in enumerate(runs):
        try:
            run = open_folder(directory, "complete", kind="run")
        except InputError:
            continue
        if not run.has("daily"):
            continue
        first = first or run.scenario
        data = daily_matrices(run.directory, ["area_km2"], run.days)
        areas = data.values["area_km2"].astype(float)
        dates = dates_of(run.scenario, areas.shape[1])
        low, median, high = np.nanquantile(areas, [0.1, 0.5, 0.9], axis=0)
        name = f"{label} (baseline)" if index == 0 else label
        fill = colour(index)
        rgba = f"rgba({int(fill[1:3], 16)},{int(fill[3:5], 16)},{int(fill[5:7], 16)},0.2)"
        traces += band_traces(dates, low, high, rgba, f"{name}: 10–90% of runs", "km²", f"run{index}")
        traces.append(
            {
                "type": "scatter",
                "x": dates,
                "y": numbers(median, 1),
                "mode": "lines",
                "line": {"color": fill, "width": 2.6 if index == 0 else 2.2},
                "legendgroup": f"run{index}",
                "name": f"{name}: median",
                "hovertemplate": f"{name}: median %{{y:,.0f}} km²<extra></extra>",
            }
        )
        counts.append(data.total)
    if first is None:
        return None
    observed = observation_trace(first)
    if observed is not None:
        traces.append(observed)
    each = " / ".join(f"{count:,}" for count in sorted(set(counts)))
    title = f"Held area over time, each run ({each} runs each): median and middle 80% of runs"
    return {
        "data": traces,
        "layout": layout(
            title, "held area (km²)", legend={"orientation": "h", "x": 0, "y": -0.2}, height=520
        ),
    }


FOREST_GROUP_HEIGHT = 34
"""Pixels per row of the differences chart."""


# Over 60 lines: one chart's traces and layout, each difference row with its interval and label.
def forest_chart(rows: Sequence[Mapping[str, Any]], groups: Sequence[str] | None = None) -> Spec | None:
    """Return the differences (variant minus baseline) with their 95% intervals, one panel per group.

    Args:
        rows: Rows of ``compare.parquet`` (one per variant and outcome).
        groups: The groups to draw (default: every group), in this order.
    """
    chosen = [str(g) for g in dict.fromkeys(groups or [str(row["group"]) for row in rows])]
    panels = [(group, [row for row in rows if str(row["group"]) == group]) for group in chosen]
    panels = [(group, members) for group, members in panels if members]
    if not panels:
        return None
    total = sum(len(members) + 2 for _, members in panels)
    gap = 0.06 if len(panels) > 1 else 0.0
    usable = 1.0 - gap * (len(panels) - 1)
    traces: list[dict[str, Any]] = []
    spec_layout = layout("Differences, variant minus baseline, with 95% intervals", "")
    spec_layout.update(hovermode="closest", showlegend=False, margin={"l": 260, "r": 30, "t": 60, "b": 40})
    spec_layout.pop("xaxis")
    spec_layout.pop("yaxis")
    top = 1.0
    for number, (group, members) in enumerate(panels, start=1):
        height = usable * (len(members) + 2) / total
        suffix = "" if number == 1 else str(number)
        variants = sorted({str(row["variant"]) for row in members})
        labels = [_row_label(row, len(variants) > 1) for row in members]
        beyond = [not bool(row["within_noise"]) for row in members]
        unit = str(members[0]["unit"])
        scale = 100.0 if unit == "share" else 1.0
        shown = "percentage points" if unit == "share" else unit.replace("km2", "km²")
        difference = np.array([float(row["difference"]) for row in members]) * scale
        highs = np.array([float(row["high"]) for row in members]) * scale
        lows = np.array([float(row["low"]) for row in members]) * scale
        above, below = numbers(highs - difference, 4), numbers(difference - lows, 4)
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": numbers(difference, 4),
                "y": labels,
                "xaxis": f"x{suffix}",
                "yaxis": f"y{suffix}",
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": above,
                    "arrayminus": below,
                    "color": "#404040",
                    "width": 4,
                },
                "marker": {
                    "size": 10,
                    "color": ["#08306b" if b else "white" for b in beyond],
                    "line": {"color": "#08306b", "width": 1.5},
                },
                "customdata": [_hover(row) for row in members],
                "hovertemplate": "%{y}<br>%{customdata}<extra></extra>",
                "name": group,
            }
        )
        ends = np.concatenate([[0.0], highs, lows, difference])
        ends = ends[np.isfinite(ends)]
        reach = float(ends.max() - ends.min()) * 0.06 or 1.0
        spec_layout[f"xaxis{suffix}"] = {
            "range": [float(ends.min()) - reach, float(ends.max()) + reach],  # zero always in sight
            "domain": [0, 1],
            "anchor": f"y{suffix}",
            "title": {"text": f"{group.split(' (')[0]}: difference ({shown})", "font": {"size": 12}},
            "zeroline": True,
            "zerolinecolor": "#a0a0a0",
            "zerolinewidth": 1.5,
            "separatethousands": True,
        }
        spec_layout[f"yaxis{suffix}"] = {
            "domain": [max(top - height, 0.0), top],
            "anchor": f"x{suffix}",
            "autorange": "reversed",
            "automargin": True,
        }
        top -= height + gap
    spec_layout["height"] = int(120 + FOREST_GROUP_HEIGHT * total)
    return {"data": traces, "layout": spec_layout}


def _row_label(row: Mapping[str, Any], with_variant: bool) -> str:
    label = str(row["label"])
    return f"{row['variant']}: {label}" if with_variant else label


def _hover(row: Mapping[str, Any]) -> str:
    unit = str(row["unit"])
    shown = " pts" if unit == "share" else f" {unit.replace('km2', 'km²')}"
    return (
        f"difference {value_text(float(row['difference']), unit, True)}{shown} "
        f"(95% interval {value_text(float(row['low']), unit, True)} to "
        f"{value_text(float(row['high']), unit, True)}); "
        f"baseline {value_text(float(row['baseline_value']), unit)}, "
        f"variant {value_text(float(row['variant_value']), unit)}; {verdict(row)}"
    )
