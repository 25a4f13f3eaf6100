"""Study files: courses of action (levers) against deep uncertainties, and what counts as success.

A study file (YAML) names a base scenario; **levers**, each a scenario file (a variant that ``extends``
the base) or a named set of ``path: value`` changes, or both; **uncertainties**, dotted paths with a
range or a distribution, sampled by a Latin hypercube or a scrambled Sobol' sequence into N
**futures**; **outcomes** (a results-contract outcome and whether higher or lower is better); and
**goals** on them. ``load_study`` reads it as a scenario is read (bounded YAML, one error naming file,
line and field), checks it against the scenarios (every lever validates, runs the base's period and
has every outcome; every uncertainty is a number the model draws, whose whole range each lever
accepts), and samples the futures. ``sim.experiments.robust`` runs it.
"""

from __future__ import annotations

import copy
import inspect
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from scipy.stats import qmc

from sim.analysis.robustness import Better, Goal, Measure, Metric, default_ranking, parse_metric
from sim.batch.runner import MAX_REPLICATIONS
from sim.errors import FieldValueError, InputError
from sim.results.columns import check_summary_outcome
from sim.scenario.distributions import U_HIGHEST, U_LOWEST, Distribution, _Distribution
from sim.scenario.loader import load_raw, validate
from sim.scenario.observations import Name
from sim.scenario.paths import PathKey, set_path
from sim.scenario.schema import Scenario
from sim.scenario.yaml_source import Origin

MAX_LEVERS = 32
MAX_UNCERTAINTIES = 32
MAX_FUTURES = 4_096
MAX_OUTCOMES = 16
MAX_GOALS = 16
MAX_SETTINGS = 100
"""Most ``path: value`` changes one lever makes."""
MAX_POINTS = 20_000
"""Most lever x future combinations a study runs (each is a validated scenario held in memory)."""
MAX_RUNS = 2_000_000
"""Most replications a study runs in all (levers x futures x replications): its outcomes are held in
memory while its metrics are computed."""


def _range_as_uniform(value: Any) -> Any:
    """Read ``{low, high}`` (no ``dist``) as a uniform distribution."""
    if isinstance(value, dict) and "dist" not in value:
        return {"dist": "uniform", **value}
    return value


def _varies(value: _Distribution) -> _Distribution:
    kind = getattr(value, "dist", None)
    if kind == "fixed":
        raise ValueError("a fixed value is not uncertain: set it in a lever, or in the scenario")
    if kind == "empirical":
        raise ValueError("a future takes one value of each uncertainty: give a range or a distribution")
    return value


Uncertainty = Annotated[Distribution, BeforeValidator(_range_as_uniform), AfterValidator(_varies)]


class LeverSpec(BaseModel):
    """One course of action: a scenario file, a set of changes to the base, or both (file first)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str | None = Field(None, description="What the course of action is, in words.")
    scenario: str | None = Field(
        None,
        description="A scenario file for this lever (a variant that extends the base), relative to the "
        "study file; absent: the base scenario.",
    )
    set: dict[str, Any] = Field(
        default_factory=dict,
        max_length=MAX_SETTINGS,
        description="Changes to the lever's scenario: dotted path to value (as --set takes them).",
    )


class OutcomeSpec(BaseModel):
    """An outcome of the study, read from each run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str = Field(
        description="final_area_km2, area_km2_on_<date>, day_below_<km2>, withdrawal_began_by_<date>, "
        "casualties_<side> or advance_m_per_day; a future's value is the mean over its replications "
        "(the share for withdrawal_began_by, days counting a run that never falls below as the end date)."
    )
    better: Literal["higher", "lower"] | None = Field(
        None,
        description="Whether higher or lower values are better [default: held area and days higher; "
        "withdrawal, the holder's casualties and the advance lower; the other side's casualties higher].",
    )
    description: str | None = Field(None, description="What the outcome means, in words.")


