"""Reading an observations CSV (``sim validate --observations``): dated held areas with 95% ranges."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

from sim.errors import InputError, clip, shorten
from sim.scenario import limits
from sim.scenario.files import FileProblem, read_limited

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


OBSERVATIONS_BYTES = limits.SCENARIO_BYTES
"""Largest observations CSV: 1 MB (a thousand observations take about 60 kB)."""


def _number(text: str, name: str, where: tuple[str, int]) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{shorten(text)} is not a number", where[0], where[1], name) from None
    if not math.isfinite(value):
        raise InputError(f"{shorten(text)} is not a finite number", where[0], where[1], name)
    if value < 0:
        raise InputError(f"must be >= 0 (a held area), got {shorten(text)}", where[0], where[1], name)
    if value > limits.AREA_KM2:
        raise InputError(
            f"{shorten(text)} km2 is more than {limits.AREA_KM2:,.0f} km2, a plausible bound on a held area",
            where[0],
            where[1],
            name,
        )
    return value


def _text(path: Path) -> str:
    """Return an observations file's text: a regular file of at most ``OBSERVATIONS_BYTES``, in UTF-8.

    Raises:
        InputError: If it is missing, a folder, a device, a pipe or a socket, too large, unreadable or
            not UTF-8 (a pipe or ``/dev/zero`` is refused before it is opened).
    """
    name = str(path)
    try:
        raw = read_limited(path, OBSERVATIONS_BYTES)
    except FileNotFoundError:
        raise InputError("no such file", name) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a CSV file", name) from None
    except FileProblem as exc:
        raise InputError(f"{exc}; give a CSV file of observations", name) from None
    except OSError as exc:
        raise InputError(f"cannot read ({clip(exc.strerror or type(exc).__name__)})", name) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("is not UTF-8 text (save the CSV as UTF-8)", name) from None


def _date(text: str, where: tuple[str, int]) -> dt.date:
    try:
        if not _ISO_DATE.match(text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        hint = "" if _ISO_DATE.match(text) else " (expected YYYY-MM-DD)"
        raise InputError(f"{text!r} is not a date{hint}", where[0], where[1], "date") from None


def read_observations(path: Path) -> list[ObservedArea]:
    """Read an observations CSV: columns ``date`` and ``value``, optionally ``low``, ``high``, ``source``.

    Column names are matched without regard to case or surrounding spaces; other columns are ignored,
    as are blank lines. ``low``-``high`` is read as a 95% range and must contain the value.

    Raises:
        InputError: If the file is missing or unreadable, lacks a column, or a cell is not a date or a
            non-negative number (naming the line and column).
    """
    name = str(path)
    reader = csv.reader(io.StringIO(_text(path), newline=""))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise InputError("is empty (expected a header line with date,value)", name)
        header_line = reader.line_num
        columns = [cell.strip().lower() for cell in header]
        missing = [column for column in ("date", "value") if column not in columns]
        if missing:
            found = ", ".join(repr(cell.strip()) for cell in header)
            raise InputError(
                f"needs columns 'date' and 'value' (missing {', '.join(map(repr, missing))}; found {found})",
                name,
                header_line,
            )
        if ("low" in columns) != ("high" in columns):
            raise InputError("give both columns 'low' and 'high', or neither", name, header_line)
        wanted = ("date", "value", "low", "high", "source")
        for column in wanted:
            if columns.count(column) > 1:
                raise InputError(f"column {column!r} appears more than once", name, header_line)
        index = {column: columns.index(column) for column in wanted if column in columns}
        rows: list[ObservedArea] = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            line = reader.line_num
            where = (name, line)
            get = {
                column: (cells[position].strip() if position < len(cells) else "")
                for column, position in index.items()
            }
            for column in ("date", "value"):
                if not get[column]:
                    raise InputError("missing", name, line, column)
            date = _date(get["date"], where)
            value = _number(get["value"], "value", where)
            low_text, high_text = get.get("low", ""), get.get("high", "")
            if bool(low_text) != bool(high_text):
                raise InputError("give both low and high, or leave both empty", name, line, "low")
            low = _number(low_text, "low", where) if low_text else None
            high = _number(high_text, "high", where) if high_text else None
            if low is not None and high is not None and not low <= value <= high:
                raise InputError(
                    f"the range {low_text}-{high_text} must contain the value {get['value']}",
                    name,
                    line,
                    "low",
                )
            rows.append(ObservedArea(line, date, value, low, high, get.get("source", "")))
            if len(rows) > limits.OBSERVATIONS:
                raise InputError(f"has more than {limits.OBSERVATIONS:,} observations", name, line)
    except csv.Error as exc:
        raise InputError(f"is not valid CSV ({exc})", name, reader.line_num) from None
    if not rows:
        raise InputError("has no observations (only a header)", name)
    return rows


def scenario_named(path: Path) -> str | None:
    """Return the scenario an observations CSV says it belongs to (its ``scenario`` column), if it has one.

    Raises:
        InputError: If the column names more than one scenario.
    """
    reader = csv.DictReader(io.StringIO(_text(path), newline=""))
    if reader.fieldnames is None:
        return None
    columns = {name.strip().lower(): name for name in reader.fieldnames}
    if "scenario" not in columns:
        return None
    names = {(row.get(columns["scenario"]) or "").strip() for row in reader} - {""}
    if len(names) > 1:
        raise InputError(
            f"names more than one scenario ({', '.join(sorted(names))})", str(path), field="scenario"
        )
    return names.pop() if names else None
