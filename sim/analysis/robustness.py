"""Robustness of courses of action across futures: regret, satisficing and their Monte Carlo intervals.

A study runs every lever (course of action) in every future (a draw of the deep uncertainties) for R
replications with common random numbers: replication r of future f drew the same random numbers
whatever the lever. Each outcome gives an array ``values[lever, future, replication]`` of per-run
values (``sim.analysis.sweep_stats.per_run_values``: days until a threshold count a run that never
crossed at the end date, a withdrawal by a date is 0 or 1). From it:

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

**Monte Carlo intervals.** The futures are the set of conditions the study asks about; what is
uncertain about a metric is the noise of R replications per future. The replication streams are the
independent units (replication r shares its random numbers across every lever and future), so the
intervals resample replication streams, the same ones for every lever and future, which keeps the
pairing: two levers are compared on the same noise (scipy's bootstrap, 2,000 resamples with a fixed
seed, as in ``sim.analysis.differences``). A lever's metric gets the *basic* (reverse percentile)
interval: percentiles, regret and satisficing are not averages, and a maximum of noisy values is biased
upward (a lever looks worse than the best by noise alone); the basic interval corrects that bias to
first order, where the percentile interval would repeat it. A metric whose estimate lies outside its
interval is dominated by noise (``noise_dominated``): more replications per future are needed before it
is read. Intervals are clipped to what the metric can take (regret >= 0, shares in [0, 1]).

Two levers are **not distinguishable** on a metric when the 95% interval of their difference contains
0. The difference of their means across futures is ``differences.mean_difference`` on each stream's
mean over futures (a paired t-interval, as ``sim compare`` uses); every other difference gets the
*percentile* interval of its bootstrap distribution, which excludes 0 only when one lever does better
than the other in more than 97.5% of the resampled replication streams.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.differences import BOOTSTRAP_SEED, CONFIDENCE, RESAMPLES, mean_difference

Better = Literal["higher", "lower"]
PERCENTILES = (10, 90)
"""Percentiles of an outcome across futures."""
REGRET_PERCENTILE = 90
"""The percentile of regret across futures reported beside its mean and maximum."""
BATCH_VALUES = 20_000_000
"""Most values a bootstrap batch gathers at once (levers x futures x replications x resamples)."""

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
        column: The outcome it reads (``area_km2_on_2025-02-01``, ``withdrawn_by_2025-02-01``, ...).
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
        streams: ``(resamples, replications)`` replication indices, or None for the study as run.

    Returns:
        ``(levers, futures)``, or ``(resamples, levers, futures)`` with ``streams``.
    """
    if streams is None:
        return np.asarray(values.mean(axis=-1))
    gathered = values[:, :, streams]  # (levers, futures, resamples, replications)
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
        streams: ``(resamples, replications)`` replication indices, or None for the study as run.

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


# --- intervals, differences and ranking ----------------------------------------------------------


@dataclass
class Assessment:
    """What a study's metrics say about its levers.

    Attributes:
        levers: The levers, in study order.
        metrics: Every metric, in table order.
        values: Each metric's value per lever.
        low: Each metric's lower 95% Monte Carlo limit per lever.
        high: Each metric's upper limit.
        pairs: One row per metric and pair of levers: the difference (lever minus other), its 95%
            interval, whether it is within Monte Carlo noise, and the method.
        ranking: One row per metric and lever: rank (1 the most robust), value and interval, whether
            the lever is among the best (not distinguishable from the first), and the levers it is not
            distinguishable from.
    """

    levers: list[str]
    metrics: list[Metric]
    values: dict[Metric, np.ndarray]
    low: dict[Metric, np.ndarray]
    high: dict[Metric, np.ndarray]
    pairs: pd.DataFrame
    ranking: pd.DataFrame

    def table(self, measures: Sequence[Measure]) -> pd.DataFrame:
        """Return the robustness table: one row per lever and metric, with the interval."""
        rows = []
        for metric in self.metrics:
            better = metric_better(metric, measures)
            for index, lever in enumerate(self.levers):
                rows.append(
                    {
                        "lever": lever,
                        "metric": metric.key,
                        "outcome": metric.outcome,
                        "goal": metric.goal,
                        "value": float(self.values[metric][index]),
                        "low": float(self.low[metric][index]),
                        "high": float(self.high[metric][index]),
                        "noise_dominated": bool(
                            not self.low[metric][index]
                            <= self.values[metric][index]
                            <= self.high[metric][index]
                        ),
                        "better": better,
                    }
                )
        return pd.DataFrame(rows)


