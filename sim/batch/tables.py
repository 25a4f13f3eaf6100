"""Turning trajectories into the Arrow tables of the results contract (docs/architecture.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pyarrow as pa

from sim.analysis.observables import advance_m_per_day, attack_window, measure
from sim.model.trajectory import Trajectory
from sim.scenario.parameters import distribution_leaves
from sim.scenario.schema import Scenario

DailyMode = Literal["full", "total", "none"]
"""How much daily state to keep: per side and sector, only the totals, or nothing."""


def threshold_column(threshold_km2: float) -> str:
    """Return the outcome column holding the first day below ``threshold_km2`` (e.g. day_below_687.5)."""
    return "day_below_" + f"{threshold_km2:.6f}".rstrip("0").rstrip(".")


def outcome_thresholds(scenario: Scenario) -> list[float]:
    """Return the scenario's thresholds plus half the initial area, sorted, without repeats.

    Thresholds are rounded to a millionth of a km2, the precision of their column names.
    """
    half = scenario.initial_area_km2 / 2.0
    return sorted({round(t, 6) for t in (*scenario.thresholds_km2, half)}, reverse=True)


def month_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    """Return the first of each month after ``start`` up to ``end``."""
    dates = []
    year, month = start.year, start.month
    while True:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        first = dt.date(year, month, 1)
        if first > end:
            return dates
        dates.append(first)


def outcome_dates(scenario: Scenario) -> list[dt.date]:
    """Return the dates whose held area is kept as an outcome: first of each month and observation dates."""
    return sorted(
        {obs.date for obs in scenario.observations} | set(month_starts(scenario.start, scenario.end))
    )


def area_column(date: dt.date) -> str:
    """Return the outcome column holding the held area on ``date`` (e.g. area_km2_on_2024-11-23)."""
    return f"area_km2_on_{date.isoformat()}"


def observation_column(index: int, scenario: Scenario) -> str:
    """Return the outcome column with the model's value of observation ``index``.

    For example ``obs0_area_km2_2024-11-23`` or ``obs1_strength_russia_2024-11-23``.
    """
    obs = scenario.observations[index]
    where = f"_{obs.sector}" if obs.sector else f"_{obs.side}" if obs.side else ""
    return f"obs{index}_{obs.metric}{where}_{obs.date.isoformat()}"


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


def date_of(scenario: Scenario, day: float) -> dt.date:
    """Return the calendar date of a model day (whole days)."""
    return scenario.start + dt.timedelta(days=int(day))
