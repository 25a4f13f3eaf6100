"""A run's tables for other tools: CSV for spreadsheets, netCDF for the replication x day x sector cube.

CSV: one file per table the run kept (``outcomes``, ``daily``, ``sectors``) and ``summary_by_month.csv``
(the summary's month table), each streamed a row group at a time, so a run of any size is written in
little memory. netCDF (through xarray, the ``netcdf`` extra): one file holding the daily state per
replication and day, the held area per replication, day and sector, and each replication's outcomes,
with the dates, the scenario's name, the seed and the version that wrote the run as attributes. The cube
is built in memory, so it is refused beyond ``CUBE_LIMIT_BYTES`` unless ``first`` keeps fewer runs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

import sim
from sim.errors import InputError, require_extra
from sim.results.folder import RunFolder
from sim.results.readers import column_names, numpy_of, read_column, scan, table_path
from sim.results.store import atomic_path

TABLES = ("outcomes", "daily", "sectors")
"""A run's tables, in the order they are exported."""

CUBE_LIMIT_BYTES = 2 * 1024**3
"""The most memory the netCDF cube may take (8 bytes a value); beyond it, export the first N runs."""


def export_csv(run: RunFolder, out: Path) -> list[Path]:
    """Write each of the run's tables as CSV into ``out``, and the summary's month table; return them.

    Raises:
        InputError: If ``out`` exists and is not a folder.
    """
    _folder(out)
    written = []
    for name in TABLES:
        if table_path(run.directory, name) is None:
            continue
        target = out / f"{name}.csv"
        columns = column_names(run.directory, name)
        with atomic_path(target) as temporary:
            writer = None
            for batch in scan(run.directory, name, columns):
                if writer is None:
                    writer = pacsv.CSVWriter(str(temporary), batch.schema)
                writer.write_batch(batch)
            if writer is None:
                temporary.write_text(",".join(columns) + "\n", encoding="utf-8")
            else:
                writer.close()
        written.append(target)
    months = _month_rows(run.directory)
    if months:
        target = out / "summary_by_month.csv"
        table = pa.Table.from_pylist(months)
        with atomic_path(target) as temporary:
            pacsv.write_csv(table, str(temporary))
        written.append(target)
    return written


def _month_rows(directory: Path) -> list[dict[str, Any]]:
    path = directory / "summary.json"
    if not path.is_file():
        return []
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    rows = summary.get("by_month") if isinstance(summary, dict) else None
    return [row for row in rows or [] if isinstance(row, dict)]


