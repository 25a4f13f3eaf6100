"""HTML pieces of the report: its style sheet, escaping, number formats, tables and embedded figures."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Sequence
from typing import Any

import matplotlib.pyplot as plt

from sim.plots.style import DPI

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       margin: 0 auto; max-width: 1240px; padding: 1.5rem; color: #1a1a1a; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid #ccc; padding-bottom: 0.2rem; margin-top: 2.2rem; }
h3 { font-size: 1.05rem; margin-top: 1.4rem; }
.lead { color: #444; margin-top: 0; }
.keys { background: #f3f6fa; border-left: 4px solid #08306b; padding: 0.6rem 1rem; }
.keys li { margin: 0.15rem 0; }
nav ol { columns: 2; }
figure { margin: 1.5rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { color: #333; font-size: 0.95rem; margin-top: 0.3rem; }
.note { color: #8a4b00; background: #fff6e5; padding: 0.4rem 0.8rem; border-left: 4px solid #e0a040; }
table { border-collapse: collapse; margin: 0.6rem 0 1rem; font-size: 0.92rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: right; vertical-align: top; }
th { background: #eef1f5; }
td.text, th.text { text-align: left; }
td:first-child { white-space: nowrap; }
pre { background: #f7f7f7; border: 1px solid #ddd; padding: 0.8rem; overflow-x: auto; font-size: 0.85rem; }
footer { margin-top: 3rem; color: #666; font-size: 0.85rem; }
"""


def escape(value: Any) -> str:
    """Return text escaped for HTML (quotes too)."""
    return html.escape(str(value), quote=True)


def km2_text(value: Any) -> str:
    """Return an area as "1,234" (a dash if missing)."""
    return "–" if value is None else f"{value:,.0f}"


def number_text(value: Any) -> str:
    """Return a number with thousands separators (a dash if missing)."""
    if value is None:
        return "–"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


UNITS = {"km2": "km²", "m_per_day": "m/day", "soldiers": "soldiers"}
METRICS = {
    "area_km2": "held area",
    "sector_area_km2": "held area of sector",
    "advance_m_per_day": "mean advance",
    "strength": "strength of",
}


def unit_of(observation: dict[str, Any]) -> str:
    """The unit of a summarised observation (older summaries have only held area, in km²)."""
    unit = observation.get("unit") or ("km2" if observation.get("metric", "area_km2").endswith("km2") else "")
    return UNITS.get(unit, unit)


def what_of(observation: dict[str, Any]) -> str:
    """What a summarised observation measures, e.g. "held area" or "strength of russia"."""
    metric = observation.get("metric", "area_km2")
    subject = observation.get("sector") or observation.get("side") or ""
    return f"{METRICS.get(metric, metric.replace('_', ' '))} {subject}".strip()


def source_of(scenario: Any, observation: dict[str, Any]) -> str:
    """The scenario's source text for a summarised observation (matched on date, metric, sector, side)."""
    for obs in scenario.observations:
        if (
            obs.date.isoformat() == observation.get("date")
            and obs.metric == observation.get("metric", "area_km2")
            and getattr(obs, "sector", None) == observation.get("sector")
            and getattr(obs, "side", None) == observation.get("side")
        ):
            return obs.source
    return ""


def share_text(value: Any) -> str:
    """Return a share as a percentage (a dash if missing)."""
    return "–" if value is None else f"{value:.1%}"


def html_table(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], text_columns: Sequence[int] = (0,)
) -> str:
    """Return an HTML table; cells are escaped, columns in ``text_columns`` left-aligned."""
    head = "".join(
        f'<th class="{"text" if i in text_columns else "num"}">{escape(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="{"text" if i in text_columns else "num"}">{escape(cell)}</td>'
            for i, cell in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def png_data_uri(figure: Any) -> str:
    """Return a figure as a base64 PNG data URI, and close it."""
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png", dpi=DPI)
    finally:
        plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
