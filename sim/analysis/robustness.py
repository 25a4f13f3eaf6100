"""Robustness of courses of action across futures: outcomes, goals, regret, satisficing.

A study runs every lever (course of action) in every future (a draw of the deep uncertainties) for R
replications with common random numbers: replication r of future f drew the same random numbers
whatever the lever (and each future has replications of its own). Each outcome gives an array
``values[lever, future, replication]`` of per-run values (``sim.analysis.outcomes.outcome_values``:
days until a threshold count a run that never crossed at the end date, a withdrawal by a date is 0 or
1). From it:

* each lever's **per-future value** of an outcome: the mean over the future's replications (a share for
  a yes/no outcome, a restricted mean for days);
* across futures, for each lever: the **mean** (Laplace's principle of insufficient reason), the **10th
  and 90th percentiles** (linear interpolation between futures, numpy's default);
* **regret** in a future: how much worse the lever does than the best lever in that future
  (Savage 1951; Lempert, Popper & Bankes 2003), always >= 0; across futures its **mean**, **90th
  percentile** and **maximum** (minimax regret);
* **satisficing**: the share of futures in which the lever meets every goal (Starr's domain criterion);
  a goal is ``value >= X`` or ``value <= X``, on the future's mean, or on the share of its replications
  (``in_share``: "at least 300 km² in at least half the replications").

McPhail et al. (2018, doi:10.1029/2017EF000649) classify these metrics; docs/robustness.md says
which is which and when they disagree.

The intervals, the differences between levers and the rankings are ``sim.analysis.robust_intervals``'s.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

Better = Literal["higher", "lower"]
PERCENTILES = (10, 90)
"""Percentiles of an outcome across futures."""
REGRET_PERCENTILE = 90
"""The percentile of regret across futures reported beside its mean and maximum."""

METRICS: dict[str, str] = {
    "mean": "mean across futures",
    "p10": "10th percentile across futures",
    "p90": "90th percentile across futures",
    "mean_regret": "mean regret",
    "p90_regret": "90th-percentile regret",
    "max_regret": "maximum regret",
    "satisficing": "share of futures meeting every goal",
    "goal": "share of futures meeting the goal",
}
"""The metrics, in table order, with what each is in words."""
OUTCOME_METRICS = ("mean", "p10", "p90", "mean_regret", "p90_regret", "max_regret")


@dataclass(frozen=True)
class Measure:
    """An outcome of a study.

    Attributes:
        name: The study's name for it (``held_feb``).
        column: The outcome it reads (``area_km2_on_2025-02-01``, ``withdrawal_began_by_2025-02-01``, ...).
        better: Whether higher or lower values are better (regret is measured against the best).
    """

    name: str
    column: str
    better: Better


@dataclass(frozen=True)
class Goal:
    """A goal on one outcome: ``value >= threshold`` (or ``<=``) in a future.

    Attributes:
        name: The study's name for it.
        outcome: The name of the ``Measure`` it is on.
        op: ``>=`` or ``<=``.
        threshold: The value to reach.
        share: If set, the share of the future's replications that must meet the threshold; if None,
            the future's mean must.
    """

    name: str
    outcome: str
    op: Literal[">=", "<="]
    threshold: float
    share: float | None = None

    def words(self) -> str:
        """Return the goal in words: "held_feb at least 300 in at least 50% of replications"."""
        bound = "at least" if self.op == ">=" else "at most"
        text = f"{self.outcome} {bound} {self.threshold:,g}"
        return f"{text} in at least {self.share:.0%} of replications" if self.share is not None else text


@dataclass(frozen=True)
class Metric:
    """One robustness metric: its key, and the outcome or goal it is of (None for satisficing)."""

    key: str
    outcome: str | None = None
    goal: str | None = None

    def label(self) -> str:
        """Return the metric as text: ``max_regret:held_feb``, ``satisficing``, ``goal:hold_300``."""
        target = self.outcome or self.goal
        return f"{self.key}:{target}" if target else self.key


def parse_metric(text: str, outcomes: Sequence[str], goals: Sequence[str]) -> Metric:
    """Read a metric written as ``satisficing``, ``KEY:OUTCOME`` or ``goal:GOAL``.

    Raises:
        ValueError: Naming what is expected.
    """
    key, _, target = text.partition(":")
    if key == "satisficing" and not target:
        if not goals:
            raise ValueError("satisficing needs goals")
        return Metric("satisficing")
    if key == "goal" and target in goals:
        return Metric("goal", goal=target)
    if key in OUTCOME_METRICS and target in outcomes:
        return Metric(key, outcome=target)
    choices = ["satisficing"] if goals else []
    choices += [f"{k}:{o}" for k in OUTCOME_METRICS for o in outcomes[:1]] + ["goal:GOAL"] * bool(goals)
    raise ValueError(
        f"{text!r} is not a metric: expected {', '.join(choices)} (any outcome: {', '.join(outcomes)})"
    )


def default_ranking(measures: Sequence[Measure], goals: Sequence[Goal]) -> Metric:
    """Return the metric levers are ranked by when the study names none.

    Satisficing when there are goals (what a decision-maker asked for), else the first outcome's
    maximum regret (the most conservative of the regret metrics).
    """
    return Metric("satisficing") if goals else Metric("max_regret", outcome=measures[0].name)


def metric_better(metric: Metric, measures: Sequence[Measure]) -> Better:
    """Return whether a higher or lower value of a metric is better."""
    if metric.key in ("mean", "p10", "p90"):
        return next(m.better for m in measures if m.name == metric.outcome)
    return "lower" if metric.key.endswith("regret") else "higher"


# --- the metrics, for one set of replication weights or many ---------------------------------------


def future_means(values: np.ndarray, streams: np.ndarray | None = None) -> np.ndarray:
    """Return each lever's value in each future: the mean over (resampled) replications.

    Args:
        values: ``(levers, futures, replications)`` per-run values.
        streams: ``(futures, resamples, replications)``: each future's resampled replication indices
            (the same for every lever), or None for the study as run.

    Returns:
        ``(levers, futures)``, or ``(resamples, levers, futures)`` with ``streams``.
    """
    if streams is None:
        return np.asarray(values.mean(axis=-1))
    futures = np.arange(values.shape[1])[:, None, None]
    gathered = values[:, futures, streams]  # (levers, futures, resamples, replications)
    return np.asarray(np.moveaxis(gathered.mean(axis=-1), -1, 0))


def regret(means: np.ndarray, better: Better) -> np.ndarray:
    """Return each lever's regret in each future: how far it falls short of the best lever there.

    Args:
        means: ``(..., levers, futures)`` per-future values.
        better: Whether higher or lower values are better.

    Returns:
        The same shape, every value >= 0; exactly 0 for the best lever of each future (and for any
        lever whose value equals the best's, such as a lever compared with itself).
    """
    if better == "higher":
        return np.asarray(means.max(axis=-2, keepdims=True) - means)
    return np.asarray(means - means.min(axis=-2, keepdims=True))


def goal_met(goal: Goal, values: np.ndarray, streams: np.ndarray | None = None) -> np.ndarray:
    """Return whether each lever meets a goal in each future (the shape of ``future_means``).

    Args:
        goal: The goal.
        values: ``(levers, futures, replications)`` per-run values of the goal's outcome.
        streams: As for ``future_means``.
    """
    compare = np.greater_equal if goal.op == ">=" else np.less_equal
    if goal.share is None:
        return np.asarray(compare(future_means(values, streams), goal.threshold))
    hits = compare(values, goal.threshold).astype(float)
    # A share k/R against the goal's share: a hair of tolerance for the rounding of k/R.
    return np.asarray(future_means(hits, streams) >= goal.share - 1e-12)


def goal_shares(goal: Goal, values: np.ndarray) -> np.ndarray:
    """Return the share of each future's replications meeting a goal's threshold (NaN without ``share``)."""
    if goal.share is None:
        return np.full(values.shape[:2], np.nan)
    compare = np.greater_equal if goal.op == ">=" else np.less_equal
    return np.asarray(compare(values, goal.threshold).mean(axis=-1))


def metric_values(
    values: Mapping[str, np.ndarray],
    measures: Sequence[Measure],
    goals: Sequence[Goal],
    streams: np.ndarray | None = None,
) -> dict[Metric, np.ndarray]:
    """Return every metric of every lever.

    Args:
        values: Each outcome's ``(levers, futures, replications)`` per-run values, by measure name.
        measures: The outcomes.
        goals: The goals.
        streams: ``(futures, resamples, replications)`` resampled replication indices, or None for the
            study as run.

    Returns:
        Each metric's values: ``(levers,)``, or ``(resamples, levers)`` with ``streams``.
    """
    found: dict[Metric, np.ndarray] = {}
    for measure in measures:
        means = future_means(values[measure.name], streams)
        found[Metric("mean", measure.name)] = means.mean(axis=-1)
        for q in PERCENTILES:
            found[Metric(f"p{q}", measure.name)] = np.percentile(means, q, axis=-1)
        lost = regret(means, measure.better)
        found[Metric("mean_regret", measure.name)] = lost.mean(axis=-1)
        found[Metric(f"p{REGRET_PERCENTILE}_regret", measure.name)] = np.percentile(
            lost, REGRET_PERCENTILE, axis=-1
        )
        found[Metric("max_regret", measure.name)] = lost.max(axis=-1)
    if goals:
        met = {goal.name: goal_met(goal, values[goal.outcome], streams) for goal in goals}
        every = np.logical_and.reduce(list(met.values()))
        found[Metric("satisficing")] = every.mean(axis=-1)
        for goal in goals:
            found[Metric("goal", goal=goal.name)] = met[goal.name].mean(axis=-1)
    return found


def metric_words(metric: Metric) -> str:
    """Return a metric in words: "maximum regret of held_feb", "share of futures meeting every goal"."""
    if metric.key == "satisficing":
        return METRICS["satisficing"]
    if metric.key == "goal":
        return f"share of futures meeting {metric.goal}"
    return f"{METRICS[metric.key]} of {metric.outcome}"


def is_share(metric: Metric, measures: Sequence[Measure]) -> bool:
    """Whether a metric's values are shares (satisficing, a goal, or any metric of a yes/no outcome)."""
    if metric.outcome is None:
        return True
    column = next(m.column for m in measures if m.name == metric.outcome)
    return column.startswith("withdrawal_began_by_")


def value_words(value: float, share: bool, signed: bool = False) -> str:
    """Return a metric's value as read: shares as percentages (points when signed), others by size."""
    if value is None or not math.isfinite(value):
        return "-"
    sign = "+" if signed else ""
    if share:
        return f"{value * 100:{sign}.0f} pts" if signed else f"{value:.0%}"
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{value:{sign},.{digits}f}"
