"""Calibration of a scenario's uncertain inputs to its observations by ABC-SMC (pyabc).

A scenario's ``calibrate:`` block names dotted paths with a prior each. A *particle* is one value per
path; the model sets those values in the scenario document, validates it once, runs
``calibrate.replications`` replications and measures every observation (``observables.measure``),
averaged over the replications. The distance between a particle's measurements ``s`` and the
observations ``o`` is

    d = sqrt(sum_i ((s_i - o_i) / scale_i)^2),

with ``scale_i`` the observation's standard deviation (an interval counts as a 95% range). pyabc's
ABC-SMC then shrinks the acceptance threshold generation by generation (the median of the previous
generation's distances) until a number of generations, a threshold or a time budget is reached.

Randomness: the model's replications draw from ``SeedSequence(seed, spawn_key=(h0, h1, h2, h3, r))``
where ``h`` are four 32-bit words of a hash of the particle's values and ``r`` the replication, so a
particle's simulation depends only on the root seed and its values. pyabc itself draws particles
from numpy's global generator; ``run_calibration`` seeds it once from the root seed. That is pyabc's
own state, the only global random state the project touches, and only in calibration.

Output folder: ``posterior.parquet``, ``abc.db``, ``diagnostics.json``, ``diagnostics.csv``,
``<name>_calibrated.yaml`` and ``plots/`` (posterior marginals, pairs, generations).
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import hashlib
import io
import logging
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyabc
import pyarrow as pa
import yaml
from pyabc.epsilon import MedianEpsilon

from sim.measures.observables import measure
from sim.batch.executors import dask_client
from sim.results.store import atomic_path, write_json, write_table
from sim.cli.options import check_scheduler
from sim.errors import InputError
from sim.model.replication import Replication
from sim.scenario.distributions import Beta, LogNormal, Normal, Triangular, Uniform
from sim.scenario.loader import PathKey, load_raw, set_path, validate
from sim.scenario.schema import Calibrate, Scenario

POSTERIOR_FILE = "posterior.parquet"
HISTORY_FILE = "abc.db"
WEIGHT_COLUMN = "weight"
PRIOR_KINDS = ("uniform", "normal", "lognormal", "triangular", "beta")
"""Prior kinds that map onto a scipy distribution for pyabc."""

UNITS = {
    "advance_km": "median depth of a successful assault, km",
    "unit_size": "personnel per unit at full strength",
    "replacements_per_day": "personnel per day",
    "readiness_days": "days",
    "jitter_days": "days",
    "quality": "combat power per soldier, relative",
    "rate_per_day": "per day",
    "capacity": "soldier-days per day",
    "area_km2": "km²",
    "frontage_km": "km",
    "kill_rate": "per day",
    "engaged_share": "share",
    "defender_engaged_share": "share",
    "duration_days": "days",
}
"""Units of common scenario fields, by the last part of their path (for axis labels)."""


# ------------------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class Settings:
    """How one calibration runs.

    Attributes:
        population: Particles per generation.
        generations: At most this many generations.
        min_epsilon: Stop once the threshold is at or below this.
        max_minutes: Stop after the generation that passes this much wall time.
        replications: Replications averaged per particle.
        seed: Root seed (model streams, and pyabc's global generator).
        executor: ``serial``, ``process`` or ``dask``.
        workers: Worker processes (process, local dask); default all cores.
        scheduler: ``tcp://HOST:PORT`` of a Dask scheduler; default a LocalCluster.
    """

    population: int
    generations: int
    min_epsilon: float
    max_minutes: float
    replications: int
    seed: int = 0
    executor: str = "process"
    workers: int | None = None
    scheduler: str | None = None

    @classmethod
    def from_block(cls, block: Calibrate, **overrides: Any) -> Settings:
        """Return the block's settings with every override that is not None applied."""
        values: dict[str, Any] = {
            "population": block.population,
            "generations": block.generations,
            "min_epsilon": block.min_epsilon,
            "max_minutes": block.max_minutes,
            "replications": block.replications,
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)


# --------------------------------------------------------------------------------------- priors
def prior_rv(path: str, dist: Any) -> Any:
    """Return the ``pyabc.RV`` of a prior written as one of our distributions.

    uniform -> ``uniform(low, high - low)``; normal -> ``norm(mean, sd)`` (``truncnorm`` when
    ``low``/``high`` are given); lognormal -> ``lognorm(sigma, scale=median)``; triangular ->
    ``triang((mode - low) / (high - low), low, high - low)``; beta -> ``beta(alpha, beta, low,
    high - low)``.

    Raises:
        InputError: For a kind that cannot be a prior (fixed, choice, empirical).
    """
    if isinstance(dist, Uniform):
        return pyabc.RV("uniform", dist.low, dist.high - dist.low)
    if isinstance(dist, Normal):
        if dist.low is None and dist.high is None:
            return pyabc.RV("norm", dist.mean, dist.sd)
        low = -math.inf if dist.low is None else (dist.low - dist.mean) / dist.sd
        high = math.inf if dist.high is None else (dist.high - dist.mean) / dist.sd
        return pyabc.RV("truncnorm", low, high, loc=dist.mean, scale=dist.sd)
    if isinstance(dist, LogNormal):
        return pyabc.RV("lognorm", dist.sigma, scale=dist.median_value)
    if isinstance(dist, Triangular):
        width = dist.high - dist.low
        return pyabc.RV("triang", (dist.mode - dist.low) / width, dist.low, width)
    if isinstance(dist, Beta):
        return pyabc.RV("beta", dist.alpha, dist.beta, dist.low, dist.high - dist.low)
    raise InputError(
        f"a prior must be one of {', '.join(PRIOR_KINDS)} (got {getattr(dist, 'dist', dist)!r})",
        field=f"calibrate.parameters.{path}",
    )


# ------------------------------------------------------------------------------------- distance
def distance(
    simulated: Mapping[str, float], observed: Mapping[str, float], scales: Mapping[str, float]
) -> float:
    """Return sqrt(sum(((simulated - observed) / scale)^2)) over the observations' keys.

    Args:
        simulated: The model's value of each observation.
        observed: The observed values.
        scales: Each observation's standard deviation.

    Returns:
        The distance; infinite if a simulated value is missing or not finite.
    """
    total = 0.0
    for key, value in observed.items():
        sim_value = float(simulated.get(key, math.nan))
        if not math.isfinite(sim_value):
            return math.inf
        total += ((sim_value - float(value)) / float(scales[key])) ** 2
    return math.sqrt(total)


@dataclass(frozen=True)
class ScaledDistance:
    """The distance as a picklable callable ``(simulated, observed) -> float`` for pyabc.

    Attributes:
        scales: Standard deviation of each observation, by statistic name.
    """

    scales: Mapping[str, float]

    def __call__(self, simulated: Mapping[str, float], observed: Mapping[str, float]) -> float:
        """Return the scaled Euclidean distance."""
        return distance(simulated, observed, self.scales)


def statistic_name(index: int) -> str:
    """Return the summary statistic name of observation ``index`` (``obs0``, ``obs1``, ...)."""
    return f"obs{index}"


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


# ---------------------------------------------------------------------------------------- model
def particle_seed(root: int, values: Sequence[float], replication: int) -> np.random.SeedSequence:
    """Return the seed of one replication of one particle.

    ``SeedSequence(root, spawn_key=(h0, h1, h2, h3, replication))`` with ``h`` four 32-bit words of
    the sha256 of the values as float64: the same particle always gets the same streams, whichever
    process simulates it and in whatever order.
    """
    digest = hashlib.sha256(np.asarray(values, dtype=np.float64).tobytes()).digest()
    words = tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))
    return np.random.SeedSequence(root, spawn_key=(*words, replication))


