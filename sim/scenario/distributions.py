"""Distributions a scenario number may take instead of a fixed value.

Every distribution is sampled by its inverse CDF (``ppf``) from one uniform draw, so the same
uniform gives the same quantile whatever the distribution's family: this keeps common random
numbers across a sweep and lets designed experiments (LHS, Sobol) reuse the same code.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    model_validator,
)
from scipy import special


class _Distribution(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def ppf(self, u: float) -> float:
        """Return the quantile at probability ``u`` in (0, 1)."""
        raise NotImplementedError

    def support(self) -> tuple[float, float]:
        """Return the smallest and largest value the distribution can produce."""
        raise NotImplementedError

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
    value: float

    def ppf(self, u: float) -> float:
        """Return the value, whatever ``u``."""
        return self.value

    def support(self) -> tuple[float, float]:
        """Return the value as both ends."""
        return (self.value, self.value)


class Uniform(_Distribution):
    """Uniform on [low, high]."""

    dist: Literal["uniform"]
    low: float
    high: float

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
    mean: float
    sd: float = Field(gt=0)
    low: float | None = None
    high: float | None = None

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
    median_value: float = Field(gt=0, alias="median")
    sigma: float = Field(gt=0)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

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
    low: float
    mode: float
    high: float

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
    alpha: float = Field(gt=0)
    beta: float = Field(gt=0)
    low: float = 0.0
    high: float = 1.0

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
    values: tuple[float, ...] = Field(min_length=1)
    weights: tuple[float, ...] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"choice has {len(self.values)} values but {len(self.weights)} weights")
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
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


class Empirical(_Distribution):
    """Samples from a file (e.g. a posterior from ``sim calibrate``): one row per replication.

    Every empirical distribution reading the same file draws the same row in a replication, so
    parameters calibrated together keep their correlations. ``weights`` names a column of sampling
    weights (equal weights if absent). A relative ``file`` is relative to the scenario file that
    names it. Parquet and CSV files are read.
    """

    dist: Literal["empirical"]
    file: str
    column: str
    weights: str | None = None
    _values: np.ndarray = PrivateAttr()
    _cumulative: np.ndarray = PrivateAttr()
    _hash: str = PrivateAttr()

    @model_validator(mode="after")
    def _load(self) -> Empirical:
        values, weights = _read_columns(Path(self.file), self.column, self.weights)
        self._hash = hashlib.sha256(Path(self.file).read_bytes()).hexdigest()
        if values.size == 0:
            raise ValueError(f"{self.file} has no rows")
        if weights is not None and (np.any(weights < 0) or weights.sum() <= 0):
            raise ValueError(
                f"{self.file}: column {self.weights!r} must hold non-negative weights, not all zero"
            )
        self._values = values
        weights = np.ones(values.size) if weights is None else weights
        self._cumulative = np.cumsum(weights) / weights.sum()
        return self

    @property
    def content_hash(self) -> str:
        """The sha256 of the samples file: names the stream all of its columns share."""
        return self._hash

    def ppf(self, u: float) -> float:
        """Return the value of the row whose cumulative weight first exceeds ``u``."""
        row = int(np.searchsorted(self._cumulative, u, side="right"))
        return float(self._values[min(row, self._values.size - 1)])

    def support(self) -> tuple[float, float]:
        """Return the smallest and largest value in the column."""
        return (float(self._values.min()), float(self._values.max()))

    def describe(self) -> str:
        """Return a one-line description."""
        return f"empirical({self.file}, column {self.column}, {self._values.size} rows)"


def _read_columns(path: Path, column: str, weights: str | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Read one column (and optionally a weight column) of a Parquet or CSV file."""
    if not path.is_file():
        raise ValueError(f"no such file {str(path)!r}")
    wanted = [column] + ([weights] if weights else [])
    try:
        if path.suffix.lower() == ".csv":
            import csv

            with path.open(newline="", encoding="utf-8") as handle:
                rows = list(csv.DictReader(handle))
            available = set(rows[0]) if rows else set()
            data = {name: np.array([float(r[name]) for r in rows]) for name in wanted if name in available}
        else:
            import pyarrow.parquet as pq

            table = pq.read_table(path)
            available = set(table.column_names)
            data = {name: table[name].to_numpy().astype(float) for name in wanted if name in available}
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read {str(path)!r} ({exc})") from None
    for name in wanted:
        if name not in data:
            raise ValueError(f"{str(path)!r} has no column {name!r}")
    return data[column], (data[weights] if weights else None)


