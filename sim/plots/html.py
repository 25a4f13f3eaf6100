"""HTML pieces of the report: escaping, number formats, tables, embedded figures and the templates.

The pages are jinja2 templates in ``sim/plots/templates`` (a base with the shared style and layout, and
one per kind of folder), rendered with autoescaping: every value is escaped unless it is ``Markup``
built here. Figures are PNG data URIs, so a page needs nothing outside itself.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import html
import io
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jinja2
from markupsafe import Markup

import sim
from sim.errors import InputError, missing_extra
from sim.plots.style import DPI, styled
from sim.results.files import read_json as read_json_file
from sim.results.writing import atomic_path
from sim.scenario.units import METRIC_UNITS, printed

TEMPLATES = Path(__file__).resolve().parent / "templates"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def escape(value: Any) -> str:
    """Return text escaped for HTML (quotes too)."""
    return html.escape(str(value), quote=True)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def km2_text(value: Any) -> str:
    """Return an area as "1,234" (a dash if missing)."""
    return "–" if _missing(value) else f"{value:,.0f}"


def number_text(value: Any) -> str:
    """Return a number with thousands separators, three significant digits below 100 (a dash if missing)."""
    if _missing(value):
        return "–"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def share_text(value: Any) -> str:
    """Return a share as a percentage (a dash if missing)."""
    return "–" if _missing(value) else f"{value:.1%}"


def date_text(value: str | dt.date | None) -> str:
    """Return an ISO date as "6 Sep 2024" (the text unchanged if it is not a date)."""
    if value is None:
        return "–"
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{day.day} {day:%b %Y}"


METRICS = {
    "area_km2": "held area",
    "sector_area_km2": "held area of sector",
    "advance_m_per_day": "mean advance",
    "advance_km": "advance in the window",
    "strength": "strength of",
    "losses": "losses in the window of",
}


def unit_of(observation: dict[str, Any]) -> str:
    """The unit of a summarised observation (older summaries have only held area, in km²)."""
    metric = observation.get("metric", "area_km2")
    return printed(observation.get("unit") or METRIC_UNITS.get(metric, ""))


def what_of(observation: dict[str, Any]) -> str:
    """What a summarised observation measures, e.g. "held area" or "strength of russia"."""
    metric = observation.get("metric", "area_km2")
    subject = observation.get("sector") or observation.get("side") or ""
    return f"{METRICS.get(metric, metric.replace('_', ' '))} {subject}".strip()


def source_of(scenario: Any, observation: dict[str, Any]) -> str:
    """The source of a summarised observation: its own, else the scenario's (matched on date and what)."""
    if observation.get("source"):
        return str(observation["source"])
    for obs in scenario.observations:
        if (
            obs.date.isoformat() == observation.get("date")
            and obs.metric == observation.get("metric", "area_km2")
            and getattr(obs, "sector", None) == observation.get("sector")
            and getattr(obs, "side", None) == observation.get("side")
        ):
            return obs.source
    return ""


def flag(text: str) -> Markup:
    """Return a table cell's text marked as a problem (a warning sign and a coloured label)."""
    return Markup('<span class="flag">⚠ {}</span>').format(text)


@dataclass
class Table:
    """A table for the templates.

    Attributes:
        headers: Column headings.
        rows: Cells (text, numbers or ``Markup``); escaped unless ``Markup``.
        text: Columns aligned left (the rest are numbers, aligned right).
        flagged: Indices of rows to highlight.
        wide: Whether the table may scroll sideways (many columns): its cells then do not wrap, except
            those of the ``long`` columns (free text).
        long: Columns of free text (or paths), wrapped anywhere.
        tone: What a highlighted row means, and so its colour in every report: ``problem`` (pink: a
            report the model does not reach, an unconverged index) or ``notable`` (blue: a difference
            beyond Monte Carlo noise, which is news, not trouble).
    """

    headers: Sequence[str]
    rows: list[list[Any]]
    text: Sequence[int] = (0,)
    flagged: set[int] = field(default_factory=set)
    wide: bool = False
    long: Sequence[int] = ()
    tone: Literal["problem", "notable"] = "problem"


@dataclass
class Figure:
    """A figure for the templates: a PNG data URI, or the note saying why it is missing.

    ``chart`` is the figure as an interactive chart (a Plotly spec as JSON, ``charts_spec.spec_json``),
    drawn in place of the PNG where scripts run; the PNG, if any, stays for printing and for readers
    without scripts.
    """

    name: str
    caption: str
    uri: str | None = None
    note: str | None = None
    chart: str | None = None