class GoalSpec(BaseModel):
    """A goal: an outcome at least (or at most) a value in a future."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    outcome: Name = Field(description="The name of one of the study's outcomes.")
    at_least: float | None = Field(None, description="The outcome must be at least this.")
    at_most: float | None = Field(None, description="The outcome must be at most this.")
    in_share: float | None = Field(
        None,
        gt=0,
        le=1,
        description="The share of a future's replications that must meet the bound (absent: the "
        "future's mean must).",
    )
    description: str | None = Field(None, description="What the goal means, in words.")

    @model_validator(mode="after")
    def _one_bound(self) -> GoalSpec:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("give exactly one of at_least and at_most")
        return self


class StudySpec(BaseModel):
    """A study file, as written."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: Name | None = Field(
        None, description="Name of the study; names its folder [default: the base scenario's name]."
    )
    description: str | None = Field(None, description="The question the study answers.")
    scenario: str = Field(description="The base scenario file, relative to the study file.")
    levers: dict[Name, LeverSpec] = Field(
        min_length=2, max_length=MAX_LEVERS, description="The courses of action, by name."
    )
    uncertainties: dict[str, Uncertainty] = Field(
        min_length=1,
        max_length=MAX_UNCERTAINTIES,
        description="Dotted path to a range {low, high} or a distribution: sampled into the futures.",
    )
    futures: int = Field(64, ge=2, le=MAX_FUTURES, description="How many futures to sample.")
    design: Literal["lhs", "sobol"] = Field(
        "lhs", description="Latin hypercube, or a scrambled Sobol' sequence (futures a power of 2)."
    )
    replications: int = Field(50, ge=1, le=MAX_REPLICATIONS, description="Replications per lever and future.")
    seed: int = Field(0, ge=0, description="Root seed of every run, and of the design's sampler.")
    outcomes: dict[Name, OutcomeSpec] = Field(
        min_length=1, max_length=MAX_OUTCOMES, description="The outcomes, by name."
    )
    goals: dict[Name, GoalSpec] = Field(
        default_factory=dict, max_length=MAX_GOALS, description="What a future must give to count as met."
    )
    rank_by: str | None = Field(
        None,
        description="The metric levers are ranked by: satisficing, goal:<goal>, or mean, p10, p90, "
        "mean_regret, p90_regret or max_regret :<outcome> [default: satisficing, or with no goals "
        "max_regret of the first outcome].",
    )

    @model_validator(mode="after")
    def _consistent(self) -> StudySpec:
        for name, goal in self.goals.items():
            if goal.outcome not in self.outcomes:
                raise FieldValueError(
                    f"no outcome {goal.outcome!r}; the outcomes are: {', '.join(self.outcomes)}",
                    ("goals", name, "outcome"),
                )
        if self.rank_by is not None:
            try:
                parse_metric(self.rank_by, list(self.outcomes), list(self.goals))
            except ValueError as error:
                raise FieldValueError(str(error), ("rank_by",)) from None
        if self.design == "sobol" and self.futures & (self.futures - 1):
            raise FieldValueError(
                f"the sobol design needs futures to be a power of 2 (got {self.futures})", ("futures",)
            )
        points = len(self.levers) * self.futures
        if points > MAX_POINTS:
            raise FieldValueError(
                f"{len(self.levers)} levers x {self.futures} futures make {points:,} combinations, more "
                f"than {MAX_POINTS:,}",
                ("futures",),
            )
        if points * self.replications > MAX_RUNS:
            raise FieldValueError(
                f"{points:,} combinations x {self.replications:,} replications make more than "
                f"{MAX_RUNS:,} runs",
                ("replications",),
            )
        for name, lever in self.levers.items():
            for path in lever.set:
                if path in self.uncertainties:
                    raise FieldValueError(
                        f"{path} is an uncertainty: a lever cannot also set it", ("levers", name, "set", path)
                    )
        return self


def default_better(column: str, holder: str) -> Better | None:
    """Return whether higher or lower is better for an outcome, from the holding side's view, or None."""
    if column.startswith(("final_area_km2", "area_km2_on_", "day_below_")):
        return "higher"
    if column.startswith("withdrawal_began_by_") or column == "advance_m_per_day":
        return "lower"
    if column.startswith("casualties_"):
        return "lower" if column == f"casualties_{holder}" else "higher"
    return None


@dataclass
class Study:
    """A study file, checked against its scenarios, with its futures sampled.

    Attributes:
        spec: The study as written (with any command-line changes).
        file: The study file.
        base: The base scenario.
        levers: Each lever's scenario, in the file's order.
        lever_files: Each lever's scenario file (None for the base).
        measures: The outcomes, resolved (with their direction).
        goals: The goals, resolved.
        ranking: The metric levers are ranked by.
        futures: ``(futures, uncertainties)`` values, one row per future.
    """

    spec: StudySpec
    file: str | None
    base: Scenario
    levers: dict[str, Scenario]
    lever_files: dict[str, str | None]
    measures: list[Measure]
    goals: list[Goal]
    ranking: Metric
    futures: np.ndarray = field(repr=False)

    @property
    def name(self) -> str:
        """The study's name (its own, else the base scenario's)."""
        return self.spec.name or self.base.name

    @property
    def paths(self) -> list[str]:
        """The uncertainties' dotted paths, in the file's order."""
        return list(self.spec.uncertainties)