def with_values(document: Mapping[str, Any], paths: Sequence[str], values: Sequence[float]) -> dict[str, Any]:
    """Return a copy of a scenario document with each path set to its value.

    Only the mappings and lists along the paths are copied; everything else is shared with
    ``document``, which is never changed. A missing mapping key on the way is created (validation
    then decides whether it is allowed).

    Raises:
        InputError: If a path runs through a plain value or past the end of a list.
    """
    data = dict(document)
    owned: set[int] = {id(data)}
    for path, value in zip(paths, values, strict=True):
        container: Any = data
        keys = path.split(".")
        for position, key in enumerate(keys):
            if isinstance(container, list):
                if not key.isdigit() or int(key) >= len(container):
                    raise InputError(f"no item {key} in the list on the way to {path}", field=path)
                index: Any = int(key)
            elif isinstance(container, dict):
                index = key
            else:
                raise InputError(f"the path runs through a plain value before {key!r}", field=path)
            if position == len(keys) - 1:
                container[index] = float(value)
                break
            child = container[index] if isinstance(container, list) else container.get(index)
            if isinstance(child, dict | list):
                if id(child) not in owned:
                    child = dict(child) if isinstance(child, dict) else list(child)
                    owned.add(id(child))
                    container[index] = child
            elif child is None:
                child = {}
                owned.add(id(child))
                container[index] = child
            container = child
    return data


