"""The parametric distribution families a scenario number may take instead of a fixed value.

Every distribution is sampled by its inverse CDF (``ppf``) from one uniform draw, so the same
uniform gives the same quantile whatever the distribution's family: this keeps common random
numbers across a sweep and lets designed experiments (LHS, Sobol) reuse the same code. The
distribution read from a file is in ``sim.scenario.empirical``; the union of all of them, and the
scenario numbers that may be one, in ``sim.scenario.distributions``.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import special

from sim.scenario import limits

U_LOWEST = 0.5 / 9007199254740992.0
"""The smallest uniform the sampler draws (``sim.scenario.parameters.uniform_for``): 2**-54."""
U_HIGHEST = 1.0 - 2.0**-53
"""The largest uniform the sampler draws: the largest float below 1."""

NUMBER = 1e12
"""Largest magnitude of any number written in a distribution."""
Number = Annotated[float, Field(ge=-NUMBER, le=NUMBER)]
"""A finite number of at most 1e12 in magnitude (so sums and widths of them stay finite)."""


class _Distribution(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def ppf(self, u: float) -> float:
        """Return the quantile at probability ``u`` in (0, 1)."""
        raise NotImplementedError

    def support(self) -> tuple[float, float]:
        """Return the smallest and largest value the distribution can produce."""
        raise NotImplementedError

    def reach(self) -> tuple[float, float]:
        """Return the smallest and largest value the sampler can actually draw.

        Sampling is by ``ppf`` at a uniform that is never closer to 0 or 1 than ``U_LOWEST`` (53-bit
        draws), so even a distribution with an infinite support (a normal, a log-normal) reaches only
        a finite range: a log-normal reaches its median times exp(8.3 sigma).
        """
        low, high = self.support()
        lowest = low if math.isfinite(low) else self.ppf(U_LOWEST)
        highest = high if math.isfinite(high) else self.ppf(U_HIGHEST)
        return (lowest, highest)

    def median(self) -> float:
        """Return the median, used wherever a scenario is shown or run deterministically."""
        return self.ppf(0.5)

    def describe(self) -> str:
        """Return a one-line description for ``sim check``."""
        args = ", ".join(f"{k}={v}" for k, v in self.model_dump(exclude={"dist"}).items() if v is not None)
        return f"{self.dist}({args})"  # type: ignore[attr-defined]


class Fixed(_Distribution):
    """A fixed value written as a distribution (useful to switch an uncertain input off)."""

    dist: Literal["fixed"]
    value: Number

    def ppf(self, u: float) -> float:
        """Return the value, whatever ``u``."""
        return self.value

    def support(self) -> tuple[float, float]:
        """Return the value as both ends."""
        return (self.value, self.value)


class Uniform(_Distribution):
    """Uniform on [low, high]."""

    dist: Literal["uniform"]
    low: Number
    high: Number

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"uniform needs low < high (got low={self.low}, high={self.high})")
        return self

    def ppf(self, u: float) -> float:
        """Return low + u (high - low)."""
        return self.low + u * (self.high - self.low)

    def support(self) -> tuple[float, float]:
        """Return (low, high)."""
        return (self.low, self.high)


class Normal(_Distribution):
    """Normal with mean and standard deviation, optionally truncated to [low, high]."""

    dist: Literal["normal"]
    mean: Number
    sd: float = Field(gt=0, le=NUMBER)
    low: Number | None = None
    high: Number | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Normal:
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"normal truncation needs low < high (got {self.low}, {self.high})")
        return self

    def ppf(self, u: float) -> float:
        """Return the truncated normal quantile."""
        low = -math.inf if self.low is None else (self.low - self.mean) / self.sd
        high = math.inf if self.high is None else (self.high - self.mean) / self.sd
        value = self.mean + self.sd * _truncated_standard_normal_ppf(low, high, u)
        return min(max(value, self.support()[0]), self.support()[1])

    def support(self) -> tuple[float, float]:
        """Return the truncation bounds (infinite where not truncated)."""
        return (-math.inf if self.low is None else self.low, math.inf if self.high is None else self.high)


def _truncated_standard_normal_ppf(low: float, high: float, u: float) -> float:
    """Return the u-quantile of a standard normal truncated to [low, high].

    A window far in the upper tail is mirrored into the lower tail, where the normal CDF keeps
    its precision (ndtr(9) rounds to 1.0, but ndtr(-9) is an exact 1.1e-19).
    """
    if low > 0.0:
        return -_truncated_standard_normal_ppf(-high, -low, 1.0 - u)
    lower = float(special.ndtr(low))
    upper = float(special.ndtr(high))
    return float(special.ndtri(lower + u * (upper - lower)))


class LogNormal(_Distribution):
    """Log-normal given by its median and the standard deviation of its logarithm."""

    dist: Literal["lognormal"]
    median_value: float = Field(gt=0, le=NUMBER, alias="median")
    sigma: float = Field(gt=0, le=limits.SPREAD)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)

    def ppf(self, u: float) -> float:
        """Return median * exp(sigma * z_u)."""
        return self.median_value * math.exp(self.sigma * float(special.ndtri(u)))

    def support(self) -> tuple[float, float]:
        """Return (0, inf)."""
        return (0.0, math.inf)

    def describe(self) -> str:
        """Return a one-line description."""
        return f"lognormal(median={self.median_value}, sigma={self.sigma})"


class Triangular(_Distribution):
    """Triangular on [low, high] with its mode."""

    dist: Literal["triangular"]
    low: Number
    mode: Number
    high: Number

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(
                f"triangular needs low <= mode <= high and low < high "
                f"(got low={self.low}, mode={self.mode}, high={self.high})"
            )
        return self

    def ppf(self, u: float) -> float:
        """Return the closed-form triangular quantile."""
        width = self.high - self.low
        split = (self.mode - self.low) / width
        if u < split:
            return self.low + math.sqrt(u * width * (self.mode - self.low))
        return self.high - math.sqrt((1.0 - u) * width * (self.high - self.mode))

    def support(self) -> tuple[float, float]:
        """Return (low, high)."""
        return (self.low, self.high)


class Beta(_Distribution):
    """Beta(alpha, beta) scaled to [low, high] (default [0, 1])."""

    dist: Literal["beta"]
    alpha: float = Field(gt=0, le=1e6)
    beta: float = Field(gt=0, le=1e6)
    low: Number = 0.0
    high: Number = 1.0

    @model_validator(mode="after")
    def _ordered(self) -> Beta:
        if not self.low < self.high:
            raise ValueError(f"beta needs low < high (got low={self.low}, high={self.high})")
        return self

    def ppf(self, u: float) -> float:
        """Return the scaled beta quantile."""
        return self.low + (self.high - self.low) * float(special.betaincinv(self.alpha, self.beta, u))

    def support(self) -> tuple[float, float]:
        """Return (low, high)."""
        return (self.low, self.high)


class Choice(_Distribution):
    """One of a list of values, with optional weights (equal by default)."""

    dist: Literal["choice"]
    values: tuple[Number, ...] = Field(min_length=1, max_length=limits.CHOICE_VALUES)
    weights: tuple[Number, ...] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"choice has {len(self.values)} values but {len(self.weights)} weights")
            if any(not w >= 0 for w in self.weights) or not sum(self.weights) > 0:
                raise ValueError("choice weights must be non-negative and not all zero")
        return self

    def ppf(self, u: float) -> float:
        """Return the value whose cumulative weight first exceeds ``u``."""
        weights = self.weights or [1.0] * len(self.values)
        total = sum(weights)
        cumulative = 0.0
        for value, weight in zip(self.values, weights, strict=True):
            cumulative += weight / total
            if u < cumulative:
                return value
        return self.values[-1]

    def support(self) -> tuple[float, float]:
        """Return the smallest and largest value."""
        return (min(self.values), max(self.values))

    def median(self) -> float:
        """Return the weighted median value."""
        return self.ppf(0.5)
