"""Monte Carlo intervals of a study's robustness metrics, the differences between levers, the rankings.

**Monte Carlo intervals.** The futures are the set of conditions the study asks about; what is
uncertain about a metric is the noise of R replications per future. Replication r of a future drew the
same random numbers for every lever, and each future's replications are its own, so the intervals
resample each future's replications independently, the same resample for every lever, which keeps the
pairing: two levers are compared on the same noise (scipy's bootstrap, 2,000 resamples with a fixed
seed, as in ``sim.analysis.differences``). A lever's metric gets the *basic* (reverse percentile)
interval: percentiles, regret and satisficing are not averages, and a maximum of noisy values is biased
upward (a lever looks worse than the best by noise alone); the basic interval corrects that bias to
first order, where the percentile interval would repeat it. A metric whose estimate lies outside its
interval is dominated by noise (``noise_dominated``): more replications per future are needed before it
is read. Intervals are clipped to what the metric can take (regret >= 0, shares in [0, 1]).

Two levers are **not distinguishable** on a metric when the 95% interval of their difference contains
0. The difference of their means across futures is ``differences.mean_difference`` on each replication
index's mean over the futures (R independent means, paired across levers: the t-interval ``sim compare``
uses); every other difference gets the *percentile* interval of its bootstrap distribution, which
excludes 0 only when one lever does better than the other in more than 97.5% of the resamples.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.differences import BOOTSTRAP_SEED, CONFIDENCE, RESAMPLES, mean_difference
from sim.analysis.robustness import (
    Goal,
    Measure,
    Metric,
    is_share,
    metric_better,
    metric_values,
    metric_words,
    value_words,
)

BATCH_VALUES = 20_000_000
"""Most values a bootstrap batch gathers at once (levers x futures x replications x resamples)."""


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
    """Return every metric's and pairwise difference's percentile interval, resampling each future's runs.

    Returns:
        The metrics, then ``low`` and ``high`` of shape ``(metrics, levers + pairs)``: each lever's
        value, then each pair's difference (lever a minus lever b, a before b in study order).
    """
    first = next(iter(values.values()))
    futures, replications = first.shape[1:]
    pairs = [(a, b) for a in range(levers) for b in range(a + 1, levers)]
    order: list[Metric] = []

    def statistic(*samples: np.ndarray, axis: int = -1) -> np.ndarray:
        # One sample of replication indices per future, resampled independently by scipy.
        streams = np.stack([np.asarray(sample, dtype=np.intp) for sample in samples])
        single = streams.ndim == 2
        found = metric_values(values, measures, goals, streams[:, None, :] if single else streams)
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
            tuple(np.arange(replications) for _ in range(futures)),
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
        f"paired bootstrap of each future's replications (percentile, {RESAMPLES} resamples, "
        f"seed {BOOTSTRAP_SEED})"
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
                    lo, hi, how = (
                        found.low,
                        found.high,
                        "paired t on each replication index's mean over futures",
                    )
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
