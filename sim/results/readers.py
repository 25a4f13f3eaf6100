"""Reading a run folder's tables (a merged file, or a folder of parts, read as one table)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from sim.errors import InputError
from sim.results.columns import area_column, threshold_column
from sim.results.manifest import read_manifest_data
from sim.results.store import file_sha256
from sim.scenario.schema import Scenario

MAX_BAND_VALUES = 12_000_000
"""Most daily values held in memory per column for the bands (12 million float32 values: 48 MB)."""


def table_path(run: Path, name: str) -> Path | None:
    """Return where a run's table lives: the merged file, else its parts, else None.

    Parts count only if the manifest records their chunk as done and their bytes still have the
    recorded checksum (``checked_parts``).
    """
    merged = run / f"{name}.parquet"
    if merged.exists():
        return merged
    return run / "parts" if checked_parts(run, name) else None


_CHECKED: dict[tuple[str, int, int], str] = {}
"""sha256 of part files already hashed, by (path, size, modification time)."""


def checked_parts(run: Path, name: str) -> list[Path]:
    """Return the parts of a table of an unfinished run that can be trusted, in chunk order.

    A part is trusted if the manifest records its chunk as done with the part's sha256, and the file
    still has it; a damaged, missing, swapped or unrecorded part is left out (``--resume`` runs its
    chunk again).
    """
    parts = run / "parts"
    if not parts.is_dir():
        return []
    try:
        chunks = read_manifest_data(run / "manifest.json").get("chunks")
    except InputError:
        return []
    found: list[Path] = []
    for chunk in chunks if isinstance(chunks, list) else []:
        if (
            not isinstance(chunk, dict)
            or chunk.get("status") != "done"
            or not isinstance(chunk.get("index"), int)
        ):
            continue
        records = chunk.get("parts")
        record = records.get(name) if isinstance(records, dict) else None
        if not isinstance(record, dict):
            continue
        path = parts / f"{name}-{chunk['index']:06d}.parquet"
        if path.is_file() and not path.is_symlink() and _sha256(path) == record.get("sha256"):
            found.append(path)
    return found


def _sha256(path: Path) -> str:
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _CHECKED:
        if len(_CHECKED) > 100_000:
            _CHECKED.clear()
        _CHECKED[key] = file_sha256(path)
    return _CHECKED[key]


def _dataset(run: Path, name: str) -> ds.Dataset:
    path = table_path(run, name)
    if path is None:
        raise InputError(f"the run has no {name} table (was it run with --daily none?)", str(run))
    if path.is_dir():
        return ds.dataset(checked_parts(run, name), format="parquet")
    return ds.dataset(path, format="parquet")


def read_table(run: Path, name: str, columns: Sequence[str] | None = None, filter: Any = None) -> pa.Table:
    """Read one of a run's tables, optionally only some columns and rows.

    Raises:
        InputError: If the run has no such table.
    """
    return _dataset(run, name).to_table(columns=list(columns) if columns else None, filter=filter)


def area_matrix(run: Path, days: int, column: str = "area_km2") -> np.ndarray:
    """Return a (replications, days) array of a daily column, rows in replication order.

    The table is read a batch at a time, so memory holds the matrix and one batch, not the
    whole table with its replication and day columns.
    """
    dataset = _dataset(run, "daily")
    replications = np.unique(
        dataset.to_table(columns=["replication"], filter=ds.field("day") == 0)["replication"]
    )
    out = np.full((replications.size, days), np.nan)
    for batch in dataset.to_batches(columns=["replication", "day", column]):
        rows = np.searchsorted(replications, batch.column(0).to_numpy())
        out[rows, batch.column(1).to_numpy()] = batch.column(2).to_numpy()
    return out


def numpy_of(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Return an Arrow array as numpy (copying where Arrow cannot share its memory)."""
    return array.to_numpy(zero_copy_only=False)


def _evenly(replications: np.ndarray, limit: int) -> np.ndarray:
    """Return all replications, or ``limit`` of them evenly spaced by index."""
    if replications.size <= limit:
        return replications
    return replications[np.unique(np.linspace(0, replications.size - 1, max(limit, 1)).round().astype(int))]


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
    run: Path, columns: Sequence[str], days: int, max_values: int = MAX_BAND_VALUES
) -> Matrices:
    """Read daily columns of ``daily.parquet`` into (runs, days) arrays, a batch at a time.

    Args:
        run: The run folder.
        columns: Columns of the daily table.
        days: Recorded days.
        max_values: At most this many values in all; beyond it, an evenly spaced subset of runs.
    """
    dataset = _dataset(run, "daily")
    everyone = np.unique(numpy_of(dataset.to_table(columns=["replication"], filter=ds.field("day") == 0)[0]))
    chosen = _evenly(everyone, max_values // (days * max(len(columns), 1)))
    out = {column: np.full((chosen.size, days), np.nan, dtype=np.float32) for column in columns}
    for batch in dataset.to_batches(columns=["replication", "day", *columns]):
        rows, keep = _rows(chosen, numpy_of(batch.column(0)))
        day = numpy_of(batch.column(1))
        keep &= day < days
        for index, column in enumerate(columns):
            out[column][rows[keep], day[keep]] = numpy_of(batch.column(2 + index))[keep]
    return Matrices(out, chosen, int(everyone.size))


def sector_matrices(
    run: Path, sectors: Sequence[str], days: int, max_values: int = MAX_BAND_VALUES
) -> Matrices:
    """Read ``sectors.parquet`` into one (runs, days) array of held area per sector, a batch at a time."""
    dataset = _dataset(run, "sectors")
    first = (ds.field("day") == 0) & (ds.field("sector") == sectors[0])
    everyone = np.unique(numpy_of(dataset.to_table(columns=["replication"], filter=first)[0]))
    chosen = _evenly(everyone, max_values // (days * max(len(sectors), 1)))
    out = {name: np.full((chosen.size, days), np.nan, dtype=np.float32) for name in sectors}
    names = pa.array(list(sectors), type=pa.string())
    for batch in dataset.to_batches(columns=["replication", "day", "sector", "area_km2"]):
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
    outcomes = _dataset(run, "outcomes")
    present = set(outcomes.schema.names)
    stored = {t: threshold_column(t) for t in thresholds if threshold_column(t) in present}
    table = outcomes.to_table(columns=["replication", *dict.fromkeys(stored.values())])
    replications = numpy_of(table["replication"])
    order = np.argsort(replications, kind="stable")
    result: dict[float, np.ndarray] = {}
    for threshold, column in stored.items():
        values = table[column].cast(pa.float64()).fill_null(np.nan)
        result[threshold] = numpy_of(values)[order]
    missing = [t for t in thresholds if t not in stored]
    notes: list[str] = []
    if missing and table_path(run, "daily") is not None:
        ordered = replications[order]
        first = {t: np.full(ordered.size, np.inf) for t in missing}
        for batch in _dataset(run, "daily").to_batches(columns=["replication", "day", "area_km2"]):
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
    outcomes = _dataset(run, "outcomes")
    names = set(outcomes.schema.names)
    for column in (area_column(date), "final_area_km2" if date == scenario.end else None):
        if column in names:
            return numpy_of(outcomes.to_table(columns=[column])[column]).astype(float)
    if table_path(run, "daily") is not None:
        day = (date - scenario.start).days
        table = read_table(run, "daily", ["replication", "area_km2"], filter=ds.field("day") == day)
        if table.num_rows:
            order = np.argsort(numpy_of(table["replication"]), kind="stable")
            return numpy_of(table["area_km2"]).astype(float)[order]
    return None
