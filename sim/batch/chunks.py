"""A chunk: a contiguous range of replications simulated by one task on one worker.

The batch layer knows nothing of what a replication is: a chunk carries an opaque ``job`` (for a run,
its scenario and what to keep), and the function that simulates it is handed in by the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa


@dataclass(frozen=True)
class ChunkTask:
    """What a worker needs to simulate replications ``start`` to ``stop - 1``.

    Attributes:
        index: The chunk's position in the folder.
        start: First replication.
        stop: One past the last replication.
        root_seed: The folder's root seed (replication i uses child i of it).
        job: What the chunk function needs besides the range, e.g. a scenario (picklable).
        point: The sweep point this chunk belongs to (None in a plain run).
    """

    index: int
    start: int
    stop: int
    root_seed: int
    job: Any
    point: int | None = None


ChunkFunction = Callable[[ChunkTask], dict[str, pa.Table]]
"""Simulates a chunk and returns its tables by name (a top-level function, so that it pickles)."""


def plan_chunks(replications: int, chunk_size: int) -> list[tuple[int, int]]:
    """Split ``replications`` into (start, stop) ranges of at most ``chunk_size``."""
    return [(start, min(start + chunk_size, replications)) for start in range(0, replications, chunk_size)]
