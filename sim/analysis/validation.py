"""Scoring a run's predictions of held area against observations (``sim validate``).

For each observed date the run's replications give a predictive distribution (an ensemble) of the
held area. Each observation is scored by

* its **PIT**, the predictive quantile it falls at (ties with ensemble members count half);
* whether it lies inside the **central 50/80/95% bands** of the ensemble (the same empirical
  quantiles the fan chart draws);
* the **CRPS** of the ensemble, ``E|X - y| - E|X - X'| / 2`` over the ensemble's empirical
  distribution, in km2 (smaller is better; for a point forecast it is the absolute error).

Two naive point forecasts set the bar: **persistence** (the last value known before the date) and a
**straight line** fitted by least squares to the values known before the date. "Known" means the
scenario's own calibration data: the initial area at its start and its ``area_km2`` observations.
Only points dated strictly before an observation are used, so a naive forecast never sees the value it
is scored against; when only the start is known, the line is flat. Both are clipped at zero (no held
area is negative).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.analysis.observed import ObservedArea
from sim.analysis.scoring import LEVELS, ensemble_scores, level_key
from sim.errors import InputError
from sim.results.columns import area_column
from sim.results.folder import RunFolder
from sim.results.readers import areas_on
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class CalibrationPoint:
    """A held area the scenario knows: its initial area, or one of its ``area_km2`` observations."""

    date: dt.date
    value: float
    source: str


def calibration_points(scenario: Scenario) -> list[CalibrationPoint]:
    """Return the scenario's own held-area data: the initial area at the start, then each observation.

    Only ``area_km2`` observations within the scenario's dates count; the list is in date order (the
    initial area first on a tie).
    """
    points = [CalibrationPoint(scenario.start, scenario.initial_area_km2, "initial area (scenario start)")]
    observed = [
        CalibrationPoint(obs.date, obs.value, f"scenario observation: {obs.source}".rstrip(": "))
        for obs in scenario.observations
        if obs.metric == "area_km2"
    ]
    return points + sorted(observed, key=lambda point: point.date)


def known_before(points: Sequence[CalibrationPoint], date: dt.date) -> list[CalibrationPoint]:
    """Return the points a forecast for ``date`` may use: those dated before it, and always the first."""
    return [point for index, point in enumerate(points) if index == 0 or point.date < date]


def persistence_forecast(points: Sequence[CalibrationPoint], date: dt.date) -> float:
    """Return the last value known before ``date``, carried forward.

    Args:
        points: Calibration points in date order, the first being the initial area.
        date: The date forecast.
    """
    return max(known_before(points, date)[-1].value, 0.0)


def line_forecast(points: Sequence[CalibrationPoint], date: dt.date) -> float:
    """Return a least-squares straight line through the values known before ``date``, extrapolated to it.

    With a single known date the line is flat (its mean). The result is clipped at zero.

    Args:
        points: Calibration points in date order, the first being the initial area.
        date: The date forecast.
    """
    known = known_before(points, date)
    origin = known[0].date
    x = np.array([(point.date - origin).days for point in known], dtype=float)
    y = np.array([point.value for point in known], dtype=float)
    if np.unique(x).size < 2:
        return max(float(y.mean()), 0.0)
    slope, intercept = np.polyfit(x, y, 1)
    return max(float(intercept + slope * (date - origin).days), 0.0)


def predictive_sample(run: RunFolder, date: dt.date, where: tuple[str, int]) -> np.ndarray:
    """Return every replication's held area on ``date``.

    Args:
        run: The run.
        date: A date within the run's horizon.
        where: File and line of the observation, for the error.

    Raises:
        InputError: If the run kept no held area for that date, or holds no replications.
    """
    values = areas_on(run.directory, run.scenario, date)
    if values is None:
        raise InputError(
            f"the run kept no held area for {date.isoformat()}: it has no daily.parquet (sim run --daily "
            f"total or full keeps one) and no outcome column {area_column(date)}",
            where[0],
            where[1],
            "date",
        )
    values = values[np.isfinite(values)]
    if values.size == 0:
        raise InputError(f"the run holds no replications on {date}", where[0], where[1], "date")
    return values


def score_observation(
    samples: np.ndarray, obs: ObservedArea, points: Sequence[CalibrationPoint]
) -> dict[str, Any]:
    """Return the scores of one observation against an ensemble and the two naive forecasts."""
    persistence = persistence_forecast(points, obs.date)
    line = line_forecast(points, obs.date)
    row: dict[str, Any] = {
        "line": obs.line,
        "date": obs.date.isoformat(),
        "observed": obs.value,
        "low": obs.low,
        "high": obs.high,
        "source": obs.source,
        **ensemble_scores(samples, obs.value),
    }
    row["persistence"] = persistence
    row["persistence_crps"] = abs(persistence - obs.value)
    row["line_forecast"] = line
    row["line_crps"] = abs(line - obs.value)
    row["naive_points"] = len(known_before(points, obs.date))
    row["calibration_date"] = any(
        point.date == obs.date for point in points[1:]
    )  # the scenario was tuned to a value on this date
    return row


def _skill(model: float, naive: float) -> float | None:
    return None if naive <= 0.0 else 1.0 - model / naive


def summarise(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Return mean CRPS, band coverage, mean PIT and the skill against each naive forecast."""
    count = len(rows)
    mean_crps = float(np.mean([row["crps"] for row in rows]))
    summary: dict[str, Any] = {"observations": count, "mean_crps": mean_crps}
    summary["mean_pit"] = float(np.mean([row["pit"] for row in rows]))
    summary["coverage"] = {}
    for level in LEVELS:
        key = level_key(level)
        inside = sum(row[f"inside{key}"] for row in rows)
        summary["coverage"][key] = {"nominal": level, "inside": inside, "share": inside / count}
    summary["naive"] = {}
    for name, column in (("persistence", "persistence_crps"), ("line", "line_crps")):
        naive = float(np.mean([row[column] for row in rows]))
        summary["naive"][name] = {"mean_crps": naive, "skill": _skill(mean_crps, naive)}
    return summary


