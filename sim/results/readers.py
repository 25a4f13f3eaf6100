"""Reading a run folder's tables (a merged file, or a folder of parts, read as one table).

Memory does not grow with the replication count: tables are scanned a row group at a time without
Parquet's whole-column pre-buffering or read-ahead (``scan``), columns are read one at a time
(``read_column``), and the daily bands come from a bounded, evenly spaced sample of at most
``MAX_BAND_RUNS`` runs (``band_sample``), the same sample every time for the same run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from sim.errors import InputError, clip
from sim.results.columns import area_column, threshold_column
from sim.results.locate import checked_parts, table_path
from sim.results.store import ROW_GROUP_ROWS
from sim.scenario.schema import Scenario

MAX_BAND_RUNS = 2_000
"""Most runs the daily bands (fan chart, forces, sectors) are drawn from; beyond it, an even sample."""
MAX_BAND_VALUES = 12_000_000
"""Most daily values held in memory per figure for the bands (12 million float32 values: 48 MB)."""
SCAN_OPTIONS = ds.ParquetFragmentScanOptions(pre_buffer=False)
"""Parquet is read a column chunk at a time as it is decoded: ``pre_buffer=True`` (pyarrow's default)
buffers every requested column chunk of a file before decoding, which for a big merged table is most of it."""
PARQUET = ds.ParquetFileFormat(default_fragment_scan_options=SCAN_OPTIONS)
POOL = pa.system_memory_pool()
"""Tables are read into the C library's allocator: pyarrow's default (mimalloc) keeps freed pages resident,
so each column read would leave its pages behind under the next figure."""


def _dataset(run: Path, name: str) -> ds.Dataset:
    path = table_path(run, name)
    if path is None:
        hint = " (was it run with --daily none?)" if name in ("daily", "sectors") else ""
        raise InputError(f"the run has no {name} table{hint}", str(run))
    with _readable(run, name):
        if path.is_dir():
            return ds.dataset(checked_parts(run, name), format=PARQUET)
        return ds.dataset(path, format=PARQUET)


@contextlib.contextmanager
def _readable(run: Path, name: str) -> Iterator[None]:
    """Turn a table Arrow cannot read (parts of different columns, a damaged file) into one line."""
    try:
        yield
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"cannot read its {name} table ({clip(str(exc), 120)})", str(run)) from None


def scan(run: Path, name: str, columns: Sequence[str], filter: Any = None) -> Iterator[pa.RecordBatch]:
    """Yield some columns of one of a run's tables a row group at a time, in file and row order.

    Nothing is read ahead and nothing is pre-buffered, so memory holds one row group of these columns
    however long the table is; at the end, freed pages go back to the system (``POOL``), so that what one
    figure read does not stay resident under the next.

    Raises:
        InputError: If the run has no such table.
    """
    with _readable(run, name):
        yield from _dataset(run, name).to_batches(
            columns=list(columns),
            filter=filter,
            batch_size=ROW_GROUP_ROWS,
            batch_readahead=0,
            fragment_readahead=0,
            fragment_scan_options=SCAN_OPTIONS,
            use_threads=False,
            memory_pool=POOL,
        )
    POOL.release_unused()


def count_rows(run: Path, name: str) -> int:
    """Return how many rows one of a run's tables has (from the Parquet footers, reading no data).

    Raises:
        InputError: If the run has no such table.
    """
    with _readable(run, name):
        return int(_dataset(run, name).count_rows())


def column_names(run: Path, name: str) -> list[str]:
    """Return the columns of one of a run's tables.

    Raises:
        InputError: If the run has no such table.
    """
    return list(_dataset(run, name).schema.names)


def read_column(run: Path, name: str, column: str, filter: Any = None) -> np.ndarray:
    """Return one column of a run's table as a float array (nulls as NaN), read a row group at a time.

    Raises:
        InputError: If the run has no such table.
    """
    if filter is not None:
        pieces = [
            numpy_of(batch.column(0).cast(pa.float64()).fill_null(np.nan))
            for batch in scan(run, name, [column], filter)
        ]
        return np.concatenate(pieces) if pieces else np.zeros(0)
    out = np.empty(count_rows(run, name))  # filled in place: one array of the column, never two
    start = 0
    for batch in scan(run, name, [column]):
        out[start : start + batch.num_rows] = numpy_of(batch.column(0).cast(pa.float64()).fill_null(np.nan))
        start += batch.num_rows
    return out[:start]


def read_table(run: Path, name: str, columns: Sequence[str] | None = None, filter: Any = None) -> pa.Table:
    """Read one of a run's tables, optionally only some columns and rows, as one table in memory.

    For big runs, read only the columns needed, or use ``scan`` or ``read_column``.

    Raises:
        InputError: If the run has no such table.
    """
    with _readable(run, name):
        return _dataset(run, name).to_table(
            columns=list(columns) if columns else None, filter=filter, memory_pool=POOL
        )


def area_matrix(
    run: Path, days: int, column: str = "area_km2", max_runs: int | None = MAX_BAND_RUNS
) -> np.ndarray:
    """Return a (runs, days) array of a daily column, rows in replication order.

    The table is scanned a row group at a time, so memory holds the matrix and one row group.

    Args:
        run: The run folder.
        days: Recorded days.
        column: The daily column.
        max_runs: At most this many runs (an evenly spaced sample, ``band_sample``); None for all.
    """
    everyone = first_day_replications(run, "daily")
    chosen = everyone if max_runs is None else band_sample(everyone, max_runs)
    out = np.full((chosen.size, days), np.nan)
    for batch in scan(run, "daily", ["replication", "day", column]):
        rows, keep = _rows(chosen, numpy_of(batch.column(0)))
        day = numpy_of(batch.column(1))
        keep &= day < days
        out[rows[keep], day[keep]] = numpy_of(batch.column(2))[keep]
    return out


def first_day_replications(run: Path, name: str, sector: str | None = None) -> np.ndarray:
    """Return, sorted, the replications a daily table (``daily`` or ``sectors``) holds.

    The table is read a row group at a time (two small columns).

    Args:
        run: The run folder.
        name: ``daily`` or ``sectors``.
        sector: For ``sectors``, the sector whose rows are counted.
    """
    columns = ["replication", "day", *(["sector"] if sector is not None else [])]
    found: list[np.ndarray] = []
    for batch in scan(run, name, columns):
        first = numpy_of(batch.column(1)) == 0
        if sector is not None:
            first &= numpy_of(pc.fill_null(pc.equal(batch.column(2), sector), False))
        found.append(numpy_of(batch.column(0))[first])
    return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)


def numpy_of(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Return an Arrow array as numpy (copying where Arrow cannot share its memory)."""
    return array.to_numpy(zero_copy_only=False)


def band_sample(replications: np.ndarray, limit: int) -> np.ndarray:
    """Return all replications, or at most ``limit`` of them evenly spaced by index (first and last kept).

    The sample depends only on the replications and the limit, never on a random draw: the same run
    always gives the same figure.
    """
    if replications.size <= limit:
        return replications
    return replications[np.unique(np.linspace(0, replications.size - 1, max(limit, 1)).round().astype(int))]


def band_limit(
    days: int, columns: int, max_values: int = MAX_BAND_VALUES, max_runs: int = MAX_BAND_RUNS
) -> int:
    """Return how many runs the bands of ``columns`` daily columns may use: ``max_runs``, fewer if long."""
    return max(1, min(max_runs, max_values // (max(days, 1) * max(columns, 1))))


@dataclass
class Matrices:
    """Daily values of some runs, one (runs, days) float32 array per column.

    Attributes:
        values: Column name to array; rows are ``replications`` in order.
        replications: The replication index of each row.
        total: Replications in the run (more than the rows if the bands use a subset).
    """

    values: dict[str, np.ndarray]
    replications: np.ndarray
    total: int

    @property
    def subset(self) -> bool:
        """Whether only some of the runs were read."""
        return self.replications.size < self.total


def daily_matrices(
    run: Path,
    columns: Sequence[str],
    days: int,
    max_values: int = MAX_BAND_VALUES,
    max_runs: int = MAX_BAND_RUNS,
) -> Matrices:
    """Read daily columns of ``daily.parquet`` into (runs, days) arrays, a row group at a time.

    Args:
        run: The run folder.
        columns: Columns of the daily table.
        days: Recorded days.
        max_values: At most this many values in all; beyond it, an evenly spaced subset of runs.
        max_runs: At most this many runs; beyond it, an evenly spaced subset (``band_sample``).
    """
    everyone = first_day_replications(run, "daily")
    chosen = band_sample(everyone, band_limit(days, len(columns), max_values, max_runs))
    out = {column: np.full((chosen.size, days), np.nan, dtype=np.float32) for column in columns}
    for batch in scan(run, "daily", ["replication", "day", *columns]):
        rows, keep = _rows(chosen, numpy_of(batch.column(0)))
        day = numpy_of(batch.column(1))
        keep &= day < days
        for index, column in enumerate(columns):
            out[column][rows[keep], day[keep]] = numpy_of(batch.column(2 + index))[keep]
    return Matrices(out, chosen, int(everyone.size))


def sector_matrices(
    run: Path,
    sectors: Sequence[str],
    days: int,
    max_values: int = MAX_BAND_VALUES,
    max_runs: int = MAX_BAND_RUNS,
) -> Matrices:
    """Read ``sectors.parquet`` into one (runs, days) array of held area per sector, a row group at a time.

    Args:
        run: The run folder.
        sectors: The sectors.
        days: Recorded days.
        max_values: At most this many values in all; beyond it, an evenly spaced subset of runs.
        max_runs: At most this many runs; beyond it, an evenly spaced subset (``band_sample``).
    """
    everyone = first_day_replications(run, "sectors", sectors[0])
    chosen = band_sample(everyone, band_limit(days, len(sectors), max_values, max_runs))
    out = {name: np.full((chosen.size, days), np.nan, dtype=np.float32) for name in sectors}
    names = pa.array(list(sectors), type=pa.string())
    for batch in scan(run, "sectors", ["replication", "day", "sector", "area_km2"]):
        rows, keep = _rows(chosen, numpy_of(batch.column(0)))
        day = numpy_of(batch.column(1))
        which = numpy_of(pc.fill_null(pc.index_in(batch.column(2), value_set=names), -1))
        area = numpy_of(batch.column(3))
        keep &= day < days
        for index, name in enumerate(sectors):
            mask = keep & (which == index)
            out[name][rows[mask], day[mask]] = area[mask]
    return Matrices(out, chosen, int(everyone.size))


def _rows(chosen: np.ndarray, replication: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the row of each replication among ``chosen`` and whether it is one of them."""
    if chosen.size == 0:
        return np.zeros(replication.size, dtype=int), np.zeros(replication.size, dtype=bool)
    rows = np.minimum(np.searchsorted(chosen, replication), chosen.size - 1)
    return rows, chosen[rows] == replication


def crossing_days(
    run: Path, scenario: Scenario, thresholds: Sequence[float]
) -> tuple[dict[float, np.ndarray], list[str]]:
    """Return every run's first day below each threshold (NaN if never), and notes on skipped thresholds.

    The scenario's own thresholds come from ``outcomes.parquet``; any other is computed from
    ``daily.parquet``, a batch at a time, if the run has one.
    """
    present = set(column_names(run, "outcomes"))
    stored = {t: threshold_column(t) for t in thresholds if threshold_column(t) in present}
    replications = np.concatenate(
        [numpy_of(batch.column(0)) for batch in scan(run, "outcomes", ["replication"])] or [np.zeros(0, int)]
    )
    order = np.argsort(replications, kind="stable")
    result: dict[float, np.ndarray] = {}
    for threshold, column in stored.items():
        result[threshold] = read_column(run, "outcomes", column)[order]
    missing = [t for t in thresholds if t not in stored]
    notes: list[str] = []
    if missing and table_path(run, "daily") is not None:
        ordered = replications[order]
        first = {t: np.full(ordered.size, np.inf) for t in missing}
        for batch in scan(run, "daily", ["replication", "day", "area_km2"]):
            rows, keep = _rows(ordered, numpy_of(batch.column(0)))
            day = numpy_of(batch.column(1)).astype(float)
            area = numpy_of(batch.column(2))
            for threshold in missing:
                mask = keep & (area < threshold)
                np.minimum.at(first[threshold], rows[mask], day[mask])
        for threshold in missing:
            result[threshold] = np.where(np.isinf(first[threshold]), np.nan, first[threshold])
    elif missing:
        notes.extend(
            f"below {t:,g} km2: skipped (not one of the run's outcome thresholds, and the run has no "
            "daily.parquet to compute it from)"
            for t in missing
        )
    return {t: result[t] for t in thresholds if t in result}, notes


def areas_on(run: Path, scenario: Scenario, date: dt.date) -> np.ndarray | None:
    """Return every replication's held area on ``date``, or None if the run kept none for that day.

    From the outcome column ``area_km2_on_<date>`` (or ``final_area_km2`` on the end date) when the
    run has one (one small column), else from ``daily.parquet`` (only that day's rows, in replication
    order). The two hold the same values; the outcome column is cheaper to read.
    """
    names = set(column_names(run, "outcomes"))
    for column in (area_column(date), "final_area_km2" if date == scenario.end else None):
        if column in names:
            return read_column(run, "outcomes", column)
    if table_path(run, "daily") is not None:
        day = (date - scenario.start).days
        replications: list[np.ndarray] = []
        areas: list[np.ndarray] = []
        for batch in scan(run, "daily", ["replication", "day", "area_km2"]):
            on_day = numpy_of(batch.column(1)) == day
            replications.append(numpy_of(batch.column(0))[on_day])
            areas.append(numpy_of(batch.column(2).cast(pa.float64()).fill_null(np.nan))[on_day])
        if replications and sum(piece.size for piece in replications):
            order = np.argsort(np.concatenate(replications), kind="stable")
            return np.concatenate(areas)[order]
    return None
