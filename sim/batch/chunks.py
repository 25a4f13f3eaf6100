"""A chunk: a contiguous range of replications simulated by one task on one worker."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from sim.batch.seeding import replication_seed
from sim.results.columns import DailyMode
from sim.results.tables import daily_table, outcomes_table, sectors_table
from sim.model.replication import run_replication
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class ChunkTask:
    """What a worker needs to simulate replications ``start`` to ``stop - 1``.

    Attributes:
        index: The chunk's position in the run.
        start: First replication.
        stop: One past the last replication.
        scenario: The validated scenario.
        root_seed: The run's root seed.
        daily: How much daily state to keep.
        point: The sweep point this chunk belongs to (None in a plain run).
    """

    index: int
    start: int
    stop: int
    scenario: Scenario
    root_seed: int
    daily: DailyMode = "full"
    point: int | None = None


def simulate_chunk(task: ChunkTask) -> tuple[int, dict[str, pa.Table]]:
    """Run a chunk's replications and return its tables (a top-level function, so it pickles).

    Args:
        task: The chunk.

    Returns:
        The chunk index and its tables by name (daily, sectors, outcomes, as ``task.daily`` asks).
    """
    replications = list(range(task.start, task.stop))
    trajectories = [run_replication(task.scenario, replication_seed(task.root_seed, i)) for i in replications]
    tables = {"outcomes": outcomes_table(task.scenario, replications, trajectories)}
    if task.daily in ("full", "total"):
        tables["daily"] = daily_table(task.scenario, replications, trajectories)
    if task.daily == "full":
        tables["sectors"] = sectors_table(task.scenario, replications, trajectories)
    if task.point is not None:
        tables = {
            name: table.add_column(0, "point", pa.array([task.point] * table.num_rows, type=pa.int32()))
            for name, table in tables.items()
        }
    return task.index, tables


def plan_chunks(replications: int, chunk_size: int) -> list[tuple[int, int]]:
    """Split ``replications`` into (start, stop) ranges of at most ``chunk_size``."""
    return [(start, min(start + chunk_size, replications)) for start in range(0, replications, chunk_size)]