@dataclass
class ScenarioModel:
    """The model pyabc calls: a particle's values in, each observation's mean value out.

    Picklable (plain data only), so it runs in worker processes and on Dask workers.

    Attributes:
        document: The scenario as plain data, ending on the last observed date, without its
            ``calibrate`` block.
        origins: Where each field was written (for error messages).
        name: The scenario file, for error messages.
        paths: Calibrated dotted paths, in order.
        seed: Root seed.
        replications: Replications averaged per particle.
    """

    document: dict[str, Any]
    origins: dict[PathKey, tuple[str, int | None]]
    name: str
    paths: tuple[str, ...]
    seed: int
    replications: int

    def scenario_at(self, values: Sequence[float]) -> Scenario:
        """Return the validated scenario with the particle's values set at the calibrated paths."""
        return validate(with_values(self.document, self.paths, values), self.origins, self.name)

    def simulate(self, values: Sequence[float]) -> dict[str, float]:
        """Return each observation's value, averaged over the particle's replications."""
        scenario = self.scenario_at(values)
        totals = np.zeros(len(scenario.observations))
        for replication in range(self.replications):
            trajectory = Replication(scenario, particle_seed(self.seed, values, replication)).run()
            totals += [measure(scenario, trajectory, obs) for obs in scenario.observations]
        means = totals / self.replications
        return {statistic_name(i): float(v) for i, v in enumerate(means)}

    def __call__(self, parameter: Mapping[str, float]) -> dict[str, float]:
        """Return the summary statistics of a pyabc parameter (a mapping path -> value)."""
        return self.simulate([float(parameter[path]) for path in self.paths])


# ---------------------------------------------------------------------------------------- setup
@dataclass(frozen=True)
class Problem:
    """A scenario ready to calibrate.

    Attributes:
        scenario_file: The scenario YAML.
        scenario: The validated scenario (with its calibrate block).
        block: The calibrate block.
        paths: Calibrated paths, in the block's order.
        observed: Each observation's value, by statistic name.
        scales: Each observation's standard deviation, by statistic name.
        document: The scenario as plain data, ready for the model.
        origins: Where each field was written.
    """

    scenario_file: Path
    scenario: Scenario
    block: Calibrate
    paths: tuple[str, ...]
    observed: dict[str, float]
    scales: dict[str, float]
    document: dict[str, Any]
    origins: dict[PathKey, tuple[str, int | None]]

    def model(self, seed: int, replications: int) -> ScenarioModel:
        """Return the model for a root seed and a number of replications per particle."""
        return ScenarioModel(
            self.document, self.origins, str(self.scenario_file), self.paths, seed, replications
        )