def score_run(run: RunFolder, observations: Sequence[ObservedArea], source: str) -> dict[str, Any]:
    """Score a complete run against observed held areas.

    Args:
        run: The run folder, opened complete.
        observations: The observations (from ``read_observations``).
        source: Where the observations came from (a file name), for the record and errors.

    Returns:
        The validation document: one row per observation and the summary.

    Raises:
        InputError: For a date outside the run's horizon, or a run that kept no held area on a date.
    """
    scenario = run.scenario
    for obs in observations:
        if not scenario.start <= obs.date <= scenario.end:
            raise InputError(
                f"{obs.date.isoformat()} is outside the run's horizon ({scenario.start.isoformat()} to "
                f"{scenario.end.isoformat()})",
                source,
                obs.line,
                "date",
            )
    points = calibration_points(scenario)
    samples: dict[dt.date, np.ndarray] = {}
    for obs in observations:
        if obs.date not in samples:
            samples[obs.date] = predictive_sample(run, obs.date, (source, obs.line))
    rows = []
    for obs in sorted(observations, key=lambda obs: (obs.date, obs.line)):
        rows.append(score_observation(samples[obs.date], obs, points))
    return {
        "scenario": scenario.name,
        "run": run.name,
        "run_dir": str(run.directory),
        "observations_file": source,
        "replications": run.replications,
        "start": scenario.start.isoformat(),
        "end": scenario.end.isoformat(),
        "metric": "area_km2",
        "unit": "km2",
        "levels": list(LEVELS),
        "calibration_points": [
            {"date": point.date.isoformat(), "value": point.value, "source": point.source} for point in points
        ],
        "observations": rows,
        "summary": summarise(rows),
    }
