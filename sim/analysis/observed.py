"""Reading an observations CSV (``sim validate --observations``): dated held areas with 95% ranges."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from sim.errors import clip, shorten
from sim.scenario import limits
from sim.scenario.tables import Row, Table, read_table

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ObservedArea:
    """One row of an observations CSV.

    Attributes:
        line: The row's line number in the file (1 is the header).
        date: The date observed.
        value: The held area observed, km2.
        low: Low end of its 95% range, if given.
        high: High end of its 95% range, if given.
        source: The ``source`` column, if any.
    """

    line: int
    date: dt.date
    value: float
    low: float | None
    high: float | None
    source: str


COLUMNS = ("date", "value")
OPTIONAL = ("low", "high", "source", "scenario")


def _open(path: Path) -> Table:
    """Open an observations CSV under the rules of ``sim.scenario.tables`` (quoting its cells is fine)."""
    return read_table(
        path,
        COLUMNS,
        OPTIONAL,
        max_bytes=limits.OBSERVATIONS_BYTES,
        max_rows=limits.OBSERVATIONS,
        quote=True,
        what="a CSV file",
        rows_are="observations",
    )


def _area(table: Table, row: Row, column: str) -> float:
    """Return a cell as a held area: a finite number from 0 to ``limits.AREA_KM2``."""
    value = table.number(row, column)
    text = shorten(row.cells[column])
    if value < 0:
        raise table.error(f"must be >= 0 (a held area), got {text}", row.line, column)
    if value > limits.AREA_KM2:
        raise table.error(
            f"{text} km2 is more than {limits.AREA_KM2:,.0f} km2, a plausible bound on a held area",
            row.line,
            column,
        )
    return value


def _date(table: Table, row: Row) -> dt.date:
    text = row.cells["date"]
    if not text:
        raise table.error("missing", row.line, "date")
    try:
        if not _ISO_DATE.match(text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        hint = "" if _ISO_DATE.match(text) else " (expected YYYY-MM-DD)"
        raise table.error(f"{shorten(text)} is not a date{hint}", row.line, "date") from None


def _observation(table: Table, row: Row) -> ObservedArea:
    """Return one row as an observation, its 95% range (if any) checked against its value."""
    date = _date(table, row)
    value = _area(table, row, "value")
    low_text, high_text = row.cells.get("low", ""), row.cells.get("high", "")
    if bool(low_text) != bool(high_text):
        raise table.error("give both low and high, or leave both empty", row.line, "low")
    low = _area(table, row, "low") if low_text else None
    high = _area(table, row, "high") if high_text else None
    if low is not None and high is not None and not low <= value <= high:
        raise table.error(
            f"the range {clip(low_text)}-{clip(high_text)} must contain the value {clip(row.cells['value'])}",
            row.line,
            "low",
        )
    return ObservedArea(row.line, date, value, low, high, row.cells.get("source", ""))


def read_observations(path: Path) -> list[ObservedArea]:
    """Read an observations CSV: columns ``date`` and ``value``, optionally ``low``, ``high``, ``source``.

    The file is read under the rules of ``sim.scenario.tables`` (a bounded regular file, UTF-8, column
    names matched without regard to case or surrounding spaces, blank lines skipped, at most
    ``limits.OBSERVATIONS`` rows); other columns are ignored. ``low``-``high`` is read as a 95% range
    and must contain the value.

    Raises:
        InputError: If the file is missing or unreadable, lacks a column, or a cell is not a date or a
            non-negative number (naming the line and column).
    """
    table = _open(path)
    if ("low" in table.positions) != ("high" in table.positions):
        raise table.error("give both columns 'low' and 'high', or neither", table.header_line)
    return [_observation(table, row) for row in table.rows()]


def scenario_named(path: Path) -> str | None:
    """Return the scenario an observations CSV says it belongs to (its ``scenario`` column), if it has one.

    Raises:
        InputError: If the file cannot be read (as ``read_observations``) or its ``scenario`` column names
            more than one scenario.
    """
    table = _open(path)
    if "scenario" not in table.positions:
        return None
    names = {row.cells["scenario"] for row in table.rows()} - {""}
    if len(names) > 1:
        raise table.error(
            f"names more than one scenario ({clip(', '.join(sorted(names)), 200)})", None, "scenario"
        )
    return names.pop() if names else None
