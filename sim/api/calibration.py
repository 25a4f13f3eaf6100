"""Calibration and backtests from Python (``sim calibrate``, ``sim backtest``), with typed results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.api.inputs import load, overrides
from sim.api.watch import Watch
from sim.batch.executors import make_executor
from sim.batch.runner import Progress
from sim.errors import require_extra

if TYPE_CHECKING:
    from sim.experiments.backtest import BacktestResult, OriginResult
    from sim.experiments.calibration.posterior import CalibrationResult, Generation
    from sim.experiments.calibration.problem import Problem, Settings


@dataclass(frozen=True)
class Calibration:
    """What ``calibrate`` found and wrote.

    Attributes:
        directory: The calibration folder.
        posterior_frame: The last generation's particles, one column per input, and ``weight``.
        generations: Per-generation diagnostics (threshold, acceptance, effective sample size).
        stop_reason: Why it stopped: ``generations``, ``min_epsilon`` or ``time``.
        written: Files written.
        result: Everything the calibration returned (``sim.experiments.calibration``).
        problem: What was calibrated: the scenario, its ``calibrate:`` inputs, the observations.
    """

    directory: Path
    posterior_frame: pd.DataFrame
    generations: list[Generation]
    stop_reason: str
    written: list[Path]
    result: CalibrationResult
    problem: Problem | None = None

    @property
    def posterior(self) -> dict[str, Any]:
        """The last generation as arrays by input (and ``weight``)."""
        return self.result.posterior


@dataclass(frozen=True)
class Backtest:
    """What ``backtest`` scored and wrote.

    Attributes:
        directory: The backtest folder.
        rows: One row per scored observation after each origin (CRPS, PIT, bands, naive forecasts).
        origins: Each origin's calibration, calibrated scenario, forecast run and summary.
        written: Files written.
        result: Everything the backtest returned (``sim.experiments.backtest``).
    """

    directory: Path
    rows: pd.DataFrame
    origins: list[OriginResult] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    result: BacktestResult | None = None


# Over 60 lines only with its docstring: an Args line per option, which the API reference shows.
def calibrate(
    scenario_file: str | Path,
    out: str | Path | None = None,
    set: Mapping[str, Any] | Sequence[str] | None = None,  # noqa: A002
    population: int | None = None,
    generations: int | None = None,
    max_minutes: float | None = None,
    seed: int = 0,
    executor: str = "process",
    workers: int | None = None,
    plots: bool = True,
    min_epsilon: float | None = None,
    replications: int | None = None,
    scheduler: str | None = None,
    watch: Watch | None = None,
) -> Calibration:
    """Calibrate a scenario's ``calibrate:`` inputs to its observations (``sim calibrate``).

    Returns a ``Calibration``: the folder, the posterior as a DataFrame of weighted particles
    (``posterior_frame``), the generations, why it stopped, and the files written. The settings not
    given are the scenario's ``calibrate:`` block's.

    Args:
        scenario_file: The scenario (with a ``calibrate:`` block and observations).
        out: The calibration folder [default: ``results/<scenario>/calibrate-<time>``].
        set: Overrides, as for ``load``.
        population: Particles per generation.
        generations: At most this many generations.
        max_minutes: Time budget, checked after each generation.
        seed: Root seed of the model's streams and of pyabc's sampling.
        executor: ``process``, ``serial`` or ``dask``.
        workers: Worker processes.
        plots: Draw the calibration's figures.
        min_epsilon: Stop once the acceptance threshold is at or below this.
        replications: Replications averaged per particle.
        scheduler: A Dask scheduler address.
        watch: Told the folder and settings, then a line per generation (``sim calibrate`` prints them).
    """
    require_extra("pyabc", "calibrate", "calibrate()")
    from sim.experiments.calibration.abc import default_calibration_folder, run_calibration
    from sim.experiments.calibration.problem import Settings, load_problem

    watch = watch if watch is not None else Watch()
    problem = load_problem(scenario_file, overrides=overrides(set))
    settings = Settings.from_block(
        problem.block,
        population=population,
        generations=generations,
        max_minutes=max_minutes,
        min_epsilon=min_epsilon,
        replications=replications,
        seed=seed,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
    )
    directory = Path(out) if out is not None else default_calibration_folder(problem.scenario)
    watch.tell(_calibration_line(directory, problem, settings))
    generation = _told(watch, _generation_line)
    result = run_calibration(problem, settings, directory, generation)
    if plots:
        from sim.plots.calibration import write_calibration_plots

        result.written.extend(write_calibration_plots(problem, result))
    return Calibration(
        result.directory,
        pd.DataFrame(result.posterior),
        result.generations,
        result.stop_reason,
        result.written,
        result,
        problem,
    )


# Over 60 lines only with its signature and docstring: a parameter per option of sim backtest.
def backtest(
    scenario_file: str | Path,
    origins: Sequence[str | dt.date],
    replications: int = 1000,
    out: str | Path | None = None,
    population: int | None = None,
    generations: int | None = None,
    max_minutes: float | None = None,
    seed: int = 0,
    executor: str = "process",
    workers: int | None = None,
    set: Mapping[str, Any] | Sequence[str] | None = None,  # noqa: A002
    min_epsilon: float | None = None,
    scheduler: str | None = None,
    plots: bool = False,
    watch: Watch | None = None,
) -> Backtest:
    """Backtest a scenario at each origin (``sim backtest``); the ``Backtest``'s ``rows`` are a DataFrame.

    ``set`` takes overrides as ``load`` does (``--set``); each origin's calibrated scenario carries them.
    The calibration settings not given are the scenario's ``calibrate:`` block's (as for ``calibrate``);
    ``plots`` draws ``plots/backtest.png``; ``watch`` is told the folder, each calibration generation,
    and each forecast run, whose progress it reports (``sim backtest`` prints them).
    """
    require_extra("pyabc", "calibrate", "backtest()")
    from sim.experiments.backtest import check_origins, default_backtest_folder, run_backtest
    from sim.experiments.calibration.problem import Settings, load_problem

    watch = watch if watch is not None else Watch()
    dates = [dt.date.fromisoformat(o) if isinstance(o, str) else o for o in origins]
    changes = overrides(set)
    dates = check_origins(load(scenario_file, set=changes), dates, str(scenario_file))
    problem = load_problem(scenario_file, up_to=max(dates), overrides=changes)
    settings = Settings.from_block(
        problem.block,
        population=population,
        generations=generations,
        max_minutes=max_minutes,
        min_epsilon=min_epsilon,
        seed=seed,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
    )
    directory = Path(out) if out is not None else default_backtest_folder(problem.scenario)
    watch.tell(f"backtest folder: {directory}")
    result = run_backtest(
        scenario_file,
        dates,
        settings,
        replications,
        directory,
        lambda: make_executor(executor, workers, scheduler),
        _told(watch, _backtest_generation_line),
        lambda origin: _forecast(watch, origin),
        overrides=changes,
    )
    if plots:
        from sim.plots.backtest import write_backtest_plot

        result.written.append(write_backtest_plot(result))
    rows = pd.DataFrame([row for origin in result.origins for row in origin.rows])
    return Backtest(result.directory, rows, result.origins, result.written, result)


def _told(watch: Watch, line: Callable[[Any], str]) -> Callable[[Any], None]:
    """A calibration's progress hook: tell the watch each generation in a line."""
    return lambda step: watch.tell(line(step))


