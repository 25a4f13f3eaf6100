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
from typing import Any

import numpy as np
from scipy.stats import qmc

from sim.analysis.robustness import Better, Goal, Measure, Metric, default_ranking, parse_metric
from sim.errors import FieldValueError, InputError
from sim.experiments.study_spec import StudySpec
from sim.results.columns import check_summary_outcome
from sim.scenario.distributions import U_HIGHEST, U_LOWEST
from sim.scenario.loader import load_raw, validate
from sim.scenario.paths import PathKey, set_path
from sim.scenario.schema import Scenario
from sim.scenario.yaml_source import Origin


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
    for lever_name in spec.levers:
        files[lever_name], lever_data, levers[lever_name] = _load_lever(
            spec, lever_name, path, (origins, base_data, base_origins), allow_outside
        )
        _check_lever(spec, levers[lever_name], base, measures, origins, ("levers", lever_name), name)
        _check_uncertainties(spec, *lever_data, origins, lever_name, name)
    return Study(spec, name, base, levers, files, measures, goals, metric, sample_futures(spec))


def _load_lever(
    spec: StudySpec,
    lever_name: str,
    path: Path,
    read: tuple[Mapping[PathKey, Origin], dict[str, Any], dict[PathKey, Origin]],
    allow_outside: bool | None,
) -> tuple[str | None, tuple[dict[str, Any], dict[PathKey, Origin]], Scenario]:
    """Return a lever's scenario file (None for the base), its document with origins, and its scenario.

    Args:
        spec: The study.
        lever_name: The lever.
        path: The study file.
        read: The study file's origins, and the base scenario's document and origins.
        allow_outside: As for ``load_scenario``.

    Raises:
        InputError: Naming the file, line and field of the lever's first problem.
    """
    origins, base_data, base_origins = read
    name, lever, at = str(path), spec.levers[lever_name], ("levers", lever_name)
    file = None if lever.scenario is None else os.path.normpath(path.parent / lever.scenario)
    if lever.scenario is not None:
        lever_data, lever_origins = _scenario_file(
            path.parent / lever.scenario, origins, (*at, "scenario"), name, allow_outside
        )
    else:
        lever_data, lever_origins = copy.deepcopy(base_data), dict(base_origins)
    for setting, value in lever.set.items():
        where = _origin(origins, (*at, "set", setting), name)
        key = set_path(lever_data, setting, copy.deepcopy(value), f"{where[0]}:{where[1]}")
        for stale in [p for p in lever_origins if p[: len(key)] == key]:
            del lever_origins[stale]
        lever_origins[key] = where
    scenario = validate(lever_data, lever_origins, file or str(path.parent / spec.scenario), named=(name,))
    return file, (lever_data, lever_origins), scenario


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
