"""The results store: a run folder of Parquet files, JSON metadata and plots.

Every file is written atomically (to a temporary name in the same folder, then renamed), so a
crash or Ctrl-C never leaves a half-written file that looks whole. Each finished chunk is its own
set of Parquet parts under ``parts/``; when all chunks are in, the parts are streamed into one
file per table, part by part, so memory stays bounded.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import InputError
from sim.results.manifest import Manifest, read_manifest

TABLES = ("daily", "sectors", "outcomes")
"""Tables of a run, in the order each chunk's parts are written (outcomes last marks a chunk done)."""
_PART = re.compile(r"^(?P<table>[a-z]+)-(?P<index>\d{6})\.parquet$")


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it over ``path``, else remove it."""
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")


def write_csv(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    """Write rows of dicts (the first row's keys as the header) as CSV, atomically; None as empty."""
    with atomic_path(path) as temporary, temporary.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else [])
        writer.writeheader()
        for row in rows:
            writer.writerow({key: "" if value is None else value for key, value in row.items()})


def write_table(path: Path, table: pa.Table) -> None:
    """Write an Arrow table as Parquet, atomically."""
    with atomic_path(path) as temporary:
        pq.write_table(table, temporary, compression="zstd")


ROW_GROUP_ROWS = 65_536
"""Rows per Parquet row group of a merged table: fixed, so the file's bytes never depend on chunking."""


def _concatenate(paths: list[Path], target: Path) -> None:
    """Stream Parquet parts into one file in row groups of exactly ``ROW_GROUP_ROWS`` (the last shorter).

    Memory holds at most one row group plus one part.
    """
    writer: pq.ParquetWriter | None = None
    pending: list[pa.Table] = []
    pending_rows = 0
    try:
        for path in paths:
            table = pq.read_table(path)
            if writer is None:
                writer = pq.ParquetWriter(target, table.schema, compression="zstd")
            pending.append(table)
            pending_rows += table.num_rows
            while pending_rows >= ROW_GROUP_ROWS:
                combined = pa.concat_tables(pending)
                writer.write_table(combined.slice(0, ROW_GROUP_ROWS), row_group_size=ROW_GROUP_ROWS)
                # A slice keeps its parent's buffers alive; copying the remainder lets them go.
                rest = combined.slice(ROW_GROUP_ROWS).combine_chunks()
                pending, pending_rows = [rest], rest.num_rows
        if writer is not None and pending_rows:
            writer.write_table(pa.concat_tables(pending), row_group_size=ROW_GROUP_ROWS)
    finally:
        if writer is not None:
            writer.close()


class RunStore:
    """A run folder: manifest, parts of finished chunks, merged tables, summary and plots.

    Args:
        directory: The run folder.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.parts = directory / "parts"
        self.plots = directory / "plots"

    @property
    def manifest_path(self) -> Path:
        """The manifest file."""
        return self.directory / "manifest.json"

    def create(self, manifest: Manifest) -> None:
        """Make the folder and write its first manifest, refusing to touch an existing run.

        Raises:
            InputError: If the folder already holds a run or is not a folder.
        """
        if self.directory.exists() and not self.directory.is_dir():
            raise InputError("exists and is not a folder", str(self.directory), field="--out")
        if self.manifest_path.exists():
            raise InputError(
                "already holds a run; use --resume to finish it, or choose another --out",
                str(self.directory),
                field="--out",
            )
        self.parts.mkdir(parents=True, exist_ok=True)
        self.write_manifest(manifest)

    def read_manifest(self) -> Manifest:
        """Return the manifest.

        Raises:
            InputError: If the folder holds no readable manifest.
        """
        return read_manifest(self.manifest_path)

    def write_manifest(self, manifest: Manifest) -> None:
        """Replace the manifest, atomically."""
        write_json(self.manifest_path, manifest.document())

    def write_chunk(self, index: int, tables: dict[str, pa.Table]) -> None:
        """Write one finished chunk's tables as parts; the outcomes part goes last and marks it done."""
        for name in TABLES:
            if name in tables:
                write_table(self.parts / f"{name}-{index:06d}.parquet", tables[name])

    def finished_chunks(self) -> set[int]:
        """Return the indices of chunks whose parts are all written."""
        if not self.parts.is_dir():
            return set()
        found: set[int] = set()
        for path in self.parts.iterdir():
            match = _PART.match(path.name)
            if match and match["table"] == "outcomes":
                found.add(int(match["index"]))
        return found

    def merge(self, chunk_count: int) -> None:
        """Stream every table's parts, in chunk order, into one Parquet file; then drop the parts."""
        for name in TABLES:
            paths = [self.parts / f"{name}-{i:06d}.parquet" for i in range(chunk_count)]
            if not all(p.exists() for p in paths):
                continue
            target = self.directory / f"{name}.parquet"
            with atomic_path(target) as temporary:
                _concatenate(paths, temporary)
        shutil.rmtree(self.parts, ignore_errors=True)
