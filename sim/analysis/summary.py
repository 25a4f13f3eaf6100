"""The summary of a run: held-area quantiles by month, withdrawal odds, threshold crossings."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc

from sim.analysis.forecast import observed_range
from sim.results.columns import (
    area_column,
    month_starts,
    observation_column,
    outcome_thresholds,
    threshold_column,
)
from sim.results.readers import column_names, count_rows, read_column, scan
from sim.scenario.schema import Scenario
from sim.scenario.units import METRIC_UNITS


def median_crossing_day(days: np.ndarray) -> float | None:
    """Return the median day of a crossing, with runs that never cross censored at the horizon.

    Every run is censored at the same horizon, so the Kaplan-Meier median is the plain median
    counting censored runs as later than any crossing; it exists only if half the runs cross.

    Args:
        days: The crossing day of each run, NaN where it never crossed.
    """
    if days.size == 0:
        return None
    filled = np.where(np.isnan(days), np.inf, days)
    median = float(np.quantile(filled, 0.5, method="inverted_cdf"))
    return None if math.isinf(median) else median


class _Columns:
    """A table's numeric columns as float arrays (nulls as NaN), each read from disk only when asked for.

    Nothing is kept: a column is read a row group at a time, used and dropped, so memory holds one or
    two columns of the outcomes table, not all of them (46 columns of 1,000,000 runs would be 370 MB).
    """

    def __init__(self, run: Path, table: str) -> None:
        self._run = run
        self._table = table
        self._names = set(column_names(run, table))

    def get(self, name: str, default: Any = None) -> np.ndarray | Any:
        return self[name] if name in self._names else default

    def __getitem__(self, name: str) -> np.ndarray:
        return read_column(self._run, self._table, name)


def _reason_counts(run: Path) -> dict[str, int]:
    """Return how many runs each withdrawal rule started, counted a row group at a time."""
    counts: dict[str, int] = {}
    for batch in scan(run, "outcomes", ["withdrawal_reason"]):
        for item in pc.value_counts(batch.column(0).drop_null()).to_pylist():
            counts[item["values"]] = counts.get(item["values"], 0) + int(item["counts"])
    return dict(sorted(counts.items()))


def _area_quantiles(outcomes: _Columns, scenario: Scenario, date: dt.date) -> dict[str, float]:
    areas = np.asarray(outcomes.get(area_column(date), []), dtype=float)
    if not areas.size:
        return {}
    q10, q50, q90 = np.percentile(areas, [10, 50, 90])
    return {"area_p10": float(q10), "area_p50": float(q50), "area_p90": float(q90)}


def endings(reasons: dict[str, int], count: int) -> dict[str, float]:
    """Return the share of runs whose withdrawal each rule began, and with none (``no_withdrawal``)."""
    if count <= 0:
        return {}
    shares = {reason: runs / count for reason, runs in reasons.items()}
    shares["no_withdrawal"] = 1.0 - sum(reasons.values()) / count
    return shares


def dynamics_only(run: Path, scenario: Scenario) -> dict[str, Any] | None:
    """Summarise the run's companion without the withdrawal rules (``dynamics_only/``), if it is complete.

    Returns:
        Its replications, held-area quantiles on each month's first day and at the end, and the share of
        runs that lost all their ground by the end; None without a complete companion.
    """
    folder = run / "dynamics_only"
    if not (folder / "outcomes.parquet").is_file():
        return None
    count = count_rows(folder, "outcomes")
    if count == 0:
        return None
    outcomes = _Columns(folder, "outcomes")
    final = outcomes["final_area_km2"]
    return {
        "replications": count,
        "by_month": [
            {"date": date.isoformat(), **_area_quantiles(outcomes, scenario, date)}
            for date in month_starts(scenario.start, scenario.end)
        ],
        "final_area_km2": {
            key: float(np.percentile(final, q)) for key, q in (("p10", 10), ("p50", 50), ("p90", 90))
        },
        "share_all_lost": float(np.mean(final <= 0.0)),
    }


def summarize(run: Path, scenario: Scenario) -> dict[str, Any]:
    """Compute a run's summary from its tables.

    Args:
        run: The run folder.
        scenario: The run's scenario.

    Returns:
        A JSON-ready summary.
    """
    count = count_rows(run, "outcomes")
    # One column at a time, as float arrays (nulls as NaN): memory stays small for huge runs.
    outcomes = _Columns(run, "outcomes")
    withdrawal = outcomes["withdrawal_day"]
    by_month = []
    for date in month_starts(scenario.start, scenario.end):
        day = (date - scenario.start).days
        row: dict[str, Any] = {
            "date": date.isoformat(),
            "day": day,
            **_area_quantiles(outcomes, scenario, date),
        }
        row["p_withdrawal_began"] = float(np.mean(withdrawal <= day)) if count else 0.0
        by_month.append(row)

    crossings = []
    half = scenario.initial_area_km2 / 2.0
    for threshold in outcome_thresholds(scenario):
        column = threshold_column(threshold)
        days = outcomes[column]
        median = median_crossing_day(days)
        crossings.append(
            {
                "threshold_km2": threshold,
                "is_half_of_start": math.isclose(threshold, round(half, 6)),
                "share_crossed": float(np.mean(~np.isnan(days))) if count else 0.0,
                "median_day": median,
                "median_date": None
                if median is None
                else (scenario.start + dt.timedelta(days=median)).isoformat(),
            }
        )

    observations = []
    for index, obs in enumerate(scenario.observations):
        values = np.asarray(outcomes.get(observation_column(index, scenario), []), dtype=float)
        if values.size:
            q025, q10, q50, q90, q975 = np.percentile(values, [2.5, 10, 50, 90, 97.5])
            low, high = observed_range(obs)
            observations.append(
                {
                    "date": obs.date.isoformat(),
                    "metric": obs.metric,
                    "side": obs.side,
                    "sector": obs.sector,
                    "since": obs.since.isoformat() if obs.since else None,
                    "unit": METRIC_UNITS[obs.metric],
                    "observed": obs.value,
                    "observed_low": low,
                    "observed_high": high,
                    "source": obs.source,
                    "predicted_p10": float(q10),
                    "predicted_p50": float(q50),
                    "predicted_p90": float(q90),
                    "quantile_of_observed": float(np.mean(values <= obs.value)),
                    # A report is one the model does not reach when the middle 95% of runs misses its
                    # whole reported range (not only its point value: 1,340 km2 with a range up to 1,376
                    # is reached by runs at 1,376).
                    "outside_95": bool(q975 < low or q025 > high),
                }
            )

    reasons = _reason_counts(run)
    final = outcomes["final_area_km2"]
    casualties = {
        side: float(np.median(outcomes[f"casualties_{side}"])) if count else 0.0 for side in scenario.sides
    }
    return {
        "scenario": scenario.name,
        "replications": count,
        "start": scenario.start.isoformat(),
        "end": scenario.end.isoformat(),
        "initial_area_km2": scenario.initial_area_km2,
        "by_month": by_month,
        "crossings": crossings,
        "observations": observations,
        "final_area_km2": {
            "p10": float(np.percentile(final, 10)) if count else None,
            "p50": float(np.percentile(final, 50)) if count else None,
            "p90": float(np.percentile(final, 90)) if count else None,
        },
        "p_withdrawal_by_end": float(np.mean(~np.isnan(withdrawal))) if count else 0.0,
        "withdrawal_reasons": reasons,
        "endings": endings(reasons, count),
        "dynamics_only": dynamics_only(run, scenario),
        "median_casualties": casualties,
    }
