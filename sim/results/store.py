"""The results store: a run folder of Parquet files, JSON metadata and plots.

Every file is written atomically (to a temporary name in the same folder, then renamed), so a
crash or Ctrl-C never leaves a half-written file that looks whole. Each finished chunk is its own
set of Parquet parts under ``parts/``, recorded in the manifest with its sha256 and row count; a part
is trusted only if its bytes still have that checksum. When all chunks are in, the parts are checked
again and streamed into one file per table, part by part, so memory stays bounded; then this run's
part files (and nothing else) are removed.

A folder is written by one process at a time: creating or resuming it takes an exclusive lock
(``flock``) on the folder itself, held until the batch ends.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import InputError
from sim.results.columns import DailyMode
from sim.results.manifest import (
    SEAL_FILE,
    ChunkRecord,
    Manifest,
    PartRecord,
    TableRecord,
    read_manifest,
    seal_document,
)
from sim.results.writing import atomic_path, file_sha256, parquet_options, write_json, write_table

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX: folders are not locked
    fcntl = None  # type: ignore[assignment]

TABLES = ("daily", "sectors", "outcomes")
"""Tables of a run, in the order each chunk's parts are written and merged."""
LINKS_REFUSED = ("parts", "plots")
"""Sub-folders that sim writes into: a symbolic link there would carry writes out of the folder."""


def tables_for(daily: DailyMode) -> tuple[str, ...]:
    """Return the tables each chunk of a folder writes, for its ``--daily`` mode."""
    return {"full": TABLES, "total": ("daily", "outcomes"), "none": ("outcomes",)}[daily]


def part_name(table: str, index: int) -> str:
    """Return the file name of a chunk's part of a table: ``daily-000003.parquet``."""
    return f"{table}-{index:06d}.parquet"


class DamagedPart(Exception):
    """A part whose file is missing, unreadable or not the one the manifest records.

    Attributes:
        chunk: The chunk the part belongs to.
        reason: What is wrong, in words (``its daily part is missing``).
    """

    def __init__(self, chunk: ChunkRecord, reason: str) -> None:
        super().__init__(f"{chunk.label}: {reason}")
        self.chunk = chunk
        self.reason = reason


ROW_GROUP_ROWS = 65_536
"""Rows per Parquet row group of a merged table: fixed, so the file's bytes never depend on chunking."""


def _concatenate(parts: Sequence[tuple[ChunkRecord, Path, PartRecord]], target: Path) -> None:
    """Stream Parquet parts into one file in row groups of exactly ``ROW_GROUP_ROWS`` (the last shorter).

    Each part is read once: its bytes are checked against the checksum recorded when it was written,
    then parsed from memory. Memory holds at most one row group plus one part.

    Raises:
        DamagedPart: If a part is missing or its bytes are not those recorded.
    """
    writer: pq.ParquetWriter | None = None
    pending: list[pa.Table] = []
    pending_rows = 0
    try:
        for chunk, path, record in parts:
            table = _read_part(chunk, path, record)
            if writer is None:
                writer = pq.ParquetWriter(target, table.schema, **parquet_options(table.schema))
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


def _read_part(chunk: ChunkRecord, path: Path, record: PartRecord) -> pa.Table:
    table = path.name.split("-")[0]
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DamagedPart(chunk, f"its {table} part is missing") from None
    if hashlib.sha256(data).hexdigest() != record.sha256:
        raise DamagedPart(chunk, f"its {table} part is damaged or not its own (checksum differs)")
    parsed = pq.read_table(pa.BufferReader(data))
    if parsed.num_rows != record.rows:  # pragma: no cover - the checksum already says so
        raise DamagedPart(chunk, f"its {table} part has {parsed.num_rows} rows, not {record.rows}")
    return parsed


LockPurpose = Literal["create", "resume"]


class FolderLock:
    """An exclusive ``flock`` on a folder, so that one process at a time writes it.

    Args:
        directory: The folder (it must exist).
        purpose: Whether the folder is being created or resumed (for the message).

    Raises:
        InputError: If another process holds the folder.
    """

    def __init__(self, directory: Path, purpose: LockPurpose) -> None:
        self._descriptor: int | None = None
        if fcntl is None:  # pragma: no cover
            return
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(descriptor)
            what = (
                "another process is writing a run into this folder"
                if purpose == "create"
                else "the run is being resumed by another process (or is still running); wait for it to end"
            )
            raise InputError(
                what, str(directory), field="--out" if purpose == "create" else "--resume"
            ) from None
        self._descriptor = descriptor
        self._finalizer = weakref.finalize(self, os.close, descriptor)

    def release(self) -> None:
        """Let other processes write the folder."""
        if self._descriptor is not None:
            self._finalizer()
            self._descriptor = None


