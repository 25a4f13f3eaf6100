"""Per-point numbers of a sweep, with their Monte Carlo uncertainty.

A sweep point's outcome is summarised over its replications: the median with the 10-90% range of runs
and a 95% confidence interval of the median (from order statistics), or, for a yes/no outcome such as
``withdrawal_began_by_<date>``, the share of runs with a 95% Wilson interval. With 30 runs a share carries
about ±15 points, which a figure must show before two points are compared.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from scipy import stats

from sim.analysis.outcomes import WITHDRAWAL_BEGAN_BY, outcome_values
from sim.scenario.schema import Scenario


def is_share(outcome: str) -> bool:
    """Whether an outcome is yes/no per run (summarised as a share of runs)."""
    return outcome.startswith(WITHDRAWAL_BEGAN_BY)


@dataclass(frozen=True)
class PointStats:
    """An outcome summarised per point (arrays indexed by point).

    Attributes:
        share: Whether the outcome is yes/no (``centre`` is then the share of runs).
        centre: The median (or the share).
        low: 10% of runs (or the share's 95% lower limit).
        high: 90% of runs (or the share's 95% upper limit).
        ci_low: The 95% confidence limits of ``centre`` (Monte Carlo uncertainty).
        ci_high: Upper limit of the same.
        runs: Runs per point.
    """

    share: bool
    centre: np.ndarray
    low: np.ndarray
    high: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    runs: np.ndarray


def wilson(successes: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """Return the Wilson score interval of a share (successes of n)."""
    if n <= 0:
        return math.nan, math.nan
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def median_interval(values: np.ndarray, z: float = 1.96) -> tuple[float, float]:
    """Return a confidence interval of a median from order statistics (distribution-free, exact).

    The interval runs from the j-th to the (n - j + 1)-th smallest value, with j the largest rank for
    which the binomial chance that fewer than j values fall below the median is under alpha / 2, so
    it covers the true median at least 1 - alpha of the time (95% for the default ``z``).
    """
    ordered = np.sort(values)
    n = ordered.size
    if n == 0:
        return math.nan, math.nan
    alpha = 2.0 * float(stats.norm.sf(z))
    rank = int(stats.binom.ppf(alpha / 2.0, n, 0.5))  # 1-based j; 0 when n is too small for any
    if rank < 1:
        return float(ordered[0]), float(ordered[-1])
    return float(ordered[rank - 1]), float(ordered[n - rank])


def point_stats(outcomes: pa.Table, scenario: Scenario, outcome: str, points: int) -> PointStats:
    """Summarise an outcome per point of a sweep (``outcomes`` has a ``point`` column).

    Raises:
        InputError: As ``sim.analysis.outcomes.outcome_values``.
    """
    values = outcome_values(outcomes, scenario, outcome)
    point = outcomes["point"].to_numpy()
    share = is_share(outcome)
    arrays = {name: np.full(points, np.nan) for name in ("centre", "low", "high", "ci_low", "ci_high")}
    runs = np.zeros(points, dtype=int)
    for p in range(points):
        chosen = values[point == p]
        runs[p] = chosen.size
        if not chosen.size:
            continue
        if share:
            successes = float(chosen.sum())
            arrays["centre"][p] = successes / chosen.size
            arrays["low"][p], arrays["high"][p] = wilson(successes, chosen.size)
            arrays["ci_low"][p], arrays["ci_high"][p] = arrays["low"][p], arrays["high"][p]
        else:
            arrays["centre"][p] = float(np.median(chosen))
            arrays["low"][p], arrays["high"][p] = (float(v) for v in np.percentile(chosen, [10, 90]))
            arrays["ci_low"][p], arrays["ci_high"][p] = median_interval(chosen)
    return PointStats(share, runs=runs, **arrays)
