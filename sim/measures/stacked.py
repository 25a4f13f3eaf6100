"""A chunk's trajectories as whole arrays, and the measures of ``observables`` on all of them at once.

The results tables of a chunk are built from these arrays rather than replication by replication. Every
value is the one ``sim.measures.observables`` gives for the replication alone, bit for bit: the same
floating-point operations in the same order. Where ``observables`` sums with NumPy, the order NumPy
adds in depends on the array's layout, so the sums here are written to match it (``_front_sums``,
``_row_sums``); ``tests/test_recording.py`` holds the two to equality.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.model import laws
from sim.model.trajectory import Trajectory
from sim.scenario.schema import Observation, Scenario


@dataclass(frozen=True)
class Stacked:
    """The trajectories of a chunk's replications, replication first.

    Attributes:
        trajectories: The replications' trajectories, in order.
        area_km2: Held area, shape (replications, days).
        sector_area_km2: Held area per sector, shape (replications, days, sectors).
        strength: Personnel in theatre, shape (replications, sides, days).
        casualties: Cumulative casualties, shape (replications, sides, days).
        supply: Supply factor, shape (replications, sides, days).
    """

    trajectories: Sequence[Trajectory]
    area_km2: np.ndarray
    sector_area_km2: np.ndarray
    strength: np.ndarray
    casualties: np.ndarray
    supply: np.ndarray

    @property
    def count(self) -> int:
        """Replications."""
        return int(self.area_km2.shape[0])

    @functools.cached_property
    def fronts_km(self) -> np.ndarray:
        """Each sector's front per day, shape (replications, days, sectors), each from its own geometry."""
        if not self.count:
            return np.zeros(self.sector_area_km2.shape)
        geometry = [
            np.stack([getattr(t, name) for t in self.trajectories])[:, np.newaxis, :]
            for name in ("sector_frontage0_km", "sector_area0_km2", "sector_is_line")
        ]
        # Elementwise operations only, so broadcasting over replications gives each one's values exactly.
        return laws.frontages_km(geometry[0], geometry[1], self.sector_area_km2, geometry[2])

    @functools.cached_property
    def sector_casualties(self) -> np.ndarray:
        """Cumulative casualties per sector, shape (replications, sides, days, sectors)."""
        shape = (0, *self.casualties.shape[1:], self.sector_area_km2.shape[2])
        return np.stack([t.sector_casualties for t in self.trajectories]) if self.count else np.zeros(shape)


def stack(scenario: Scenario, trajectories: Sequence[Trajectory]) -> Stacked:
    """Return the trajectories of ``scenario``'s replications as whole arrays (none: arrays of length 0)."""
    if not trajectories:
        days, sides, sectors = scenario.horizon_days + 1, len(scenario.sides), len(scenario.sectors)
        return Stacked(
            trajectories,
            np.zeros((0, days)),
            np.zeros((0, days, sectors)),
            *(np.zeros((0, sides, days)) for _ in range(3)),
        )
    return Stacked(
        trajectories,
        *(
            np.stack([getattr(t, name) for t in trajectories])
            for name in ("area_km2", "sector_area_km2", "strength", "casualties", "supply")
        ),
    )


def first_days_below(stacked: Stacked, threshold_km2: float) -> tuple[np.ndarray, np.ndarray]:
    """Return each replication's first day with held area below ``threshold_km2``, and whether it has one.

    The day is 0 where there is none (``Trajectory.first_day_below`` gives None there).
    """
    below = np.asarray(stacked.area_km2 < threshold_km2)
    return below.argmax(axis=1), np.asarray(below.any(axis=1))


def attack_windows(scenario: Scenario, stacked: Stacked) -> tuple[int, np.ndarray]:
    """Return the day the contesting side's attack starts and each replication's last day of it.

    As ``observables.attack_window``: to the end, or to the first day no ground is held.
    """
    attack = scenario.sides[scenario.opponent].attack
    first = int(scenario.day_of(attack.start)) if attack is not None and attack.start else 0
    first = max(0, min(first, scenario.horizon_days))
    empty = stacked.area_km2[:, first:] <= 0.0
    last = np.where(empty.any(axis=1), first + empty.argmax(axis=1), scenario.horizon_days)
    return first, last


