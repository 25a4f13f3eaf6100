"""Turning trajectories into the Arrow tables of the results contract (docs/architecture.md).

A chunk's trajectories are stacked into whole arrays once (``sim.measures.stacked``) and every column is
cut from them, rather than gathered replication by replication: rows are in replication order, then day,
then sector, as the contract says.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sim.measures.stacked import (
    Stacked,
    advances_m_per_day,
    attack_windows,
    first_days_below,
    measures,
    stack,
)
from sim.model.trajectory import Trajectory
from sim.results.columns import (
    DailyMode,
    area_column,
    observation_column,
    outcome_dates,
    outcome_thresholds,
    threshold_column,
)
from sim.scenario.parameters import distribution_leaves
from sim.scenario.schema import Scenario


def chunk_tables(
    scenario: Scenario, replications: Sequence[int], trajectories: Sequence[Trajectory], daily: DailyMode
) -> dict[str, pa.Table]:
    """Return a chunk's tables by name: outcomes, and daily and sectors as ``daily`` asks.

    The trajectories are stacked once for all three tables.
    """
    stacked = stack(scenario, trajectories)
    tables = {"outcomes": stacked_outcomes(scenario, replications, stacked)}
    if daily in ("full", "total"):
        tables["daily"] = stacked_daily(scenario, replications, stacked)
    if daily == "full":
        tables["sectors"] = stacked_sectors(scenario, replications, stacked)
    return tables


def daily_table(
    scenario: Scenario, replications: Sequence[int], trajectories: Sequence[Trajectory]
) -> pa.Table:
    """Return one row per replication and day: area, and per side strength, casualties and supply."""
    return stacked_daily(scenario, replications, stack(scenario, trajectories))


def sectors_table(
    scenario: Scenario, replications: Sequence[int], trajectories: Sequence[Trajectory]
) -> pa.Table:
    """Return one row per replication, day and sector with the sector's held area."""
    return stacked_sectors(scenario, replications, stack(scenario, trajectories))


def outcomes_table(
    scenario: Scenario, replications: Sequence[int], trajectories: Sequence[Trajectory]
) -> pa.Table:
    """Return one row per replication: sampled parameters, final area, withdrawal, crossings, casualties."""
    return stacked_outcomes(scenario, replications, stack(scenario, trajectories))


def _replication_column(replications: Sequence[int], repeats: int) -> pa.Array:
    return pa.array(np.repeat(np.asarray(replications, dtype=np.int64), repeats))


def stacked_daily(scenario: Scenario, replications: Sequence[int], stacked: Stacked) -> pa.Table:
    """Return the daily table (``daily_table``) of stacked trajectories."""
    days = scenario.horizon_days + 1
    day = np.tile(np.arange(days, dtype=np.int32), stacked.count)
    start = np.datetime64(scenario.start, "D")
    columns: dict[str, pa.Array] = {
        "replication": _replication_column(replications, days),
        "day": pa.array(day),
        "date": pa.array((start + day.astype("timedelta64[D]")), type=pa.date32()),
        "area_km2": pa.array(stacked.area_km2.ravel()),
    }
    for index, side in enumerate(scenario.sides):
        for name, values in (
            ("strength", stacked.strength),
            ("casualties", stacked.casualties),
            ("supply", stacked.supply),
        ):
            columns[f"{name}_{side}"] = pa.array(values[:, index, :].ravel())
    return pa.table(columns)


def stacked_sectors(scenario: Scenario, replications: Sequence[int], stacked: Stacked) -> pa.Table:
    """Return the sectors table (``sectors_table``) of stacked trajectories."""
    days = scenario.horizon_days + 1
    names = pa.array(list(scenario.sectors), type=pa.string())
    per_replication = days * len(names)
    # Each row's sector as an index into the names, taken as strings in one step.
    which = np.tile(np.arange(len(names), dtype=np.int32), days * stacked.count)
    return pa.table(
        {
            "replication": _replication_column(replications, per_replication),
            "day": pa.array(np.tile(np.repeat(np.arange(days, dtype=np.int32), len(names)), stacked.count)),
            "sector": pc.take(names, pa.array(which)),
            "area_km2": pa.array(stacked.sector_area_km2.ravel()),
        }
    )


def stacked_outcomes(scenario: Scenario, replications: Sequence[int], stacked: Stacked) -> pa.Table:
    """Return the outcomes table (``outcomes_table``) of stacked trajectories."""
    trajectories = stacked.trajectories
    columns: dict[str, pa.Array] = {"replication": _replication_column(replications, 1)}
    for path, _ in distribution_leaves(scenario):
        columns[path] = pa.array([t.parameters[path] for t in trajectories], type=pa.float64())
    columns["final_area_km2"] = pa.array(stacked.area_km2[:, -1], type=pa.float64())
    for date in outcome_dates(scenario):
        day = (date - scenario.start).days
        columns[area_column(date)] = pa.array(stacked.area_km2[:, day], type=pa.float64())
    first, last = attack_windows(scenario, stacked)
    columns["advance_m_per_day"] = pa.array(
        advances_m_per_day(scenario, stacked, first, last), type=pa.float64()
    )
    for index, observation in enumerate(scenario.observations):
        columns[observation_column(index, scenario)] = pa.array(
            measures(scenario, stacked, observation), type=pa.float64()
        )
    columns["withdrawal_day"] = pa.array([t.withdrawal_day for t in trajectories], type=pa.float64())
    columns["withdrawal_reason"] = pa.array([t.withdrawal_reason for t in trajectories], type=pa.string())
    for threshold in outcome_thresholds(scenario):
        day_below, crossed = first_days_below(stacked, threshold)
        columns[threshold_column(threshold)] = pa.array(
            day_below.astype(np.int32), mask=~crossed, type=pa.int32()
        )
    for index, side in enumerate(scenario.sides):
        columns[f"casualties_{side}"] = pa.array(stacked.casualties[:, index, -1], type=pa.float64())
    return pa.table(columns)
