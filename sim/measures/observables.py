"""Quantities measured on a trajectory: what observations and outcomes compare with.

Pure functions of a scenario and one replication's trajectory, used by the outcomes table, by
calibration and by validation alike.
"""

from __future__ import annotations

import numpy as np

from sim.model import laws
from sim.model.trajectory import Trajectory
from sim.scenario.schema import Observation, Scenario


def frontages(trajectory: Trajectory, sector_area_km2: np.ndarray) -> np.ndarray:
    """Return each sector's front length per day, shape (days, sectors), from the replication's own geometry.

    The geometry (each sector's starting area and front, and its shape) is the one the replication
    sampled, so a sector whose area or front is uncertain is measured as it was simulated
    (``sim.model.laws.frontages_km``).
    """
    return laws.frontages_km(
        trajectory.sector_frontage0_km,
        trajectory.sector_area0_km2,
        sector_area_km2,
        trajectory.sector_is_line,
    )


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
    fronts = frontages(trajectory, trajectory.sector_area_km2[first_day : last_day + 1])[:, columns]
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
        sector = list(scenario.sectors).index(str(observation.sector))
        return float(trajectory.sector_area_km2[day][sector])
    if observation.metric == "strength":
        side = list(scenario.sides).index(str(observation.side))
        return float(trajectory.strength[side][day])
    since = observation.since or scenario.start
    first = min(max((since - scenario.start).days, 0), scenario.horizon_days)
    if observation.metric == "losses":
        side = list(scenario.sides).index(str(observation.side))
        if observation.sector is None:
            return float(trajectory.casualties[side][day] - trajectory.casualties[side][first])
        sector = list(scenario.sectors).index(observation.sector)
        by_sector = trajectory.sector_casualties[side]
        return float(by_sector[day][sector] - by_sector[first][sector])
    per_day = advance_m_per_day(scenario, trajectory, first, day, observation.sector)
    if observation.metric == "advance_km":
        return per_day * max(day - first, 0) / 1000.0
    return per_day
