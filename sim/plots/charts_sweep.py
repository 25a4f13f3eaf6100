"""The interactive chart of a sweep: each outcome per point against the varied inputs.

One point per sweep point: its median (or, for a yes/no outcome, its share of runs) with the 95%
interval of that statistic (Monte Carlo uncertainty, ``sim.analysis.sweep_stats``), placed at the
first varied input and coloured by the second. A menu switches between outcomes; hovering a point
gives every varied input's value there, the statistic with its interval, and the spread of runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from sim.analysis.sweep_stats import PointStats
from sim.plots.charts_spec import FONT, Spec, numbers
from sim.plots.sweep_grid import input_label, outcome_title
from sim.scenario.paths import reader_names


# Over 60 lines: one chart: a set of traces per outcome and the menu that switches between them.
def sweep_chart(
    points: Mapping[str, Sequence[Any]],
    paths: Sequence[str],
    panels: Sequence[tuple[str, PointStats]],
    names: Mapping[str, str] | None = None,
) -> Spec | None:
    """Return the sweep's outcomes per point (None without varied inputs or outcomes).

    Args:
        points: ``points.parquet`` as columns (``point`` and each varied path).
        paths: The varied inputs, in design order.
        panels: Each outcome with its per-point statistics.
        names: Each input's name (``sim.scenario.parameters.input_names``) [default: ``reader_names``].
    """
    named = dict(names) if names is not None else reader_names(paths)
    if not paths or not panels:
        return None
    x = np.asarray(points[paths[0]], dtype=float)
    colour = np.asarray(points[paths[1]], dtype=float) if len(paths) > 1 else None
    inputs = [
        "<br>".join(f"{input_label(path, named)} = {float(points[path][i]):,.4g}" for path in paths)
        for i in range(len(x))
    ]
    traces: list[dict[str, Any]] = []
    buttons = []
    for index, (outcome, stats) in enumerate(panels):
        what = "share of runs" if stats.share else "median"
        spread = "" if stats.share else "<br>10–90% of runs: %{customdata[3]:,.4g} to %{customdata[4]:,.4g}"
        marker: dict[str, Any] = {"size": 9, "line": {"color": "#303030", "width": 0.6}}
        if colour is not None:
            marker.update(color=numbers(colour, 6), colorscale="Viridis", showscale=True,
                          colorbar={"title": {"text": input_label(paths[1], named)}})  # fmt: skip
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": numbers(x, 6),
                "y": numbers(stats.centre, 4),
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": numbers(stats.ci_high - stats.centre, 4),
                    "arrayminus": numbers(stats.centre - stats.ci_low, 4),
                    "color": "#707070",
                    "thickness": 1,
                    "width": 3,
                },
                "marker": marker,
                "visible": index == 0,
                "name": outcome_title(outcome),
                "customdata": [
                    [text, lo, hi, p10, p90]
                    for text, lo, hi, p10, p90 in zip(
                        inputs,
                        numbers(stats.ci_low, 4),
                        numbers(stats.ci_high, 4),
                        numbers(stats.low, 4),
                        numbers(stats.high, 4),
                        strict=True,
                    )
                ],
                "hovertemplate": f"%{{customdata[0]}}<br>{what}: %{{y:,.4g}} (95% interval "
                "%{customdata[1]:,.4g} to %{customdata[2]:,.4g})" + spread + "<extra></extra>",
            }
        )
        visible = [i == index for i in range(len(panels))]
        buttons.append(
            {
                "label": outcome_title(outcome),
                "method": "update",
                "args": [{"visible": visible}, {"yaxis.title.text": f"{outcome_title(outcome)}: {what}"}],
            }
        )
    first, stats = panels[0]
    layout = {
        "title": {"text": "Each outcome per sweep point (bar: 95% interval of the statistic)", "x": 0.01},
        "font": FONT,
        "hovermode": "closest",
        "height": 520,
        "margin": {"l": 80, "r": 30, "t": 90, "b": 60},
        "xaxis": {"title": {"text": input_label(paths[0], named)}, "showgrid": True},
        "yaxis": {
            "title": {"text": f"{outcome_title(first)}: {'share of runs' if stats.share else 'median'}"},
            "separatethousands": True,
        },
        "showlegend": False,
        "updatemenus": [{"buttons": buttons, "x": 0.01, "xanchor": "left", "y": 1.13, "yanchor": "top"}],
        "plot_bgcolor": "#ffffff",
    }
    return {"data": traces, "layout": layout}