def _columns(scenario: Scenario, sector: str | None) -> list[int]:
    return (
        [list(scenario.sectors).index(sector)] if sector is not None else list(range(len(scenario.sectors)))
    )


def _front_sums(stacked: Stacked, columns: list[int]) -> np.ndarray:
    """Return the fronts of ``columns`` summed per replication and day, shape (replications, days).

    Added left to right, column by column: what ``observables`` gets from ``.sum(axis=1)`` of a selection
    of columns (``array[:, columns]``, which NumPy lays out column-major).
    """
    fronts = stacked.fronts_km
    total = fronts[:, :, columns[0]].copy()
    for column in columns[1:]:
        total += fronts[:, :, column]
    return total


def _row_sums(values: np.ndarray) -> np.ndarray:
    """Return each row's sum as NumPy sums one row alone (a reduction along contiguous memory)."""
    return np.ascontiguousarray(values).sum(axis=1)


def advances_m_per_day(
    scenario: Scenario,
    stacked: Stacked,
    first_day: int,
    last_day: np.ndarray | int,
    sector: str | None = None,
) -> np.ndarray:
    """Return ``observables.advance_m_per_day`` of every replication, each with its own last day.

    Args:
        scenario: The replications' scenario.
        stacked: Their trajectories.
        first_day: Start of the window (day index), the same for all.
        last_day: End of each one's window (day index), or one for all.
        sector: One sector, or None for all together.
    """
    columns = _columns(scenario, sector)
    days = stacked.area_km2.shape[1]
    last = np.minimum(np.broadcast_to(np.asarray(last_day, dtype=np.int64), (stacked.count,)), days - 1)
    if not stacked.count or not columns:
        return np.zeros(stacked.count)
    fronts = _front_sums(stacked, columns)
    rows = np.arange(stacked.count)
    areas = stacked.sector_area_km2
    lost = _row_sums(areas[:, first_day, columns]) - _row_sums(areas[rows, last][:, columns])
    # The mean front over each one's window: one reduction per distinct last day, as in each alone.
    mean_front = np.zeros(stacked.count)
    for end in np.unique(last):
        if end > first_day:
            same = np.flatnonzero(last == end)
            mean_front[same] = np.ascontiguousarray(fronts[same, first_day : end + 1]).mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = lost / mean_front / (last - first_day) * 1000.0
    return np.where((last <= first_day) | (mean_front <= 0.0), 0.0, value)


def measures(scenario: Scenario, stacked: Stacked, observation: Observation) -> np.ndarray:
    """Return ``observables.measure`` of an observation for every replication."""
    day = min(max((observation.date - scenario.start).days, 0), scenario.horizon_days)
    sides, sectors = list(scenario.sides), list(scenario.sectors)
    if observation.metric == "area_km2":
        return stacked.area_km2[:, day].copy()
    if observation.metric == "sector_area_km2":
        return stacked.sector_area_km2[:, day, sectors.index(str(observation.sector))].copy()
    if observation.metric == "strength":
        return stacked.strength[:, sides.index(str(observation.side)), day].copy()
    since = observation.since or scenario.start
    first = min(max((since - scenario.start).days, 0), scenario.horizon_days)
    if observation.metric == "losses":
        side = sides.index(str(observation.side))
        if observation.sector is None:
            return stacked.casualties[:, side, day] - stacked.casualties[:, side, first]
        by_sector = stacked.sector_casualties[:, side, :, sectors.index(observation.sector)]
        return by_sector[:, day] - by_sector[:, first]
    per_day = advances_m_per_day(scenario, stacked, first, day, observation.sector)
    if observation.metric == "advance_km":
        return per_day * max(day - first, 0) / 1000.0
    return per_day
