"""A scenario ready to calibrate: its priors, the distance to its observations and the model pyabc calls."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyabc

from sim.errors import InputError
from sim.measures.observables import measure
from sim.model.replication import Replication
from sim.scenario.distributions import Beta, LogNormal, Normal, Triangular, Uniform
from sim.scenario.loader import apply_override, load_raw, validate
from sim.scenario.paths import PathKey, set_path, with_values
from sim.scenario.schema import Calibrate, Scenario

POSTERIOR_FILE = "posterior.parquet"
HISTORY_FILE = "abc.db"
WEIGHT_COLUMN = "weight"
PRIOR_KINDS = ("uniform", "normal", "lognormal", "triangular", "beta")
"""Prior kinds that map onto a scipy distribution for pyabc."""


# ------------------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class Settings:
    """How one calibration runs.

    Attributes:
        population: Particles per generation.
        generations: At most this many generations.
        min_epsilon: Stop once the threshold is at or below this; "auto" (see ``epsilon_floor``).
        max_minutes: Stop after the generation that passes this much wall time.
        replications: Replications averaged per particle.
        seed: Root seed (model streams, and pyabc's global generator).
        executor: ``serial``, ``process`` or ``dask``.
        workers: Worker processes (process, local dask); default all cores.
        scheduler: ``tcp://HOST:PORT`` of a Dask scheduler; default a LocalCluster.
    """

    population: int
    generations: int
    min_epsilon: float | str
    max_minutes: float
    replications: int
    seed: int = 0
    executor: str = "process"
    workers: int | None = None
    scheduler: str | None = None

    def epsilon_floor(self, observations: int) -> float:
        """Return the threshold to stop at: ``min_epsilon``, or for "auto" sqrt(k + 2) with k observations.

        With k observations each off by about one standard deviation, the distance is about sqrt(k); the
        2 leaves room for the model's own noise, so the acceptance window is as wide as the observations'
        uncertainty and no tighter.
        """
        if self.min_epsilon == "auto":
            return math.sqrt(observations + 2)
        return float(self.min_epsilon)

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
    overrides: tuple[str, ...] = ()

    def model(self, seed: int, replications: int) -> ScenarioModel:
        """Return the model for a root seed and a number of replications per particle."""
        return ScenarioModel(
            self.document, self.origins, str(self.scenario_file), self.paths, seed, replications
        )


def load_problem(
    scenario_file: str | Path, up_to: dt.date | None = None, overrides: Sequence[str] = ()
) -> Problem:
    """Read a scenario with a ``calibrate:`` block and check everything calibration needs.

    Each calibrated path is checked by validating the scenario with the prior written at that path,
    so an unknown path, a field that cannot be uncertain, or a prior reaching outside what the field
    allows is reported at the line of the ``calibrate:`` entry.

    Args:
        scenario_file: The scenario YAML.
        up_to: Calibrate only on the observations dated on or before this (a backtest's origin);
            None uses them all.
        overrides: ``--set path=value`` changes applied to the scenario first.

    Raises:
        InputError: For no calibrate block, no observations (up to ``up_to``), an observation outside
            the scenario's dates, an unknown path, or a prior kind pyabc cannot use.
    """
    path = Path(scenario_file)
    name = str(path)
    data, origins = load_raw(path)
    for override in overrides:
        apply_override(data, origins, override)
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
    if up_to is not None:
        kept = [i for i, obs in enumerate(scenario.observations) if obs.date <= up_to]
        if not kept:
            raise InputError(
                f"has no observations on or before {up_to} to calibrate to", name, field="--origin"
            )
        document["observations"] = [document["observations"][i] for i in kept]
        scenario = scenario.model_copy(update={"observations": tuple(scenario.observations[i] for i in kept)})
    # The model is causal: a trajectory up to a date does not depend on the end date, so the
    # particles are simulated only up to the last observed date (tests check the two agree).
    last = max(obs.date for obs in scenario.observations)
    document["end"] = max(last, scenario.start + dt.timedelta(days=1))
    observed = {statistic_name(i): float(obs.value) for i, obs in enumerate(scenario.observations)}
    scales = {statistic_name(i): float(obs.scale) for i, obs in enumerate(scenario.observations)}
    return Problem(path, scenario, block, paths, observed, scales, document, origins, tuple(overrides))
