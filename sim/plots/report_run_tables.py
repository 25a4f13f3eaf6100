"""The tables of a run's report: the summary tables, the reported figures against the runs, the manifest.

``manifest_parts`` serves the reports of every kind of folder.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from sim.plots.html import (
    Table,
    flag,
    km2_text,
    number_text,
    pairs,
    share_text,
    source_of,
    unit_of,
    what_of,
)
from sim.results.folder import RunFolder

MANIFEST_KEYS = (
    ("kind", "kind"),
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


def band_side(obs: dict[str, Any]) -> str:
    """Which side of the model's 95% band a report's whole range lies on."""
    quantile = obs.get("quantile_of_observed")
    return "range below 97.5% of runs" if (quantile or 0.0) < 0.5 else "range above 97.5% of runs"


def _observation_table(summary: dict[str, Any], run: RunFolder) -> Table:
    rows, flagged = [], set()
    for index, obs in enumerate(summary.get("observations", [])):
        low, high = obs.get("observed_low"), obs.get("observed_high")
        inside = flag(f"no: {band_side(obs)}") if obs.get("outside_95") else "yes"
        if obs.get("outside_95"):
            flagged.add(index)
        rows.append(
            [
                obs.get("date", ""),
                what_of(obs),
                unit_of(obs),
                number_text(obs.get("observed")),
                "–" if low is None or high is None else f"{number_text(low)} – {number_text(high)}",
                number_text(obs.get("predicted_p10")),
                number_text(obs.get("predicted_p50")),
                number_text(obs.get("predicted_p90")),
                share_text(obs.get("quantile_of_observed")),
                inside,
                source_of(run.scenario, obs),
            ]
        )
    headers = [
        "date",
        "what",
        "unit",
        "reported",
        "its 95% range",
        "model p10",
        "median",
        "p90",
        "runs at or below the report",
        "inside the model's 95%?",
        "source (quoted from the scenario)",
    ]
    return Table(headers, rows, text=(0, 1, 2, 9, 10), flagged=flagged, wide=True, long=(10,))


def _month_table(summary: dict[str, Any]) -> Table:
    """The held area across runs on the first of each month, and the share whose withdrawal began by then."""
    return Table(
        [
            "date",
            "held area p10 (km²)",
            "median (km²)",
            "p90 (km²)",
            "withdrawal began by date (share of runs)",
        ],
        [
            [
                row["date"],
                km2_text(row.get("area_p10")),
                km2_text(row.get("area_p50")),
                km2_text(row.get("area_p90")),
                share_text(row.get("p_withdrawal_began")),
            ]
            for row in summary.get("by_month", [])
        ],
    )


def _crossing_table(summary: dict[str, Any]) -> Table:
    """When the held area fell below each threshold (Kaplan–Meier)."""
    return Table(
        ["threshold (km²)", "share of runs below it by the end", "median date (Kaplan–Meier)", "median day"],
        [
            [
                km2_text(c["threshold_km2"]) + (" (half the start)" if c.get("is_half_of_start") else ""),
                share_text(c.get("share_crossed")),
                c.get("median_date") or "not reached by half the runs",
                "–" if c.get("median_day") is None else f"{c['median_day']:.0f}",
            ]
            for c in summary.get("crossings", [])
        ],
        text=(0, 2),
    )


def summary_tables(summary: dict[str, Any], run: RunFolder) -> dict[str, Table]:
    """Return the run report's summary tables by name, from its summary."""
    scenario = run.scenario
    final = summary.get("final_area_km2") or {}
    count = summary.get("replications") or 0
    reasons = dict(summary.get("withdrawal_reasons") or {})
    reasons["no withdrawal"] = count - sum(reasons.values())
    casualties = summary.get("median_casualties") or {}
    return {
        "by_month": _month_table(summary),
        "crossings": _crossing_table(summary),
        "observations": _observation_table(summary, run),
        "final": Table(
            ["p10 (km²)", "median (km²)", "p90 (km²)"],
            [[km2_text(final.get("p10")), km2_text(final.get("p50")), km2_text(final.get("p90"))]],
            text=(),
        ),
        "reasons": Table(
            ["rule", "runs", "share of runs"],
            [
                [name.replace("_", " "), f"{n:,}", share_text(n / count if count else None)]
                for name, n in reasons.items()
            ],
        ),
        "casualties": Table(
            ["side", "role", "median cumulative casualties (soldiers)"],
            [
                [side, "holds the ground" if side == scenario.holder else "attacks", km2_text(value)]
                for side, value in casualties.items()
            ],
            text=(0, 1),
        ),
    }


def manifest_parts(run: RunFolder) -> tuple[Table, list[str], str]:
    """Return the manifest's main keys as a table, the names of the other keys, and its JSON text.

    The JSON leaves out the scenario (shown on its own) and the chunk list (counted in the table).
    """
    manifest = run.manifest.document()
    rows: list[tuple[str, Any]] = []
    for key, label in MANIFEST_KEYS:
        if key not in manifest:
            continue
        value = manifest[key]
        if key == "command_line" and isinstance(value, list):
            value = shlex.join(str(v) for v in value)
        rows.append((label, value))
    chunks = manifest.get("chunks") or []
    if chunks:
        states: dict[str, int] = {}
        for chunk in chunks:
            states[chunk.get("status", "?")] = states.get(chunk.get("status", "?"), 0) + 1
        rows.append(
            ("chunks", f"{len(chunks):,} (" + ", ".join(f"{n:,} {s}" for s, n in states.items()) + ")")
        )
    known = {key for key, _ in MANIFEST_KEYS} | {"scenario", "chunks"}
    rest = [key for key in manifest if key not in known]
    text = json.dumps(
        {k: v for k, v in manifest.items() if k not in ("scenario", "chunks")}, indent=2, default=str
    )
    return pairs(rows), rest, text
