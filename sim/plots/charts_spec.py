"""What every interactive chart shares: Plotly.js itself, specs as JSON, the common layout, bands, reports.

A chart is a plain mapping ``{"data": [...], "layout": {...}}`` that Plotly.js draws in a browser
(zoom, pan, hover values with dates and units, click a legend entry to hide or show a band). Specs are
built from the same arrays as the matplotlib figures, with the same colours, so a report and the
explorer (``sim serve``) show the same numbers: a run's charts in ``charts``, a comparison's in
``charts_compare``, a sweep's in ``charts_sweep``.

Plotly.js comes from the installed ``plotly`` package (the ``explorer`` extra); nothing is fetched
from the network. Building specs needs no ``plotly`` at all.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import missing_extra
from sim.plots.style import OBSERVED_COLOUR, area_observations
from sim.plots.style import observation_range as _observation_range
from sim.scenario.schema import Scenario

Spec = dict[str, Any]
"""A Plotly figure: ``data`` (traces) and ``layout``."""

FONT = {"family": 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif', "size": 13}
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
"""Plotly.js options every chart is drawn with (no link to plotly's site)."""
DATE_HOVER = "%{x|%-d %b %Y}"


def plotly_js() -> str:
    """Return Plotly.js (minified) from the installed ``plotly`` package.

    Raises:
        InputError: If the ``explorer`` extra (``plotly``) is not installed.
    """
    path = plotly_js_path()
    return path.read_text(encoding="utf-8")


def plotly_js_path() -> Path:
    """Return the path of the installed ``plotly.min.js`` (see ``plotly_js``)."""
    spec = importlib.util.find_spec("plotly")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        path = Path(location) / "package_data" / "plotly.min.js"
        if path.is_file():
            return path
    raise missing_extra("an interactive chart", "explorer")


def has_plotly() -> bool:
    """Whether Plotly.js can be had (the ``explorer`` extra is installed)."""
    try:
        plotly_js_path()
    except Exception:  # noqa: BLE001 - any failure means: no interactive charts
        return False
    return True


def spec_json(spec: Spec) -> str:
    """Return a spec as JSON that is safe inside ``<script type="application/json">`` (no ``</``)."""
    text = json.dumps(spec, separators=(",", ":"), allow_nan=False, default=_plain)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def numbers(values: Any, digits: int = 2) -> list[float | None]:
    """Return numbers as a JSON list, rounded, with NaN as null (a gap in a line)."""
    array = np.asarray(values, dtype=float)
    rounded = np.round(array, digits)
    return [None if not np.isfinite(v) else float(v) for v in rounded]


def dates_of(scenario: Scenario, days: int) -> list[str]:
    """Return the ISO date of each recorded day."""
    return [(scenario.start + dt.timedelta(days=day)).isoformat() for day in range(days)]


def layout(title: str, y_title: str, **extra: Any) -> dict[str, Any]:
    """Return the layout every time chart shares: a date axis, hover across traces, legend on the right."""
    base: dict[str, Any] = {
        "title": {"text": title, "font": {"size": 15}, "x": 0.01, "xanchor": "left"},
        "font": FONT,
        "margin": {"l": 70, "r": 20, "t": 60, "b": 50},
        "hovermode": "x unified",
        "xaxis": {"type": "date", "title": {"text": "date"}, "hoverformat": "%-d %b %Y", "showgrid": True},
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero", "separatethousands": True},
        "legend": {"orientation": "v", "x": 1.02, "y": 1, "groupclick": "togglegroup"},
        "plot_bgcolor": "#ffffff",
        "paper_bgcolor": "#ffffff",
        "height": 460,
    }
    base.update(extra)
    return base


def band_traces(
    dates: list[str], low: np.ndarray, high: np.ndarray, colour: str, name: str, unit: str, group: str
) -> list[dict[str, Any]]:
    """Return a filled band as two traces in one legend group: clicking its legend entry hides both."""
    hover = f"{name}: %{{customdata[0]:,.0f}} to %{{customdata[1]:,.0f}} {unit}<extra></extra>"
    return [
        {
            "type": "scatter",
            "x": dates,
            "y": numbers(low),
            "mode": "lines",
            "line": {"width": 0, "color": colour},
            "legendgroup": group,
            "showlegend": False,
            "hoverinfo": "skip",
            "name": f"{name} (low)",
        },
        {
            "type": "scatter",
            "x": dates,
            "y": numbers(high),
            "mode": "lines",
            "line": {"width": 0, "color": colour},
            "fill": "tonexty",
            "fillcolor": colour,
            "legendgroup": group,
            "name": name,
            "customdata": [list(pair) for pair in zip(numbers(low, 0), numbers(high, 0), strict=True)],
            "hovertemplate": hover,
        },
    ]


def observation_trace(scenario: Scenario, unit: str = "km²") -> dict[str, Any] | None:
    """Return the reported held areas as points with their 95% ranges, or None if there are none."""
    observations = area_observations(scenario)
    if not observations:
        return None
    lows, highs, texts = [], [], []
    for obs in observations:
        low, high, how = _observation_range(obs, unit)
        lows.append(obs.value - low)
        highs.append(high - obs.value)
        texts.append(f"95% range {low:,.0f} to {high:,.0f} {unit} ({how}); {obs.source}"[:200])
    return {
        "type": "scatter",
        "mode": "markers",
        "x": [obs.date.isoformat() for obs in observations],
        "y": [float(obs.value) for obs in observations],
        "error_y": {"type": "data", "symmetric": False, "array": highs, "arrayminus": lows, "width": 6},
        "marker": {"color": OBSERVED_COLOUR, "size": 9, "line": {"color": "black", "width": 1}},
        "name": "reported held area (bar: 95% range)",
        "text": texts,
        "hovertemplate": f"reported %{{y:,.0f}} {unit}<br>%{{text}}<extra></extra>",
    }
