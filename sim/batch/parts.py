"""Chunks whose Parquet parts are written by the worker that simulated them, not by the main process.

On a process pool the workers share this machine's files, so each writes its chunk's parts itself
(Parquet encoding, compression and sha256 are most of what the main process did per chunk, competing
with the workers for the cores) and sends back only each part's checksum and row count. A worker writes
into ``parts/.incoming/``; the main process moves the parts into ``parts/`` (a rename) as it records
them in the manifest, so a part in ``parts/`` is always one the run has recorded or is recording, as
when the main process wrote them. The bytes are those ``RunStore.write_chunk`` writes: a folder never
depends on the executor.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from sim.batch.chunks import ChunkFunction, ChunkTask
from sim.errors import InputError
from sim.results import store as results_store
from sim.results.manifest import PartRecord
from sim.results.store import TABLES, RunStore, part_name

INCOMING = ".incoming"
"""Sub-folder of ``parts/`` that workers write into."""
PART = re.compile(rf"^({'|'.join(TABLES)})-\d{{6}}\.parquet$")
"""A part's file name (``daily-000003.parquet``)."""
TEMPORARY = re.compile(rf"^\.({'|'.join(TABLES)})-\d{{6}}\.parquet\.tmp-\d+$")
"""A part being written (``.daily-000003.parquet.tmp-PID``): a worker ended mid-write leaves it behind."""
MERGING = re.compile(rf"^\.({'|'.join(TABLES)}|manifest|summary)\.(parquet|json|seal)\.tmp-\d+$")
"""A merged table or a manifest being written (``.daily.parquet.tmp-PID``): a process killed while merging or
rewriting the manifest leaves it behind in the folder."""


def chosen_tables(result: dict[str, pa.Table], tables: tuple[str, ...] | list[str]) -> dict[str, pa.Table]:
    """Return the tables a chunk must write, in order.

    Raises:
        ValueError: If the chunk function did not give every one of them.
    """
    if not set(tables) <= set(result):
        raise ValueError(f"the chunk gave tables {sorted(result)}, expected {sorted(tables)}")
    return {name: result[name] for name in tables}


@dataclass(frozen=True)
class PartsNotWritten:
    """A worker could not write a chunk's parts (a full disk, a folder gone).

    The batch stops, as it would had the main process failed to write them.

    Attributes:
        error: The error writing raised.
    """

    error: OSError


@dataclass(frozen=True)
class WriteParts:
    """A chunk function run in a worker that writes the chunk's parts itself (a top-level class: it pickles).

    Attributes:
        function: What simulates a chunk.
        incoming: The folder the parts are written into (``parts/.incoming``).
        tables: The tables each chunk writes.
    """

    function: ChunkFunction
    incoming: Path
    tables: tuple[str, ...]

    def __call__(self, task: ChunkTask) -> dict[str, PartRecord] | PartsNotWritten:
        """Simulate the chunk and write its parts, atomically, as ``RunStore.write_chunk`` would.

        Returns:
            Each part's sha256 and rows, or why they could not be written.

        Raises:
            ValueError: If the chunk function did not give every table.
        """
        tables = chosen_tables(self.function(task), self.tables)
        records: dict[str, PartRecord] = {}
        try:
            for name in TABLES:
                if name in tables:
                    path = self.incoming / part_name(name, task.index)
                    results_store.write_table(path, tables[name])
                    records[name] = PartRecord(
                        sha256=results_store.file_sha256(path), rows=tables[name].num_rows
                    )
        except OSError as error:
            return PartsNotWritten(error)
        return records


def incoming_folder(store: RunStore) -> Path:
    """Return ``parts/.incoming`` of a run folder, made if need be.

    Raises:
        InputError: If it is a symbolic link or not a folder (writes there could land outside the run).
    """
    incoming = store.parts / INCOMING
    if incoming.is_symlink() or (incoming.exists() and not incoming.is_dir()):
        raise InputError(
            "is a symbolic link or not a folder; sim writes only inside the run folder: remove it",
            str(incoming),
        )
    incoming.mkdir(exist_ok=True)
    return incoming


def move_in(store: RunStore, index: int, records: dict[str, PartRecord]) -> dict[str, PartRecord]:
    """Move a chunk's parts written by a worker into ``parts/``; return their records.

    Raises:
        OSError: If a part cannot be moved (it is then simulated again on ``--resume``).
    """
    for name in TABLES:
        if name in records:
            file = part_name(name, index)
            os.replace(store.parts / INCOMING / file, store.parts / file)
    return records


def remove_leftovers(store: RunStore, folders: bool = True) -> None:
    """Remove what processes ended mid-write left behind, then ``parts/.incoming`` and ``parts/`` if empty.

    In ``parts/.incoming``: parts and parts being written (their chunks were simulated again); in
    ``parts/``: parts being written; in the folder: merged tables and manifests being written (a merge
    killed half-way). Nothing else is touched. The folder is held by this process (its lock), so no
    other process is writing them.

    Args:
        store: The folder.
        folders: Also remove ``parts/.incoming`` and ``parts/`` if they are left empty.
    """
    incoming = store.parts / INCOMING
    places = ((incoming, (PART, TEMPORARY)), (store.parts, (TEMPORARY,)), (store.directory, (MERGING,)))
    for folder, patterns in places:
        if not folder.is_dir() or folder.is_symlink():
            continue
        for path in folder.iterdir():
            if any(pattern.match(path.name) for pattern in patterns) and path.is_file():
                path.unlink(missing_ok=True)
    for folder in (incoming, store.parts) if folders else ():
        with contextlib.suppress(OSError):
            folder.rmdir()
