"""Turning trajectories into the Arrow tables of the results contract (docs/architecture.md)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from sim.measures.observables import advance_m_per_day, attack_window, measure
from sim.model.trajectory import Trajectory
from sim.results.columns import (
    area_column,
    observation_column,
    outcome_dates,
    outcome_thresholds,
    threshold_column,
)
from sim.scenario.parameters import distribution_leaves
from sim.scenario.schema import Scenario


def daily_table(
    scenario: Scenario, replications: Sequence[int], trajectories: Sequence[Trajectory]
) -> pa.Table:
    """Return one row per replication and day: area, and per side strength, casualties and supply."""
    days = scenario.horizon_days + 1
    count = len(trajectories)
    day = np.tile(np.arange(days, dtype=np.int32), count)
    start = np.datetime64(scenario.start, "D")
    columns: dict[str, pa.Array] = {
        "replication": pa.array(np.repeat(np.asarray(replications, dtype=np.int64), days)),
        "day": pa.array(day),
        "date": pa.array((start + day.astype("timedelta64[D]")), type=pa.date32()),
        "area_km2": pa.array(np.concatenate([t.area_km2 for t in trajectories]) if count else np.zeros(0)),
    }
    for index, side in enumerate(scenario.sides):
        for name, attribute in (("strength", "strength"), ("casualties", "casualties"), ("supply", "supply")):
            values = [getattr(t, attribute)[index] for t in trajectories]
            columns[f"{name}_{side}"] = pa.array(np.concatenate(values) if count else np.zeros(0))
    return pa.table(columns)


def sectors_table(
    scenario: Scenario, replications: Sequence[int], trajectories: Sequence[Trajectory]
) -> pa.Table:
    """Return one row per replication, day and sector with the sector's held area."""
    days = scenario.horizon_days + 1
    names = list(scenario.sectors)
    count = len(trajectories)
    per_rep = days * len(names)
    return pa.table(
        {
            "replication": pa.array(np.repeat(np.asarray(replications, dtype=np.int64), per_rep)),
            "day": pa.array(np.tile(np.repeat(np.arange(days, dtype=np.int32), len(names)), count)),
            "sector": pa.array(np.tile(np.asarray(names, dtype=object), days * count), type=pa.string()),
            "area_km2": pa.array(
                np.concatenate([t.sector_area_km2.ravel() for t in trajectories]) if count else np.zeros(0)
            ),
        }
    )


def outcomes_table(
    scenario: Scenario, replications: Sequence[int], trajectories: Sequence[Trajectory]
) -> pa.Table:
    """Return one row per replication: sampled parameters, final area, withdrawal, crossings, casualties."""
    columns: dict[str, pa.Array] = {"replication": pa.array(np.asarray(replications, dtype=np.int64))}
    for path, _ in distribution_leaves(scenario):
        columns[path] = pa.array([t.parameters[path] for t in trajectories], type=pa.float64())
    columns["final_area_km2"] = pa.array([float(t.area_km2[-1]) for t in trajectories], type=pa.float64())
    for date in outcome_dates(scenario):
        day = (date - scenario.start).days
        columns[area_column(date)] = pa.array(
            [float(t.area_km2[day]) for t in trajectories], type=pa.float64()
        )
    columns["advance_m_per_day"] = pa.array(
        [advance_m_per_day(scenario, t, *attack_window(scenario, t)) for t in trajectories], type=pa.float64()
    )
    for index, observation in enumerate(scenario.observations):
        columns[observation_column(index, scenario)] = pa.array(
            [measure(scenario, t, observation) for t in trajectories], type=pa.float64()
        )
    columns["withdrawal_day"] = pa.array([t.withdrawal_day for t in trajectories], type=pa.float64())
    columns["withdrawal_reason"] = pa.array([t.withdrawal_reason for t in trajectories], type=pa.string())
    for threshold in outcome_thresholds(scenario):
        columns[threshold_column(threshold)] = pa.array(
            [t.first_day_below(threshold) for t in trajectories], type=pa.int32()
        )
    for index, side in enumerate(scenario.sides):
        columns[f"casualties_{side}"] = pa.array(
            [float(t.casualties[index, -1]) for t in trajectories], type=pa.float64()
        )
    return pa.table(columns)