def resolve(spec: StudySpec, holder: str) -> tuple[list[Measure], list[Goal], Metric]:
    """Return a study's outcomes, goals and ranking metric in the analysis' terms.

    Raises:
        FieldValueError: For an outcome whose direction cannot be told (give ``better``).
    """
    measures = []
    for name, outcome in spec.outcomes.items():
        better = outcome.better or default_better(outcome.column, holder)
        if better is None:
            raise FieldValueError(
                f"say whether {outcome.column} is better higher or lower", ("outcomes", name)
            )
        measures.append(Measure(name, outcome.column, better))
    goals = [
        Goal(
            name,
            goal.outcome,
            ">=" if goal.at_least is not None else "<=",
            float(goal.at_least if goal.at_least is not None else goal.at_most),  # type: ignore[arg-type]
            goal.in_share,
        )
        for name, goal in spec.goals.items()
    ]
    metric = (
        parse_metric(spec.rank_by, list(spec.outcomes), list(spec.goals))
        if spec.rank_by
        else default_ranking(measures, goals)
    )
    return measures, goals, metric


def sample_futures(spec: StudySpec) -> np.ndarray:
    """Return the futures: ``(futures, uncertainties)``, each uncertainty's quantile of the design's points.

    The design's points in the unit cube (scipy's Latin hypercube, or scrambled Sobol', seeded with the
    study's seed) are turned into values by each uncertainty's inverse CDF, as the scenario's
    distributions are sampled.
    """
    dimensions = len(spec.uncertainties)
    seeding = "rng" if "rng" in inspect.signature(qmc.LatinHypercube).parameters else "seed"
    if spec.design == "lhs":
        sampler: qmc.QMCEngine = qmc.LatinHypercube(d=dimensions, **{seeding: spec.seed})
        unit = sampler.random(spec.futures)
    else:
        sampler = qmc.Sobol(d=dimensions, scramble=True, **{seeding: spec.seed})
        unit = sampler.random_base2(int(math.log2(spec.futures)))
    unit = np.clip(unit, U_LOWEST, U_HIGHEST)
    columns = [[dist.ppf(float(u)) for u in unit[:, j]] for j, dist in enumerate(spec.uncertainties.values())]
    return np.array(columns, dtype=float).T


# --- reading a study file ------------------------------------------------------------------------


def _origin(origins: Mapping[PathKey, Origin], path: PathKey, name: str) -> Origin:
    """Return where ``path`` (or the closest key above it) was written in the study file."""
    for length in range(len(path), -1, -1):
        found = origins.get(path[:length])
        if found is not None:
            return found
    return (name, None)


def _refuse(error: InputError, origins: Mapping[PathKey, Origin], path: PathKey, name: str) -> InputError:
    """Return ``error`` placed at a study file's line and field."""
    file, line = _origin(origins, path, name)
    return InputError(error.message, file, line, ".".join(str(p) for p in path))


