"""The curves fitted to CDB90: the engagement law's success curve and the advance rate of successful attacks.

``sim.grounding.cdb90`` fits them; these are the fitted values, with the curves they define.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import special

from sim.grounding.cdb90_data import FITTED_POSTURES


@dataclass(frozen=True)
class SuccessCurveFit:
    """Logistic success curve ``logit P(attacker wins) = a + b ln(R) + offset(posture)``.

    Attributes:
        intercept: ``a``, the log-odds of success at force ratio 1 against a hasty defence.
        slope: ``b``, the change in log-odds per unit of ln(force ratio).
        pd_offset: Log-odds offset for a prepared defence (``PD``) relative to hasty (``HD``).
        fd_offset: Log-odds offset for a fortified defence (``FD``) relative to hasty.
        intercept_se: Standard error of ``intercept`` (inverse observed information).
        slope_se: Standard error of ``slope``.
        pd_offset_se: Standard error of ``pd_offset``.
        fd_offset_se: Standard error of ``fd_offset``.
        n: Number of battles fitted.
        n_successes: Number of those the attacker won.
        log_likelihood: Maximised log-likelihood.
        covariance: 4 x 4 covariance matrix of (intercept, slope, pd_offset, fd_offset), row-major.
    """

    intercept: float
    slope: float
    pd_offset: float
    fd_offset: float
    intercept_se: float
    slope_se: float
    pd_offset_se: float
    fd_offset_se: float
    n: int
    n_successes: int
    log_likelihood: float
    covariance: tuple[tuple[float, ...], ...]

    @property
    def posture_offsets(self) -> dict[str, float]:
        """Log-odds offset of each fitted posture (``HD`` is 0 by construction)."""
        return {"HD": 0.0, "PD": self.pd_offset, "FD": self.fd_offset}

    def posture_offset(self, posture: str) -> float:
        """Log-odds offset of ``posture`` relative to a hasty defence.

        Args:
            posture: One of ``HD``, ``PD``, ``FD``.

        Returns:
            The offset (0 for ``HD``).

        Raises:
            ValueError: If ``posture`` is not a fitted posture.
        """
        offsets = self.posture_offsets
        if posture not in offsets:
            raise ValueError(f"posture must be one of {FITTED_POSTURES}, got {posture!r}")
        return offsets[posture]

    def log_odds(self, force_ratio: float, posture: str = "HD") -> float:
        """Linear predictor ``a + b ln(R) + offset(posture)``.

        Args:
            force_ratio: Attacker strength over defender strength, > 0.
            posture: Defender posture, one of ``HD``, ``PD``, ``FD``.

        Returns:
            The log-odds that the attacker wins.

        Raises:
            ValueError: If the ratio is not a positive finite number or the posture is unknown.
        """
        if not (math.isfinite(force_ratio) and force_ratio > 0):
            raise ValueError(f"force_ratio must be positive and finite, got {force_ratio!r}")
        return self.intercept + self.slope * math.log(force_ratio) + self.posture_offset(posture)

    def probability(self, force_ratio: float, posture: str = "HD") -> float:
        """Probability that the attack succeeds.

        Args:
            force_ratio: Attacker strength over defender strength, > 0.
            posture: Defender posture, one of ``HD``, ``PD``, ``FD``.

        Returns:
            P(attacker wins) in (0, 1).

        Raises:
            ValueError: If the ratio is not a positive finite number or the posture is unknown.
        """
        return float(special.expit(self.log_odds(force_ratio, posture)))

    def force_ratio_for(self, probability: float, posture: str = "HD") -> float:
        """Force ratio at which the attack succeeds with the given probability.

        Args:
            probability: Target success probability in (0, 1).
            posture: Defender posture, one of ``HD``, ``PD``, ``FD``.

        Returns:
            The force ratio R with ``probability(R, posture) == probability``.

        Raises:
            ValueError: If the probability is outside (0, 1), the posture is unknown or the slope is 0.
        """
        if not 0.0 < probability < 1.0:
            raise ValueError(f"probability must be in (0, 1), got {probability!r}")
        if self.slope == 0.0:
            raise ValueError("slope is 0: success does not depend on the force ratio")
        logit = float(special.logit(probability))
        return math.exp((logit - self.intercept - self.posture_offset(posture)) / self.slope)


@dataclass(frozen=True)
class AdvanceFit:
    """Advance per day of successful attacks, with a lognormal summary and a force-ratio trend.

    Attributes:
        n: Successful attacks with a recorded advance and duration.
        n_zero: Those with zero advance (left out of the log-space statistics).
        median_km_per_day: Median advance per day over all ``n`` (zeros included).
        log_mean: ``mu``, mean of ln(km per day) over the ``n - n_zero`` positive advances.
        log_sd: ``sigma``, sample standard deviation (ddof=1) of ln(km per day).
        ratio_intercept: Least-squares intercept of ln(km per day) on ln(force ratio).
        ratio_slope: Least-squares slope of ln(km per day) on ln(force ratio) (an elasticity).
        ratio_slope_se: Standard error of ``ratio_slope``.
        ratio_r_squared: Coefficient of determination of that regression.
    """

    n: int
    n_zero: int
    median_km_per_day: float
    log_mean: float
    log_sd: float
    ratio_intercept: float
    ratio_slope: float
    ratio_slope_se: float
    ratio_r_squared: float

    @property
    def n_positive(self) -> int:
        """Number of positive advances used in log space."""
        return self.n - self.n_zero

    @property
    def lognormal_median_km_per_day(self) -> float:
        """Median of the fitted lognormal, ``exp(mu)``."""
        return math.exp(self.log_mean)

    def typical_km_per_day(self, force_ratio: float) -> float:
        """Regression's geometric-mean advance per day at a force ratio.

        Args:
            force_ratio: Attacker strength over defender strength, > 0.

        Returns:
            ``exp(ratio_intercept + ratio_slope * ln(force_ratio))`` in km per day.

        Raises:
            ValueError: If the ratio is not a positive finite number.
        """
        if not (math.isfinite(force_ratio) and force_ratio > 0):
            raise ValueError(f"force_ratio must be positive and finite, got {force_ratio!r}")
        return math.exp(self.ratio_intercept + self.ratio_slope * math.log(force_ratio))
