"""The empirical distribution: samples read from a file, one row per replication.

A CSV samples file is read by the one CSV reader (``sim.scenario.tables``), under its rules; a Parquet
file by pyarrow, under the same bounds (``limits.SAMPLES_BYTES``, ``limits.SAMPLES_ROWS``) and the
same refusal of empty or non-finite cells. Errors name the file, the column and the line (or row),
never what the file holds: a samples file may be anything.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field, PrivateAttr, model_validator

from sim.errors import InputError, shorten
from sim.scenario import limits
from sim.scenario.families import _Distribution
from sim.scenario.tables import decode, in_words, parse_table, read_file


class Empirical(_Distribution):
    """Samples from a file (e.g. a posterior from ``sim calibrate``): one row per replication.

    Every empirical distribution reading the same file draws the same row in a replication, so
    parameters calibrated together keep their correlations. ``weights`` names a column of sampling
    weights (equal weights if absent). A relative ``file`` is relative to the scenario file that
    names it. Parquet and CSV files are read: a regular file of at most 64 MB and 1,000,000 rows,
    whose columns read hold finite numbers (weights non-negative, not all zero). Errors name the
    file, the column and the line, never the file's contents.
    """

    dist: Literal["empirical"]
    file: str = Field(max_length=4096)
    column: str = Field(max_length=1000)
    weights: str | None = Field(None, max_length=1000)
    _values: np.ndarray = PrivateAttr()
    _cumulative: np.ndarray = PrivateAttr()
    _hash: str = PrivateAttr()

    @model_validator(mode="after")
    def _load(self) -> Empirical:
        path = Path(self.file)
        wanted = [self.column] + ([self.weights] if self.weights else [])
        try:
            content = read_file(path, limits.SAMPLES_BYTES, "a samples file (CSV or Parquet)")
            if path.suffix.lower() == ".csv":
                data = _csv_columns(str(path), content, wanted)
            else:
                data = _parquet_columns(str(path), content, wanted)
        except InputError as error:
            if error.message == "no such file":
                # Worded so, a folder that cannot be reopened says to put the file back (sim.results.folder).
                raise ValueError(f"no such file {shorten(self.file, 200)}") from None
            raise ValueError(in_words(error)) from None
        self._hash = hashlib.sha256(content).hexdigest()
        values = data[self.column]
        weights = data[self.weights] if self.weights else np.ones(values.size)
        if np.any(weights < 0) or not weights.sum() > 0:
            raise ValueError(
                f"{shorten(self.file, 200)}: column {shorten(self.weights)} must hold non-negative weights, "
                "not all zero"
            )
        self._values = values
        self._cumulative = np.cumsum(weights) / weights.sum()
        return self

    @property
    def content_hash(self) -> str:
        """The sha256 of the samples file: names the stream all of its columns share."""
        return self._hash

    def ppf(self, u: float) -> float:
        """Return the value of the row whose cumulative weight first exceeds ``u``."""
        row = int(np.searchsorted(self._cumulative, u, side="right"))
        return float(self._values[min(row, self._values.size - 1)])

    def support(self) -> tuple[float, float]:
        """Return the smallest and largest value in the column."""
        return (float(self._values.min()), float(self._values.max()))

    def describe(self) -> str:
        """Return a one-line description."""
        return f"empirical({self.file}, column {self.column}, {self._values.size} rows)"


def _csv_columns(name: str, content: bytes, wanted: list[str]) -> dict[str, np.ndarray]:
    """Read columns of a samples CSV's bytes: finite numbers, at most ``limits.SAMPLES_ROWS`` rows.

    Raises:
        InputError: As ``sim.scenario.tables`` does, quoting nothing of the file.
    """
    table = parse_table(decode(content, name), name, wanted, max_rows=limits.SAMPLES_ROWS, quote=False)
    columns: dict[str, list[float]] = {column: [] for column in wanted}
    for row in table.rows():
        for column, values in columns.items():
            values.append(table.number(row, column))
    return {column: np.array(values, dtype=float) for column, values in columns.items()}


def _parquet_columns(name: str, content: bytes, wanted: list[str]) -> dict[str, np.ndarray]:
    """Read columns of a samples Parquet file's bytes under the rules the CSV reader applies.

    Raises:
        InputError: For a file pyarrow cannot read, too many or no rows, a missing or repeated column,
            one that does not hold numbers, or an empty (null) or non-finite cell.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(pa.BufferReader(content))
        schema = parquet.schema_arrow
        rows = parquet.metadata.num_rows
        if rows > limits.SAMPLES_ROWS:
            raise InputError(f"has more than {limits.SAMPLES_ROWS:,} rows", name)
        if not rows:
            raise InputError("has no rows", name)
        for column in wanted:
            found = schema.get_all_field_indices(column)
            if not found:
                raise InputError(f"has no column {shorten(column)}", name)
            if len(found) > 1:
                raise InputError(f"has {len(found)} columns named {shorten(column)}", name)
            kind = schema.field(column).type
            if not (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
                raise InputError("does not hold numbers", name, field=column)
        table = parquet.read(columns=wanted)
        data: dict[str, np.ndarray] = {}
        for column in wanted:
            chunked = table[column]
            if chunked.null_count:
                raise InputError("has empty (null) cells", name, field=column)
            data[column] = np.asarray(chunked.to_numpy(), dtype=float)
            bad = np.flatnonzero(~np.isfinite(data[column]))
            if bad.size:
                raise InputError(f"not a finite number (row {int(bad[0]) + 1:,})", name, field=column)
    except InputError:
        raise
    except (pa.ArrowException, OSError, ValueError, TypeError, KeyError) as exc:
        raise InputError(f"cannot be read as a Parquet file ({type(exc).__name__})", name) from None
    return data
