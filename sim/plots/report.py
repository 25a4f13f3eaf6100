"""``sim report``: one self-contained HTML file describing a run folder.

The page holds the run's figures as base64 PNG data URIs, the summary tables (from ``summary.json``),
the scenario as YAML and the manifest. It has no scripts, no web fonts and no links or sources
outside itself, so it opens in any browser with no server and no network, and can be mailed or
archived as a single file.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

import sim
from sim.errors import InputError
from sim.plots.html import (
    STYLE,
    escape,
    html_table,
    km2_text,
    number_text,
    png_data_uri,
    share_text,
    source_of,
    unit_of,
    what_of,
)
from sim.plots.run import require_outcomes, run_figures
from sim.results.folder import RunFolder, open_folder
from sim.results.store import atomic_path

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
            f"Held area on {scenario.end}: median {km2_text(final['p50'])} km² (80% of runs between "
            f"{km2_text(final.get('p10'))} and {km2_text(final.get('p90'))} km²), from "
            f"{km2_text(summary.get('initial_area_km2'))} km² on {scenario.start}."
        )
    if summary.get("p_withdrawal_by_end") is not None:
        items.append(
            f"Share of runs in which the defender began to withdraw by {scenario.end}: "
            f"{share_text(summary['p_withdrawal_by_end'])}."
        )
    for crossing in summary.get("crossings", []):
        if crossing.get("is_half_of_start"):
            when = crossing.get("median_date") or "not reached by half the runs"
            items.append(
                "Median date the held area first fell below half the start "
                f"({km2_text(crossing['threshold_km2'])} km²): {when}; "
                f"{share_text(crossing.get('share_crossed'))} of runs fell below it by the end."
            )
    for obs in summary.get("observations", []):
        unit = unit_of(obs)
        items.append(
            f"Reported {what_of(obs)} {number_text(obs.get('observed'))} {unit} on {obs.get('date')}: "
            "the model's "
            f"median is {number_text(obs.get('predicted_p50'))} {unit}; "
            f"{share_text(obs.get('quantile_of_observed'))} of runs were at or below the report."
        )
    return '<ul class="keys">' + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>"


def _summary_tables(summary: dict[str, Any], run: RunFolder) -> str:
    scenario = run.scenario
    parts = ['<h3 id="by-month">Held area and withdrawal by month</h3>']
    parts.append(
        html_table(
            ["date", "held area p10 (km²)", "median (km²)", "p90 (km²)", "P(withdrawal begun by date)"],
            (
                [
                    row["date"],
                    km2_text(row.get("area_p10")),
                    km2_text(row.get("area_p50")),
                    km2_text(row.get("area_p90")),
                    share_text(row.get("p_withdrawn")),
                ]
                for row in summary.get("by_month", [])
            ),
        )
    )
    parts.append('<h3 id="crossings">First fall below each threshold</h3>')
    parts.append(
        html_table(
            [
                "threshold (km²)",
                "share of runs below it by the end",
                "median date (Kaplan–Meier)",
                "median day",
            ],
            (
                [
                    km2_text(c["threshold_km2"]) + (" (half the start)" if c.get("is_half_of_start") else ""),
                    share_text(c.get("share_crossed")),
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
            html_table(
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
                        what_of(o),
                        number_text(o.get("observed")),
                        number_text(o.get("predicted_p10")),
                        number_text(o.get("predicted_p50")),
                        number_text(o.get("predicted_p90")),
                        unit_of(o),
                        share_text(o.get("quantile_of_observed")),
                        source_of(scenario, o),
                    ]
                    for o in observations
                ),
                text_columns=(0, 1, 6, 8),
            )
        )
    final = summary.get("final_area_km2") or {}
    parts.append(f'<h3 id="final">Held area on the end date ({escape(scenario.end)})</h3>')
    parts.append(
        html_table(
            ["p10 (km²)", "median (km²)", "p90 (km²)"],
            [[km2_text(final.get("p10")), km2_text(final.get("p50")), km2_text(final.get("p90"))]],
            text_columns=(),
        )
    )
    count = summary.get("replications") or 0
    reasons = dict(summary.get("withdrawal_reasons") or {})
    reasons["no withdrawal"] = count - sum(reasons.values())
    parts.append('<h3 id="reasons">Withdrawal: the rule that fired</h3>')
    parts.append(
        html_table(
            ["rule", "runs", "share of runs"],
            (
                [name.replace("_", " "), f"{n:,}", share_text(n / count if count else None)]
                for name, n in reasons.items()
            ),
        )
    )
    casualties = summary.get("median_casualties") or {}
    parts.append('<h3 id="casualties">Casualties by the end date (median of runs)</h3>')
    parts.append(
        html_table(
            ["side", "role", "median cumulative casualties (soldiers)"],
            (
                [side, "holds the ground" if side == scenario.holder else "attacks", km2_text(value)]
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
    out = [html_table(["key", "value"], rows, text_columns=(0, 1))]
    if rest:
        out.append(f"<p>Other manifest keys: {escape(', '.join(rest))}.</p>")
    out.append(
        "<details><summary>manifest.json (without the scenario, shown above, and the chunk list)</summary>"
        f"<pre>{escape(text)}</pre></details>"
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
    nav = "".join(f'<li><a href="#{anchor}">{escape(label)}</a></li>' for anchor, label in contents)
    body = [
        f"<header><h1>{escape(scenario.name)}: simulation report</h1>",
        f'<p class="lead">Run folder <strong>{escape(run.name)}</strong> · {replications:,} replications · '
        f"seed {escape(manifest.get('seed', '?'))} · {escape(scenario.start)} to {escape(scenario.end)} · "
        f"sim {escape(manifest.get('package_version', '?'))}</p>",
    ]
    if scenario.description:
        body.append(f"<p>{escape(scenario.description)}</p>")
    body.append("</header>")
    body.extend(f'<p class="note">Note: {escape(note)}</p>' for note in notes)
    body.append(_key_points(summary, run))
    body.append(f"<nav><h2>Contents</h2><ol>{nav}</ol></nav>")
    body.append('<section id="figures"><h2>Figures</h2>')
    for name, caption, uri, note in figures:
        remark = f'<p class="note">{escape(name.replace("_", " "))}: {escape(note)}</p>' if note else ""
        if uri is None:
            body.append(f'<div id="fig-{escape(name)}">{remark}</div>')
            continue
        body.append(
            f'<figure id="fig-{escape(name)}"><img src="{uri}" alt="{escape(caption)}">'
            f"<figcaption>{escape(caption)}</figcaption>{remark}</figure>"
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
        f"{escape(manifest.get('seed', '?'))}.</p>"
        f'<pre class="quoted">{escape(scenario_yaml)}</pre></section>'
    )
    body.append(f'<section id="manifest"><h2>Manifest</h2>{_manifest_section(run)}</section>')
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    body.append(
        f"<footer>Written by sim report (sim {escape(sim.__version__)}) at {escape(stamp)} UTC "
        f"from {escape(run.directory)}.</footer>"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
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
    require_outcomes(run)
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
        uri = png_data_uri(item.figure) if item.figure is not None else None
        figures.append((item.name, item.caption, uri, item.note))
    page = render_report(run, summary, figures, warnings)
    try:
        with atomic_path(out) as temporary:
            temporary.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the report ({exc.strerror})", str(out), field="--out") from None
    return out, notes