Distribution = Annotated[
    Fixed | Uniform | Normal | LogNormal | Triangular | Beta | Choice | Empirical,
    Field(discriminator="dist"),
]
DISTRIBUTION_KINDS = ("fixed", "uniform", "normal", "lognormal", "triangular", "beta", "choice", "empirical")


def _number_or_distribution(value: Any) -> Any:
    """Turn the YAML forms of a number into a float; leave mappings to the distribution union."""
    if isinstance(value, bool):
        raise ValueError("expected a number or a distribution, got a boolean")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            # PyYAML reads 1e3 (no dot) as a string; accept it, and 12_000.
            return float(value.replace("_", ""))
        except ValueError:
            raise ValueError(f"expected a number or a distribution, got {value!r}") from None
    if isinstance(value, dict):
        kind = value.get("dist")
        if kind is None:
            raise ValueError("a distribution needs a 'dist' key, one of: " + ", ".join(DISTRIBUTION_KINDS))
        if kind not in DISTRIBUTION_KINDS:
            raise ValueError(
                f"unknown distribution {kind!r}; expected one of: " + ", ".join(DISTRIBUTION_KINDS)
            )
        return value
    if isinstance(value, _Distribution):
        return value
    raise ValueError(f"expected a number or a distribution, got {type(value).__name__}")


Param = Annotated[float | Distribution, BeforeValidator(_number_or_distribution)]
"""A scenario number: a fixed float, or a distribution sampled once per replication."""


def _within(low: float | None, high: float | None) -> Callable[[Any], Any]:
    def check(value: float | _Distribution) -> float | _Distribution:
        lo, hi = (value, value) if isinstance(value, float) else value.support()
        if low is not None and lo < low:
            what = "value" if isinstance(value, float) else "distribution can reach"
            raise ValueError(f"must be >= {low} ({what} {lo})")
        if high is not None and hi > high:
            what = "value" if isinstance(value, float) else "distribution can reach"
            raise ValueError(f"must be <= {high} ({what} {hi})")
        return value

    return check


def _positive(value: float | _Distribution) -> float | _Distribution:
    lowest = value if isinstance(value, float) else value.support()[0]
    # A log-normal's support is open at 0: it never produces 0 itself.
    if lowest <= 0.0 and not isinstance(value, LogNormal):
        what = "value" if isinstance(value, float) else "distribution can reach"
        raise ValueError(f"must be > 0 ({what} {lowest})")
    return value


Positive = Annotated[Param, AfterValidator(_positive)]
"""A number or distribution that is always above zero."""
NonNegative = Annotated[Param, AfterValidator(_within(0.0, None))]
"""A number or distribution that can never be negative."""
Fraction = Annotated[Param, AfterValidator(_within(0.0, 1.0))]
"""A number or distribution within [0, 1]."""
Days = Annotated[Param, AfterValidator(_within(1.0, None))]
"""A number of days (or a distribution of them), at least 1."""


def value_of(value: float | _Distribution) -> float:
    """Return a resolved scenario number as a float.

    Args:
        value: A number already resolved for a replication (or a distribution, whose median is used).

    Returns:
        The float value.
    """
    if isinstance(value, float):
        return value
    return value.median()


def is_distribution(value: object) -> bool:
    """Return whether ``value`` is a distribution rather than a fixed number."""
    return isinstance(value, _Distribution)
