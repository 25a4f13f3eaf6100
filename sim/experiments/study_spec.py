"""The models a study file is validated with: levers, uncertainties, outcomes, goals and the design.

What the models cannot check alone (a lever's scenario and the paths it sets, every outcome against
every lever, whether each uncertainty is a number the model draws) ``sim.experiments.study.load_study``
checks against the scenarios.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from sim.analysis.robustness import parse_metric
from sim.batch.runner import MAX_REPLICATIONS
from sim.errors import FieldValueError
from sim.scenario.distributions import Distribution, _Distribution
from sim.scenario.observations import Name

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
