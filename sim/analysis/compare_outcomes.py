"""The outcomes ``sim compare`` compares, each replication's value, and one row per outcome of a variant.

Per kind of outcome (one row of ``compare.parquet`` per variant and outcome):

* held area on a date, casualties, advance rate, each observation's model value: the difference of
  means (paired t-interval on the differences, or Welch's) and of medians (bootstrap, paired when the
  runs are);
* days until the held area first falls below X, runs that never do censored at the end date: the
  difference of restricted mean times (Kaplan-Meier area up to the end date) and of Kaplan-Meier
  medians, both with a bootstrap interval;
* withdrawal began by a date (yes/no): the difference of shares with Newcombe's interval (paired: method 10,
  1998; unpaired: the hybrid score interval), from Wilson intervals of each share.

For paired runs, the share of replications the variant changes at all, and in each direction
(``sim.analysis.differences``). Each replication's value is ``sim.analysis.outcomes.outcome_values``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from sim.analysis.differences import (
    CONFIDENCE,
    Difference,
    Kind,
    changed,
    km_median_difference,
    mean_difference,
    median_difference,
    rmst_difference,
    share_difference,
)
from sim.analysis.outcomes import TableColumns, outcome_values
from sim.results.columns import area_column, month_starts, observation_column, outcome_thresholds
from sim.results.columns import threshold_column as day_column
from sim.scenario.schema import Scenario
from sim.scenario.units import METRIC_NAMES, METRIC_UNITS

DESCRIBED = ("group", "label", "unit", "kind")
MAIN = ("baseline_value", "variant_value", "difference", "low", "high", "method")
"""Columns of compare.parquet holding the main statistic (mean, restricted mean or share)."""
MEDIAN = tuple(f"median_{name}" for name in ("baseline", "variant", "difference", "low", "high", "method"))
"""Columns holding the median (Kaplan-Meier median for days; none for shares)."""


@dataclass(frozen=True)
class Outcome:
    """One outcome compared across runs.

    Attributes:
        key: Its name (the outcome column, or ``withdrawal_began_by_<date>``).
        group: What it measures, with its unit (one block of the table and one panel of the forest plot).
        label: Which one of the group (a date, a threshold, a side).
        unit: ``km2``, ``days``, ``share``, ``personnel`` or ``m/day``.
        kind: ``continuous``, ``days`` (censored at the end date) or ``binary``.
        date: The date it refers to, if any.
        threshold_km2: The area X of a days outcome.
    """

    key: str
    group: str
    label: str
    unit: str
    kind: Kind
    date: dt.date | None = None
    threshold_km2: float | None = None


def words(date: dt.date) -> str:
    """Return a date as "1 Feb 2025"."""
    return f"{date.day} {date:%b %Y}"


def _number(values: Any) -> np.ndarray:
    """Return a column as floats, nulls as NaN."""
    return np.asarray(values.cast(pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False), dtype=float)


def candidate_outcomes(scenario: Scenario) -> list[tuple[Outcome, str]]:
    """Return every outcome a run of the scenario may hold, with the outcomes column it is read from.

    The held area on each kept date (first of each month, observation dates) and on the end date;
    days until each threshold; withdrawal began by each first of the month and by the end date;
    casualties per side; the advance rate; every observation's model value except the held area's,
    which repeats ``area_km2_on_<date>``.
    """
    start, end = scenario.start, scenario.end
    months = month_starts(start, end)
    dates = sorted({*months, *(obs.date for obs in scenario.observations)})
    area, days = (
        "held area (km2)",
        f"days until the held area first falls below X (days; never counts as {words(end)})",
    )
    found = [(Outcome(area_column(d), area, words(d), "km2", "continuous", d), area_column(d)) for d in dates]
    if end not in dates:
        found.append(
            (Outcome("final_area_km2", area, words(end), "km2", "continuous", end), "final_area_km2")
        )
    for x in outcome_thresholds(scenario):
        crossing = Outcome(day_column(x), days, f"below {x:,.6g} km2", "days", "days", None, x)
        found.append((crossing, day_column(x)))
    for d in dict.fromkeys([*months, end]):
        began = Outcome(
            f"withdrawal_began_by_{d}", "withdrawal began by (share of runs)", words(d), "share", "binary", d
        )
        found.append((began, "withdrawal_day"))
    for side in scenario.sides:
        lost = Outcome(
            f"casualties_{side}", "casualties by the end (personnel)", side, "personnel", "continuous"
        )
        found.append((lost, f"casualties_{side}"))
    advance = Outcome("advance_m_per_day", "advance rate (m/day)", "attacker's mean", "m/day", "continuous")
    found.append((advance, "advance_m_per_day"))
    for index, obs in enumerate(scenario.observations):
        if obs.metric != "area_km2":
            column, unit = observation_column(index, scenario), METRIC_UNITS[obs.metric]
            what = " ".join(filter(None, [METRIC_NAMES[obs.metric], obs.sector or obs.side]))
            group = f"reported figures, model value ({unit})"
            found.append(
                (Outcome(column, group, f"{what} on {words(obs.date)}", unit, "continuous", obs.date), column)
            )
    return found


def run_outcomes(scenario: Scenario, table: pa.Table) -> tuple[list[Outcome], dict[str, np.ndarray]]:
    """Return the outcomes a run's ``outcomes`` table holds, with each replication's value.

    Each is ``sim.analysis.outcomes.outcome_values`` of the table, censored: days outcomes keep NaN for
    runs that never fell below X (censored at the end date); ``withdrawal_began_by_<date>`` is 1 if the
    withdrawal began on or before the date, else 0.

    Args:
        scenario: The run's scenario (dates, thresholds, sides, observations).
        table: Its outcomes table (any row order; values come out in replication order).
    """
    order = np.argsort(_number(table["replication"]), kind="stable")
    columns = TableColumns(table)
    outcomes, values = [], {}
    for outcome, column in candidate_outcomes(scenario):
        if column in columns:
            outcomes.append(outcome)
            values[outcome.key] = outcome_values(columns, scenario, outcome.key, censored=True)[order]
    return outcomes, values


def compare_values(
    outcomes: Sequence[Outcome],
    base: dict[str, np.ndarray],
    variant: dict[str, np.ndarray],
    horizon: int,
    paired: bool,
) -> list[dict[str, Any]]:
    """Return one row per outcome: both runs' values, the difference, its interval and what changed.

    Args:
        outcomes: The outcomes to compare (each a key of both ``base`` and ``variant``).
        base: The baseline's values per replication.
        variant: The variant's values per replication (in the same replication order if paired).
        horizon: Days from start to end (days outcomes are censored there).
        paired: Whether replication i of both runs drew the same random numbers.
    """
    rows = []
    for outcome in outcomes:
        x, y = base[outcome.key], variant[outcome.key]
        median: Difference | None = None
        if outcome.kind == "binary":
            main, statistic = share_difference(x, y, paired), "share"
        elif outcome.kind == "days":
            main, statistic = rmst_difference(x, y, horizon, paired), "restricted mean"
            median = km_median_difference(x, y, paired)
        else:
            main, statistic = mean_difference(x, y, paired), "mean"
            median = median_difference(x, y, paired)
        moved = changed(x, y, outcome.kind, horizon) if paired else (math.nan,) * 3
        row: dict[str, Any] = {"outcome": outcome.key, **{k: getattr(outcome, k) for k in DESCRIBED}}
        row["date"] = outcome.date.isoformat() if outcome.date else None
        row["threshold_km2"] = math.nan if outcome.threshold_km2 is None else outcome.threshold_km2
        row["statistic"] = statistic
        row.update(zip(MAIN, astuple(main), strict=True))
        row.update(zip(MEDIAN, astuple(median) if median else (math.nan,) * 5 + (None,), strict=True))
        row.update(paired=paired, share_changed=moved[0], share_higher=moved[1], share_lower=moved[2])
        row.update(within_noise=main.within_noise, confidence=CONFIDENCE)
        rows.append(row)
    return rows


def informative(
    outcomes: Sequence[Outcome], values: Sequence[dict[str, np.ndarray]]
) -> tuple[list[Outcome], list[str]]:
    """Split outcomes into those that vary somewhere and those equal in every run and replication.

    An outcome that is one number everywhere (no withdrawal allowed before October, a threshold no run
    reaches) has nothing to compare; it is left out of the table and named as dropped.
    """
    kept: list[Outcome] = []
    dropped: list[str] = []
    for outcome in outcomes:
        together = np.concatenate([v[outcome.key] for v in values])
        missing = np.isnan(together)
        if missing.all() or (not missing.any() and np.ptp(together) == 0):
            dropped.append(outcome.key)
        else:
            kept.append(outcome)
    return kept, dropped
