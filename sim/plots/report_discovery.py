"""Scenario discovery in a report: the PRIM boxes and feature scores ``sim discover`` left in a folder.

``sim discover FOLDER`` writes ``FOLDER/discovery`` (or ``--out``): ``box.json``, ``prim_trajectory.csv``,
``feature_scores.csv`` and figures. A report shows every subfolder of the folder that holds a
``box.json``, ``discovery`` first.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.plots.html import Table, file_figure, number_text, pairs, read_json, share_text
from sim.results.files import JSON_BYTES, read_back

FIGURES = (
    (
        "discovery_tradeoff",
        "PRIM's peeling trajectory: coverage against density of each box, the chosen one marked.",
    ),
    ("discovery_box", "The chosen box's limits on each input, against the input's range in all runs."),
    ("feature_scores", "Extra-trees feature scores: how much each input matters for each outcome."),
)
TOP_SCORES = 8


def _p(value: Any) -> str:
    return "–" if value is None else f"{value:.2g}"


def _limits(box: dict[str, Any]) -> Table:
    rows = []
    for limit in box.get("limits") or []:
        rows.append(
            [
                limit.get("short_name") or limit.get("input"),
                number_text(limit.get("lower")),
                number_text(limit.get("upper")),
                f"{number_text(limit.get('minimum'))} to {number_text(limit.get('maximum'))}",
                share_text(limit.get("share_of_range_cut")),
                _p(limit.get("quasi_p_lower")),
                _p(limit.get("quasi_p_upper")),
            ]
        )
    headers = [
        "input",
        "box: at least",
        "box: at most",
        "range in all runs",
        "share of the range cut",
        "quasi-p (lower)",
        "quasi-p (upper)",
    ]
    return Table(headers, rows)


def _scores(path: Path, condition: str) -> Table | None:
    """The inputs that matter most for the condition itself (its column of the feature scores)."""
    try:
        text = read_back(path, JSON_BYTES).decode("utf-8")
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
    except (InputError, FileNotFoundError, UnicodeDecodeError, csv.Error):
        return None
    if not rows or condition not in rows[0]:
        return None
    try:
        ranked = sorted(((row["input"], float(row[condition])) for row in rows), key=lambda r: -r[1])
    except (KeyError, ValueError):
        return None
    return Table(["input", f"score for {condition}"], [[n, f"{s:.3f}"] for n, s in ranked[:TOP_SCORES]])


def discoveries(directory: Path, notes: list[str]) -> list[dict[str, Any]]:
    """Return what each discovery subfolder found: sentence, box statistics, limits, scores, figures."""
    try:
        folders = sorted(
            (
                p
                for p in directory.iterdir()
                if p.is_dir() and not p.is_symlink() and (p / "box.json").is_file()
            ),
            key=lambda p: (p.name != "discovery", p.name),
        )
    except OSError:
        return []
    found = []
    for folder in folders:
        box = read_json(folder / "box.json", notes)
        if box is None:
            continue
        condition = str(box.get("condition", "?"))
        stats = pairs(
            [
                ("condition", f"{condition} ({box.get('condition_in_words', '')})"),
                ("runs meeting it", f"{box.get('runs_meeting_condition', 0):,} of {box.get('runs', 0):,}"),
                ("box chosen", f"box {box.get('box')}: {box.get('chosen_by', '')}"),
                (
                    "coverage (share of the runs meeting it that are in the box)",
                    share_text(box.get("coverage")),
                ),
                ("density (share of the box's runs that meet it)", share_text(box.get("density"))),
                ("mass (share of all runs in the box)", share_text(box.get("mass"))),
            ]
        )
        figures = [
            file_figure(folder / f"{name}.png", f"{folder.name}-{name}", caption)
            for name, caption in FIGURES
            if (folder / f"{name}.png").exists()
        ]
        found.append(
            {
                "folder": folder.name,
                "sentence": box.get("sentence"),
                "stats": stats,
                "limits": _limits(box),
                "scores": _scores(folder / "feature_scores.csv", condition),
                "figures": figures,
            }
        )
    return found
