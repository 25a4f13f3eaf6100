"""Checks of a complete folder's merged tables against its manifest: every read, before anything is drawn.

A complete run's ``daily``, ``sectors`` and ``outcomes.parquet`` are recorded in its manifest when
they are merged (``tables``: sha256, rows, size). Opening the folder checks, for each table the run
keeps, that the manifest records it, that the file is a regular file of the recorded size and sha256,
that its rows are those recorded and those a run of its replications has, that its columns and their
types are the ones the run writes, and that every run's final held area is a finite number. So a
table replaced by another run's, emptied, filled with NaN, cut short, of other columns, or not Parquet
at all is refused in one line naming the file, before any figure, score or comparison is made from it
(the last check also holds against a folder whose digests were forged to match).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sim.errors import InputError
from sim.results.files import file_digest, regular_file
from sim.results.manifest import Manifest
from sim.results.store import tables_for
from sim.results.tables import daily_table, outcomes_table, sectors_table
from sim.scenario.parameters import distribution_leaves
from sim.scenario.schema import Scenario

_BUILDERS = {"daily": daily_table, "sectors": sectors_table, "outcomes": outcomes_table}


def expected_schema(scenario: Scenario, name: str, sweep: bool = False) -> pa.Schema:
    """Return the columns and types of a table a run of ``scenario`` writes.

    A sweep's (or a study's) tables have ``point`` first, and of the base scenario's sampled inputs only
    those its points did not vary (``check_tables`` then lets other columns through).
    """
    schema = _BUILDERS[name](scenario, [], []).schema
    if sweep:
        # A point fixes the inputs it varies: the base's sampled columns may not all be there.
        sampled = {path for path, _ in distribution_leaves(scenario)}
        schema = pa.schema([field for field in schema if field.name not in sampled])
        schema = schema.insert(0, pa.field("point", pa.int32()))
    return schema


def expected_rows(manifest: Manifest, scenario: Scenario, name: str) -> int:
    """Return the rows a complete folder's table has: per replication, per day, per sector."""
    rows = manifest.replications * (manifest.points or 1)
    if name in ("daily", "sectors"):
        rows *= scenario.horizon_days + 1
    if name == "sectors":
        rows *= len(scenario.sectors)
    return rows


def schema_problem(found: pa.Schema, expected: pa.Schema, exact: bool) -> str | None:
    """Return what is wrong with a table's columns, or None if they are the expected ones.

    Args:
        found: The file's schema.
        expected: What the run writes.
        exact: Whether the columns must be exactly these (a run), or may include others (a sweep, whose
            points may sample other inputs than its base scenario).
    """
    types = {field.name: field.type for field in found}
    for field in expected:
        if field.name not in types:
            return f"has no column {field.name!r}"
        if types[field.name] != field.type:
            return f"column {field.name!r} holds {types[field.name]}, not {field.type}"
    if exact:
        extra = [name for name in types if name not in expected.names]
        if extra:
            return f"has a column the run does not write ({extra[0]!r})"
        if found.names != expected.names:
            return "has its columns in another order than the run writes them"
    return None


def check_tables(directory: Path, manifest: Manifest, scenario: Scenario) -> None:
    """Refuse a complete folder whose merged tables are not those its manifest records.

    Args:
        directory: The folder.
        manifest: Its manifest (status ``complete``).
        scenario: The scenario rebuilt from it (a sweep's base scenario).

    Raises:
        InputError: Naming the file and what is wrong with it.
    """
    records = manifest.tables or {}
    unfinished = [chunk for chunk in manifest.chunks if chunk.status != "done"]
    if unfinished:
        raise InputError(
            f"manifest.json says the {manifest.kind} is complete, but {unfinished[0].label} is "
            f"{unfinished[0].status} (edited by hand or damaged)",
            str(directory / "manifest.json"),
            field="status",
        )
    sweep = manifest.kind in (
        "sweep",
        "study",
    )  # points that vary inputs: a study is a sweep of levers x futures
    kept = tables_for(manifest.daily)
    for name in sorted(kept, key=lambda table: table != "outcomes"):
        if not (directory / f"{name}.parquet").exists():
            raise InputError(
                f"holds no {name} table ({name}.parquet is missing: its Parquet files were not kept, or were "
                "removed); run the scenario again to have them",
                str(directory),
            )
    for name in kept:
        path = directory / f"{name}.parquet"
        record = records.get(name)
        if record is None:
            raise InputError(
                f"manifest.json says the {manifest.kind} is complete but records no {path.name} (edited by "
                "hand or damaged, or written by an older version)",
                str(directory / "manifest.json"),
                field="tables",
            )
        rows = expected_rows(manifest, scenario, name)
        if record.rows != rows:
            raise InputError(
                f"manifest.json records {record.rows:,} rows for {path.name}; its "
                f"{manifest.replications:,} replications have {rows:,} (edited by hand or damaged)",
                str(directory / "manifest.json"),
                field="tables",
            )
        size = regular_file(path).st_size
        if size != record.bytes or file_digest(path) != record.sha256:
            raise InputError(
                "is not the table this run wrote (its checksum differs from manifest.json's): replaced, "
                "emptied, edited or damaged; run the scenario again",
                str(path),
            )
        try:
            metadata = pq.read_metadata(path)
            found = metadata.schema.to_arrow_schema()
        except (OSError, pa.ArrowException):  # pragma: no cover - its bytes are the ones written
            raise InputError("is not a Parquet file sim can read", str(path)) from None
        problem = schema_problem(found, expected_schema(scenario, name, sweep), exact=not sweep)
        if problem is None and metadata.num_rows != rows:
            problem = f"has {metadata.num_rows:,} rows, not {rows:,}"
        if problem is None and name == "outcomes":
            problem = _not_finite(path, "final_area_km2")
        if problem is not None:
            raise InputError(f"{problem}: not a table of this run", str(path))


def _not_finite(path: Path, column: str) -> str | None:
    """Say how many runs' ``column`` is not a finite number (a held area always is), or None if none."""
    try:
        values = pq.read_table(path, columns=[column]).column(0)
    except (OSError, pa.ArrowException):  # pragma: no cover - its bytes are the ones written
        return f"column {column!r} cannot be read"
    bad = values.null_count + int(pc.sum(pc.invert(pc.is_finite(values.fill_null(0.0)))).as_py() or 0)
    return f"column {column!r} is not a finite number in {bad:,} of {len(values):,} runs" if bad else None