def _folder(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a folder", str(out), field="--out")
    out.mkdir(parents=True, exist_ok=True)


def cube_bytes(run: RunFolder, replications: int) -> int:
    """Return the memory the netCDF cube of ``replications`` runs takes (8 bytes a value)."""
    days = run.days
    values = 0
    if table_path(run.directory, "daily") is not None:
        values += days * (len(column_names(run.directory, "daily")) - 3)  # less replication, day, date
    if table_path(run.directory, "sectors") is not None:
        values += days * len(run.scenario.sectors)
    values += len(column_names(run.directory, "outcomes"))
    return replications * values * 8


def export_netcdf(run: RunFolder, target: Path, first: int | None = None) -> Path:
    """Write the run as one netCDF file (replication x day x sector) and return its path.

    Args:
        run: The opened run folder.
        target: The ``.nc`` file.
        first: Only the first this many replications (for a run too big for memory).

    Raises:
        InputError: Without the ``netcdf`` extra, for a cube beyond ``CUBE_LIMIT_BYTES``, or a target
            that is a folder.
    """
    require_extra("xarray", "netcdf", "sim export --format netcdf")
    require_extra("netCDF4", "netcdf", "sim export --format netcdf")
    import xarray as xr

    if target.is_dir():
        raise InputError("is a folder; give the .nc file to write", str(target), field="--out")
    replications = np.unique(read_column(run.directory, "outcomes", "replication")).astype(np.int64)
    if first is not None:
        replications = replications[:first]
    size = cube_bytes(run, replications.size)
    if size > CUBE_LIMIT_BYTES:
        fits = max(1, int(replications.size * CUBE_LIMIT_BYTES / size))
        raise InputError(
            f"the cube of {replications.size:,} replications would take {size / 1024**3:.1f} GiB in memory "
            f"(at most {CUBE_LIMIT_BYTES / 1024**3:.0f}); export the first ones with --first {fits:,}",
            str(run.directory),
        )
    days = np.arange(run.days)
    dates = np.array([run.scenario.start + dt.timedelta(days=int(d)) for d in days], dtype="datetime64[ns]")
    coords: dict[str, Any] = {"replication": replications, "day": days, "date": ("day", dates)}
    variables: dict[str, Any] = {}
    if table_path(run.directory, "daily") is not None:
        variables.update(_daily(run, replications))
    if table_path(run.directory, "sectors") is not None:
        sectors = list(run.scenario.sectors)
        coords["sector"] = sectors
        variables["sector_area_km2"] = (
            ("replication", "day", "sector"),
            _sectors(run, replications, sectors),
        )
    variables.update(_outcomes(run, replications))
    dataset = xr.Dataset(variables, coords=coords)
    for name in dataset.data_vars:
        if "km2" in str(name):
            dataset[name].attrs["units"] = "km2"
        elif str(name).startswith("supply_"):
            dataset[name].attrs["units"] = "1"  # the share of the side's supply capacity delivered
    dataset.attrs.update(
        {
            "title": f"{run.scenario.name}: {replications.size:,} replications",
            "scenario": run.scenario.name,
            "seed": int(run.manifest.seed),
            "replications_in_run": int(run.manifest.replications),
            "package_version": sim.__version__,
            "run_package_version": str(run.manifest.package_version),
            "source": f"conflict-sim run folder {run.name}",
            "Conventions": "CF-1.8",
        }
    )
    with atomic_path(target) as temporary:
        dataset.to_netcdf(temporary, engine="netcdf4", format="NETCDF4")
    return target


def _rows(replications: np.ndarray, batch: pa.RecordBatch) -> tuple[np.ndarray, np.ndarray]:
    """Each row's position in ``replications``, and whether the row is one of them."""
    ids = numpy_of(batch.column("replication"))
    index = np.searchsorted(replications, ids)
    keep = (index < replications.size) & (replications[np.minimum(index, replications.size - 1)] == ids)
    return index, keep


def _daily(run: RunFolder, replications: np.ndarray) -> dict[str, Any]:
    names = [
        name for name in column_names(run.directory, "daily") if name not in ("replication", "day", "date")
    ]
    arrays = {name: np.full((replications.size, run.days), np.nan) for name in names}
    for batch in scan(run.directory, "daily", ["replication", "day", *names]):
        index, keep = _rows(replications, batch)
        day = numpy_of(batch.column("day"))
        keep &= day < run.days
        for name in names:
            values = numpy_of(batch.column(name).cast(pa.float64()).fill_null(np.nan))
            arrays[name][index[keep], day[keep]] = values[keep]
    return {name: (("replication", "day"), array) for name, array in arrays.items()}


def _sectors(run: RunFolder, replications: np.ndarray, sectors: Sequence[str]) -> np.ndarray:
    cube = np.full((replications.size, run.days, len(sectors)), np.nan)
    positions = pa.array(sectors, type=pa.string())
    for batch in scan(run.directory, "sectors", ["replication", "day", "sector", "area_km2"]):
        index, keep = _rows(replications, batch)
        day = numpy_of(batch.column("day"))
        sector = numpy_of(pc.fill_null(pc.index_in(batch.column("sector").cast(pa.string()), positions), -1))
        keep &= (day < run.days) & (sector >= 0)
        values = numpy_of(batch.column("area_km2").cast(pa.float64()).fill_null(np.nan))
        cube[index[keep], day[keep], sector[keep]] = values[keep]
    return cube


def _outcomes(run: RunFolder, replications: np.ndarray) -> dict[str, Any]:
    names = [name for name in column_names(run.directory, "outcomes") if name != "replication"]
    numbers: dict[str, np.ndarray] = {}
    words: dict[str, np.ndarray] = {}
    for batch in scan(run.directory, "outcomes", ["replication", *names]):
        index, keep = _rows(replications, batch)
        for name in names:
            column = batch.column(name)
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                target = words.setdefault(name, np.full(replications.size, "", dtype=object))
                target[index[keep]] = np.asarray(column.fill_null("").to_pylist(), dtype=object)[keep]
            else:
                target = numbers.setdefault(name, np.full(replications.size, np.nan))
                target[index[keep]] = numpy_of(column.cast(pa.float64()).fill_null(np.nan))[keep]
    return {f"outcome_{name}": ("replication", array) for name, array in {**numbers, **words}.items()}
