"""Sampling a scenario's distributions once per replication.

Each uncertain number gets its own random stream, keyed by its dotted path, so a value drawn for
one replication does not depend on which other numbers are uncertain: fixing one input in a sweep
leaves the draws of all the others unchanged (common random numbers).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel

from sim.scenario.distributions import U_HIGHEST, _Distribution
from sim.scenario.paths import reader_names
from sim.scenario.schema import Scenario
from sim.streams.seeds import ChildSeeds

PARAMS_STREAM = 0
"""Index of the parameter streams among a replication's child streams (the model's streams use 1 and 2)."""


_LEAVES: dict[int, tuple[Scenario, tuple[tuple[str, _Distribution], ...]]] = {}


def distribution_leaves(scenario: Scenario) -> tuple[tuple[str, _Distribution], ...]:
    """Return every distribution in the scenario with its dotted path, in document order.

    Args:
        scenario: A validated scenario.

    Returns:
        Pairs of (dotted path, distribution).
    """
    # Scenarios are immutable but not hashable (they hold dicts): cache by identity, keeping the
    # scenario alive beside its leaves so the id cannot be reused while cached.
    cached = _LEAVES.get(id(scenario))
    if cached is not None and cached[0] is scenario:
        return cached[1]
    found: list[tuple[str, _Distribution]] = []
    _walk(scenario, "", found)
    if len(_LEAVES) >= 64:
        _LEAVES.clear()
    _LEAVES[id(scenario)] = (scenario, tuple(found))
    return tuple(found)


def field_paths(scenario: Scenario) -> list[str]:
    """Return the dotted path of every value of the scenario's model (not its observations or priors)."""
    found: list[str] = []

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, BaseModel) and not isinstance(node, _Distribution):
            for name in type(node).model_fields:
                if not prefix and name in ("calibrate", "observations"):
                    continue
                walk(getattr(node, name), f"{prefix}.{name}" if prefix else name)
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{prefix}.{key}")
        elif isinstance(node, list | tuple):
            for index, value in enumerate(node):
                walk(value, f"{prefix}.{index}")
        else:
            found.append(prefix)

    walk(scenario, "")
    return found


def input_names(scenario: Scenario, paths: Sequence[str]) -> dict[str, str]:
    """Return how every output names each input of a scenario (``sim.scenario.paths.reader_names``).

    Ambiguity is judged against every field of the scenario, not only the paths named, so an input has
    the same name in a sweep's table, its sensitivity indices, a discovery and a calibration.
    """
    return reader_names(paths, field_paths(scenario))


def _walk(node: Any, prefix: str, found: list[tuple[str, _Distribution]]) -> None:
    if isinstance(node, _Distribution):
        found.append((prefix, node))
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            if not prefix and name == "calibrate":
                continue  # priors for calibration, not numbers of the model
            _walk(getattr(node, name), f"{prefix}.{name}" if prefix else name, found)
    elif isinstance(node, dict):
        for key, value in node.items():
            _walk(value, f"{prefix}.{key}", found)
    elif isinstance(node, list | tuple):
        for index, value in enumerate(node):
            _walk(value, f"{prefix}.{index}", found)


def uniform_for(replication_seed: np.random.SeedSequence | ChildSeeds, path: str) -> float:
    """Return the uniform draw in (0, 1) that replication's stream for ``path`` gives.

    Args:
        replication_seed: The replication's seed sequence, or its children (``ChildSeeds``) when drawing
            several numbers: the part of the hash they share is then done once.
        path: The dotted path of the uncertain number.

    Returns:
        A float strictly between 0 and 1: from the first word of
        ``SeedSequence(entropy, spawn_key=(*spawn_key, PARAMS_STREAM, crc32(path))).generate_state``.
    """
    seeds = replication_seed if isinstance(replication_seed, ChildSeeds) else ChildSeeds(replication_seed)
    word = seeds.state((PARAMS_STREAM, zlib.crc32(path.encode())), 1)[0]
    # 53 random bits, offset by half a step so the draw is never exactly 0 or 1 (the top one would round
    # to 1.0, hence the cap at the largest float below 1).
    return min(((word >> 11) + 0.5) / 9007199254740992.0, U_HIGHEST)


def sample_parameters(
    scenario: Scenario, replication_seed: np.random.SeedSequence | ChildSeeds
) -> dict[str, float]:
    """Draw every uncertain number of the scenario for one replication.

    Args:
        scenario: A validated scenario.
        replication_seed: The replication's seed sequence (or its ``ChildSeeds``).

    Returns:
        The sampled value of each distribution, by dotted path.
    """
    seeds = replication_seed if isinstance(replication_seed, ChildSeeds) else ChildSeeds(replication_seed)
    return {
        path: dist.ppf(uniform_for(seeds, stream_key(path, dist)))
        for path, dist in distribution_leaves(scenario)
    }


def stream_key(path: str, dist: _Distribution) -> str:
    """Return the name of the stream a distribution draws from.

    Empirical distributions reading the same file share one stream, hence one row per replication:
    parameters calibrated together keep their joint distribution.
    """
    if getattr(dist, "dist", None) == "empirical":
        # Keyed by the file's content, not its path: a moved or copied file draws the same rows.
        return f"empirical:{dist.content_hash}"  # type: ignore[attr-defined]
    return path
