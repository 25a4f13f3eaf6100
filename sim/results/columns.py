"""Names of the results contract: which outcome columns a scenario's run has, and what they are called.

Every reader and writer of a run folder takes column names from here, so they cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Literal

from sim.errors import InputError
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
    dates: list[dt.date] = []
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


def summary_date(scenario: Scenario) -> dt.date:
    """Return the date whose held area sums up a sweep point: the latest reported held area.

    The latest report is where the runs have had the most time to differ (an early one may fall before
    the attack starts, where every run still holds everything); without a held-area report, the latest
    observation of any kind, else the last first-of-month kept.
    """
    areas = [obs.date for obs in scenario.observations if obs.metric == "area_km2"]
    others = [obs.date for obs in scenario.observations]
    return max(areas or others or outcome_dates(scenario)[-1:])


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


RENAMED_OUTCOMES = {"withdrawn_by_": "withdrawal_began_by_"}
"""Outcome names of earlier versions and their names now: "withdrawn" means the withdrawal is complete,
and these outcomes say whether it had *begun* (the day a withdrawal rule fired, ``withdrawal_day``)."""


def refuse_renamed(outcome: str, option: str = "--outcome") -> None:
    """Refuse an outcome under its earlier name, giving the name it has now.

    Raises:
        InputError: If ``outcome`` starts with a renamed prefix.
    """
    for old, new in RENAMED_OUTCOMES.items():
        if outcome.startswith(old):
            renamed = new + outcome.removeprefix(old)
            raise InputError(
                f"{outcome!r} is now called {renamed!r} (the share of runs whose withdrawal began by then; "
                "'withdrawn' means the withdrawal is complete)",
                field=option,
            )


def summary_outcomes(scenario: Scenario) -> list[str]:
    """Return the outcomes a sweep can be summarised by, as known before anything runs.

    The outcome columns of the scenario's runs (final area, area on each kept date, advance rate, days
    until below each threshold, casualties per side); ``withdrawal_began_by_<date>`` is computed from the
    withdrawal day and checked by ``check_summary_outcome``.
    """
    return [
        "final_area_km2",
        *(area_column(date) for date in outcome_dates(scenario)),
        "advance_m_per_day",
        *(threshold_column(threshold) for threshold in outcome_thresholds(scenario)),
        *(f"casualties_{side}" for side in scenario.sides),
    ]


WITHDRAWAL_BEGAN_BY = "withdrawal_began_by_"
"""The prefix of the derived outcome ``withdrawal_began_by_<YYYY-MM-DD>`` (or ``_end``)."""


def withdrawal_date(scenario: Scenario, outcome: str, option: str = "--outcome") -> dt.date:
    """Return the date of a ``withdrawal_began_by_<date>`` (or ``_end``) outcome.

    Raises:
        InputError: If the date is malformed or outside the scenario.
    """
    when = outcome.removeprefix(WITHDRAWAL_BEGAN_BY)
    try:
        date = scenario.end if when == "end" else dt.date.fromisoformat(when)
    except ValueError:
        raise InputError(
            f"{outcome!r}: expected {WITHDRAWAL_BEGAN_BY}YYYY-MM-DD or {WITHDRAWAL_BEGAN_BY}end", field=option
        ) from None
    if not scenario.start <= date <= scenario.end:
        raise InputError(
            f"{outcome!r}: the date is outside the run ({scenario.start} to {scenario.end})", field=option
        )
    return date


def check_summary_outcome(scenario: Scenario, outcome: str, option: str = "--outcome") -> None:
    """Refuse an outcome the scenario's runs will not have, before any replication runs.

    Raises:
        InputError: Naming the closest outcomes and listing every valid one.
    """
    refuse_renamed(outcome, option)
    if outcome.startswith(WITHDRAWAL_BEGAN_BY):
        withdrawal_date(scenario, outcome, option)
        return
    known = summary_outcomes(scenario)
    if outcome in known:
        return
    close = difflib.get_close_matches(outcome, known, n=2)
    hint = f"; did you mean {' or '.join(repr(name) for name in close)}?" if close else ""
    raise InputError(
        f"unknown outcome {outcome!r}{hint} "
        f"(expected one of: {', '.join(known)}, withdrawal_began_by_<date>, withdrawal_began_by_end)",
        field=option,
    )
