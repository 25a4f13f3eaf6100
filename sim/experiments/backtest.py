"""Backtests: calibrate on what was known at an origin date, forecast past it, score what came after.

For each origin: the scenario's ``calibrate:`` inputs are fitted by ABC-SMC to its observations dated
on or before the origin only (``load_problem(..., up_to=origin)``); the calibrated scenario (which
draws those inputs from the posterior) is run over the whole horizon; and every observation dated
after the origin is scored against the run's ensemble and against naive forecasts built from what was
known at the origin (``sim.analysis.forecast``). Several origins give a rolling-origin table.

Folder: ``origin-<date>/calibration`` (as ``sim calibrate`` writes it) and ``origin-<date>/run`` (a
run folder) for each origin, then ``backtest.json`` and ``backtest.csv`` (one row per origin and later
observation).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import sim
from sim.analysis.forecast import score_after_origin, summarise_by_quantity
from sim.batch.executors import Executor
from sim.batch.runner import Progress
from sim.errors import InputError
from sim.experiments.calibration.abc import ProgressHook, run_calibration
from sim.experiments.calibration.posterior import CalibrationResult
from sim.experiments.calibration.problem import Settings, load_problem
from sim.experiments.runs import run_batch, start_timed_run
from sim.results.columns import observation_column
from sim.results.outputs import check_output_folder
from sim.results.readers import numpy_of, read_table
from sim.results.writing import write_csv, write_json
from sim.scenario import load_scenario
from sim.scenario.schema import Scenario


@dataclass
class OriginResult:
    """One origin of a backtest.

    Attributes:
        origin: The origin date.
        calibration: What the calibration on the observations up to the origin found.
        scenario: The calibrated scenario the forecast ran.
        run_directory: The forecast's run folder.
        rows: One scored row per observation after the origin.
        summary: Per quantity: mean CRPS, coverage, skill against the naive forecasts.
    """

    origin: dt.date
    calibration: CalibrationResult
    scenario: Scenario
    run_directory: Path
    rows: list[dict[str, Any]]
    summary: dict[str, dict[str, Any]]


@dataclass
class BacktestResult:
    """What a backtest did and wrote."""

    directory: Path
    scenario: Scenario
    origins: list[OriginResult] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


def default_backtest_folder(scenario: Scenario, root: Path = Path("results")) -> Path:
    """Return ``results/<scenario>/backtest-<timestamp>``."""
    return root / scenario.name / f"backtest-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}"


def check_origins(scenario: Scenario, origins: Sequence[dt.date], name: str) -> list[dt.date]:
    """Return the origins sorted and unique, each inside the scenario with observations on both sides.

    Raises:
        InputError: For an origin outside the scenario, with nothing known by it, or nothing after it.
    """
    if not origins:
        raise InputError("give at least one --origin DATE", field="--origin")
    dates = [obs.date for obs in scenario.observations]
    checked = []
    for origin in sorted(set(origins)):
        if not scenario.start < origin < scenario.end:
            raise InputError(
                f"{origin} is outside the scenario ({scenario.start} to {scenario.end})",
                name,
                field="--origin",
            )
        if not any(date <= origin for date in dates):
            raise InputError(
                f"no observation is dated on or before {origin}: nothing to calibrate to",
                name,
                field="--origin",
            )
        if not any(date > origin for date in dates):
            raise InputError(
                f"no observation is dated after {origin}: nothing to score", name, field="--origin"
            )
        checked.append(origin)
    return checked


def run_backtest(
    scenario_file: str | Path,
    origins: Sequence[dt.date],
    settings: Settings,
    replications: int,
    directory: Path,
    make_executor: Callable[[], Executor],
    calibration_progress: ProgressHook | None = None,
    run_progress: Callable[[dt.date], Progress | None] | None = None,
    overrides: Sequence[str] = (),
) -> BacktestResult:
    """Run a backtest at each origin and write the rolling-origin table.

    Args:
        scenario_file: The scenario (with a ``calibrate:`` block and observations).
        origins: The origin dates.
        settings: Calibration settings (population, stopping rules, seed, executor).
        replications: Replications of each forecast run.
        directory: The backtest folder (must not hold a backtest already).
        make_executor: Returns the executor for a forecast run.
        calibration_progress: Called once per calibration generation.
        run_progress: Returns the progress callback of an origin's forecast run.
        overrides: ``--set path=value`` changes applied to the scenario first (carried into each
            origin's calibrated scenario).

    Raises:
        InputError: For bad origins, a folder already used, or a calibration problem.
    """
    name = str(scenario_file)
    base = load_scenario(scenario_file, list(overrides))
    checked = check_origins(base, origins, name)
    if (directory / "backtest.json").exists():
        raise InputError("already holds a backtest; choose another --out", str(directory), field="--out")
    check_output_folder(directory)
    result = BacktestResult(directory, base)
    for origin in checked:
        folder = directory / f"origin-{origin.isoformat()}"
        problem = load_problem(scenario_file, up_to=origin, overrides=overrides)
        calibration = run_calibration(problem, settings, folder / "calibration", calibration_progress)
        calibrated_file = folder / "calibration" / f"{problem.scenario.name}_calibrated.yaml"
        scenario = load_scenario(calibrated_file)
        executor = make_executor()
        try:
            store = start_timed_run(
                scenario,
                folder / "run",
                settings.seed,
                replications,
                "total",
                executor.workers,
                scenario_file=str(calibrated_file),
            )
        except BaseException:
            executor.close()
            raise
        progress = run_progress(origin) if run_progress is not None else None
        batch = run_batch(scenario, store, executor, progress)
        if batch.failed:
            raise InputError(
                f"{len(batch.failed)} chunk(s) of the forecast failed; finish it with "
                f"sim run --resume {store.directory}",
                str(store.directory),
            )
        samples = _observation_samples(store.directory, scenario)
        rows = score_after_origin(scenario, origin, samples)
        result.origins.append(
            OriginResult(origin, calibration, scenario, store.directory, rows, summarise_by_quantity(rows))
        )
    result.written.extend(write_backtest(result, settings, replications))
    return result


def _observation_samples(run: Path, scenario: Scenario) -> dict[int, np.ndarray]:
    columns = [observation_column(i, scenario) for i in range(len(scenario.observations))]
    table = read_table(run, "outcomes", columns)
    return {i: numpy_of(table[column]).astype(float) for i, column in enumerate(columns)}


def recorded_settings(settings: Settings, replications: int) -> dict[str, Any]:
    """Return the settings ``backtest.json`` records: what a backtest with the same ones would repeat."""
    return {
        "population": settings.population,
        "generations": settings.generations,
        "min_epsilon": settings.min_epsilon,
        "max_minutes": settings.max_minutes,
        "replications_per_particle": settings.replications,
        "seed": settings.seed,
        "forecast_replications": replications,
    }


def write_backtest(result: BacktestResult, settings: Settings, replications: int) -> list[Path]:
    """Write ``backtest.json`` (settings, per-origin summaries, rows) and ``backtest.csv`` (rows)."""
    rows = [row for origin in result.origins for row in origin.rows]
    document = {
        "package_version": sim.__version__,
        "scenario": result.scenario.name,
        "settings": recorded_settings(settings, replications),
        "origins": [
            {
                "origin": origin.origin.isoformat(),
                "calibrated_on": [
                    obs.date.isoformat() for obs in origin.scenario.observations if obs.date <= origin.origin
                ],
                "calibration_generations": len(origin.calibration.generations),
                "calibration_stop": origin.calibration.stop_reason,
                "run": str(origin.run_directory),
                "summary": origin.summary,
            }
            for origin in result.origins
        ],
        "rows": rows,
    }
    json_path = result.directory / "backtest.json"
    csv_path = result.directory / "backtest.csv"
    write_json(json_path, document)
    write_csv(csv_path, rows)
    return [json_path, csv_path]
