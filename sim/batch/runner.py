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
from sim.results.manifest import ChunkRecord
from sim.results.store import RunStore

Progress = Callable[[int, int], None]
"""Called with (replications done, replications in all) after each chunk."""


MAX_CHUNK = 400
"""Largest automatic chunk: a chunk's tables are in memory (in flight, twice per worker) until written,
so this bounds the main process's memory however many replications a run has."""
MIN_TASK_SECONDS = 0.3
"""A task should run at least this long, so per-task overhead (pickling, scheduling) stays small."""


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
    return max(1, min(replications, max(shortest, min(balanced, MAX_CHUNK))))


def chunk_records(replications: int, chunk_size: int, points: int | None = None) -> list[ChunkRecord]:
    """Return the planned chunks of a run (``points`` None) or of a sweep (each point's replications)."""
    ranges = plan_chunks(replications, chunk_size)
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


def execute(
    store: RunStore,
    jobs: Sequence[Any],
    function: ChunkFunction,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> BatchResult:
    """Simulate every chunk of the folder that is not yet done, then merge the parts.

    A chunk that raises is tried once more; if it fails again it is recorded as failed (with its
    replications and error) while the other chunks complete.

    Args:
        store: The folder (created with its manifest, or reopened for ``--resume``).
        jobs: What each sweep point's chunks carry (one job for a plain run).
        function: What simulates a chunk.
        executor: Where chunks run (serial by default).
        progress: Called after each finished chunk.

    Returns:
        The batch result; ``failed`` is empty when every chunk succeeded.
    """
    began = time.perf_counter()
    executor = executor or SerialExecutor()
    manifest = store.read_manifest()
    chunks = manifest.chunks
    done = store.finished_chunks()
    todo = [
        ChunkTask(c.index, c.start, c.stop, manifest.seed, jobs[c.point or 0], c.point)
        for c in chunks
        if c.index not in done
    ]
    total = sum(c.stop - c.start for c in chunks)
    finished = sum(c.stop - c.start for c in chunks if c.index in done)
    if progress:
        progress(finished, total)
    failed: list[ChunkRecord] = []
    attempts: dict[int, int] = {}
    queue = todo
    try:
        while queue:
            retry: list[ChunkTask] = []
            for task, result in executor.run(function, queue):
                record = chunks[task.index]
                if isinstance(result, BaseException):
                    attempts[task.index] = attempts.get(task.index, 0) + 1
                    if attempts[task.index] < 2:
                        retry.append(task)
                        continue
                    record.status = "failed"
                    record.error = f"{type(result).__name__}: {result}"
                    failed.append(record.model_copy())
                else:
                    store.write_chunk(task.index, result)
                    record.status = "done"
                    record.error = None
                    finished += task.stop - task.start
                    if progress:
                        progress(finished, total)
                store.write_manifest(manifest)
            queue = retry
    finally:
        executor.close()
        store.write_manifest(manifest)
    if not failed:
        store.merge(len(chunks))
        manifest.status = "complete"
        manifest.finished = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    else:
        manifest.status = "failed"
    store.write_manifest(manifest)
    return BatchResult(store.directory, time.perf_counter() - began, failed)