def _stream_bootstrap(
    values: Mapping[str, np.ndarray],
    measures: Sequence[Measure],
    goals: Sequence[Goal],
    levers: int,
) -> tuple[list[Metric], np.ndarray, np.ndarray]:
    """Return every metric's and pairwise difference's percentile interval, resampling replication streams.

    Returns:
        The metrics, then ``low`` and ``high`` of shape ``(metrics, levers + pairs)``: each lever's
        value, then each pair's difference (lever a minus lever b, a before b in study order).
    """
    first = next(iter(values.values()))
    replications = first.shape[-1]
    pairs = [(a, b) for a in range(levers) for b in range(a + 1, levers)]
    order: list[Metric] = []

    def statistic(streams: np.ndarray, axis: int = -1) -> np.ndarray:
        streams = np.asarray(streams, dtype=np.intp)
        single = streams.ndim == 1
        found = metric_values(values, measures, goals, np.atleast_2d(streams))
        order[:] = list(found)
        columns = []
        for metric in found.values():  # (resamples, levers)
            differences = [metric[:, a] - metric[:, b] for a, b in pairs]
            columns.append(np.column_stack([metric, *differences]) if differences else metric)
        stacked = np.stack(columns)  # (metrics, resamples, levers + pairs)
        stacked = np.moveaxis(stacked, 1, -1)
        return stacked[..., 0] if single else stacked

    batch = max(1, min(200, BATCH_VALUES // max(1, first.size)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a metric equal in every resample (a lever against itself) is fine
        result = stats.bootstrap(
            (np.arange(replications),),
            statistic,
            n_resamples=RESAMPLES,
            batch=batch,
            vectorized=True,
            method="percentile",
            confidence_level=CONFIDENCE,
            random_state=np.random.default_rng(BOOTSTRAP_SEED),
        )
    low = np.asarray(result.confidence_interval.low, dtype=float)
    high = np.asarray(result.confidence_interval.high, dtype=float)
    return order, low, high


def assess(
    values: Mapping[str, np.ndarray],
    levers: Sequence[str],
    measures: Sequence[Measure],
    goals: Sequence[Goal] = (),
) -> Assessment:
    """Compute every metric of every lever with its interval, the pairwise differences and the rankings.

    Args:
        values: Each outcome's ``(levers, futures, replications)`` per-run values, by measure name
            (replication r of every lever and future drew the same random numbers).
        levers: The levers' names, in the order of the arrays' first axis.
        measures: The outcomes.
        goals: The goals (none: no satisficing).

    Raises:
        ValueError: If the arrays do not match the levers or hold a value that is not finite.
    """
    for name, array in values.items():
        if array.ndim != 3 or array.shape[0] != len(levers):
            raise ValueError(f"{name}: expected (levers, futures, replications), got {array.shape}")
        if not np.isfinite(array).all():
            raise ValueError(f"{name}: some runs have no value (not a number)")
    point = metric_values(values, measures, goals)
    count = len(levers)
    if next(iter(values.values())).shape[-1] > 1:
        order, low, high = _stream_bootstrap(values, measures, goals, count)
    else:  # one replication per future: nothing to resample
        order = list(point)
        low = high = np.full((len(order), count + count * (count - 1) // 2), np.nan)
    metrics = list(point)
    index = {metric: order.index(metric) for metric in metrics}
    lows, highs = {}, {}
    for m in metrics:
        least, most = _bounds(m, values)
        # The basic (reverse percentile) interval: 2 x estimate - the percentile interval's ends.
        lows[m] = np.clip(2 * point[m] - high[index[m], :count], least, most)
        highs[m] = np.clip(2 * point[m] - low[index[m], :count], least, most)
    pairs = _pairs(values, levers, measures, metrics, point, low, high, index)
    ranking = _ranking(levers, measures, metrics, point, lows, highs, pairs)
    return Assessment(list(levers), metrics, point, lows, highs, pairs, ranking)


def _bounds(metric: Metric, values: Mapping[str, np.ndarray]) -> tuple[float, float]:
    """Return the least and greatest value a metric can take, to clip its interval to."""
    if metric.outcome is None:
        return 0.0, 1.0
    runs = values[metric.outcome]
    if metric.key.endswith("regret"):
        return 0.0, float(np.ptp(runs))
    return float(runs.min()), float(runs.max())


def _pairs(
    values: Mapping[str, np.ndarray],
    levers: Sequence[str],
    measures: Sequence[Measure],
    metrics: Sequence[Metric],
    point: Mapping[Metric, np.ndarray],
    low: np.ndarray,
    high: np.ndarray,
    index: Mapping[Metric, int],
) -> pd.DataFrame:
    """Return one row per metric and pair of levers: the difference and whether it is beyond noise."""
    count = len(levers)
    pairs = [(a, b) for a in range(count) for b in range(a + 1, count)]
    method = (
        f"paired bootstrap of replication streams (percentile, {RESAMPLES} resamples, seed {BOOTSTRAP_SEED})"
    )
    rows = []
    for metric in metrics:
        for column, (a, b) in enumerate(pairs, start=count):
            difference = float(point[metric][a] - point[metric][b])
            lo, hi, how = float(low[index[metric], column]), float(high[index[metric], column]), method
            if metric.key == "mean" and metric.outcome is not None:
                # The mean across futures is a mean over replication streams of each stream's mean over
                # futures: sim compare's paired difference of means applies as it stands.
                streams = values[metric.outcome].mean(axis=1)  # (levers, replications)
                if streams.shape[-1] > 1:
                    found = mean_difference(streams[b], streams[a], paired=True)
                    lo, hi, how = found.low, found.high, "paired t on each replication stream's mean"
            rows.append(
                {
                    "metric": metric.key,
                    "outcome": metric.outcome,
                    "goal": metric.goal,
                    "lever": levers[a],
                    "other": levers[b],
                    "difference": difference,
                    "low": lo,
                    "high": hi,
                    "within_noise": not (lo > 0 or hi < 0),
                    "method": how,
                }
            )
    columns = ["metric", "outcome", "goal", "lever", "other", "difference", "low", "high", "within_noise"]
    return pd.DataFrame(rows, columns=[*columns, "method"])


def _ranking(
    levers: Sequence[str],
    measures: Sequence[Measure],
    metrics: Sequence[Metric],
    point: Mapping[Metric, np.ndarray],
    low: Mapping[Metric, np.ndarray],
    high: Mapping[Metric, np.ndarray],
    pairs: pd.DataFrame,
) -> pd.DataFrame:
    """Return each metric's levers from most to least robust, with the levers each cannot be told from."""
    rows = []
    for metric in metrics:
        sign = 1.0 if metric_better(metric, measures) == "higher" else -1.0
        scores = sign * point[metric]
        order = sorted(range(len(levers)), key=lambda i: (-scores[i], i))
        mine = pairs[(pairs["metric"] == metric.key) & _same(pairs, metric)]
        tied: dict[str, list[str]] = {lever: [] for lever in levers}
        for row in mine.itertuples():
            if row.within_noise:
                tied[str(row.lever)].append(str(row.other))
                tied[str(row.other)].append(str(row.lever))
        top = levers[order[0]]
        for position, i in enumerate(order):
            rank = 1 + sum(1 for j in range(len(levers)) if scores[j] > scores[i])
            lever = levers[i]
            rows.append(
                {
                    "metric": metric.key,
                    "outcome": metric.outcome,
                    "goal": metric.goal,
                    "position": position + 1,
                    "rank": rank,
                    "lever": lever,
                    "value": float(point[metric][i]),
                    "low": float(low[metric][i]),
                    "high": float(high[metric][i]),
                    "best": lever == top or top in tied[lever],
                    "not_distinguishable_from": ", ".join(sorted(tied[lever], key=levers.index)),
                }
            )
    return pd.DataFrame(rows)


def _same(table: pd.DataFrame, metric: Metric) -> pd.Series:
    """Rows of ``table`` about the same outcome and goal as ``metric`` (None matching a missing value)."""
    outcome = table["outcome"].isna() if metric.outcome is None else table["outcome"] == metric.outcome
    goal = table["goal"].isna() if metric.goal is None else table["goal"] == metric.goal
    return outcome & goal


def finite(value: float) -> float | None:
    """Return a number for JSON: None in place of NaN."""
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


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
    return column.startswith("withdrawn_by_")


def value_words(value: float, share: bool, signed: bool = False) -> str:
    """Return a metric's value as read: shares as percentages (points when signed), others by size."""
    if value is None or not math.isfinite(value):
        return "-"
    sign = "+" if signed else ""
    if share:
        return f"{value * 100:{sign}.0f} pts" if signed else f"{value:.0%}"
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{value:{sign},.{digits}f}"


def ranking_rows(assessment: Assessment, metric: Metric) -> pd.DataFrame:
    """Return the ranking table's rows of one metric, the most robust lever first."""
    table = assessment.ranking
    return table[(table["metric"] == metric.key) & _same(table, metric)]


def ranking_sentence(
    assessment: Assessment, metric: Metric, measures: Sequence[Measure], futures: int
) -> str:
    """Return the answer on one metric: the most robust lever, and which levers it cannot be told from."""
    rows = ranking_rows(assessment, metric)
    share = is_share(metric, measures)
    first = rows.iloc[0]

    def said(row: pd.Series) -> str:
        interval = f"{value_words(row['low'], share)} to {value_words(row['high'], share)}"
        return f"{value_words(row['value'], share)} (95% interval {interval})"

    better = metric_better(metric, measures)
    lead = (
        f"By the {metric_words(metric)} ({better} is better, over {futures} futures), the most robust "
        f"lever is {first['lever']}: {said(first)}"
    )
    tied = [row for _, row in rows.iloc[1:].iterrows() if row["best"]]
    if not tied:
        return f"{lead}; every other lever is distinguishable from it beyond Monte Carlo noise."
    others = "; ".join(f"{row['lever']} {said(row)}" for row in tied)
    verb = "is" if len(tied) == 1 else "are"
    return f"{lead}; not distinguishable from it beyond Monte Carlo noise {verb}: {others}."