def _calibration_line(directory: Path, problem: Problem, settings: Settings) -> str:
    """What a calibration says before it starts: where, what it fits, and its settings."""
    return (
        f"calibration folder: {directory} ({len(problem.paths)} parameters, "
        f"{len(problem.observed)} observations; population {settings.population}, at most "
        f"{settings.generations} generations or {settings.max_minutes:g} min, threshold down to "
        f"{settings.epsilon_floor(len(problem.observed)):.3g}; {settings.replications} replication(s) "
        "per particle)"
    )


def _generation_line(step: Generation) -> str:
    """A calibration's generation in a line: threshold, acceptance, effective sample size, time."""
    return (
        f"generation {step.generation}: epsilon {step.epsilon:.4g}, acceptance "
        f"{step.acceptance_rate:.1%} ({step.particles}/{step.samples:,}), "
        f"ESS {step.effective_sample_size:.0f}, {step.elapsed_seconds:.1f} s elapsed"
    )


def _backtest_generation_line(step: Generation) -> str:
    """A backtest's calibration generation in a line, under its origin."""
    return (
        f"  calibration generation {step.generation}: epsilon {step.epsilon:.4g}, "
        f"{step.elapsed_seconds:.0f} s"
    )


def _forecast(watch: Watch, origin: dt.date) -> Progress | None:
    """Tell the watch that an origin's forecast run starts; return the run's progress callback."""
    watch.tell(f"origin {origin}: forecast run")
    return watch.reporter()
