"""Scoring forecasts made at an origin date against the observations that came after it (backtests).

At an origin, a scenario knows its observations dated on or before it. A forecast of a later
observation is the run's ensemble of that observation's model value (its ``obs<i>_...`` outcome
column); it is scored like any ensemble (``sim.analysis.scoring``: PIT, central bands, CRPS) and
against two naive point forecasts built only from what was known at the origin: **persistence** (the
last known value of the same quantity) and a **straight line** fitted by least squares through the
known values. For held area (total or per sector) the known values start with the area at the
scenario's start; for other quantities only their own earlier observations count, and without any
the naive forecasts are missing.

Windows of advance (``advance_km``: km advanced from ``since`` to ``date``, as engagement records give
it) are forecast through the front's position: the known windows, summed in date order, give the
position at each window's end (the front taken to stand still between recorded windows), starting at 0
at the first window's start. Persistence keeps the front where it is (0 km in any later window); the
straight line is fitted through those positions and forecasts its slope times the window's length.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from sim.analysis.scoring import LEVELS, ensemble_scores, level_key
from sim.analysis.validation import CalibrationPoint, line_forecast, persistence_forecast
from sim.scenario.distributions import value_of
from sim.scenario.schema import Observation, Scenario


def what_of(observation: Observation) -> str:
    """Name the quantity an observation measures ("held area", "strength of russia", ...)."""
    names = {
        "area_km2": "held area",
        "sector_area_km2": f"held area of {observation.sector}",
        "advance_m_per_day": "advance" + (f" in {observation.sector}" if observation.sector else ""),
        "advance_km": "km advanced in a window" + (f" in {observation.sector}" if observation.sector else ""),
        "strength": f"strength of {observation.side}",
        "losses": f"losses of {observation.side} in a window"
        + (f" in {observation.sector}" if observation.sector else ""),
    }
    return names[observation.metric]


def _same_quantity(a: Observation, b: Observation) -> bool:
    return (a.metric, a.side, a.sector) == (b.metric, b.side, b.sector)


def known_points(scenario: Scenario, observation: Observation, origin: dt.date) -> list[CalibrationPoint]:
    """Return the values of the observation's quantity known at ``origin``, in date order.

    Held area starts with the scenario's start area (the median, if uncertain); every quantity adds
    its own observations dated on or before the origin.
    """
    points: list[CalibrationPoint] = []
    if observation.metric == "area_km2":
        points.append(CalibrationPoint(scenario.start, scenario.initial_area_km2, "area at the start"))
    elif observation.metric == "sector_area_km2" and observation.sector is not None:
        start_area = value_of(scenario.sectors[observation.sector].area_km2)
        points.append(CalibrationPoint(scenario.start, start_area, "sector area at the start"))
    earlier = sorted(
        (obs for obs in scenario.observations if _same_quantity(obs, observation) and obs.date <= origin),
        key=lambda obs: obs.date,
    )
    points.extend(CalibrationPoint(obs.date, obs.value, obs.source) for obs in earlier)
    return points


WINDOW_METRICS = ("advance_km", "losses")
"""Quantities reported per window (from ``since`` to ``date``): forecast through their running total."""


def window_forecasts(
    scenario: Scenario, observation: Observation, origin: dt.date
) -> tuple[float, float, int]:
    """Return persistence's and the straight line's value for a window (km advanced, losses), and the points.

    The known windows, summed in date order, give the running total at each window's end; persistence
    adds nothing in a later window, the straight line through the totals its slope times the window's
    length.

    Args:
        scenario: The scenario with all its observations.
        observation: The window forecast.
        origin: The last date whose observations the forecasts may use.

    Returns:
        (persistence, line, number of positions the line went through); with no window known, the line
        is 0 as well.
    """
    known = sorted(
        (obs for obs in scenario.observations if _same_quantity(obs, observation) and obs.date <= origin),
        key=lambda obs: obs.date,
    )
    if not known:
        return 0.0, 0.0, 0
    first = known[0].since or scenario.start
    points = [CalibrationPoint(first, 0.0, "front at the first window's start")]
    position = 0.0
    for obs in known:
        position += obs.value
        points.append(CalibrationPoint(obs.date, position, obs.source))
    x = np.array([(point.date - first).days for point in points], dtype=float)
    y = np.array([point.value for point in points])
    slope = float(np.polyfit(x, y, 1)[0]) if np.unique(x).size >= 2 else 0.0
    days = (observation.date - (observation.since or scenario.start)).days
    return 0.0, max(slope, 0.0) * days, len(points)


def observed_range(observation: Observation) -> tuple[float, float]:
    """Return an observation's 95% range (its interval, or ±1.96 sd)."""
    if observation.low is not None and observation.high is not None:
        return observation.low, observation.high
    return observation.value - 1.96 * observation.scale, observation.value + 1.96 * observation.scale