class RunStore:
    """A run folder: manifest, parts of finished chunks, merged tables, summary and plots.

    Args:
        directory: The run folder.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.parts = directory / "parts"
        self.plots = directory / "plots"
        self._lock: FolderLock | None = None

    @property
    def manifest_path(self) -> Path:
        """The manifest file."""
        return self.directory / "manifest.json"

    def create(self, manifest: Manifest) -> None:
        """Make the folder, take it, and write its first manifest; refuse a folder that is not new.

        A folder that already exists must be empty: anything in it may be someone's, and a run folder
        is only ever written (and its parts removed) by the run that created it.

        Raises:
            InputError: If the folder already holds a run, holds anything else, is not a folder,
                cannot be created, or is being written by another process.
        """
        name = str(self.directory)
        if self.directory.exists() and not self.directory.is_dir():
            raise InputError("exists and is not a folder", name, field="--out")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create the folder ({exc.strerror})", name, field="--out") from None
        self.lock("create")
        try:
            self._refuse_used()
            self.parts.mkdir()
            # The seal first: a folder whose manifest exists is always sealed.
            write_json(self.directory / SEAL_FILE, seal_document(manifest))
            self.write_manifest(manifest)
        except OSError as exc:
            self.release()
            raise InputError(f"cannot write the folder ({exc.strerror})", name, field="--out") from None
        except BaseException:
            self.release()
            raise

    def check_new(self) -> None:
        """Refuse, before any work, a folder ``create`` would refuse (nothing is made or written).

        Raises:
            InputError: If the folder is not a folder, already holds a run or anything else, or lies in
                a place that cannot be written.
        """
        from sim.results.outputs import check_writable

        if self.directory.exists() and not self.directory.is_dir():
            raise InputError("exists and is not a folder", str(self.directory), field="--out")
        if self.directory.is_dir():
            self._refuse_used()
        check_writable(self.directory, "--out")

    def _refuse_used(self) -> None:
        name = str(self.directory)
        if self.manifest_path.exists():
            raise InputError(
                "already holds a run; use --resume to finish it, or choose another --out", name, field="--out"
            )
        if any(self.directory.iterdir()):
            raise InputError(
                "is not empty and holds no run: sim writes a run only into a new or empty folder; "
                "choose another --out",
                name,
                field="--out",
            )

    def lock(self, purpose: LockPurpose = "resume") -> None:
        """Take the folder for this process until ``release`` (or the process ends).

        Raises:
            InputError: If another process has it.
        """
        if self._lock is None:
            self._lock = FolderLock(self.directory, purpose)

    def release(self) -> None:
        """Release the folder."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def read_manifest(self) -> Manifest:
        """Return the manifest.

        Raises:
            InputError: If the folder holds no readable manifest.
        """
        return read_manifest(self.manifest_path)

    def write_manifest(self, manifest: Manifest) -> None:
        """Replace the manifest, atomically."""
        write_json(self.manifest_path, manifest.document(), replace_non_finite=False)

    def write_chunk(self, index: int, tables: dict[str, pa.Table]) -> dict[str, PartRecord]:
        """Write one finished chunk's tables as parts; return each part's checksum and row count."""
        records: dict[str, PartRecord] = {}
        for name in TABLES:
            if name in tables:
                path = self.parts / part_name(name, index)
                write_table(path, tables[name])
                records[name] = PartRecord(sha256=file_sha256(path), rows=tables[name].num_rows)
        return records

    def check_chunk(self, chunk: ChunkRecord, tables: Sequence[str]) -> str | None:
        """Return why a chunk recorded as done cannot be trusted, or None if every part checks out.

        Args:
            chunk: The chunk's record.
            tables: The tables its parts must cover.
        """
        for table in tables:
            record = (chunk.parts or {}).get(table)
            if record is None:
                return f"its {table} part is not recorded in manifest.json"
            path = self.parts / part_name(table, chunk.index)
            if not path.is_file():
                return f"its {table} part is missing"
            if file_sha256(path) != record.sha256:
                return f"its {table} part is damaged or not its own (checksum differs)"
            rows = pq.read_metadata(path).num_rows
            if rows != record.rows:
                return f"its {table} part's record says {record.rows} rows, the part has {rows}"
        return None

    def merge(self, chunks: Sequence[ChunkRecord], tables: Sequence[str]) -> dict[str, TableRecord]:
        """Stream every table's parts, in chunk order, into one Parquet file, checking each part.

        Returns:
            Each merged table's sha256, rows and size, for the manifest of the complete folder.

        Raises:
            DamagedPart: If a part is missing or not the one recorded (the merged file is not written).
        """
        records: dict[str, TableRecord] = {}
        for name in tables:
            parts = []
            for chunk in chunks:
                record = (chunk.parts or {}).get(name)
                if record is None:
                    raise DamagedPart(chunk, f"its {name} part is not recorded in manifest.json")
                parts.append((chunk, self.parts / part_name(name, chunk.index), record))
            with atomic_path(self.directory / f"{name}.parquet") as temporary:
                _concatenate(parts, temporary)
                records[name] = TableRecord(
                    sha256=file_sha256(temporary),
                    rows=sum(record.rows for _, _, record in parts),
                    bytes=temporary.stat().st_size,
                )
        return records

    def remove_parts(self, chunks: Sequence[ChunkRecord]) -> None:
        """Remove the part files of these chunks, then ``parts/`` if nothing else is left in it."""
        for chunk in chunks:
            for table in TABLES:
                (self.parts / part_name(table, chunk.index)).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.parts.rmdir()

    def check_links(self) -> None:
        """Refuse sub-folders that are symbolic links (writes there would land outside the folder).

        Raises:
            InputError: Naming the link.
        """
        check_links(self.directory)


def check_links(directory: Path) -> None:
    """Refuse a run or sweep folder whose ``parts/`` or ``plots/`` is a symbolic link.

    Raises:
        InputError: Naming the link.
    """
    for name in LINKS_REFUSED:
        path = directory / name
        if path.is_symlink():
            raise InputError(
                f"{name}/ is a symbolic link; sim reads and writes only inside the run folder: "
                "replace the link by a folder",
                str(path),
            )
