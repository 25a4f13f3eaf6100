"""Running a batch of replications into a run folder, chunk by chunk, resumably."""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.batch.chunks import ChunkFunction, ChunkTask, plan_chunks
from sim.batch.executors import Executor, SerialExecutor
from sim.batch.parts import (
    PartsNotWritten,
    WriteParts,
    chosen_tables,
    incoming_folder,
    move_in,
    remove_leftovers,
)
from sim.errors import InputError
from sim.results.manifest import ChunkRecord, Manifest
from sim.results.store import DamagedPart, RunStore, tables_for

Progress = Callable[[int, int], None]
"""Called with (replications done, replications in all) after each chunk."""
Notify = Callable[[str], None]
"""Called with a line for the user: a part found damaged and run again."""


MAX_CHUNK = 400
"""Largest automatic chunk: a chunk's tables are in a worker's memory until written (and, on Dask, in
flight to the main process, twice per worker), so this bounds memory however many replications a run has."""
MIN_TASK_SECONDS = 0.3
"""A task should run at least this long, so per-task overhead (pickling, scheduling) stays small."""
MAX_REPLICATIONS = 100_000_000
"""Most replications of a run (or of each sweep point) the command line accepts."""
MAX_CHUNK_SIZE = 10_000
"""Largest ``--chunk``: a chunk's tables are held in memory until written."""
RUN_CHUNKS = 10_000
"""The automatic chunk size keeps a run within this many chunks (larger chunks past 4 million)."""
MAX_CHUNKS = 200_000
"""Most chunks a folder may have: the manifest records each one."""
MAX_MERGE_ROUNDS = 3
"""How often parts found damaged while merging are simulated again before the batch gives up."""
MANIFEST_SECONDS = 1.0
"""The manifest is rewritten after a chunk at most this often (and always at the end): a chunk whose
record was not yet written is simply run again by ``--resume``."""


def choose_chunk_size(seconds_per_replication: float, replications: int, workers: int) -> int:
    """Return a chunk size giving tasks of at least ``MIN_TASK_SECONDS`` and about 8 tasks per worker.

    Args:
        seconds_per_replication: How long one replication takes (timed by the caller).
        replications: Replications to split.
        workers: Workers that will run them.
    """
    per_replication = max(seconds_per_replication, 1e-4)
    shortest = math.ceil(MIN_TASK_SECONDS / per_replication)
    balanced = math.ceil(replications / (workers * 8))
    size = max(shortest, min(balanced, MAX_CHUNK), math.ceil(replications / RUN_CHUNKS))
    return max(1, min(replications, size, MAX_CHUNK_SIZE))


def check_plan(replications: int, chunk_size: int, points: int | None = None) -> int:
    """Return how many chunks a plan has, refusing more than ``MAX_CHUNKS``.

    Raises:
        InputError: Naming the ``--chunk`` that would fit.
    """
    per_point = math.ceil(replications / chunk_size)
    count = per_point * (points or 1)
    if count > MAX_CHUNKS:
        allowed = MAX_CHUNKS // (points or 1)
        if allowed == 0:
            raise InputError(
                f"{points:,} sweep points are more than the {MAX_CHUNKS:,} chunks a folder may have"
            )
        needed = math.ceil(replications / allowed)
        raise InputError(
            f"{replications:,} replications in chunks of {chunk_size:,} make {count:,} chunks, more than "
            f"{MAX_CHUNKS:,}: use --chunk {needed:,} or more",
            field="--chunk",
        )
    return count


def chunk_records(
    replications: int, chunk_size: int, points: int | None = None, lead: int = 0
) -> list[ChunkRecord]:
    """Return the planned chunks of a run (``points`` None) or of a sweep (each point's replications).

    Args:
        replications: Replications (per point, in a sweep).
        chunk_size: Replications per chunk.
        points: Sweep points, or None for a run.
        lead: A first chunk of this many replications before the others (a run's timing probe, kept);
            0 for none.

    Raises:
        InputError: If the plan has more than ``MAX_CHUNKS`` chunks.
    """
    check_plan(replications, chunk_size, points)
    ranges = plan_chunks(replications, chunk_size)
    if 0 < lead < replications:
        ranges = [
            (0, lead),
            *((start + lead, stop + lead) for start, stop in plan_chunks(replications - lead, chunk_size)),
        ]
    if points is None:
        return [ChunkRecord(index=i, start=a, stop=b) for i, (a, b) in enumerate(ranges)]
    records: list[ChunkRecord] = []
    for point in range(points):
        for a, b in ranges:
            records.append(ChunkRecord(index=len(records), start=a, stop=b, point=point))
    return records


@dataclass
class BatchResult:
    """What a batch did.

    Attributes:
        directory: The run folder.
        seconds: Wall time of the simulation and merge.
        failed: Chunks that failed, with their replications and error.
    """

    directory: Path
    seconds: float
    failed: list[ChunkRecord] = field(default_factory=list)


class _ManifestWriter:
    """Rewrites the manifest after chunks, at most every ``MANIFEST_SECONDS`` unless forced."""

    def __init__(self, store: RunStore, manifest: Manifest) -> None:
        self.store = store
        self.manifest = manifest
        self.last = time.monotonic()
        self.spent = 0.0

    def write(self, force: bool = False) -> None:
        now = time.monotonic()
        # Never spend more than about a tenth of the time rewriting a large manifest.
        if not force and now - self.last < max(MANIFEST_SECONDS, 10 * self.spent):
            return
        self.store.write_manifest(self.manifest)
        self.last = time.monotonic()
        self.spent = self.last - now