def load_problem(scenario_file: str | Path) -> Problem:
    """Read a scenario with a ``calibrate:`` block and check everything calibration needs.

    Each calibrated path is checked by validating the scenario with the prior written at that path,
    so an unknown path, a field that cannot be uncertain, or a prior reaching outside what the field
    allows is reported at the line of the ``calibrate:`` entry.

    Raises:
        InputError: For no calibrate block, no observations, an observation outside the scenario's
            dates, an unknown path, or a prior kind pyabc cannot use.
    """
    path = Path(scenario_file)
    name = str(path)
    data, origins = load_raw(path)
    scenario = validate(copy.deepcopy(data), origins, name)
    block = scenario.calibrate
    if block is None:
        raise InputError("has no calibrate: block (parameters with their priors) to calibrate", name)
    if not scenario.observations:
        raise InputError("has no observations to calibrate to", name, field="observations")
    for index, obs in enumerate(scenario.observations):
        if not scenario.start < obs.date <= scenario.end:
            raise InputError(
                f"date {obs.date} is outside the scenario ({scenario.start} to {scenario.end})",
                name,
                origins.get(("observations", index), (name, None))[1],
                f"observations.{index}.date",
            )
    paths = tuple(block.parameters)
    for dotted, prior in block.parameters.items():
        line = origins.get(("calibrate", "parameters", dotted), (name, None))[1]
        prior_rv(dotted, prior)  # refuses kinds without a scipy counterpart
        trial = copy.deepcopy(data)
        trial.pop("calibrate", None)
        try:
            key = set_path(trial, dotted, prior.model_dump(mode="json", by_alias=True), name)
        except InputError as error:
            raise InputError(error.message, name, line, f"calibrate.parameters.{dotted}") from None
        trial_origins = dict(origins)
        trial_origins[key] = (name, line)
        try:
            validate(trial, trial_origins, name)
        except InputError as error:
            # The base scenario is valid, so the problem is this entry: name its line.
            error.file, error.line = name, line
            error.message = f"cannot calibrate {dotted}: {error.message}"
            raise error from None
    document = copy.deepcopy(data)
    document.pop("calibrate", None)
    # The model is causal: a trajectory up to a date does not depend on the end date, so the
    # particles are simulated only up to the last observed date (tests check the two agree).
    last = max(obs.date for obs in scenario.observations)
    document["end"] = max(last, scenario.start + dt.timedelta(days=1))
    observed = {statistic_name(i): float(obs.value) for i, obs in enumerate(scenario.observations)}
    scales = {statistic_name(i): float(obs.scale) for i, obs in enumerate(scenario.observations)}
    return Problem(path, scenario, block, paths, observed, scales, document, origins)


# ------------------------------------------------------------------------------------------ run
@dataclass
class Generation:
    """One ABC-SMC generation as recorded in the diagnostics."""

    generation: int
    epsilon: float
    acceptance_rate: float
    effective_sample_size: float
    particles: int
    samples: int
    seconds: float
    elapsed_seconds: float


