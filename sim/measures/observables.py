"""Quantities measured on a trajectory: what observations and outcomes compare with.

Pure functions of a scenario and one replication's trajectory, used by the outcomes table, by
calibration and by validation alike.
"""

from __future__ import annotations

import numpy as np

from sim.model.trajectory import Trajectory
from sim.scenario.distributions import value_of
from sim.scenario.schema import Observation, Scenario


def frontages(scenario: Scenario, sector_area_km2: np.ndarray) -> np.ndarray:
    """Return each sector's front length per day, shape (days, sectors).

    A salient's front scales with the square root of its area (``sim.model.laws.frontage_km``, here
    for every day at once); a line's keeps its length while any ground is held.
    """
    out = np.zeros_like(sector_area_km2)
    for k, sector in enumerate(scenario.sectors.values()):
        front0 = value_of(sector.frontage_km)
        area0 = value_of(sector.area_km2)
        areas = sector_area_km2[:, k]
        if sector.shape == "line":
            out[:, k] = np.where(areas > 0, front0, 0.0)
        elif area0 > 0:
            # frontage_km on every day at once: front0 * sqrt(area / area0).
            out[:, k] = front0 * np.sqrt(np.clip(areas, 0.0, None) / area0)
    return out


def advance_m_per_day(
    scenario: Scenario, trajectory: Trajectory, first_day: int, last_day: int, sector: str | None = None
) -> float:
    """Return the attacker's mean advance in metres a day between two recorded days.

    The advance is the ground lost over the mean length of front: (area lost) / (mean front) / days.

    Args:
        scenario: The replication's scenario.
        trajectory: The replication's record.
        first_day: Start of the window (day index).
        last_day: End of the window (day index, after ``first_day``).
        sector: One sector, or None for all together.
    """
    columns = (
        [list(scenario.sectors).index(sector)] if sector is not None else list(range(len(scenario.sectors)))
    )
    last_day = min(last_day, len(trajectory.area_km2) - 1)
    if last_day <= first_day:
        return 0.0
    areas = trajectory.sector_area_km2[first_day : last_day + 1][:, columns]
    fronts = frontages(scenario, trajectory.sector_area_km2[first_day : last_day + 1])[:, columns]
    mean_front = float(fronts.sum(axis=1).mean())
    if mean_front <= 0.0:
        return 0.0
    lost = float(areas[0].sum() - areas[-1].sum())
    return lost / mean_front / (last_day - first_day) * 1000.0


def attack_window(scenario: Scenario, trajectory: Trajectory) -> tuple[int, int]:
    """Return the days the contesting side attacks.

    From its attack start to the end, or to the first day no ground is held.
    """
    attack = scenario.sides[scenario.opponent].attack
    first = int(scenario.day_of(attack.start)) if attack is not None and attack.start else 0
    first = max(0, min(first, scenario.horizon_days))
    empty = np.flatnonzero(trajectory.area_km2[first:] <= 0.0)
    last = first + int(empty[0]) if empty.size else scenario.horizon_days
    return first, last


def measure(scenario: Scenario, trajectory: Trajectory, observation: Observation) -> float:
    """Return the model's value of an observation's metric on its date in one replication."""
    day = min(max((observation.date - scenario.start).days, 0), scenario.horizon_days)
    if observation.metric == "area_km2":
        return float(trajectory.area_km2[day])
    if observation.metric == "sector_area_km2":
        return float(trajectory.sector_area_km2[day, list(scenario.sectors).index(observation.sector)])
    if observation.metric == "strength":
        return float(trajectory.strength[list(scenario.sides).index(observation.side), day])
    since = observation.since or scenario.start
    first = min(max((since - scenario.start).days, 0), scenario.horizon_days)
    return advance_m_per_day(scenario, trajectory, first, day, observation.sector)
