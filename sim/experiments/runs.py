"""A plain run: the model's replications through the batch layer into a run folder.

This is where the model meets the batch layer: ``simulate_chunk`` runs a chunk's replications and
turns their trajectories into the tables of the results contract; the batch layer only maps it over
chunks and stores what comes back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from sim.batch.chunks import ChunkFunction, ChunkTask
from sim.batch.executors import Executor
from sim.batch.runner import BatchResult, Notify, Progress, choose_chunk_size, chunk_records, execute
from sim.batch.seeding import replication_seed
from sim.model.replication import run_replication
from sim.results.columns import DailyMode
from sim.results.folder import open_folder
from sim.results.manifest import new_manifest, scenario_hash
from sim.results.store import RunStore
from sim.results.tables import daily_table, outcomes_table, sectors_table
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
    tables = {"outcomes": outcomes_table(scenario, replications, trajectories)}
    if job.daily in ("full", "total"):
        tables["daily"] = daily_table(scenario, replications, trajectories)
    if job.daily == "full":
        tables["sectors"] = sectors_table(scenario, replications, trajectories)
    if task.point is not None:
        tables = {
            name: table.add_column(0, "point", pa.array([task.point] * table.num_rows, type=pa.int32()))
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
) -> RunStore:
    """Create a run folder and its manifest.

    Raises:
        InputError: If the folder already holds a run.
    """
    store = RunStore(directory)
    chunks = chunk_records(replications, chunk_size)
    store.create(new_manifest(scenario, seed, replications, chunk_size, daily, chunks, scenario_file))
    return store


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
) -> BatchResult | None:
    """Run the same replications with the holder's withdrawal rules off, into ``directory/dynamics_only``.

    The same seed, so each replication draws the same numbers as in the run itself until the rules
    would have fired: the difference is what the judgement rules decide. Only the outcomes table is
    kept. A companion left unfinished is resumed; a finished one is left as it is.

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
        chunk = automatic_chunk_size(variant, replications, executor.workers if executor else 1)
        store = start_run(variant, folder, seed, replications, chunk, "none")
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