@styled
def png_data_uri(figure: Any) -> str:
    """Return a figure as a base64 PNG data URI."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def file_figure(path: Path, name: str, caption: str) -> Figure:
    """Return a PNG file already in the folder as a figure (a note if it is missing or not a PNG)."""
    try:
        data = path.read_bytes()
    except OSError:
        return Figure(name, caption, note=f"{path.name} is missing")
    if not data.startswith(PNG_SIGNATURE):
        return Figure(name, caption, note=f"{path.name} is not a PNG image")
    return Figure(name, caption, "data:image/png;base64," + base64.b64encode(data).decode("ascii"))


@functools.cache
def environment() -> jinja2.Environment:
    """The templates' environment: autoescaped, strict about undefined names."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(km2=km2_text, number=number_text, share=share_text, date=date_text)
    return env


ChartMode = Literal["static", "inline", "served"]
"""How a page shows its charts: ``static``, PNG figures only; ``inline``, interactive charts with
Plotly.js inside the page (a report file: one file, no request to any server); ``served``, interactive
charts with Plotly.js from the explorer's server, and no PNG for a figure that has a chart."""
SERVED_PLOTLY = "/static/plotly.min.js"
"""Where the explorer serves Plotly.js."""


def chart_mode(static: bool) -> tuple[ChartMode, str | None]:
    """Return how a report file shows its charts, and a note when interactive charts cannot be had.

    Args:
        static: Whether PNG figures only were asked for (``sim report --static``).
    """
    from sim.plots.charts_spec import has_plotly

    if static:
        return "static", None
    if not has_plotly():
        return "static", f"interactive charts left out: {missing_extra('drawing them', 'explorer')}"
    return "inline", None


def _chart_scripts(mode: ChartMode, figures: Iterable[Any]) -> tuple[Markup, Markup]:
    """Return what loads Plotly.js (in the head) and what draws the charts (at the end of the body)."""
    if mode == "static" or not any(getattr(f, "chart", None) for f in figures):
        return Markup(""), Markup("")
    from sim.plots.charts_spec import CONFIG, plotly_js

    if mode == "inline":
        code = re.sub(r"</(script)", r"<\\/\1", plotly_js(), flags=re.I)
        loader = Markup("<script>") + Markup(code) + Markup("</script>")
    else:
        loader = Markup('<script src="{}"></script>').format(SERVED_PLOTLY)
    draw = (
        "(function () { if (!window.Plotly) { return; } var config = " + json.dumps(CONFIG) + ";"
        ' document.querySelectorAll("div.chart[data-spec]").forEach(function (box) {'
        ' var spec = JSON.parse(document.getElementById(box.getAttribute("data-spec")).textContent);'
        ' box.closest("figure").classList.add("live");'
        " Plotly.newPlot(box, spec.data, spec.layout, config); }); })();"
    )
    return loader, Markup("<script>") + Markup(draw) + Markup("</script>")


def render(template: str, chart_mode: ChartMode = "static", **context: Any) -> str:
    """Render one kind's template with the footer's stamp and, if it has charts, their scripts.

    Args:
        template: The kind's template.
        chart_mode: How interactive charts are shown (``ChartMode``).
        context: The template's values; ``figures``, if given, may hold charts.
    """
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    figures = list(context.get("figures") or [])
    figures += list(context.get("extra_figures") or [])
    loader, draw = _chart_scripts(chart_mode, figures)
    context.setdefault("app_bar", None)
    return (
        environment()
        .get_template(template)
        .render(version=sim.__version__, stamp=stamp, plotly=loader, draw_charts=draw, **context)
    )


def write_page(out: Path, page: str) -> Path:
    """Write the page atomically.

    Raises:
        InputError: If the file cannot be written.
    """
    try:
        with atomic_path(out) as temporary:
            temporary.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the report ({exc.strerror})", str(out), field="--out") from None
    return out


def yaml_text(document: Any) -> str:
    """Return a document as block YAML, in its own key order."""
    import yaml

    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def pairs(items: Iterable[tuple[str, Any]]) -> Table:
    """Return a two-column key/value table, missing values as dashes."""
    return Table(["", ""], [[key, "–" if value is None else value] for key, value in items], text=(0, 1))


@dataclass(frozen=True)
class Point:
    """One key point at the top of a report; ``warn`` marks it as something a reader must not miss."""

    text: str
    warn: bool = False


def read_json(path: Path, notes: list[str]) -> dict[str, Any] | None:
    """Return a JSON file's object, or None with a note if it is missing or unreadable."""
    if not path.is_file():
        return None
    try:
        document = read_json_file(path)
    except InputError:
        notes.append(f"{path.name} is not valid JSON, too large or unreadable; left out")
        return None
    if not isinstance(document, dict):
        notes.append(f"{path.name} does not hold a JSON object; left out")
        return None
    return document
