"""Running a batch of replications into a run folder, chunk by chunk, resumably."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sim
from sim.batch.chunks import ChunkTask, plan_chunks, simulate_chunk
from sim.batch.executors import Executor, SerialExecutor
from sim.results.store import RunStore
from sim.results.columns import DailyMode
from sim.errors import InputError
from sim.scenario.schema import Scenario

Progress = Callable[[int, int], None]
"""Called with (replications done, replications in all) after each chunk."""


MAX_CHUNK = 400
"""Largest automatic chunk: a chunk's tables are in memory (in flight, twice per worker) until written,
so this bounds the main process's memory however many replications a run has."""
MIN_TASK_SECONDS = 0.3
"""A task should run at least this long, so per-task overhead (pickling, scheduling) stays small."""


def choose_chunk_size(scenario: Scenario, replications: int, workers: int) -> int:
    """Return a chunk size giving tasks of at least ``MIN_TASK_SECONDS`` and about 8 tasks per worker.

    One replication is timed here (outside the run: chunk size never changes results).
    """
    began = time.perf_counter()
    simulate_chunk(ChunkTask(0, 0, 1, scenario, 0, "none"))
    per_replication = max(time.perf_counter() - began, 1e-4)
    shortest = math.ceil(MIN_TASK_SECONDS / per_replication)
    balanced = math.ceil(replications / (workers * 8))
    return max(1, min(replications, max(shortest, min(balanced, MAX_CHUNK))))


def scenario_document(scenario: Scenario) -> dict[str, Any]:
    """Return the resolved scenario as JSON-ready data (distributions kept as written)."""
    return scenario.model_dump(mode="json", by_alias=True)


def scenario_hash(scenario: Scenario) -> str:
    """Return the sha256 of the resolved scenario's canonical JSON."""
    text = json.dumps(scenario_document(scenario), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def default_run_folder(
    scenario: Scenario, seed: int, replications: int, root: Path = Path("results")
) -> Path:
    """Return ``results/<scenario>/<timestamp>-<short hash>``; the name is schema-checked to be path-safe."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    digest = hashlib.sha256(f"{scenario_hash(scenario)}:{seed}:{replications}".encode()).hexdigest()[:7]
    return root / scenario.name / f"{stamp}-{digest}"


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
    failed: list[dict[str, Any]] = field(default_factory=list)


def start_run(
    scenario: Scenario,
    directory: Path,
    seed: int,
    replications: int,
    chunk_size: int,
    daily: DailyMode,
    scenario_file: str | None = None,
) -> RunStore:
    """Create a run folder and its manifest.

    Raises:
        InputError: If the folder already holds a run.
    """
    store = RunStore(directory)
    chunks = plan_chunks(replications, chunk_size)
    store.create(
        {
            "status": "running",
            "scenario_name": scenario.name,
            "scenario_file": scenario_file,
            "scenario": scenario_document(scenario),
            "scenario_sha256": scenario_hash(scenario),
            "seed": seed,
            "replications": replications,
            "chunk_size": chunk_size,
            "daily": daily,
            "package_version": sim.__version__,
            "command_line": sys.argv,
            "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "finished": None,
            "chunks": [
                {"index": i, "start": a, "stop": b, "status": "pending"} for i, (a, b) in enumerate(chunks)
            ],
        }
    )
    return store


def execute(
    scenario: Scenario | Sequence[Scenario],
    store: RunStore,
    executor: Executor | None = None,
    progress: Progress | None = None,
    function: Callable[[ChunkTask], tuple[int, dict[str, Any]]] = simulate_chunk,
) -> BatchResult:
    """Simulate every chunk of the run that is not yet done, then merge the parts.

    A chunk that raises is tried once more; if it fails again it is recorded as failed (with its
    replications and error) while the other chunks complete.

    Args:
        scenario: The run's scenario, or a sweep's scenario per point (chunks name their point).
        store: The run folder (created by ``start_run`` or opened for ``--resume``).
        executor: Where chunks run (serial by default).
        progress: Called after each finished chunk.
        function: What simulates a chunk (replaceable to test fault handling).

    Returns:
        The batch result; ``failed`` is empty when every chunk succeeded.
    """
    began = time.perf_counter()
    executor = executor or SerialExecutor()
    manifest = store.read_manifest()
    chunks = manifest["chunks"]
    done = store.finished_chunks()
    scenarios = [scenario] if isinstance(scenario, Scenario) else list(scenario)
    todo = [
        ChunkTask(
            c["index"],
            c["start"],
            c["stop"],
            scenarios[c.get("point") or 0],
            manifest["seed"],
            manifest["daily"],
            c.get("point"),
        )
        for c in chunks
        if c["index"] not in done
    ]
    total = sum(c["stop"] - c["start"] for c in chunks)
    finished = sum(c["stop"] - c["start"] for c in chunks if c["index"] in done)
    if progress:
        progress(finished, total)
    failed: list[dict[str, Any]] = []
    attempts: dict[int, int] = {}
    queue = todo
    try:
        while queue:
            retry: list[ChunkTask] = []
            for task, result in executor.run(function, queue):
                status = chunks[task.index]
                if isinstance(result, BaseException):
                    attempts[task.index] = attempts.get(task.index, 0) + 1
                    if attempts[task.index] < 2:
                        retry.append(task)
                        continue
                    status.update(status="failed", error=f"{type(result).__name__}: {result}")
                    failed.append(dict(status))
                else:
                    index, tables = result
                    store.write_chunk(index, tables)
                    status.update(status="done")
                    status.pop("error", None)
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
        manifest["status"] = "complete"
        manifest["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    else:
        manifest["status"] = "failed"
    store.write_manifest(manifest)
    return BatchResult(store.directory, time.perf_counter() - began, failed)


def open_run(directory: Path) -> tuple[Scenario, RunStore]:
    """Open an existing run folder for ``--resume``, rebuilding its scenario from the manifest.

    Raises:
        InputError: If the folder holds no run, or its scenario no longer validates.
    """
    store = RunStore(directory)
    manifest = store.read_manifest()
    try:
        scenario = Scenario.model_validate(manifest["scenario"])
    except Exception as exc:  # noqa: BLE001 - any failure here means the manifest is unusable
        raise InputError(
            f"the scenario in manifest.json does not validate ({exc})", str(store.manifest_path)
        ) from None
    if scenario_hash(scenario) != manifest.get("scenario_sha256"):
        raise InputError("the scenario in manifest.json does not match its sha256", str(store.manifest_path))
    if manifest.get("status") == "complete":
        raise InputError("the run is already complete; there is nothing to resume", str(directory))
    return scenario, store
