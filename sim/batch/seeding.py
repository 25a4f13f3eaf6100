"""Seeds: replication i always gets child i of ``SeedSequence(root)``.

``SeedSequence(root, spawn_key=(i,))`` is exactly the i-th child ``SeedSequence(root).spawn``
would give, computed directly, so any worker can make any replication's seed without spawning
the ones before it: results do not depend on worker count, chunk size or executor.
"""

from __future__ import annotations

import numpy as np


def replication_seed(
    root_seed: int, replication: int, stream: tuple[int, ...] = ()
) -> np.random.SeedSequence:
    """Return the seed sequence of one replication.

    Args:
        root_seed: The run's root seed (``--seed``).
        replication: The replication's index, from 0.
        stream: A prefix of the spawn key that gives a set of replications streams of their own (a
            study's future: ``(future,)``); empty for a run or a sweep.

    Returns:
        ``SeedSequence(root_seed, spawn_key=(*stream, replication))``: child ``replication`` of
        ``SeedSequence(root_seed)`` when ``stream`` is empty.
    """
    return np.random.SeedSequence(root_seed, spawn_key=(*stream, replication))