def score_after_origin(
    scenario: Scenario, origin: dt.date, samples: Mapping[int, np.ndarray]
) -> list[dict[str, Any]]:
    """Score the forecast of every observation dated after ``origin``.

    Args:
        scenario: The scenario with all its observations.
        origin: The last date whose observations the forecast could use.
        samples: Each observation's ensemble (by its index in ``scenario.observations``).

    Returns:
        One row per later observation: what, when, the value and its range, the ensemble's scores,
        and both naive forecasts with their absolute errors (their CRPS).
    """
    rows = []
    for index, obs in enumerate(scenario.observations):
        if obs.date <= origin or index not in samples:
            continue
        values = np.asarray(samples[index], dtype=float)
        values = values[np.isfinite(values)]
        if values.size == 0:
            continue
        low, high = observed_range(obs)
        row: dict[str, Any] = {
            "origin": origin.isoformat(),
            "observation": index,
            "date": obs.date.isoformat(),
            "days_ahead": (obs.date - origin).days,
            "metric": obs.metric,
            "what": what_of(obs),
            "observed": obs.value,
            "low": low,
            "high": high,
            **ensemble_scores(values, obs.value),
        }
        points = known_points(scenario, obs, origin)
        if obs.metric in WINDOW_METRICS:
            persistence, line, count = window_forecasts(scenario, obs, origin)
            row.update(
                persistence=persistence,
                persistence_crps=abs(persistence - obs.value),
                line_forecast=line,
                line_crps=abs(line - obs.value),
                naive_points=count,
            )
        elif points:
            persistence = persistence_forecast(points, obs.date)
            line = line_forecast(points, obs.date)
            row.update(
                persistence=persistence,
                persistence_crps=abs(persistence - obs.value),
                line_forecast=line,
                line_crps=abs(line - obs.value),
                naive_points=len(points),
            )
        else:
            row.update(
                persistence=None, persistence_crps=None, line_forecast=None, line_crps=None, naive_points=0
            )
        rows.append(row)
    return rows


def score_each_observation(scenario: Scenario, samples: Mapping[int, np.ndarray]) -> list[dict[str, Any]]:
    """Score every observation of the scenario against the run, each as if forecast the day before it.

    The naive forecasts of an observation use only the values of its quantity known before its date
    (the start area, for held area, and earlier reports), so they never see the value they are scored
    against. The model, though, was tuned or calibrated to these very observations: the scores are
    in-sample (``sim backtest`` judges a forecast on what it did not see).
    """
    rows: list[dict[str, Any]] = []
    for index, obs in enumerate(scenario.observations):
        day_before = obs.date - dt.timedelta(days=1)
        rows.extend(
            row
            for row in score_after_origin(scenario, day_before, {index: samples[index]})
            if row["observation"] == index
        )
    for row in rows:
        del row["origin"], row["days_ahead"]
    return rows


def _skill(model: float, naive: float | None) -> float | None:
    return None if naive is None or naive <= 0.0 else 1.0 - model / naive


def summarise_by_quantity(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Return, per quantity ("held area", ...): mean CRPS, band coverage and skill against naive forecasts.

    CRPS is in the quantity's own unit, so quantities are never averaged together.
    """
    summary: dict[str, dict[str, Any]] = {}
    for what in dict.fromkeys(row["what"] for row in rows):
        chosen = [row for row in rows if row["what"] == what]
        count = len(chosen)
        mean_crps = float(np.mean([row["crps"] for row in chosen]))
        entry: dict[str, Any] = {
            "observations": count,
            "mean_crps": mean_crps,
            "mean_pit": float(np.mean([row["pit"] for row in chosen])),
            "coverage": {},
            "naive": {},
        }
        for level in LEVELS:
            key = level_key(level)
            inside = sum(bool(row[f"inside{key}"]) for row in chosen)
            entry["coverage"][key] = {"nominal": level, "inside": inside, "share": inside / count}
        for name, column in (("persistence", "persistence_crps"), ("line", "line_crps")):
            known = [row[column] for row in chosen if row[column] is not None]
            naive = float(np.mean(known)) if len(known) == count else None
            entry["naive"][name] = {"mean_crps": naive, "skill": _skill(mean_crps, naive)}
        summary[what] = entry
    return summary
