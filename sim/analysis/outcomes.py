"""Each run's value of an outcome, stored or derived: the one rule every analysis reads outcomes by.

Scenario discovery (``sim discover``'s conditions and feature scores), a sweep's per-point numbers and
sensitivity indices, a robustness study's measures and ``sim compare`` all ask for outcomes by the same
names and get the same values:

* ``withdrawal_began_by_<YYYY-MM-DD>`` or ``withdrawal_began_by_end``: 1 if the holder's withdrawal
  began on or before that date (the scenario's end date for ``end``), else 0; a run whose withdrawal
  never began is 0. The date must lie inside the scenario, and the runs must have ``withdrawal_day``.
* ``day_below_<km2>``: the day the held area first fell below that area, the threshold matched by its
  value (``day_below_250`` reads the column ``day_below_250.0``);
* ``withdrawal_day``: the day the holder's withdrawal began;
* any other outcome column, as stored (``point`` and ``replication`` are not outcomes).

A run that never fell below the area, or whose withdrawal never began, has no day: it counts as the
horizon (the number of days the scenario covers), or, asked for ``censored`` values, stays NaN for the
caller's survival statistics (``sim compare``'s Kaplan-Meier medians and restricted means).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence

import numpy as np
import pyarrow as pa

from sim.errors import InputError
from sim.results.columns import WITHDRAWAL_BEGAN_BY, refuse_renamed, withdrawal_date
from sim.scenario.schema import Scenario

"""The prefix of the yes/no outcomes derived from ``withdrawal_day``."""
DAYS = ("day_below_", "withdrawal_day")
"""Outcomes that are a day, with no value in a run that never got there."""
NOT_OUTCOMES = ("point", "replication")


class TableColumns(Mapping[str, np.ndarray]):
    """An outcomes table's numeric columns as floats (nulls as NaN), each converted when first read."""

    def __init__(self, table: pa.Table) -> None:
        self._table = table
        self._names = [
            field.name
            for field in table.schema
            if field.name not in NOT_OUTCOMES
            and (pa.types.is_integer(field.type) or pa.types.is_floating(field.type))
        ]

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._names:
            raise KeyError(name)
        column = self._table[name].cast(pa.float64()).fill_null(np.nan)
        return np.asarray(column.to_numpy(zero_copy_only=False), dtype=float)

    def __contains__(self, name: object) -> bool:
        return name in self._names  # without converting the column, as Mapping's would

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def outcome_values(
    outcomes: Mapping[str, np.ndarray] | pa.Table,
    scenario: Scenario,
    outcome: str,
    *,
    option: str = "--outcome",
    censored: bool = False,
) -> np.ndarray:
    """Return each run's value of an outcome (see the module's description for the names).

    Args:
        outcomes: The runs' outcome columns (an outcomes table, or its columns as float arrays).
        scenario: The runs' scenario (its start, end and horizon).
        outcome: The outcome's name.
        option: The option or field that named the outcome, for error messages.
        censored: Keep NaN for a day never reached instead of counting it as the horizon.

    Raises:
        InputError: For an outcome under its earlier name, a malformed or out-of-range withdrawal date,
            or an outcome the runs do not have (naming the closest and listing the valid ones).
    """
    columns = TableColumns(outcomes) if isinstance(outcomes, pa.Table) else outcomes
    refuse_renamed(outcome, option)
    if outcome.startswith(WITHDRAWAL_BEGAN_BY) and "withdrawal_day" in columns:
        day = (withdrawal_date(scenario, outcome, option) - scenario.start).days
        withdrawal = np.asarray(columns["withdrawal_day"], dtype=float)
        return np.where(np.isnan(withdrawal), 0.0, (withdrawal <= day) * 1.0)
    name = _stored_threshold(outcome, columns) if outcome.startswith("day_below_") else outcome
    if name not in columns or name in NOT_OUTCOMES:
        raise InputError(unknown_outcome(outcome, list(columns)), field=option)
    values = np.asarray(columns[name], dtype=float)
    if name.startswith(DAYS) and not censored:
        values = np.where(np.isnan(values), float(scenario.horizon_days), values)
    return values


def _threshold_of(name: str) -> float | None:
    try:
        return float(name.removeprefix("day_below_"))
    except ValueError:
        return None


def _stored_threshold(outcome: str, columns: Mapping[str, np.ndarray]) -> str:
    """Return the stored ``day_below_`` column of the same area as ``outcome`` (itself if none)."""
    if outcome in columns:
        return outcome
    threshold = _threshold_of(outcome)
    stored = {_threshold_of(c): c for c in columns if c.startswith("day_below_")}
    return stored.get(threshold, outcome) if threshold is not None else outcome


def unknown_outcome(outcome: str, names: Sequence[str]) -> str:
    """Return why ``outcome`` is refused: the closest names and every valid one, in one line."""
    names = [name for name in names if name not in NOT_OUTCOMES]
    dates = [c.removeprefix("area_km2_on_") for c in names if c.startswith("area_km2_on_")]
    derived = [f"{WITHDRAWAL_BEGAN_BY}end", *(f"{WITHDRAWAL_BEGAN_BY}{d}" for d in dates)]
    close = difflib.get_close_matches(outcome, [*names, *derived], n=3, cutoff=0.6)
    hint = f"; did you mean {_either(close)}?" if close else ""
    below = [c.removeprefix("day_below_") for c in names if c.startswith("day_below_")]
    others = [c for c in names if not c.startswith(("area_km2_on_", "day_below_"))]
    valid = [
        *others,
        f"area_km2_on_<date> ({', '.join(dates)})",
        f"day_below_<km2> ({', '.join(below)})",
        f"{WITHDRAWAL_BEGAN_BY}<date> or {WITHDRAWAL_BEGAN_BY}end",
    ]
    return f"unknown outcome {outcome!r}{hint} (outcomes: {'; '.join(valid)})"


def _either(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