@dataclass
class CalibrationResult:
    """What a calibration did and wrote.

    Attributes:
        directory: The output folder.
        generations: Per-generation diagnostics.
        posterior: The last generation: one array per path, plus ``weight``.
        stop_reason: Why it stopped: ``generations``, ``min_epsilon`` or ``time``.
        seconds: Wall time of the whole calibration.
        written: Files written.
    """

    directory: Path
    generations: list[Generation]
    posterior: dict[str, np.ndarray]
    stop_reason: str
    seconds: float
    written: list[Path] = field(default_factory=list)


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

    began = time.perf_counter()
    priors = pyabc.Distribution(
        **{path: prior_rv(path, problem.block.parameters[path]) for path in problem.paths}
    )
    model = problem.model(settings.seed, settings.replications)
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
                eps=FlooredMedianEpsilon(settings.min_epsilon),
                sampler=sampler,
            )
            abc.new(f"sqlite:///{database.resolve()}", problem.observed)
            history = abc.run(
                minimum_epsilon=settings.min_epsilon,
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
    if last.epsilon <= settings.min_epsilon:
        reason = "min_epsilon"
    elif last.generation + 1 >= settings.generations:
        reason = "generations"
    else:
        reason = "time"
    result = CalibrationResult(directory, generations, posterior, reason, seconds)
    result.written.append(directory / HISTORY_FILE)
    result.written.extend(write_outputs(problem, settings, result))
    return result


# -------------------------------------------------------------------------------------- outputs
def weighted_quantiles(values: np.ndarray, weights: np.ndarray, probabilities: Sequence[float]) -> np.ndarray:
    """Return weighted quantiles (linear between the midpoints of the sorted values' weights)."""
    order = np.argsort(values)
    ordered = np.asarray(values, dtype=float)[order]
    w = np.asarray(weights, dtype=float)[order]
    cumulative = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(probabilities, cumulative, ordered)


def weighted_correlation(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> float:
    """Return the weighted Pearson correlation of two columns."""
    w = weights / weights.sum()
    mx, my = np.sum(w * x), np.sum(w * y)
    cov = np.sum(w * (x - mx) * (y - my))
    sx, sy = math.sqrt(np.sum(w * (x - mx) ** 2)), math.sqrt(np.sum(w * (y - my) ** 2))
    return float(cov / (sx * sy)) if sx > 0 and sy > 0 else math.nan


def parameter_summary(problem: Problem, posterior: Mapping[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """Return, per path, the prior's and the posterior's median and 10-90% range, and their ratio."""
    weights = posterior[WEIGHT_COLUMN]
    summary = {}
    for path in problem.paths:
        prior = problem.block.parameters[path]
        p10, p50, p90 = (prior.ppf(q) for q in (0.1, 0.5, 0.9))
        q10, q50, q90 = weighted_quantiles(posterior[path], weights, (0.1, 0.5, 0.9))
        mean = float(np.sum(weights * posterior[path]))
        summary[path] = {
            "prior_p10": p10,
            "prior_median": p50,
            "prior_p90": p90,
            "posterior_p10": float(q10),
            "posterior_median": float(q50),
            "posterior_p90": float(q90),
            "posterior_mean": mean,
            "posterior_sd": float(math.sqrt(np.sum(weights * (posterior[path] - mean) ** 2))),
            "width_ratio": float((q90 - q10) / (p90 - p10)) if p90 > p10 else math.nan,
        }
    return summary


def correlations(problem: Problem, posterior: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Return the weighted posterior correlation of every pair of paths (``a | b`` keys)."""
    out = {}
    for i, a in enumerate(problem.paths):
        for b in problem.paths[i + 1 :]:
            out[f"{a} | {b}"] = weighted_correlation(posterior[a], posterior[b], posterior[WEIGHT_COLUMN])
    return out


def posterior_table(paths: Sequence[str], posterior: Mapping[str, np.ndarray]) -> pa.Table:
    """Return the posterior as an Arrow table: one column per path, then ``weight``."""
    return pa.table({name: pa.array(posterior[name], type=pa.float64()) for name in (*paths, WEIGHT_COLUMN)})


DIAGNOSTIC_COLUMNS = (
    "generation",
    "epsilon",
    "acceptance_rate",
    "effective_sample_size",
    "particles",
    "samples",
    "seconds",
    "elapsed_seconds",
)


def diagnostics_csv(generations: Sequence[Generation]) -> str:
    """Return the per-generation diagnostics as CSV text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(DIAGNOSTIC_COLUMNS)
    for g in generations:
        writer.writerow(
            [
                g.generation,
                f"{g.epsilon:.6g}",
                f"{g.acceptance_rate:.6g}",
                f"{g.effective_sample_size:.6g}",
                g.particles,
                g.samples,
                f"{g.seconds:.3f}",
                f"{g.elapsed_seconds:.3f}",
            ]
        )
    return buffer.getvalue()


def calibrated_document(
    base_document: Mapping[str, Any],
    base_file: str,
    posterior_file: str,
    paths: Sequence[str],
    name: str,
) -> dict[str, Any]:
    """Return the calibrated scenario as plain data: it extends the base and reads the posterior.

    Each path becomes ``{dist: empirical, file: posterior_file, column: path, weights: weight}``.
    Mappings merge under ``extends``, but lists are replaced whole, so a path through a list (an
    echelon's jitter, say) carries the whole list from the base with its item changed.
    """
    document: dict[str, Any] = {"extends": base_file, "name": name, "calibrate": None}
    for path in paths:
        keys = path.split(".")
        target: Any = document
        source: Any = base_document
        for position, key in enumerate(keys):
            last = position == len(keys) - 1
            if isinstance(target, list):
                index: Any = int(key)
            else:
                index = key
            if last:
                target[index] = {
                    "dist": "empirical",
                    "file": posterior_file,
                    "column": path,
                    "weights": WEIGHT_COLUMN,
                }
                break
            source = source[index] if source is not None else None
            if isinstance(source, list):
                if not (isinstance(target, dict) and isinstance(target.get(index), list)):
                    target[index] = copy.deepcopy(source)
                target = target[index]
            else:
                target = target.setdefault(index, {}) if isinstance(target, dict) else target[index]
    return document


def write_calibrated_scenario(
    target: Path,
    base_file: Path,
    posterior_file: Path,
    problem: Problem,
    header: str = "",
    name: str | None = None,
) -> Path:
    """Write a calibrated scenario YAML that ``extends:`` the base and draws from the posterior.

    Paths to the base scenario and the posterior are written relative to ``target``'s folder.
    Every empirical column reads the same file, so a replication draws one posterior row for all of
    them (the joint posterior, with its correlations).

    Args:
        target: The YAML file to write.
        base_file: The scenario that was calibrated.
        posterior_file: The posterior Parquet file.
        problem: The calibration problem (paths, base document).
        header: Comment lines written at the top.
        name: The calibrated scenario's name [default: ``<name>_calibrated``].
    """
    folder = target.resolve().parent
    base = os.path.relpath(base_file.resolve(), folder)
    posterior = os.path.relpath(posterior_file.resolve(), folder)
    raw, _ = load_raw(problem.scenario_file)
    document = calibrated_document(
        raw, base, posterior, problem.paths, name or f"{problem.scenario.name}_calibrated"
    )
    body = yaml.safe_dump(document, sort_keys=False, default_flow_style=None, width=1000, allow_unicode=True)
    comment = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    with atomic_path(target) as temporary:
        temporary.write_text(comment + body, encoding="utf-8")
    return target


def _header(problem: Problem, settings: Settings, result: CalibrationResult) -> str:
    last = result.generations[-1]
    lines = [
        f"{problem.scenario.name}, calibrated by sim calibrate (ABC-SMC, pyabc) on "
        f"{dt.date.today().isoformat()}.",
        f"Posterior: {last.particles} weighted particles of generation {last.generation} "
        f"(threshold {last.epsilon:.3g}, ESS {last.effective_sample_size:.0f});",
        f"population {settings.population}, {settings.replications} replication(s) per particle, "
        f"seed {settings.seed}, {result.seconds / 60:.1f} min.",
        "Each calibrated input is drawn from the posterior file, one row per replication for all of them",
        "(the joint posterior). Everything else comes from the base scenario; its calibrate: block is",
        "switched off here (calibrate the base file again to redo the calibration).",
    ]
    return "\n".join(lines)


def write_outputs(problem: Problem, settings: Settings, result: CalibrationResult) -> list[Path]:
    """Write posterior, diagnostics, calibrated scenario and plots into the result's folder."""
    directory = result.directory
    written = []
    posterior_path = directory / POSTERIOR_FILE
    write_table(posterior_path, posterior_table(problem.paths, result.posterior))
    written.append(posterior_path)
    summary = parameter_summary(problem, result.posterior)
    record = {
        "scenario": problem.scenario.name,
        "scenario_file": str(problem.scenario_file),
        "settings": {
            "population": settings.population,
            "generations": settings.generations,
            "min_epsilon": settings.min_epsilon,
            "max_minutes": settings.max_minutes,
            "replications": settings.replications,
            "seed": settings.seed,
            "executor": settings.executor,
            "workers": settings.workers,
        },
        "priors": {
            path: problem.block.parameters[path].model_dump(mode="json", by_alias=True)
            for path in problem.paths
        },
        "observations": [
            {
                "statistic": statistic_name(i),
                "date": obs.date.isoformat(),
                "metric": obs.metric,
                "side": obs.side,
                "sector": obs.sector,
                "value": obs.value,
                "scale": obs.scale,
            }
            for i, obs in enumerate(problem.scenario.observations)
        ],
        "stop_reason": result.stop_reason,
        "seconds": round(result.seconds, 3),
        "generations": [{name: getattr(g, name) for name in DIAGNOSTIC_COLUMNS} for g in result.generations],
        "parameters": summary,
        "correlations": correlations(problem, result.posterior),
    }
    write_json(directory / "diagnostics.json", record)
    written.append(directory / "diagnostics.json")
    with atomic_path(directory / "diagnostics.csv") as temporary:
        temporary.write_text(diagnostics_csv(result.generations), encoding="utf-8")
    written.append(directory / "diagnostics.csv")
    target = directory / f"{problem.scenario.name}_calibrated.yaml"
    written.append(
        write_calibrated_scenario(
            target, problem.scenario_file, posterior_path, problem, _header(problem, settings, result)
        )
    )
    written.extend(write_calibration_plots(problem, result))
    return written


# ---------------------------------------------------------------------------------------- plots
def short_label(path: str) -> str:
    """Return a shorter label for a dotted path (``sides.`` and ``contingents.`` dropped)."""
    return path.removeprefix("sides.").replace(".contingents.", ".")


def axis_label(path: str) -> str:
    """Return an axis label: the shortened path and its unit."""
    unit = UNITS.get(path.rsplit(".", 1)[-1])
    return f"{short_label(path)}\n({unit})" if unit else short_label(path)


def _prior_curve(dist: Any, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
    rv = prior_rv("", dist)
    x = np.linspace(low, high, 300)
    return x, rv.pdf(x)


def _bins(problem: Problem, path: str, posterior: Mapping[str, np.ndarray]) -> tuple[float, float]:
    """Return the range the histograms cover: the prior's support (its 0.1-99.9% if unbounded)."""
    dist = problem.block.parameters[path]
    low, high = dist.support()
    low = low if math.isfinite(low) else dist.ppf(0.001)
    high = high if math.isfinite(high) else dist.ppf(0.999)
    values = posterior[path]
    return min(low, float(values.min())), max(high, float(values.max()))


def _range(problem: Problem, path: str, posterior: Mapping[str, np.ndarray]) -> tuple[float, float]:
    """Return the axis range: the histogram range with a small margin."""
    low, high = _bins(problem, path, posterior)
    pad = 0.02 * (high - low)
    return low - pad, high + pad


def marginals_figure(problem: Problem, result: CalibrationResult) -> Any:
    """Return the figure of each parameter's posterior histogram over its prior density."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = problem.paths
    columns = min(2, len(paths))
    rows = math.ceil(len(paths) / columns)
    figure, axes = plt.subplots(
        rows, columns, figsize=(5.2 * columns, 3.6 * rows + 0.8), layout="constrained", squeeze=False
    )
    weights = result.posterior[WEIGHT_COLUMN]
    summary = parameter_summary(problem, result.posterior)
    for axis, path in zip(axes.flat, paths, strict=False):
        low, high = _range(problem, path, result.posterior)
        axis.hist(
            result.posterior[path],
            bins=30,
            range=_bins(problem, path, result.posterior),
            weights=weights,
            density=True,
            color="#6baed6",
            edgecolor="white",
            linewidth=0.4,
            label="posterior (weighted particles)",
        )
        x, density = _prior_curve(problem.block.parameters[path], low, high)
        axis.plot(x, density, color="0.3", linestyle="--", linewidth=1.5, label="prior")
        s = summary[path]
        axis.axvline(s["posterior_median"], color="#08306b", linewidth=1.8, label="posterior median")
        axis.axvspan(
            s["posterior_p10"], s["posterior_p90"], color="#08306b", alpha=0.08, label="posterior 10–90%"
        )
        axis.set_xlim(low, high)
        axis.set_xlabel(axis_label(path))
        axis.set_ylabel("density")
        axis.set_title(
            f"median {s['posterior_median']:.4g} (prior {s['prior_median']:.4g}); "
            f"10–90% width ×{s['width_ratio']:.2f}",
            fontsize=9,
        )
    for axis in list(axes.flat)[len(paths) :]:
        axis.set_visible(False)
    axes.flat[0].legend(fontsize=8, loc="best")
    last = result.generations[-1]
    figure.suptitle(
        f"{problem.scenario.name}: posterior of the calibrated inputs (ABC-SMC generation {last.generation}, "
        f"{last.particles} particles, threshold {last.epsilon:.3g})",
        fontsize=11,
    )
    return figure


def pairs_figure(problem: Problem, result: CalibrationResult) -> Any:
    """Return the pairwise scatter of the posterior (weights as colour) with correlations."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = problem.paths
    n = len(paths)
    size = max(2.4, min(3.2, 11.0 / max(n, 1)))
    figure, axes = plt.subplots(
        n, n, figsize=(size * n + 1.2, size * n + 0.9), layout="constrained", squeeze=False
    )
    weights = result.posterior[WEIGHT_COLUMN]
    ranges = {p: _range(problem, p, result.posterior) for p in paths}
    scatter = None
    order = np.argsort(weights)
    for i, row_path in enumerate(paths):
        for j, col_path in enumerate(paths):
            axis = axes[i, j]
            if j > i:
                axis.set_visible(False)
                continue
            x = result.posterior[col_path]
            if i == j:
                axis.hist(
                    x,
                    bins=25,
                    range=_bins(problem, col_path, result.posterior),
                    weights=weights,
                    color="#6baed6",
                    edgecolor="white",
                )
                axis.set_yticks([])
            else:
                y = result.posterior[row_path]
                scatter = axis.scatter(
                    x[order],
                    y[order],
                    c=weights[order] * len(weights),
                    s=10,
                    cmap="viridis",
                    alpha=0.8,
                    linewidths=0,
                )
                r = weighted_correlation(x, y, weights)
                axis.text(
                    0.03,
                    0.95,
                    f"r = {r:+.2f}",
                    transform=axis.transAxes,
                    va="top",
                    fontsize=9,
                    bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1.5},
                )
                axis.set_ylim(*ranges[row_path])
            axis.set_xlim(*ranges[col_path])
            if i == n - 1:
                axis.set_xlabel(axis_label(col_path), fontsize=8)
            else:
                axis.set_xticklabels([])
            if j == 0 and i > 0:
                axis.set_ylabel(axis_label(row_path), fontsize=8)
            elif j > 0:
                axis.set_yticklabels([])
            axis.tick_params(labelsize=7)
    if scatter is not None:
        bar = figure.colorbar(scatter, ax=axes[:, -1].tolist(), shrink=0.6, location="right")
        bar.set_label("particle weight × particles (1 = average)", fontsize=8)
    figure.suptitle(
        f"{problem.scenario.name}: posterior pairs (weighted correlation r; diagonal: marginals)", fontsize=11
    )
    return figure


def generations_figure(problem: Problem, result: CalibrationResult) -> Any:
    """Return the threshold and the acceptance rate per generation."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    generations = [g.generation for g in result.generations]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    left.plot(generations, [g.epsilon for g in result.generations], marker="o", color="#08306b")
    left.set_xlabel("generation")
    left.set_ylabel("acceptance threshold ε\n(distance, in observation standard deviations)")
    left.set_title("threshold per generation")
    left.set_ylim(bottom=0)
    right.plot(
        generations, [100 * g.acceptance_rate for g in result.generations], marker="o", color="#d62728"
    )
    right.set_xlabel("generation")
    right.set_ylabel("acceptance rate (% of particles simulated)")
    right.set_title("acceptance rate per generation")
    right.set_ylim(bottom=0)
    for axis in (left, right):
        axis.set_xticks(generations)
        axis.grid(alpha=0.3)
    figure.suptitle(
        f"{problem.scenario.name}: ABC-SMC progress ({_duration(result.seconds)}, stopped by "
        f"{result.stop_reason.replace('_', ' ')})",
        fontsize=11,
    )
    return figure


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def write_calibration_plots(problem: Problem, result: CalibrationResult) -> list[Path]:
    """Write the marginals, pairs and generations figures into ``<folder>/plots``."""
    import matplotlib.pyplot as plt

    folder = result.directory / "plots"
    folder.mkdir(exist_ok=True)
    written = []
    for name, make in (
        ("calibration_marginals.png", marginals_figure),
        ("calibration_pairs.png", pairs_figure),
        ("calibration_generations.png", generations_figure),
    ):
        figure = make(problem, result)
        path = folder / name
        with atomic_path(path) as temporary:
            figure.savefig(temporary, dpi=120, format="png")
        plt.close(figure)
        written.append(path)
    return written


def format_summary(problem: Problem, result: CalibrationResult) -> str:
    """Return the text printed at the end of ``sim calibrate``."""
    lines = [
        f"{problem.scenario.name}: {len(result.generations)} generation(s) in {result.seconds:.1f} s, "
        f"stopped by {result.stop_reason.replace('_', ' ')}",
        "",
        f"{'generation':>10} {'epsilon':>10} {'acceptance':>11} {'ESS':>8} {'samples':>9} {'seconds':>9}",
    ]
    for g in result.generations:
        lines.append(
            f"{g.generation:>10} {g.epsilon:>10.4g} {g.acceptance_rate:>10.1%} "
            f"{g.effective_sample_size:>8.1f} {g.samples:>9,} {g.seconds:>9.1f}"
        )
    header = f"{'parameter':<52} {'prior median (10% to 90%)':>30} {'posterior median (10% to 90%)':>32}"
    lines += ["", header]
    for path, s in parameter_summary(problem, result.posterior).items():
        prior = f"{s['prior_median']:.4g} ({s['prior_p10']:.4g} to {s['prior_p90']:.4g})"
        post = f"{s['posterior_median']:.4g} ({s['posterior_p10']:.4g} to {s['posterior_p90']:.4g})"
        lines.append(f"{short_label(path):<52} {prior:>30} {post:>32}")
    pairs = correlations(problem, result.posterior)
    if pairs:
        strongest = max(pairs.items(), key=lambda item: abs(item[1]) if math.isfinite(item[1]) else -1.0)
        a, b = strongest[0].split(" | ")
        lines.append(
            f"\nstrongest posterior correlation: {short_label(a)} ~ {short_label(b)}: {strongest[1]:+.2f}"
        )
    return "\n".join(lines)
