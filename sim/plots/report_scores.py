"""Score tables shared by the run report's validation section and the backtest report.

A scored row (``sim.analysis.forecast`` or ``sim.analysis.validation``) holds one observation against
an ensemble: the observed value and its range, the ensemble's median and central bands, the PIT,
whether the value lies inside each band, the CRPS and the CRPS of two naive forecasts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sim.plots.html import Table, date_text, flag, number_text
from sim.scenario.units import METRIC_UNITS, printed

LEVEL_KEYS = ("50", "80", "95")


def _unit(row: dict[str, Any]) -> str:
    return printed(METRIC_UNITS.get(str(row.get("metric", "area_km2")), ""))


def _what(row: dict[str, Any]) -> str:
    return str(row.get("what") or "held area")


def _band(row: dict[str, Any], key: str) -> str:
    low, high = row.get(f"band{key}_low"), row.get(f"band{key}_high")
    if low is None or high is None:
        return "–"
    return f"{number_text(low)} – {number_text(high)}"


def _inside(row: dict[str, Any]) -> Any:
    marks = "/".join("yes" if row.get(f"inside{key}") else "no" for key in LEVEL_KEYS)
    return marks if row.get("inside95", True) else flag(marks)


def score_table(rows: Sequence[dict[str, Any]], origin: bool = False) -> Table:
    """Return one row per scored observation (with its origin and lead time in a backtest).

    Rows whose value lies outside the ensemble's central 95% band are flagged.
    """
    headers = ["origin", "date", "days ahead"] if origin else ["date"]
    headers += [
        "what (unit)",
        "reported",
        "report's 95% range",
        "model median",
        "model 95% band",
        "PIT",
        "inside 50/80/95%",
        "CRPS",
        "persistence CRPS",
        "line CRPS",
    ]
    body = []
    flagged = set()
    for index, row in enumerate(rows):
        low, high = row.get("low"), row.get("high")
        unit = _unit(row)
        cells: list[Any] = (
            [row.get("origin", ""), row["date"], row.get("days_ahead", "–")] if origin else [row["date"]]
        )
        cells += [
            f"{_what(row)} ({unit})" if unit else _what(row),
            number_text(row.get("observed")),
            "–" if low is None or high is None else f"{number_text(low)} – {number_text(high)}",
            number_text(row.get("median")),
            _band(row, "95"),
            "–" if row.get("pit") is None else f"{row['pit']:.2f}",
            _inside(row),
            number_text(row.get("crps")),
            number_text(row.get("persistence_crps")),
            number_text(row.get("line_crps")),
        ]
        body.append(cells)
        if not row.get("inside95", True):
            flagged.add(index)
    first = len(headers) - 10
    text = (0, 1, first, first + 6) if origin else (0, first, first + 6)
    return Table(headers, body, text=text, flagged=flagged, wide=True)


def _skill(naive: dict[str, Any]) -> str:
    crps, skill = naive.get("mean_crps"), naive.get("skill")
    if crps is None:
        return "–"
    return f"{number_text(crps)} ({'–' if skill is None else f'{skill:+.2f}'})"


def quantity_rows(summary: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Return ``(quantity, its summary)``: a summary per quantity, or one flat one (held area)."""
    if "mean_crps" in summary:
        return [("held area", summary)]
    return [(name, value) for name, value in summary.items() if isinstance(value, dict)]


def quantity_cells(quantity: str, summary: dict[str, Any]) -> list[Any]:
    """Return a quantity's summary as cells: count, mean CRPS, mean PIT, coverage, naive CRPS and skill."""
    count = summary.get("observations", 0)
    coverage = summary.get("coverage", {})
    cells: list[Any] = [quantity, count, number_text(summary.get("mean_crps"))]
    cells.append("–" if summary.get("mean_pit") is None else f"{summary['mean_pit']:.2f}")
    inside = [f"{(coverage.get(key) or {}).get('inside', 0)}/{count}" for key in LEVEL_KEYS]
    cells.append(" · ".join(inside))
    naive = summary.get("naive", {})
    cells += [_skill(naive.get("persistence", {})), _skill(naive.get("line", {}))]
    return cells


QUANTITY_HEADERS = [
    "quantity",
    "reports",
    "mean CRPS",
    "mean PIT (0.50 if calibrated)",
    "inside the 50 · 80 · 95% bands",
    "persistence: mean CRPS (skill)",
    "straight line: mean CRPS (skill)",
]


def with_unit(quantity: str, rows: Sequence[dict[str, Any]]) -> str:
    """Return "held area (km²)": the quantity with the unit of its scored rows."""
    units = {_what(row): _unit(row) for row in rows}
    return f"{quantity} ({units[quantity]})" if units.get(quantity) else quantity


def quantity_table(summary: dict[str, Any], rows: Sequence[dict[str, Any]]) -> Table:
    """Return one row per quantity of a validation's (or a backtest's) summary, named with its unit."""
    body = [quantity_cells(with_unit(name, rows), value) for name, value in quantity_rows(summary)]
    return Table(QUANTITY_HEADERS, body, text=(0,), wide=True)


def outside_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the scored rows outside the ensemble's 95% band."""
    return [row for row in rows if not row.get("inside95", True)]


def outside_phrase(row: dict[str, Any]) -> str:
    """Return "held area on 6 Sep 2024 (reported 1,340 km², model median 1,376)"."""
    unit = _unit(row)
    return (
        f"{_what(row)} on {date_text(row['date'])} (reported {number_text(row.get('observed'))} {unit}, "
        f"model median {number_text(row.get('median'))})"
    ).replace(" ,", ",")
