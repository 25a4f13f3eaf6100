"""Differences between two samples of replications, with 95% intervals, paired or not.

The statistics of ``sim compare`` (``sim.analysis.compare``): difference of means (paired t-interval
on the differences, or Welch's), of medians (bootstrap), of restricted mean days until a crossing and
of Kaplan-Meier medians (bootstrap, runs that never cross censored at the end date), of shares
(Newcombe's interval: method 10 paired, the hybrid score interval unpaired), and the share of paired
replications a variant changes. Bootstraps use scipy's percentile method with a fixed seed, so a
comparison repeats exactly.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import stats

from sim.analysis.summary import median_crossing_day
from sim.analysis.survival import kaplan_meier
from sim.analysis.sweep_stats import wilson

CONFIDENCE = 0.95
RESAMPLES = 2000
"""Bootstrap resamples per interval (percentile method): enough for 2.5% and 97.5% points."""
BOOTSTRAP_SEED = 0
_Z = float(stats.norm.ppf(0.5 + CONFIDENCE / 2))
_BOOTSTRAP = {"n_resamples": RESAMPLES, "batch": 200, "vectorized": True, "method": "percentile"}

Kind = Literal["continuous", "days", "binary"]
Statistic = Callable[..., np.ndarray]


@dataclass(frozen=True)
class Difference:
    """A statistic in both runs, their difference (variant - baseline) and its interval."""

    baseline: float
    variant: float
    difference: float
    low: float
    high: float
    method: str

    @property
    def within_noise(self) -> bool:
        """Whether the interval contains 0 (or could not be computed)."""
        return not (self.low > 0 or self.high < 0)


def _bootstrap(
    base: np.ndarray, variant: np.ndarray, statistic: Statistic, paired: bool
) -> tuple[float, float]:
    """Return the percentile bootstrap interval of ``statistic(base, variant)`` (fixed seed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a degenerate resample (all equal) is a valid answer here
        rng = np.random.default_rng(BOOTSTRAP_SEED)
        result = stats.bootstrap((base, variant), statistic, paired=paired, random_state=rng, **_BOOTSTRAP)
    low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
    return (low, high) if math.isfinite(low) and math.isfinite(high) else (math.nan, math.nan)


def _resampling(paired: bool) -> str:
    kind = "paired" if paired else "unpaired"
    return f"{kind} bootstrap (percentile, {RESAMPLES} resamples, seed {BOOTSTRAP_SEED})"


def mean_difference(base: np.ndarray, variant: np.ndarray, paired: bool) -> Difference:
    """Return the difference of means with a t-interval: on the paired differences, or Welch's."""
    diff = float(variant.mean() - base.mean())
    if paired:
        steps = variant - base
        if np.ptp(steps) == 0:  # every replication moved by the same amount (often 0): no spread at all
            low = high = float(steps[0])
        else:
            low, high = stats.ttest_rel(variant, base).confidence_interval(CONFIDENCE)
        method = "paired t"
    elif np.ptp(base) == 0 and np.ptp(variant) == 0:
        low = high = diff
        method = "Welch t"
    else:
        low, high = stats.ttest_ind(variant, base, equal_var=False).confidence_interval(CONFIDENCE)
        method = "Welch t"
    return Difference(float(base.mean()), float(variant.mean()), diff, float(low), float(high), method)


def _median_of(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.asarray(np.median(y, axis=axis) - np.median(x, axis=axis))


def median_difference(base: np.ndarray, variant: np.ndarray, paired: bool) -> Difference:
    """Return the difference of medians with a bootstrap interval (paired when the runs are)."""
    a, b = float(np.median(base)), float(np.median(variant))
    return Difference(a, b, b - a, *_bootstrap(base, variant, _median_of, paired), _resampling(paired))


def _capped(days: np.ndarray, horizon: int) -> np.ndarray:
    """Each run's days until the crossing, those that never cross counted as the horizon: min(T, horizon)."""
    return np.where(np.isnan(days), float(horizon), np.minimum(days, horizon))


def restricted_mean(days: np.ndarray, horizon: int) -> float:
    """Return the restricted mean time to crossing: the area under the Kaplan-Meier curve up to the horizon.

    Crossing days are whole days, so this is the sum of the survival curve over days 0 ... horizon - 1;
    with every run censored at the same horizon it equals ``mean(min(T, horizon))``, which the bootstrap
    uses on each resample.
    """
    return float(kaplan_meier(days, horizon).sf[:-1].sum())


def rmst_difference(base: np.ndarray, variant: np.ndarray, horizon: int, paired: bool) -> Difference:
    """Return the difference of restricted mean days until the crossing, with a bootstrap interval."""
    a, b = restricted_mean(base, horizon), restricted_mean(variant, horizon)

    def statistic(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.asarray(y.mean(axis=axis) - x.mean(axis=axis))

    low, high = _bootstrap(_capped(base, horizon), _capped(variant, horizon), statistic, paired)
    return Difference(a, b, b - a, low, high, "restricted mean (Kaplan-Meier), " + _resampling(paired))


def km_median_difference(base: np.ndarray, variant: np.ndarray, paired: bool) -> Difference:
    """Return the difference of Kaplan-Meier median crossing days (NaN where fewer than half cross)."""
    a, b = median_crossing_day(base), median_crossing_day(variant)
    if a is None or b is None:
        nan = math.nan
        return Difference(
            nan if a is None else a, nan if b is None else b, nan, nan, nan, "median not reached"
        )

    def statistic(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
        # The Kaplan-Meier median with one censoring time (median_crossing_day), vectorised over resamples.
        with np.errstate(invalid="ignore"):
            q = [np.quantile(v, 0.5, axis=axis, method="inverted_cdf") for v in (x, y)]
            return np.asarray(q[1] - q[0])

    never = [np.where(np.isnan(v), np.inf, v) for v in (base, variant)]
    low, high = _bootstrap(never[0], never[1], statistic, paired)
    return Difference(a, b, b - a, low, high, "Kaplan-Meier median, " + _resampling(paired))


def newcombe_phi(both: float, only_first: float, only_second: float, neither: float) -> float:
    """Return Newcombe's correlation of a paired 2x2 table, with his continuity correction (method 10).

    ``A = both x neither - only_first x only_second``; phi is ``(A - n/2) / sqrt(margins)`` when A > n/2,
    0 when 0 <= A <= n/2, and ``A / sqrt(margins)`` when A < 0 (Newcombe, Statistics in Medicine 17,
    2635-2650, 1998, doi:10.1002/(SICI)1097-0258(19981130)17:22<2635::AID-SIM954>3.0.CO;2-C); 0 when a
    margin is empty.
    """
    n = both + only_first + only_second + neither
    margins = (both + only_first) * (only_second + neither) * (both + only_second) * (only_first + neither)
    if margins <= 0:
        return 0.0
    product = both * neither - only_first * only_second
    if product > n / 2:
        return (product - n / 2) / math.sqrt(margins)
    if product >= 0:
        return 0.0
    return product / math.sqrt(margins)


def share_difference(base: np.ndarray, variant: np.ndarray, paired: bool) -> Difference:
    """Return the difference of two shares (0/1 per run) with Newcombe's interval.

    Paired: Newcombe's method 10 (1998), Wilson intervals of both shares combined with the corrected phi
    correlation of the 2x2 table (``newcombe_phi``); unpaired: the same with phi = 0 (the hybrid score
    interval).
    """
    n_b, n_v = base.size, variant.size
    p_b, p_v = float(base.mean()), float(variant.mean())
    l_b, u_b = wilson(float(base.sum()), n_b, _Z)
    l_v, u_v = wilson(float(variant.sum()), n_v, _Z)
    phi = 0.0
    if paired:
        both, only_b, only_v, neither = (
            float(np.sum((base == b) & (variant == v))) for b, v in ((1, 1), (1, 0), (0, 1), (0, 0))
        )
        phi = newcombe_phi(both, only_b, only_v, neither)
    below = (p_v - l_v) ** 2 - 2 * phi * (p_v - l_v) * (u_b - p_b) + (u_b - p_b) ** 2
    above = (u_v - p_v) ** 2 - 2 * phi * (u_v - p_v) * (p_b - l_b) + (p_b - l_b) ** 2
    diff = p_v - p_b
    low, high = diff - math.sqrt(max(below, 0.0)), diff + math.sqrt(max(above, 0.0))
    method = "Newcombe paired (method 10)" if paired else "Newcombe hybrid score"
    return Difference(p_b, p_v, diff, low, high, method)


def changed(base: np.ndarray, variant: np.ndarray, kind: Kind, horizon: int) -> tuple[float, float, float]:
    """Return the shares of paired replications the variant changes: at all, upward, downward.

    A days outcome counts "never crossed" as later than any crossing, so crossing on the last day and
    never crossing differ.
    """
    if kind == "days":
        base, variant = (np.where(np.isnan(v), horizon + 1.0, v) for v in (base, variant))
    higher, lower = float(np.mean(variant > base)), float(np.mean(variant < base))
    return higher + lower, higher, lower


DIRECTION = {
    "days": ("later", "sooner"),
    "share": ("more often", "less often"),
}
"""How a difference beyond noise reads, by unit (otherwise "higher" / "lower")."""


def verdict(row: Mapping[str, Any]) -> str:
    """Return what a row of ``compare.parquet`` says in words: beyond noise which way, or not.

    "no run changed" when the variant left every paired replication as it was; "within noise" when the
    interval contains 0; otherwise the direction by unit ("later", "more often", "higher", ...).
    """
    if row["paired"] and row["share_changed"] == 0:
        return "no run changed"
    if row["within_noise"]:
        return "within noise"
    up, down = DIRECTION.get(str(row["unit"]), ("higher", "lower"))
    return f"{up if row['difference'] > 0 else down}, beyond noise"


def value_text(value: float, unit: str, signed: bool = False) -> str:
    """Return a value in its unit's precision: shares as percentages (points if signed), others by size."""
    if not math.isfinite(value):
        return "-"
    if value == 0 and signed:
        return "0"  # no change at all, as paired runs often show before a variant's change takes effect
    sign = "+" if signed else ""
    if unit == "share":
        return f"{value * 100:{sign},.1f}" + ("" if signed else "%")
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{value:{sign},.{digits}f}"
