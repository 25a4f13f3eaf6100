"""The report of a backtest folder (``sim backtest``): the rolling-origin table, per-origin summaries, figure.

Everything comes from ``backtest.json`` (settings, each origin's summary, one scored row per origin and
later observation) and ``plots/backtest.png``; each origin's calibration and forecast run stay in
``origin-<date>/`` and have reports of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.analysis.forecast import summarise_by_quantity
from sim.errors import InputError
from sim.plots.html import Point, Table, date_text, file_figure, number_text, pairs, read_json, render
from sim.plots.report_scores import (
    QUANTITY_HEADERS,
    outside_phrase,
    outside_rows,
    quantity_cells,
    quantity_rows,
    quantity_table,
    score_table,
    with_unit,
)


def _origins(document: dict[str, Any], scored: list[dict[str, Any]]) -> Table:
    rows = []
    for origin in document.get("origins") or []:
        dates = origin.get("calibrated_on") or []
        known = (
            "–"
            if not dates
            else date_text(dates[0])
            if len(dates) == 1
            else f"{date_text(dates[0])} to {date_text(dates[-1])} ({len(dates)} reports)"
        )
        stop = str(origin.get("calibration_stop", "?")).replace("_", " ")
        lead = [origin.get("origin"), known, f"{origin.get('calibration_generations', '?')} ({stop})"]
        for name, summary in quantity_rows(origin.get("summary") or {}):
            rows.append(lead + quantity_cells(with_unit(name, scored), summary))
    headers = ["origin", "calibrated on the reports of", "generations (stopped by)", *QUANTITY_HEADERS]
    return Table(headers, rows, text=(0, 1, 2, 3), wide=True)


def _key_points(document: dict[str, Any], rows: list[dict[str, Any]], overall: dict[str, Any]) -> list[Point]:
    origins = document.get("origins") or []
    settings = document.get("settings") or {}
    points = [
        Point(
            f"{len(origins)} origin(s) ({', '.join(date_text(o.get('origin')) for o in origins)}): at "
            "each, the scenario's calibrate: inputs were fitted to the reports known then, the calibrated "
            f"scenario was run ({number_text(settings.get('forecast_replications'))} runs) and scored on the "
            f"{len(rows)} later report(s)."
        )
    ]
    for name, summary in overall.items():
        count = summary["observations"]
        inside = summary["coverage"].get("95", {}).get("inside", 0)
        naive = summary["naive"]
        against = []
        for label, key in (("persistence", "persistence"), ("a straight line", "line")):
            crps = naive.get(key, {}).get("mean_crps")
            if crps is not None:
                against.append(f"{label} {number_text(crps)}")
        points.append(
            Point(
                f"{name[:1].upper() + name[1:]}: mean CRPS {number_text(summary['mean_crps'])} over {count} "
                f"forecast(s)"
                + (f" (naive: {', '.join(against)})" if against else " (no naive forecast)")
                + f"; {inside} of {count} inside the forecast's 95% band."
            )
        )
    missed = outside_rows(rows)
    if missed:
        listed = "; ".join(f"from {date_text(row.get('origin'))}: {outside_phrase(row)}" for row in missed)
        points.append(
            Point(f"{len(missed)} forecast(s) missed the report (outside the 95% band): {listed}.", warn=True)
        )
    return points


# Over 60 lines: the page's sections gathered in the order it shows them and handed to its template in one
# call.
def backtest_page(directory: Path, app_bar: Sequence[tuple[str, str]] | None = None) -> tuple[str, list[str]]:
    """Return a backtest folder's report page and the notes to print.

    Raises:
        InputError: If ``backtest.json`` is unreadable or holds no rows.
    """
    notes: list[str] = []
    document = read_json(directory / "backtest.json", notes)
    if document is None or not isinstance(document.get("rows"), list):
        raise InputError("backtest.json is not a backtest (no scored rows)", str(directory / "backtest.json"))
    rows = [row for row in document["rows"] if isinstance(row, dict)]
    name = str(document.get("scenario", "?"))
    settings = document.get("settings") or {}
    overall = summarise_by_quantity(rows) if rows else {}
    settings_table = pairs(
        [
            ("scenario", name),
            ("origins", ", ".join(str(o.get("origin")) for o in document.get("origins") or [])),
            ("calibration: population", number_text(settings.get("population"))),
            ("calibration: generations at most", settings.get("generations")),
            ("calibration: minimum threshold ε", settings.get("min_epsilon")),
            ("calibration: time limit (minutes)", settings.get("max_minutes")),
            ("calibration: replications per particle", settings.get("replications_per_particle")),
            ("seed", settings.get("seed")),
            ("forecast runs per origin", number_text(settings.get("forecast_replications"))),
        ]
    )
    folders = Table(
        ["origin", "calibration", "forecast run"],
        [
            [
                o.get("origin"),
                f"origin-{o.get('origin')}/calibration",
                o.get("run") or f"origin-{o.get('origin')}/run",
            ]
            for o in document.get("origins") or []
        ],
        text=(0, 1, 2),
    )
    figure = file_figure(
        directory / "plots" / "backtest.png",
        "backtest",
        "For each origin: the forecast of held area (bands of the runs), the reports known at the origin "
        "(calibrated on) and those after it (scored), and the naive forecasts.",
    )
    if figure.uri is None:
        notes.append(f"backtest figure: {figure.note}")
    page = render(
        "backtest.html.j2",
        app_bar=app_bar,
        kind="backtest",
        title=f"{name}: backtest report ({directory.resolve().name})",
        heading=f"{name}: backtest report",
        lead=(
            f"Backtest folder {directory.resolve().name} · {len(document.get('origins') or [])} origin(s) · "
            f"{len(rows)} scored forecast(s) · calibrated on what was known, scored on what came after"
        ),
        description=None,
        notes=list(notes),
        key_points=_key_points(document, rows, overall),
        contents=[
            ("settings", "Settings"),
            ("overall", "Scores over all origins"),
            ("rows", "Rolling-origin table"),
            ("origins", "Per origin"),
            ("figure", "Figure"),
            ("folders", "Folders"),
        ],
        settings=settings_table,
        overall=quantity_table(overall, rows),
        rows=score_table(rows, origin=True),
        outside=[f"from {date_text(r.get('origin'))}: {outside_phrase(r)}" for r in outside_rows(rows)],
        origins=_origins(document, rows),
        figure=figure,
        folders=folders,
        directory=str(directory),
    )
    return page, notes
