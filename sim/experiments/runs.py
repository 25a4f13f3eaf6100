"""A plain run: the model's replications through the batch layer into a run folder.

This is where the model meets the batch layer: ``simulate_chunk`` runs a chunk's replications and
turns their trajectories into the tables of the results contract; the batch layer only maps it over
chunks and stores what comes back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from sim.batch.chunks import ChunkFunction, ChunkTask
from sim.batch.executors import Executor
from sim.batch.parts import chosen_tables
from sim.batch.runner import BatchResult, Notify, Progress, choose_chunk_size, chunk_records, execute
from sim.batch.seeding import replication_seed
from sim.model.replication import run_replication
from sim.results.columns import DailyMode
from sim.results.folder import open_folder
from sim.results.manifest import new_manifest, scenario_hash
from sim.results.store import RunStore, tables_for
from sim.results.tables import chunk_tables
from sim.scenario.mechanisms import without_judgement
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class ReplicationJob:
    """What a chunk of a run (or of one sweep point) simulates.

    Attributes:
        scenario: The validated scenario.
        daily: How much daily state to keep.
        stream: The prefix of each replication's spawn key (``sim.batch.seeding.replication_seed``):
            empty for a run or a sweep (replication i of every point draws the same numbers), a study's
            future for a study (each future has replication streams of its own).
    """

    scenario: Scenario
    daily: DailyMode = "full"
    stream: tuple[int, ...] = ()


def simulate_chunk(task: ChunkTask) -> dict[str, pa.Table]:
    """Run a chunk's replications and return its tables (a top-level function, so it pickles).

    Args:
        task: The chunk; ``task.job`` is a ``ReplicationJob``.

    Returns:
        The tables by name (daily, sectors, outcomes, as the job's ``daily`` asks), with a ``point``
        column first in a sweep.
    """
    job: ReplicationJob = task.job
    scenario = job.scenario
    replications = list(range(task.start, task.stop))
    trajectories = [
        run_replication(scenario, replication_seed(task.root_seed, i, job.stream)) for i in replications
    ]
    tables = chunk_tables(scenario, replications, trajectories, job.daily)
    if task.point is not None:
        tables = {
            name: table.add_column(0, "point", pa.array(np.full(table.num_rows, task.point, dtype=np.int32)))
            for name, table in tables.items()
        }
    return tables


def seconds_per_replication(scenario: Scenario) -> float:
    """Return how long one replication of ``scenario`` takes here (timed once; never changes results)."""
    began = time.perf_counter()
    simulate_chunk(ChunkTask(0, 0, 1, 0, ReplicationJob(scenario, "none")))
    return time.perf_counter() - began


def automatic_chunk_size(scenario: Scenario, replications: int, workers: int) -> int:
    """Return the chunk size ``choose_chunk_size`` picks for this scenario's speed."""
    return choose_chunk_size(seconds_per_replication(scenario), replications, workers)


def default_run_folder(
    scenario: Scenario, seed: int, replications: int, root: Path = Path("results")
) -> Path:
    """Return ``results/<scenario>/<timestamp>-<short hash>``; the name is schema-checked to be path-safe."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    digest = hashlib.sha256(f"{scenario_hash(scenario)}:{seed}:{replications}".encode()).hexdigest()[:7]
    return root / scenario.name / f"{stamp}-{digest}"


def start_run(
    scenario: Scenario,
    directory: Path,
    seed: int,
    replications: int,
    chunk_size: int,
    daily: DailyMode,
    scenario_file: str | None = None,
    first: Probe | None = None,
) -> RunStore:
    """Create a run folder and its manifest.

    Args:
        scenario: The scenario.
        directory: The run folder (new or empty).
        seed: The root seed.
        replications: Replications.
        chunk_size: Replications per chunk.
        daily: How much daily state to keep.
        scenario_file: The scenario file named on the command line.
        first: The run's replication 0, already simulated (``first_replication``): kept as the first
            chunk, so the time it took is not spent twice.

    Raises:
        InputError: If the folder already holds a run.
    """
    store = RunStore(directory)
    chunks = chunk_records(replications, chunk_size, lead=1 if first is not None else 0)
    manifest = new_manifest(scenario, seed, replications, chunk_size, daily, chunks, scenario_file)
    store.create(manifest)
    if first is not None:
        try:
            record = manifest.chunks[0]
            record.parts = store.write_chunk(0, chosen_tables(first.tables, tables_for(daily)))
            record.status = "done"
            store.write_manifest(manifest)
        except BaseException:
            store.release()
            raise
    return store


@dataclass(frozen=True)
class Probe:
    """A run's replication 0, simulated before its folder is made to time it.

    Attributes:
        tables: Its tables, as its chunk would have written them.
        seconds: How long it took.
    """

    tables: dict[str, pa.Table]
    seconds: float


ESTIMATE_SAID = 60.0
"""A run expected to take longer than this many seconds says so before it starts."""


def first_replication(scenario: Scenario, seed: int, daily: DailyMode) -> Probe:
    """Simulate and time a run's replication 0 (what its first chunk computes, bit for bit)."""
    began = time.perf_counter()
    tables = simulate_chunk(ChunkTask(0, 0, 1, seed, ReplicationJob(scenario, daily)))
    return Probe(tables, time.perf_counter() - began)


def start_timed_run(
    scenario: Scenario,
    directory: Path,
    seed: int,
    replications: int,
    daily: DailyMode,
    workers: int,
    chunk_size: int | None = None,
    scenario_file: str | None = None,
    tell: Callable[[str], None] | None = None,
) -> RunStore:
    """Create a run folder, choosing its chunk size from the time its first replication takes.

    Without ``chunk_size``, replication 0 of the run is simulated first and timed; it becomes the run's
    first chunk (nothing is simulated twice), the rest is cut into chunks of the size the timing
    gives, and, if the whole run should take more than ``ESTIMATE_SAID`` seconds, ``tell`` is told
    how long before any other replication starts. The folder is checked before the replication runs,
    so a bad ``--out`` costs nothing.

    Raises:
        InputError: If the folder cannot take a new run.
    """
    if chunk_size is not None:
        return start_run(scenario, directory, seed, replications, chunk_size, daily, scenario_file)
    RunStore(directory).check_new()
    probe = first_replication(scenario, seed, daily)
    size = choose_chunk_size(probe.seconds, replications, workers)
    expected = probe.seconds * max(replications - 1, 0) / max(workers, 1)
    if tell is not None and expected > ESTIMATE_SAID:
        tell(
            f"note: one replication took {probe.seconds:,.1f} s here; the other {replications - 1:,} on "
            f"{workers} worker(s) should take about {_duration(expected)}"
        )
    return start_run(scenario, directory, seed, replications, size, daily, scenario_file, first=probe)


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def open_run(directory: Path) -> tuple[Scenario, RunStore]:
    """Open an unfinished run folder for ``--resume``, taking it for this process until the batch ends.

    Raises:
        InputError: If the folder holds no run, a complete one, a scenario that no longer matches, a
            samples file that changed, or is being written by another process.
    """
    store = RunStore(directory)
    if directory.is_dir():
        store.lock("resume")
    try:
        folder = open_folder(directory, "resume")
    except BaseException:
        store.release()
        raise
    return folder.scenario, store


DYNAMICS_FOLDER = "dynamics_only"
"""The companion run, inside a run folder, with the holder's withdrawal rules off (``run_dynamics_only``)."""


def run_dynamics_only(
    scenario: Scenario,
    directory: Path,
    seed: int,
    replications: int,
    executor: Executor | None = None,
    progress: Progress | None = None,
    chunk_size: int | None = None,
) -> BatchResult | None:
    """Run the same replications with the holder's withdrawal rules off, into ``directory/dynamics_only``.

    The same seed, so each replication draws the same numbers as in the run itself until the rules
    would have fired: the difference is what the judgement rules decide. Only the outcomes table is
    kept. A companion left unfinished is resumed; a finished one is left as it is. With ``chunk_size``
    (the run's own) it is cut into the same chunks, so two runs of the same inputs record the same
    companion; without, the size is chosen by timing its first replication.

    Returns:
        The batch's result, or None when the scenario has no withdrawal rules or the companion is done.
    """
    variant = without_judgement(scenario)
    if variant is None:
        return None
    folder = directory / DYNAMICS_FOLDER
    if (folder / "manifest.json").exists():
        if RunStore(folder).read_manifest().status == "complete":
            return None
        variant, store = open_run(folder)
    else:
        store = start_timed_run(
            variant, folder, seed, replications, "none", executor.workers if executor else 1, chunk_size
        )
    return run_batch(variant, store, executor, progress)


def dynamics_pending(directory: Path) -> bool:
    """Return whether a complete run's dynamics-only companion is missing or unfinished (``--resume``)."""
    manifest = directory / "manifest.json"
    if not manifest.is_file() or RunStore(directory).read_manifest().status != "complete":
        return False
    companion = directory / DYNAMICS_FOLDER
    if not (companion / "manifest.json").is_file():
        return False  # a run made with --no-dynamics (or before the companion existed) stays as it is
    return RunStore(companion).read_manifest().status != "complete"


def run_batch(
    scenario: Scenario,
    store: RunStore,
    executor: Executor | None = None,
    progress: Progress | None = None,
    function: ChunkFunction = simulate_chunk,
    notify: Notify | None = None,
) -> BatchResult:
    """Simulate every unfinished chunk of a run folder, then merge its parts.

    Args:
        scenario: The run's scenario.
        store: The run folder.
        executor: Where chunks run (serial by default).
        progress: Called after each finished chunk.
        function: What simulates a chunk (replaceable to test fault handling).
        notify: Called with a line for the user when a damaged part is run again.
    """
    job = ReplicationJob(scenario, store.read_manifest().daily)
    return execute(store, [job], function, executor, progress, notify)
