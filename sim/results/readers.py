"""Reading a run folder's tables (a merged file, or a folder of parts, read as one table)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds

from sim.errors import InputError


def table_path(run: Path, name: str) -> Path | None:
    """Return where a run's table lives: the merged file, else its parts, else None."""
    merged = run / f"{name}.parquet"
    if merged.exists():
        return merged
    parts = sorted((run / "parts").glob(f"{name}-*.parquet")) if (run / "parts").is_dir() else []
    return run / "parts" if parts else None


def _dataset(run: Path, name: str) -> ds.Dataset:
    path = table_path(run, name)
    if path is None:
        raise InputError(f"the run has no {name} table (was it run with --daily none?)", str(run))
    if path.is_dir():
        return ds.dataset(sorted(path.glob(f"{name}-*.parquet")), format="parquet")
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
