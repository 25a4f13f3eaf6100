"""Reading a CSV table a user gives: one reader with one set of rules and bounds.

Every CSV the simulator reads from a user (an observations file for ``sim validate``, the samples of
an ``empirical`` distribution) goes through ``read_file`` and ``parse_table``, so they all obey the
same rules:

* the file is a regular file of at most a given size (``sim.scenario.files.read_limited``: a device,
  a pipe or a socket is refused before it is opened);
* it is UTF-8 text, with or without a byte order mark; a NUL byte is refused;
* it is parsed by Python's ``csv`` module; blank lines are skipped; the first line that is not blank
  is the header; column names are matched without regard to case or surrounding spaces, and a column
  asked for must appear exactly once;
* every row has as many cells as the header, no cell is longer than ``limits.CSV_FIELD_CHARS``
  characters, and there are at least one and at most a given number of rows;
* a number is a finite float (NaN and infinities are refused); an empty cell is missing.

Every problem is an ``InputError`` naming the file, and the line and column where there is one.
Whether an error may repeat what a cell holds is the caller's choice (``quote``): a samples file may
hold anything, so its errors never do.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sim.errors import InputError, clip, shorten
from sim.scenario import limits
from sim.scenario.files import FileProblem, read_limited

if TYPE_CHECKING:
    import _csv

UNREADABLE = "is not a readable CSV file (a cell too long or badly quoted)"


def read_file(path: Path, max_bytes: int, what: str) -> bytes:
    """Return the bytes of a user's file: a regular file of at most ``max_bytes`` bytes.

    Args:
        path: The file.
        max_bytes: Its size bound (a constant of ``sim.scenario.limits``).
        what: What the file should be, for the errors ("a CSV file of observations").

    Raises:
        InputError: If it is missing, a folder, a device, a pipe or a socket, too large or unreadable.
    """
    name = str(path)
    try:
        return read_limited(path, max_bytes)
    except FileNotFoundError:
        raise InputError("no such file", name) from None
    except IsADirectoryError:
        raise InputError(f"is a folder, not {what}", name) from None
    except FileProblem as exc:
        raise InputError(f"{exc}; give {what}", name) from None
    except OSError as exc:
        raise InputError(f"cannot read ({clip(exc.strerror or type(exc).__name__)})", name) from None


def decode(content: bytes, name: str) -> str:
    """Return a CSV file's bytes as text: UTF-8, a leading byte order mark dropped.

    Raises:
        InputError: If it is not UTF-8 or holds a NUL byte.
    """
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"is not UTF-8 text (bad byte at offset {exc.start:,}; save the CSV as UTF-8)", name
        ) from None
    if "\0" in text:
        raise InputError("holds a NUL byte: not a CSV file", name)
    return text


@dataclass(frozen=True)
class Row:
    """One row of a table: its line in the file and the cells of the columns asked for, stripped."""

    line: int
    cells: dict[str, str]


@dataclass
class Table:
    """A CSV table whose header has been read; its rows are read one at a time by ``rows``.

    Attributes:
        file: The file, as errors name it.
        header: The header's cells as written.
        header_line: The header's line in the file.
        positions: Where each column asked for (and found) lies.
        max_rows: Most rows allowed.
        quote: Whether errors may repeat a cell's content.
        rows_are: What a row is, for the errors ("rows", "observations").
    """

    file: str
    header: list[str]
    header_line: int
    positions: dict[str, int]
    max_rows: int
    quote: bool
    rows_are: str
    _reader: _csv.Reader = field(repr=False)

    def error(self, message: str, line: int | None = None, column: str | None = None) -> InputError:
        """Return an ``InputError`` naming this file, and the line and column given."""
        return InputError(message, self.file, line, column)

    def rows(self) -> Iterator[Row]:
        """Yield the table's rows, blank lines skipped, checking each against the rules.

        Raises:
            InputError: For a row whose cells do not match the header, a cell too long, a line the
                ``csv`` module cannot read, more than ``max_rows`` rows, or none at all.
        """
        count = 0
        width = len(self.header)
        cells: list[str] | None = None
        while True:
            try:
                cells = next(self._reader, None)
            except csv.Error:
                raise self.error(UNREADABLE, self._reader.line_num) from None
            if cells is None:
                break
            if not any(cell.strip() for cell in cells):
                continue
            line = self._reader.line_num
            if len(cells) != width:
                raise self.error(f"has {len(cells)} cells but the header has {width}", line)
            self._check_lengths(cells, line)
            count += 1
            if count > self.max_rows:
                raise self.error(f"has more than {self.max_rows:,} {self.rows_are}", line)
            yield Row(line, {name: cells[at].strip() for name, at in self.positions.items()})
        if not count:
            raise self.error(f"has no {self.rows_are} (only a header)")

    def _check_lengths(self, cells: Sequence[str], line: int) -> None:
        longest = max(range(len(cells)), key=lambda at: len(cells[at]))
        if len(cells[longest]) > limits.CSV_FIELD_CHARS:
            # A column asked for goes by the name asked; another by its header only where quoting is fine.
            asked = [name for name, at in self.positions.items() if at == longest]
            column = asked[0] if asked else self.header[longest].strip() if self.quote else f"#{longest + 1}"
            raise self.error(
                f"the cell is too long (more than {limits.CSV_FIELD_CHARS:,} characters)", line, column
            )

    def number(self, row: Row, column: str) -> float:
        """Return a cell as a finite number.

        Raises:
            InputError: If it is empty, not a number, or NaN or infinite (naming line and column).
        """
        text = row.cells[column]
        if not text:
            raise self.error("missing", row.line, column)
        shown = f"{shorten(text)} is " if self.quote else ""
        try:
            value = float(text)
        except ValueError:
            raise self.error(f"{shown}not a number", row.line, column) from None
        if not math.isfinite(value):
            raise self.error(f"{shown}not a finite number", row.line, column)
        return value


def parse_table(
    text: str,
    name: str,
    columns: Sequence[str],
    optional: Sequence[str] = (),
    *,
    max_rows: int,
    quote: bool,
    rows_are: str = "rows",
) -> Table:
    """Read a CSV table's header and find its columns; its rows are then read by ``Table.rows``.

    Args:
        text: The file's text (``decode``).
        name: The file, as errors name it.
        columns: Columns the table must have.
        optional: Columns read if present.
        max_rows: Most rows allowed (a constant of ``sim.scenario.limits``).
        quote: Whether errors may repeat what the file holds (column names, cells).
        rows_are: What a row is, for the errors.

    Raises:
        InputError: If the file is empty, lacks a column, or has a column asked for more than once.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next((cells for cells in reader if any(cell.strip() for cell in cells)), None)
    except csv.Error:
        raise InputError(UNREADABLE, name, reader.line_num) from None
    line = reader.line_num
    wanted = ", ".join(map(repr, columns))
    if header is None:
        raise InputError(f"is empty (expected a header line with {wanted or 'column names'})", name)
    names = [cell.strip().casefold() for cell in header]
    missing = [column for column in columns if column.casefold() not in names]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        found = "; found " + ", ".join(repr(cell.strip()) for cell in header) if quote else ""
        raise InputError(
            f"has no column{plural} {', '.join(shorten(column) for column in missing)} "
            f"(needs {wanted}{found})",
            name,
            line,
        )
    positions: dict[str, int] = {}
    for column in (*columns, *optional):
        found_at = [at for at, cell in enumerate(names) if cell == column.casefold()]
        if len(found_at) > 1:
            raise InputError(f"has {len(found_at)} columns named {shorten(column)}", name, line)
        if found_at:
            positions[column] = found_at[0]
    return Table(name, header, line, positions, max_rows, quote, rows_are, reader)


def read_table(
    path: Path,
    columns: Sequence[str],
    optional: Sequence[str] = (),
    *,
    max_bytes: int,
    max_rows: int,
    quote: bool,
    what: str = "a CSV file",
    rows_are: str = "rows",
) -> Table:
    """Read a CSV file's header under the rules of this module (``read_file``, ``decode``, ``parse_table``).

    Raises:
        InputError: Naming the file, and the line and column, of the first problem.
    """
    name = str(path)
    return parse_table(
        decode(read_file(path, max_bytes, what), name),
        name,
        columns,
        optional,
        max_rows=max_rows,
        quote=quote,
        rows_are=rows_are,
    )


def in_words(error: InputError) -> str:
    """Return a table's error as a phrase that names the file (quoted), line and column.

    Used where the error becomes part of another (a samples file's problem is a scenario field's).
    """
    where = shorten(error.file or "", 200)
    if error.line is not None:
        where += f" line {error.line:,}" + ("," if error.field else "")
    if error.field:
        where += f" column {shorten(error.field)}"
    return f"{where}: {error.message}"