def load_study(
    path: str | Path, changes: Mapping[str, Any] | None = None, *, allow_outside: bool | None = None
) -> Study:
    """Read a study file, check it against its scenarios and sample its futures.

    Args:
        path: The study YAML.
        changes: Top-level fields replaced after reading (``replications``, ``futures``, ``seed``: the
            command line's), validated again.
        allow_outside: As for ``load_scenario``.

    Raises:
        InputError: Naming the study file (or a lever's scenario file), line and field of the first problem.
    """
    path = Path(path)
    name = str(path)
    data, origins = load_raw(path, allow_outside=allow_outside, what="study file")
    if "sides" in data and "levers" not in data:
        raise InputError(
            "is a scenario file, not a study file (levers, uncertainties, outcomes: docs/robustness.md); "
            "sim run takes a scenario",
            name,
        )
    spec = validate(data, origins, name, StudySpec)
    if changes:
        try:
            spec = validate({**spec.model_dump(mode="json"), **changes}, {}, name, StudySpec)
        except InputError as error:
            option = ", ".join(f"--{key} {value}" for key, value in changes.items())
            raise InputError(error.message, option, field=error.field) from None
    base_data, base_origins = _scenario_file(
        path.parent / spec.scenario, origins, ("scenario",), name, allow_outside
    )
    base = validate(copy.deepcopy(base_data), base_origins, str(path.parent / spec.scenario))
    try:
        measures, goals, metric = resolve(spec, base.holder)
    except FieldValueError as error:
        raise _refuse(InputError(str(error)), origins, error.path, name) from None
    levers: dict[str, Scenario] = {}
    files: dict[str, str | None] = {}
    for lever_name, lever in spec.levers.items():
        at: PathKey = ("levers", lever_name)
        if lever.scenario is not None:
            files[lever_name] = os.path.normpath(path.parent / lever.scenario)
            lever_data, lever_origins = _scenario_file(
                path.parent / lever.scenario, origins, (*at, "scenario"), name, allow_outside
            )
        else:
            files[lever_name] = None
            lever_data, lever_origins = copy.deepcopy(base_data), dict(base_origins)
        for setting, value in lever.set.items():
            where = _origin(origins, (*at, "set", setting), name)
            key = set_path(lever_data, setting, copy.deepcopy(value), f"{where[0]}:{where[1]}")
            for stale in [p for p in lever_origins if p[: len(key)] == key]:
                del lever_origins[stale]
            lever_origins[key] = where
        scenario = validate(
            lever_data, lever_origins, files[lever_name] or str(path.parent / spec.scenario), named=(name,)
        )
        _check_lever(spec, scenario, base, measures, origins, at, name)
        _check_uncertainties(spec, lever_data, lever_origins, origins, lever_name, name)
        levers[lever_name] = scenario
    return Study(spec, name, base, levers, files, measures, goals, metric, sample_futures(spec))


def _scenario_file(
    path: Path, origins: Mapping[PathKey, Origin], at: PathKey, name: str, allow_outside: bool | None
) -> tuple[dict[str, Any], dict[PathKey, Origin]]:
    """Read a scenario file the study names; a file that cannot be read is reported at the study's line."""
    try:
        return load_raw(path, allow_outside=allow_outside)
    except InputError as error:
        if error.file == str(path) and error.line is None:
            raise _refuse(InputError(f"{error.message}: {path}"), origins, at, name) from None
        raise


def _check_lever(
    spec: StudySpec,
    scenario: Scenario,
    base: Scenario,
    measures: list[Measure],
    origins: Mapping[PathKey, Origin],
    at: PathKey,
    name: str,
) -> None:
    """Refuse a lever that runs another period than the base, or lacks an outcome."""
    if (scenario.start, scenario.end) != (base.start, base.end):
        file, line = _origin(origins, at, name)
        raise InputError(
            f"runs {scenario.start} to {scenario.end}, the base scenario {base.start} to {base.end}: "
            "dated outcomes would not mean the same; give every lever the base's period",
            file,
            line,
            ".".join(str(p) for p in at),
        )
    for measure in measures:
        try:
            check_summary_outcome(scenario, measure.column, "column")
        except InputError as error:
            where: PathKey = ("outcomes", measure.name, "column")
            if scenario is not base:
                error.message = f"lever {at[-1]}: {error.message}"
            raise _refuse(error, origins, where, name) from None


def _check_uncertainties(
    spec: StudySpec,
    lever_data: dict[str, Any],
    lever_origins: Mapping[PathKey, Origin],
    origins: Mapping[PathKey, Origin],
    lever: str,
    name: str,
) -> None:
    """Refuse an uncertainty that is not a number the lever's model draws, or whose range it does not accept.

    Each path is checked by validating the lever's scenario with the uncertainty's whole distribution
    written at that path (as a ``calibrate:`` prior is checked), so every future's value is accepted.
    """
    for setting, dist in spec.uncertainties.items():
        where = _origin(origins, ("uncertainties", setting), name)
        trial = copy.deepcopy(lever_data)
        trial_origins = dict(lever_origins)
        try:
            key = set_path(trial, setting, dist.model_dump(mode="json"), f"{where[0]}:{where[1]}")
            trial_origins[key] = where
            validate(trial, trial_origins, name)
        except InputError as error:
            suffix = f" (lever {lever})" if len(spec.levers) > 1 else ""
            raise InputError(
                f"cannot vary it: {error.message}{suffix}", where[0], where[1], f"uncertainties.{setting}"
            ) from None
