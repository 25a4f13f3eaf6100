"""Writing a folder's files: atomically, as valid JSON, as CSV a spreadsheet shows as text.

Every file is written to a temporary name in the same folder, then renamed over its name, so a crash or
Ctrl-C never leaves a half-written file that looks whole. JSON is written with finite numbers only (a
number that is not, NaN or infinity, is null and listed under ``null_for_non_finite``), and a CSV cell of
text that begins like a spreadsheet formula is escaped.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import math
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it over ``path``, else remove it.

    A stale entry under the temporary name (even a symbolic link) is removed first, so writing never
    follows a link planted there.
    """
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temporary.unlink(missing_ok=True)
    try:
        yield temporary
        os.replace(temporary, path)
    except OSError as error:
        # A full disk's error names no file (a write, not an open) or the temporary one: name the file
        # the user asked for.
        if error.filename is None or error.filename == str(temporary):
            error.filename = str(path)
        raise
    finally:
        # On a file system turned read-only the removal fails too: the first error is the one to tell.
        with contextlib.suppress(OSError):
            if temporary.exists() or temporary.is_symlink():
                temporary.unlink()


NON_FINITE_KEY = "null_for_non_finite"
"""Where a JSON document lists the fields whose number was not finite, and so is written as null."""


def finite_json(data: Any, path: str = "") -> tuple[Any, list[str]]:
    """Return ``data`` with every number that is not finite (NaN, infinity) replaced by None.

    Returns:
        The data, and the dotted path of every value replaced.
    """
    if isinstance(data, float | np.floating) and not math.isfinite(float(data)):
        return None, [path or "(value)"]
    if isinstance(data, dict):
        out: dict[Any, Any] = {}
        replaced: list[str] = []
        for key, value in data.items():
            out[key], found = finite_json(value, f"{path}.{key}" if path else str(key))
            replaced += found
        return out, replaced
    if isinstance(data, list | tuple):
        items, replaced = [], []
        for index, value in enumerate(data):
            item, found = finite_json(value, f"{path}.{index}" if path else str(index))
            items.append(item)
            replaced += found
        return items, replaced
    return data, []


def write_json(path: Path, data: Any, *, replace_non_finite: bool = True) -> None:
    """Write ``data`` as indented JSON, atomically: valid JSON, so a number that is not finite is null.

    A document (a mapping) that had such numbers lists their paths under ``null_for_non_finite``.

    Args:
        path: The file.
        data: What to write.
        replace_non_finite: Look for numbers that are not finite (a manifest has none: its numbers are
            a validated scenario's and counts, and walking a large one on every rewrite would cost time).
    """
    if replace_non_finite:
        data, replaced = finite_json(data)
        if replaced and isinstance(data, dict):
            data[NON_FINITE_KEY] = replaced
    with atomic_path(path) as temporary:
        text = json.dumps(data, indent=2, default=str, allow_nan=False)
        temporary.write_text(text + "\n", encoding="utf-8")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""How a spreadsheet cell that it would run as a formula begins (``=cmd|' /C calc'!A0``, ``@SUM(1+1)``)."""


def spreadsheet_safe(value: Any) -> Any:
    """Return a CSV cell that a spreadsheet shows as text and never runs.

    Text beginning like a formula gets a leading ``'``; numbers, negative ones included, stay as they are.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def write_csv(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    """Write rows of dicts (the first row's keys as the header) as CSV, atomically; None as empty.

    Text that a spreadsheet would run as a formula is escaped (``spreadsheet_safe``).
    """
    with atomic_path(path) as temporary, temporary.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[spreadsheet_safe(key) for key in rows[0]] if rows else [])
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    spreadsheet_safe(key): "" if value is None else spreadsheet_safe(value)
                    for key, value in row.items()
                }
            )


PARQUET_COMPRESSION = "zstd"
"""How every Parquet file sim writes is compressed."""


def dictionary_columns(schema: pa.Schema) -> list[str]:
    """Return the columns worth dictionary encoding in Parquet: text (and already dictionary-typed) ones.

    A column of text names a few things over and over (a sector, a withdrawal rule): a dictionary stores
    each once. Numbers are nearly all distinct, so their dictionary is as large as the column and costs
    time to build, only to be compressed worse than the plain values.
    """
    text = (pa.types.is_string, pa.types.is_large_string, pa.types.is_dictionary)
    return [field.name for field in schema if any(test(field.type) for test in text)]


def parquet_options(schema: pa.Schema) -> dict[str, Any]:
    """Return the writer options of every Parquet file sim writes (``write_table``, merged tables).

    They change how the file encodes its columns, never what it holds: the same schema, values and rows.
    """
    return {"compression": PARQUET_COMPRESSION, "use_dictionary": dictionary_columns(schema)}


def write_table(path: Path, table: pa.Table) -> None:
    """Write an Arrow table as Parquet, atomically."""
    with atomic_path(path) as temporary:
        pq.write_table(table, temporary, **parquet_options(table.schema))


def file_sha256(path: Path) -> str:
    """Return the sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
