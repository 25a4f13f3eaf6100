"""``sim report``: one self-contained HTML file describing a run folder.

The page holds the run's figures as base64 PNG data URIs, the summary tables (from ``summary.json``),
the scenario as YAML and the manifest. It has no scripts, no web fonts and no links or sources
outside itself, so it opens in any browser with no server and no network, and can be mailed or
archived as a single file.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import shlex
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import yaml

import sim
from sim.errors import InputError
from sim.plots.run import run_figures
from sim.plots.style import DPI
from sim.results.folder import RunFolder, open_folder
from sim.results.store import atomic_path

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

_MANIFEST_KEYS = (
    ("status", "status"),
    ("scenario_name", "scenario"),
    ("scenario_file", "scenario file"),
    ("scenario_sha256", "scenario sha256"),
    ("seed", "root seed"),
    ("replications", "replications"),
    ("chunk_size", "replications per chunk"),
    ("daily", "daily tables kept (--daily)"),
    ("package_version", "sim version"),
    ("command_line", "command line"),
    ("started", "started (UTC)"),
    ("finished", "finished (UTC)"),
)


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _km2(value: Any) -> str:
    return "–" if value is None else f"{value:,.0f}"


def _number(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


_UNITS = {"km2": "km²", "m_per_day": "m/day", "soldiers": "soldiers"}
_METRICS = {
    "area_km2": "held area",
    "sector_area_km2": "held area of sector",
    "advance_m_per_day": "mean advance",
    "strength": "strength of",
}


def _unit(observation: dict[str, Any]) -> str:
    """The unit of a summarised observation (older summaries have only held area, in km²)."""
    unit = observation.get("unit") or ("km2" if observation.get("metric", "area_km2").endswith("km2") else "")
    return _UNITS.get(unit, unit)


def _what(observation: dict[str, Any]) -> str:
    """What a summarised observation measures, e.g. "held area" or "strength of russia"."""
    metric = observation.get("metric", "area_km2")
    subject = observation.get("sector") or observation.get("side") or ""
    return f"{_METRICS.get(metric, metric.replace('_', ' '))} {subject}".strip()


def _source(scenario: Any, observation: dict[str, Any]) -> str:
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


def _share(value: Any) -> str:
    return "–" if value is None else f"{value:.1%}"


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]], text_columns: Sequence[int] = (0,)) -> str:
    """Return an HTML table; cells are escaped, columns in ``text_columns`` left-aligned."""
    head = "".join(
        f'<th class="{"text" if i in text_columns else "num"}">{_e(h)}</th>' for i, h in enumerate(headers)
    )
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="{"text" if i in text_columns else "num"}">{_e(cell)}</td>'
            for i, cell in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _png_data_uri(figure: Any) -> str:
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png", dpi=DPI)
    finally:
        plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _summary(run: RunFolder, notes: list[str]) -> dict[str, Any]:
    path = run.directory / "summary.json"
    if path.is_file():
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            notes.append("summary.json is not valid JSON; the summary was computed again from the tables")
    else:
        notes.append("the run has no summary.json; the summary was computed from its tables")
    from sim.analysis.summary import summarize

    return summarize(run.directory, run.scenario)


def _key_points(summary: dict[str, Any], run: RunFolder) -> str:
    scenario = run.scenario
    items = []
    final = summary.get("final_area_km2") or {}
    if final.get("p50") is not None:
        items.append(
            f"Held area on {scenario.end}: median {_km2(final['p50'])} km² (80% of runs between "
            f"{_km2(final.get('p10'))} and {_km2(final.get('p90'))} km²), from "
            f"{_km2(summary.get('initial_area_km2'))} km² on {scenario.start}."
        )
    if summary.get("p_withdrawal_by_end") is not None:
        items.append(
            f"Share of runs in which the defender began to withdraw by {scenario.end}: "
            f"{_share(summary['p_withdrawal_by_end'])}."
        )
    for crossing in summary.get("crossings", []):
        if crossing.get("is_half_of_start"):
            when = crossing.get("median_date") or "not reached by half the runs"
            items.append(
                "Median date the held area first fell below half the start "
                f"({_km2(crossing['threshold_km2'])} km²): {when}; "
                f"{_share(crossing.get('share_crossed'))} of runs fell below it by the end."
            )
    for obs in summary.get("observations", []):
        unit = _unit(obs)
        items.append(
            f"Reported {_what(obs)} {_number(obs.get('observed'))} {unit} on {obs.get('date')}: the model's "
            f"median is {_number(obs.get('predicted_p50'))} {unit}; "
            f"{_share(obs.get('quantile_of_observed'))} of runs were at or below the report."
        )
    return '<ul class="keys">' + "".join(f"<li>{_e(item)}</li>" for item in items) + "</ul>"


def _summary_tables(summary: dict[str, Any], run: RunFolder) -> str:
    scenario = run.scenario
    parts = ['<h3 id="by-month">Held area and withdrawal by month</h3>']
    parts.append(
        _table(
            ["date", "held area p10 (km²)", "median (km²)", "p90 (km²)", "P(withdrawal begun by date)"],
            (
                [
                    row["date"],
                    _km2(row.get("area_p10")),
                    _km2(row.get("area_p50")),
                    _km2(row.get("area_p90")),
                    _share(row.get("p_withdrawn")),
                ]
                for row in summary.get("by_month", [])
            ),
        )
    )
    parts.append('<h3 id="crossings">First fall below each threshold</h3>')
    parts.append(
        _table(
            [
                "threshold (km²)",
                "share of runs below it by the end",
                "median date (Kaplan–Meier)",
                "median day",
            ],
            (
                [
                    _km2(c["threshold_km2"]) + (" (half the start)" if c.get("is_half_of_start") else ""),
                    _share(c.get("share_crossed")),
                    c.get("median_date") or "not reached by half the runs",
                    "–" if c.get("median_day") is None else f"{c['median_day']:.0f}",
                ]
                for c in summary.get("crossings", [])
            ),
            text_columns=(0, 2),
        )
    )
    observations = summary.get("observations", [])
    if observations:
        parts.append('<h3 id="observations">Reported figures against the model</h3>')
        parts.append(
            _table(
                [
                    "date",
                    "what",
                    "reported",
                    "model p10",
                    "median",
                    "p90",
                    "unit",
                    "share of runs at or below the report",
                    "source (quoted from the scenario)",
                ],
                (
                    [
                        o.get("date", ""),
                        _what(o),
                        _number(o.get("observed")),
                        _number(o.get("predicted_p10")),
                        _number(o.get("predicted_p50")),
                        _number(o.get("predicted_p90")),
                        _unit(o),
                        _share(o.get("quantile_of_observed")),
                        _source(scenario, o),
                    ]
                    for o in observations
                ),
                text_columns=(0, 1, 6, 8),
            )
        )
    final = summary.get("final_area_km2") or {}
    parts.append(f'<h3 id="final">Held area on the end date ({_e(scenario.end)})</h3>')
    parts.append(
        _table(
            ["p10 (km²)", "median (km²)", "p90 (km²)"],
            [[_km2(final.get("p10")), _km2(final.get("p50")), _km2(final.get("p90"))]],
            text_columns=(),
        )
    )
    count = summary.get("replications") or 0
    reasons = dict(summary.get("withdrawal_reasons") or {})
    reasons["no withdrawal"] = count - sum(reasons.values())
    parts.append('<h3 id="reasons">Withdrawal: the rule that fired</h3>')
    parts.append(
        _table(
            ["rule", "runs", "share of runs"],
            (
                [name.replace("_", " "), f"{n:,}", _share(n / count if count else None)]
                for name, n in reasons.items()
            ),
        )
    )
    casualties = summary.get("median_casualties") or {}
    parts.append('<h3 id="casualties">Casualties by the end date (median of runs)</h3>')
    parts.append(
        _table(
            ["side", "role", "median cumulative casualties (soldiers)"],
            (
                [side, "holds the ground" if side == scenario.holder else "attacks", _km2(value)]
                for side, value in casualties.items()
            ),
            text_columns=(0, 1),
        )
    )
    if summary.get("seconds") is not None:
        parts.append(f"<p>Simulation and merge took {summary['seconds']:,.1f} s.</p>")
    return "\n".join(parts)


def _manifest_section(run: RunFolder) -> str:
    manifest = run.manifest.document()
    rows = []
    for key, label in _MANIFEST_KEYS:
        if key not in manifest:
            continue
        value = manifest[key]
        if key == "command_line" and isinstance(value, list):
            value = shlex.join(str(v) for v in value)
        rows.append([label, "–" if value is None else value])
    chunks = manifest.get("chunks") or []
    if chunks:
        states: dict[str, int] = {}
        for chunk in chunks:
            states[chunk.get("status", "?")] = states.get(chunk.get("status", "?"), 0) + 1
        rows.append(
            ["chunks", f"{len(chunks):,} (" + ", ".join(f"{n:,} {s}" for s, n in states.items()) + ")"]
        )
    known = {key for key, _ in _MANIFEST_KEYS} | {"scenario", "chunks"}
    rest = {key: value for key, value in manifest.items() if key not in known}
    text = json.dumps(
        {k: v for k, v in manifest.items() if k not in ("scenario", "chunks")}, indent=2, default=str
    )
    out = [_table(["key", "value"], rows, text_columns=(0, 1))]
    if rest:
        out.append(f"<p>Other manifest keys: {_e(', '.join(rest))}.</p>")
    out.append(
        "<details><summary>manifest.json (without the scenario, shown above, and the chunk list)</summary>"
        f"<pre>{_e(text)}</pre></details>"
    )
    return "\n".join(out)


def render_report(
    run: RunFolder,
    summary: dict[str, Any],
    figures: Sequence[tuple[str, str, str | None, str | None]],
    notes: Sequence[str],
) -> str:
    """Return the report's HTML.

    Args:
        run: The opened run folder.
        summary: The run's summary (``summary.json``).
        figures: ``(name, caption, data URI or None, note if skipped)`` for each figure.
        notes: Warnings to show at the top.
    """
    scenario = run.scenario
    manifest = run.manifest.document()
    title = f"{scenario.name}: simulation report ({run.name})"
    replications = int(manifest.get("replications") or summary.get("replications") or 0)
    contents = [
        ("figures", "Figures"),
        ("summary", "Summary tables"),
        ("scenario", "Scenario"),
        ("manifest", "Manifest"),
    ]
    nav = "".join(f'<li><a href="#{anchor}">{_e(label)}</a></li>' for anchor, label in contents)
    body = [
        f"<header><h1>{_e(scenario.name)}: simulation report</h1>",
        f'<p class="lead">Run folder <strong>{_e(run.name)}</strong> · {replications:,} replications · '
        f"seed {_e(manifest.get('seed', '?'))} · {_e(scenario.start)} to {_e(scenario.end)} · "
        f"sim {_e(manifest.get('package_version', '?'))}</p>",
    ]
    if scenario.description:
        body.append(f"<p>{_e(scenario.description)}</p>")
    body.append("</header>")
    body.extend(f'<p class="note">Note: {_e(note)}</p>' for note in notes)
    body.append(_key_points(summary, run))
    body.append(f"<nav><h2>Contents</h2><ol>{nav}</ol></nav>")
    body.append('<section id="figures"><h2>Figures</h2>')
    for name, caption, uri, note in figures:
        remark = f'<p class="note">{_e(name.replace("_", " "))}: {_e(note)}</p>' if note else ""
        if uri is None:
            body.append(f'<div id="fig-{_e(name)}">{remark}</div>')
            continue
        body.append(
            f'<figure id="fig-{_e(name)}"><img src="{uri}" alt="{_e(caption)}">'
            f"<figcaption>{_e(caption)}</figcaption>{remark}</figure>"
        )
    body.append("</section>")
    body.append(f'<section id="summary"><h2>Summary tables</h2>{_summary_tables(summary, run)}</section>')
    scenario_yaml = yaml.safe_dump(
        manifest.get("scenario", {}), sort_keys=False, allow_unicode=True, width=100
    )
    body.append(
        '<section id="scenario"><h2>Scenario</h2>'
        "<p>The resolved scenario recorded in manifest.json (after <code>extends</code> and "
        "<code>--set</code>; distributions as written), as YAML. Loading it with <code>sim run</code> "
        "reproduces the run with seed "
        f"{_e(manifest.get('seed', '?'))}.</p>"
        f'<pre class="quoted">{_e(scenario_yaml)}</pre></section>'
    )
    body.append(f'<section id="manifest"><h2>Manifest</h2>{_manifest_section(run)}</section>')
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    body.append(
        f"<footer>Written by sim report (sim {_e(sim.__version__)}) at {_e(stamp)} UTC "
        f"from {_e(run.directory)}.</footer>"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def write_report(
    directory: Path,
    out: Path | None = None,
    at: dt.date | None = None,
    thresholds: Sequence[float] | None = None,
) -> tuple[Path, list[str]]:
    """Write a run folder's HTML report, atomically.

    Args:
        directory: The run folder.
        out: The HTML file (default ``directory/report.html``).
        at: Date of the held-area distribution figure.
        thresholds: Areas X for the survival and crossing figures.

    Returns:
        The file written, and notes (figures skipped, warnings about the folder).

    Raises:
        InputError: If the folder is not a usable run folder or ``out`` cannot be written.
    """
    run = open_folder(directory)
    out = out or directory / "report.html"
    if out.is_dir():
        raise InputError("is a folder; give a file name for the report", str(out), field="--out")
    if not out.parent.is_dir():
        raise InputError("the folder for the report does not exist", str(out.parent), field="--out")
    notes = list(run.notes)
    summary = _summary(run, notes)
    warnings = list(notes)
    figures = []
    for item in run_figures(run, at, thresholds):
        if item.note:
            notes.append(f"{item.name}: {item.note}")
        uri = _png_data_uri(item.figure) if item.figure is not None else None
        figures.append((item.name, item.caption, uri, item.note))
    page = render_report(run, summary, figures, warnings)
    try:
        with atomic_path(out) as temporary:
            temporary.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the report ({exc.strerror})", str(out), field="--out") from None
    return out, notes
