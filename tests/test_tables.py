"""The one CSV reader (sim.scenario.tables): its bounds, encoding, and errors naming file, line and column."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sim.errors import InputError
from sim.scenario import limits
from sim.scenario.tables import Table, in_words, read_table


def _read(
    path: Path, columns: tuple[str, ...] = ("a",), optional: tuple[str, ...] = (), **bounds: int
) -> Table:
    return read_table(
        path,
        columns,
        optional,
        max_bytes=bounds.get("max_bytes", 10_000),
        max_rows=bounds.get("max_rows", 100),
        quote=True,
    )


def _write(tmp_path: Path, content: str | bytes, name: str = "t.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _refused(path: Path, *columns: str, **bounds: int) -> InputError:
    with pytest.raises(InputError) as info:
        table = _read(path, columns or ("a",), **bounds)
        for row in table.rows():
            for column in table.positions:
                table.number(row, column)
    return info.value


def test_rows_come_with_their_lines_and_columns_match_without_case_or_spaces(tmp_path: Path) -> None:
    path = _write(tmp_path, "\n x ,A, Note \n1,2,hello\n\n , ,\n3, 4 ,\n")
    table = _read(path, ("a",), ("x", "absent"))
    assert table.header_line == 2 and table.positions == {"a": 1, "x": 0}
    rows = list(table.rows())
    assert [(row.line, row.cells) for row in rows] == [(3, {"a": "2", "x": "1"}), (6, {"a": "4", "x": "3"})]
    assert [table.number(row, "a") for row in rows] == [2.0, 4.0]


def test_a_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    path = _write(tmp_path, "\ufeffa\n1\n".encode())
    table = _read(path)
    assert table.header == ["a"]
    assert [row.cells for row in table.rows()] == [{"a": "1"}]


def test_text_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    error = _refused(_write(tmp_path, b"a\n1\n\xff\n"))
    assert (
        error.file == str(tmp_path / "t.csv") and "not UTF-8" in error.message and "offset 4" in error.message
    )


def test_a_nul_byte_is_refused(tmp_path: Path) -> None:
    assert "NUL" in _refused(_write(tmp_path, b"a\n1\x00\n")).message


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("a,b\n1,2\nx,3\n", 3, "a", "'x' is not a number"),
        ("a,b\n1,2\n\n\n2,3\nnan,4\n", 6, "a", "'nan' is not a finite number"),
        ("a,b\n1,2\n-inf,4\n", 3, "a", "'-inf' is not a finite number"),
        ("a,b\n1e999,4\n", 2, "a", "'1e999' is not a finite number"),
        ("a,b\n,4\n", 2, "a", "missing"),
    ],
)
def test_a_bad_number_names_its_line_and_column(
    tmp_path: Path, text: str, line: int, column: str, words: str
) -> None:
    error = _refused(_write(tmp_path, text))
    assert (error.file, error.line, error.field, error.message) == (
        str(tmp_path / "t.csv"),
        line,
        column,
        words,
    )
    assert str(error) == f"{tmp_path / 't.csv'}:{line}: {column}: {words}"


def test_an_error_that_may_not_quote_the_file_says_what_is_wrong_without_the_cell(tmp_path: Path) -> None:
    path = _write(tmp_path, "a\nSECRET\n")
    table = read_table(path, ("a",), max_bytes=100, max_rows=10, quote=False)
    with pytest.raises(InputError) as info:
        for row in table.rows():
            table.number(row, "a")
    assert "SECRET" not in str(info.value)
    assert in_words(info.value) == f"{str(path)!r} line 2, column 'a': not a number"


def test_a_missing_column_names_the_header_line_and_what_was_found(tmp_path: Path) -> None:
    error = _refused(_write(tmp_path, "\nwhen,area\n1,2\n"), "date", "value")
    assert error.line == 2
    assert error.message == "has no columns 'date', 'value' (needs 'date', 'value'; found 'when', 'area')"
    assert "has no column 'b' (needs 'a', 'b'" in _refused(_write(tmp_path, "a\n1\n"), "a", "b").message


def test_a_column_asked_for_twice_is_refused(tmp_path: Path) -> None:
    error = _refused(_write(tmp_path, "a,A\n1,2\n"))
    assert (error.line, error.message) == (1, "has 2 columns named 'a'")


@pytest.mark.parametrize(
    ("text", "words"),
    [("", "is empty (expected a header line with 'a')"), ("\n \n,\n", "is empty"), ("a\n\n", "has no rows")],
)
def test_an_empty_file_or_one_with_only_a_header_is_refused(tmp_path: Path, text: str, words: str) -> None:
    error = _refused(_write(tmp_path, text))
    assert words in error.message and error.line is None


def test_a_ragged_row_is_refused(tmp_path: Path) -> None:
    error = _refused(_write(tmp_path, "a,b\n1,2\n3\n"))
    assert (error.line, error.message) == (3, "has 1 cells but the header has 2")


def test_the_row_bound(tmp_path: Path) -> None:
    path = _write(tmp_path, "a\n" + "1\n" * 10)
    assert len(list(_read(path, max_rows=10).rows())) == 10
    error = _refused(_write(tmp_path, "a\n" + "1\n" * 11), max_rows=10)
    assert (error.line, error.message) == (12, "has more than 10 rows")


def test_the_size_bound(tmp_path: Path) -> None:
    path = _write(tmp_path, "a\n" + "1\n" * 10)  # 22 bytes
    assert len(list(_read(path, max_bytes=22).rows())) == 10
    error = _refused(path, max_bytes=21)
    assert error.file == str(path) and "is too large (22 bytes; at most 21)" in error.message


def test_a_cell_longer_than_the_bound_is_refused(tmp_path: Path) -> None:
    long = "1" * (limits.CSV_FIELD_CHARS + 1)
    error = _refused(_write(tmp_path, f"a,note\n1,x\n2,{long}\n"))
    assert (error.line, error.field) == (3, "note") and "the cell is too long" in error.message


def test_a_cell_the_csv_module_cannot_read_is_refused(tmp_path: Path) -> None:
    error = _refused(_write(tmp_path, "a\n1\n" + "1" * 140_000 + "\n"), max_bytes=1_000_000)
    assert error.line == 3 and "not a readable CSV file" in error.message


def test_a_long_cell_of_a_column_not_read_is_named_by_position_where_nothing_may_be_quoted(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, f"a,SECRET\n1,{'1' * (limits.CSV_FIELD_CHARS + 1)}\n")
    table = read_table(path, ("a",), max_bytes=10_000, max_rows=10, quote=False)
    with pytest.raises(InputError) as info:
        list(table.rows())
    assert (info.value.line, info.value.field) == (2, "#2") and "SECRET" not in str(info.value)


def test_quoted_cells_are_read_by_the_csv_module(tmp_path: Path) -> None:
    table = _read(_write(tmp_path, 'a,note\n"1","x, ""y"""\n'), ("a",), ("note",))
    assert [row.cells for row in table.rows()] == [{"a": "1", "note": 'x, "y"'}]


def test_what_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    assert _refused(tmp_path / "missing.csv").message == "no such file"
    assert _refused(tmp_path).message == "is a folder, not a CSV file"
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    assert "not a regular file" in _refused(fifo).message
