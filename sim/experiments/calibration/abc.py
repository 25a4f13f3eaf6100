"""Running ABC-SMC (pyabc) on a calibration problem: samplers, the threshold schedule, the generations."""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyabc
from pyabc.epsilon import MedianEpsilon

from sim.batch.executors import check_scheduler, dask_client
from sim.errors import InputError
from sim.experiments.calibration.posterior import CalibrationResult, Generation, write_outputs
from sim.experiments.calibration.problem import (
    HISTORY_FILE,
    POSTERIOR_FILE,
    WEIGHT_COLUMN,
    Problem,
    ScaledDistance,
    Settings,
    prior_rv,
)
from sim.results.outputs import check_output_folder
from sim.results.writing import atomic_path
from sim.scenario.schema import Scenario


class FlooredMedianEpsilon(MedianEpsilon):
    """pyabc's median threshold schedule, never below ``floor`` (the run's minimum epsilon).

    The generation that reaches the floor then uses exactly the floor, so the last population is a
    sample of the ABC posterior at the chosen threshold rather than at some median below it.

    Args:
        floor: The smallest threshold.
    """

    def __init__(self, floor: float = 0.0) -> None:
        super().__init__()
        self.floor = floor

    def _update(self, t: int, weighted_distances: Any) -> None:
        super()._update(t, weighted_distances)
        self._look_up[t] = max(self._look_up[t], self.floor)

    def get_config(self) -> dict:
        """Return the configuration, with the floor."""
        return {**super().get_config(), "floor": self.floor}


ProgressHook = Callable[[Generation], None]


def default_calibration_folder(scenario: Scenario, root: Path = Path("results")) -> Path:
    """Return ``results/<scenario>/calibrate-<timestamp>``."""
    return root / scenario.name / f"calibrate-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}"


def _nothing() -> None:
    """Release nothing."""


def _sampler(settings: Settings) -> tuple[Any, Callable[[], None]]:
    """Return the pyabc sampler for the settings and a function that releases it."""
    from pyabc.sampler import MulticoreEvalParallelSampler, SingleCoreSampler

    check_scheduler(settings.executor, settings.scheduler)
    if settings.executor == "serial":
        return SingleCoreSampler(), _nothing
    if settings.executor == "process":
        return MulticoreEvalParallelSampler(n_procs=settings.workers or os.cpu_count() or 1), _nothing
    if settings.executor == "dask":
        from pyabc.sampler import DaskDistributedSampler

        client, cluster = dask_client(settings.scheduler, settings.workers)

        def close() -> None:
            client.close()
            if cluster is not None:
                cluster.close()

        return DaskDistributedSampler(dask_client=client), close
    raise InputError(
        f"unknown executor {settings.executor!r}; expected serial, process or dask", field="--executor"
    )


def run_calibration(
    problem: Problem, settings: Settings, directory: Path, progress: ProgressHook | None = None
) -> CalibrationResult:
    """Run ABC-SMC on a problem and write every output into ``directory``.

    Args:
        problem: From ``load_problem``.
        settings: Population, stopping rules, seed, executor.
        directory: Output folder (created; must not already hold a calibration).
        progress: Called once per finished generation.

    Returns:
        The diagnostics, the posterior and the files written.

    Raises:
        InputError: If the folder already holds a calibration, or the executor cannot start.
    """
    if directory.exists() and not directory.is_dir():
        raise InputError("exists and is not a folder", str(directory), field="--out")
    if (directory / POSTERIOR_FILE).exists() or (directory / HISTORY_FILE).exists():
        raise InputError("already holds a calibration; choose another --out", str(directory), field="--out")
    check_output_folder(directory)

    began = time.perf_counter()
    priors = pyabc.Distribution(
        **{path: prior_rv(path, problem.block.parameters[path]) for path in problem.paths}
    )
    model = problem.model(settings.seed, settings.replications)
    floor = settings.epsilon_floor(len(problem.observed))
    generations: list[Generation] = []
    marks = {"last": began}

    def record(abc: pyabc.ABCSMC, t: int) -> None:
        now = time.perf_counter()
        history = abc.history
        populations = history.get_all_populations()
        row = populations[populations["t"] == t].iloc[0]
        weights = history.get_weighted_distances(t=t)["w"].to_numpy(dtype=float)
        weights = weights / weights.sum()
        particles = int(row["particles"])
        samples = int(row["samples"])
        generation = Generation(
            generation=t,
            epsilon=float(row["epsilon"]),
            acceptance_rate=particles / samples if samples else math.nan,
            effective_sample_size=float(1.0 / np.sum(weights**2)),
            particles=particles,
            samples=samples,
            seconds=now - marks["last"],
            elapsed_seconds=now - began,
        )
        marks["last"] = now
        generations.append(generation)
        if progress is not None:
            progress(generation)

    class _ABCSMC(pyabc.ABCSMC):
        def run_generation(self, t: int) -> dict:  # noqa: D102 - pyabc's own
            result = super().run_generation(t)
            if result.get("successful"):
                record(self, t)
            return result

    logger = logging.getLogger("ABC")
    level = logger.level
    logger.setLevel(logging.WARNING)
    release: Callable[[], None] = _nothing
    try:
        sampler, release = _sampler(settings)
        directory.mkdir(parents=True, exist_ok=True)
        # pyabc proposes particles with numpy's global generator: seed it once, here, for repeatability.
        np.random.seed(settings.seed)
        with atomic_path(directory / HISTORY_FILE) as database:
            abc = _ABCSMC(
                model,
                priors,
                ScaledDistance(problem.scales),
                population_size=settings.population,
                eps=FlooredMedianEpsilon(floor),
                sampler=sampler,
            )
            abc.new(f"sqlite:///{database.resolve()}", problem.observed)
            history = abc.run(
                minimum_epsilon=floor,
                max_nr_populations=settings.generations,
                max_walltime=dt.timedelta(minutes=settings.max_minutes),
            )
            frame, weights = history.get_distribution(m=0, t=history.max_t)
    finally:
        release()
        logger.setLevel(level)
    seconds = time.perf_counter() - began
    weights = np.asarray(weights, dtype=float)
    posterior = {path: frame[path].to_numpy(dtype=float) for path in problem.paths}
    posterior[WEIGHT_COLUMN] = weights / weights.sum()
    last = generations[-1]
    if last.epsilon <= floor:
        reason = "min_epsilon"
    elif last.generation + 1 >= settings.generations:
        reason = "generations"
    else:
        reason = "time"
    result = CalibrationResult(directory, generations, posterior, reason, seconds, epsilon_floor=floor)
    result.written.append(directory / HISTORY_FILE)
    result.written.extend(write_outputs(problem, settings, result))
    return result