def _done(chunks: Sequence[ChunkRecord]) -> int:
    return sum(c.stop - c.start for c in chunks if c.status == "done")


def _forget(record: ChunkRecord) -> None:
    record.status = "pending"
    record.parts = None
    record.error = None


def execute(
    store: RunStore,
    jobs: Sequence[Any],
    function: ChunkFunction,
    executor: Executor | None = None,
    progress: Progress | None = None,
    notify: Notify | None = None,
) -> BatchResult:
    """Simulate every chunk of the folder that is not yet done, then merge the parts.

    A chunk is done when the manifest records its parts and every part on disk still has the recorded
    checksum; any other chunk (damaged, missing, truncated or swapped parts included) is simulated
    again, and ``notify`` is told why. A chunk that raises is tried once more; if it fails again it is
    recorded as failed (with its replications and error) while the other chunks complete. The merge
    checks every part again; a part damaged in the meantime is simulated again too.

    Args:
        store: The folder (created with its manifest, or reopened for ``--resume``).
        jobs: What each sweep point's chunks carry (one job for a plain run).
        function: What simulates a chunk.
        executor: Where chunks run (serial by default); closed at the end.
        progress: Called after each finished chunk.
        notify: Called with a line for the user when a part is found damaged.

    Returns:
        The batch result; ``failed`` is empty when every chunk succeeded.

    Raises:
        DamagedPart: If parts keep failing their check after ``MAX_MERGE_ROUNDS`` merges.
        ExecutorLost: If the executor lost its workers for good (e.g. a Dask scheduler died).
        OSError: If the folder cannot be written (disk full); finished chunks stay resumable.
    """
    began = time.perf_counter()
    executor = executor or SerialExecutor()
    tell = notify or (lambda line: None)
    manifest = store.read_manifest()
    writer = _ManifestWriter(store, manifest)
    chunks = manifest.chunks
    tables = tables_for(manifest.daily)
    complete = ended = False
    manifest.status = "running"
    manifest.tables = None
    # What a merge or a worker killed mid-write left behind (its temporary files) goes now.
    remove_leftovers(store, folders=False)
    try:
        for record in chunks:
            if record.status == "done":
                problem = store.check_chunk(record, tables)
                if problem is not None:
                    tell(f"{record.label}: {problem}; running it again")
                    _forget(record)
            elif record.parts is not None:
                _forget(record)
        if progress:
            progress(_done(chunks), sum(c.stop - c.start for c in chunks))
        failed: list[ChunkRecord] = []
        for round_ in range(MAX_MERGE_ROUNDS + 1):
            failed = _simulate(store, manifest, jobs, function, executor, tables, writer, progress)
            if failed:
                break
            try:
                manifest.tables = store.merge(chunks, tables)
            except DamagedPart as damaged:
                if round_ == MAX_MERGE_ROUNDS:
                    raise
                tell(f"{damaged}; running it again")
                _forget(damaged.chunk)
                writer.write(force=True)
                continue
            complete = True
            break
        if complete:
            manifest.status = "complete"
            manifest.finished = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        else:
            manifest.status = "failed"
        writer.write(force=True)
        ended = True
        if complete:
            store.remove_parts(chunks)
            remove_leftovers(store)
    finally:
        try:
            executor.close()
        finally:
            try:
                if not ended:  # interrupted or lost: keep what is done, status still running
                    writer.write(force=True)
            finally:
                store.release()
    return BatchResult(store.directory, time.perf_counter() - began, failed)


def _simulate(
    store: RunStore,
    manifest: Manifest,
    jobs: Sequence[Any],
    function: ChunkFunction,
    executor: Executor,
    tables: Sequence[str],
    writer: _ManifestWriter,
    progress: Progress | None,
) -> list[ChunkRecord]:
    """Simulate every chunk not yet done (each failing one twice at most); return those that failed."""
    chunks = manifest.chunks
    finished = _done(chunks)
    total = sum(c.stop - c.start for c in chunks)
    queue = [
        ChunkTask(c.index, c.start, c.stop, manifest.seed, jobs[c.point or 0], c.point)
        for c in chunks
        if c.status != "done"
    ]
    failed: list[ChunkRecord] = []
    attempts: dict[int, int] = {}
    # Workers on this machine write their parts themselves; others send their tables here to be written.
    in_workers = bool(getattr(executor, "shares_files", False))
    task_function: Any = function
    if in_workers:
        task_function = WriteParts(function, incoming_folder(store), tuple(tables))
    while queue:
        retry: list[ChunkTask] = []
        for task, result in executor.run(task_function, queue):
            record = chunks[task.index]
            if isinstance(result, PartsNotWritten):
                raise result.error
            if not in_workers and not isinstance(result, BaseException):
                try:
                    result = chosen_tables(result, list(tables))
                except ValueError as error:
                    result = error
            if isinstance(result, BaseException):
                attempts[task.index] = attempts.get(task.index, 0) + 1
                if attempts[task.index] < 2:
                    retry.append(task)
                    continue
                record.status = "failed"
                record.error = f"{type(result).__name__}: {result}"
                failed.append(record.model_copy())
            else:
                if in_workers:
                    record.parts = move_in(store, task.index, result)
                else:
                    record.parts = store.write_chunk(task.index, result)
                record.status = "done"
                record.error = None
                finished += task.stop - task.start
                if progress:
                    progress(finished, total)
            writer.write()
        queue = retry
    return failed
