"""Survival of "the held area has not yet fallen below X km2": Kaplan-Meier with censoring at the horizon.

A run's *crossing day* for a threshold X is the first recorded day on which its held area was strictly
below X (the ``day_below_<X>`` columns of ``outcomes.parquet``). Runs that never cross are right-censored
at the horizon: all we know is that their crossing, if any, comes after the end date. The survival
function ``S(t) = P(crossing day > t)`` is the probability that on day ``t`` the held area has not yet
fallen below X. Since every run is followed to the same horizon, the Kaplan-Meier estimate equals the
plain share of runs not yet below X; it is computed with ``scipy.stats.ecdf`` all the same, which also
gives Greenwood confidence bands and keeps the estimate right if runs are ever censored earlier.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Survival:
    """The Kaplan-Meier survival curve of one threshold, on whole days 0 ... horizon.

    Attributes:
        threshold_km2: The area X.
        days: Days after the start, 0 ... horizon.
        sf: Estimated probability that the held area has not yet fallen below X on each day.
        low: Lower end of the pointwise confidence band.
        high: Upper end of the pointwise confidence band.
        crossed: Runs that fell below X by the horizon.
        censored: Runs that never did (censored at the horizon).
        confidence: Confidence level of the band.
    """

    threshold_km2: float
    days: np.ndarray
    sf: np.ndarray
    low: np.ndarray
    high: np.ndarray
    crossed: int
    censored: int
    confidence: float

    @property
    def runs(self) -> int:
        """Number of runs."""
        return self.crossed + self.censored


def kaplan_meier(
    crossing_days: np.ndarray,
    horizon_days: int,
    threshold_km2: float = float("nan"),
    confidence: float = 0.95,
) -> Survival:
    """Return the Kaplan-Meier survival curve of crossing days, runs that never cross censored at the horizon.

    Args:
        crossing_days: One value per run: the first day below the threshold, NaN if never.
        horizon_days: The last recorded day; runs that never crossed are censored there.
        threshold_km2: The threshold, carried into the result.
        confidence: Confidence level of the pointwise band (Greenwood's formula, scipy's default).

    Returns:
        The curve evaluated on every day 0 ... ``horizon_days``. Where Greenwood's band is undefined
        (once the estimate reaches 0) the band collapses onto the estimate.

    Raises:
        ValueError: If there are no runs.
    """
    values = np.asarray(crossing_days, dtype=float)
    if values.size == 0:
        raise ValueError("no runs to estimate a survival curve from")
    crossed = values[~np.isnan(values)]
    censored = np.full(int(np.isnan(values).sum()), float(horizon_days))
    result = stats.ecdf(stats.CensoredData(uncensored=crossed, right=censored))
    with warnings.catch_warnings():
        # scipy warns that the band is undefined where the estimate is 0; handled below.
        warnings.simplefilter("ignore", RuntimeWarning)
        band = result.sf.confidence_interval(confidence)
    days = np.arange(horizon_days + 1)
    sf = result.sf.evaluate(days)
    low = band.low.evaluate(days)
    high = band.high.evaluate(days)
    low = np.where(np.isnan(low), sf, low)
    high = np.where(np.isnan(high), sf, high)
    return Survival(
        threshold_km2=threshold_km2,
        days=days,
        sf=sf,
        low=np.minimum(low, sf),
        high=np.maximum(high, sf),
        crossed=int(crossed.size),
        censored=int(censored.size),
        confidence=confidence,
    )
