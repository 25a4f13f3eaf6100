"""Distributions a scenario number may take instead of a fixed value, and the numbers that may take one.

A scenario number is a ``Param``: a finite float, or one of the distributions of
``sim.scenario.families`` (fixed, uniform, normal, log-normal, triangular, beta, choice) or
``sim.scenario.empirical`` (samples read from a file), told apart by their ``dist`` key. Every
distribution is sampled by its inverse CDF from one uniform draw (see ``sim.scenario.families``).
The annotated types here (``Positive``, ``Fraction``, ``Days``...) and ``limit`` bound a number, or
the whole range a distribution can reach.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from sim.errors import shorten
from sim.scenario import limits
from sim.scenario.empirical import Empirical
from sim.scenario.families import (
    NUMBER,
    U_HIGHEST,
    U_LOWEST,
    Beta,
    Choice,
    Fixed,
    LogNormal,
    Normal,
    Number,
    Triangular,
    Uniform,
    _Distribution,
)

__all__ = [
    "DISTRIBUTION_KINDS",
    "NUMBER",
    "U_HIGHEST",
    "U_LOWEST",
    "Beta",
    "Choice",
    "DayCount",
    "Days",
    "Distribution",
    "Duration",
    "Empirical",
    "Fixed",
    "Fraction",
    "LogNormal",
    "NonNegative",
    "Normal",
    "Number",
    "Param",
    "Positive",
    "Triangular",
    "Uniform",
    "_Distribution",
    "is_distribution",
    "limit",
    "reach_of",
    "show",
    "value_of",
]

Distribution = Annotated[
    Fixed | Uniform | Normal | LogNormal | Triangular | Beta | Choice | Empirical,
    Field(discriminator="dist"),
]
DISTRIBUTION_KINDS = ("fixed", "uniform", "normal", "lognormal", "triangular", "beta", "choice", "empirical")


def _number_or_distribution(value: Any) -> Any:
    """Turn the YAML forms of a number into a finite float; leave mappings to the distribution union."""
    if isinstance(value, bool):
        raise ValueError("expected a number or a distribution, got a boolean")
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            raise ValueError(f"must be a finite number (got {shorten(value)})") from None
    elif isinstance(value, str):
        try:
            # PyYAML reads 1e3 (no dot) as a string; accept it, and 12_000.
            number = float(value.replace("_", ""))
        except ValueError:
            raise ValueError(f"expected a number or a distribution, got {shorten(value)}") from None
    elif isinstance(value, dict):
        kind = value.get("dist")
        if kind is None:
            raise ValueError("a distribution needs a 'dist' key, one of: " + ", ".join(DISTRIBUTION_KINDS))
        if kind not in DISTRIBUTION_KINDS:
            raise ValueError(
                f"unknown distribution {shorten(kind)}; expected one of: " + ", ".join(DISTRIBUTION_KINDS)
            )
        return value
    elif isinstance(value, _Distribution):
        return value
    else:
        raise ValueError(f"expected a number or a distribution, got {type(value).__name__}")
    if not math.isfinite(number):
        raise ValueError(f"must be a finite number (got {shorten(value)})")
    return number


Param = Annotated[float | Distribution, BeforeValidator(_number_or_distribution)]
"""A scenario number: a finite float, or a distribution sampled once per replication."""


def _within(low: float | None, high: float | None) -> Callable[[Any], Any]:
    """Check a number, or the whole support of a distribution, against [low, high] (NaN fails)."""

    def check(value: float | _Distribution) -> float | _Distribution:
        lo, hi = (value, value) if isinstance(value, float) else value.support()
        if low is not None and not lo >= low:
            what = "value" if isinstance(value, float) else "distribution can reach"
            raise ValueError(f"must be >= {low} ({what} {lo})")
        if high is not None and not hi <= high:
            what = "value" if isinstance(value, float) else "distribution can reach"
            raise ValueError(f"must be <= {high} ({what} {hi})")
        return value

    return check


def _positive(value: float | _Distribution) -> float | _Distribution:
    lowest = value if isinstance(value, float) else value.support()[0]
    # A log-normal's support is open at 0: it never produces 0 itself.
    if not lowest > 0.0 and not isinstance(value, LogNormal):
        what = "value" if isinstance(value, float) else "distribution can reach"
        raise ValueError(f"must be > 0 ({what} {lowest})")
    return value


def show(number: float) -> str:
    """Return a bound or a value as a reader would write it (100,000; 0.5; 1e+12)."""
    if math.isfinite(number) and number == int(number) and abs(number) < 1e15:
        return f"{int(number):,}"
    return f"{number:g}"


def limit(high: float, low: float | None = None) -> AfterValidator:
    """A plausibility bound on a scenario number: ``low <= value <= high`` (see ``sim.scenario.limits``).

    A distribution is checked over the range its draws can actually reach (``reach``), so a
    log-normal, whose support is unbounded, is held to the values the sampler can produce.
    """

    def check(value: Any) -> Any:
        if not isinstance(value, float | _Distribution):
            return value
        lo, hi = (value, value) if isinstance(value, float) else value.reach()
        what = "value" if isinstance(value, float) else "the distribution reaches"
        if low is not None and not lo >= low:
            raise ValueError(f"must be >= {show(low)} ({what} {show(lo)})")
        if not hi <= high:
            raise ValueError(f"must be <= {show(high)}, a plausible bound ({what} {show(hi)})")
        return value

    return AfterValidator(check)


Positive = Annotated[Param, AfterValidator(_positive)]
"""A number or distribution that is always above zero."""
NonNegative = Annotated[Param, AfterValidator(_within(0.0, None))]
"""A number or distribution that can never be negative."""
Fraction = Annotated[Param, AfterValidator(_within(0.0, 1.0))]
"""A number or distribution within [0, 1]."""
Days = Annotated[Param, AfterValidator(_within(1.0, None)), limit(limits.DAYS)]
"""A number of days (or a distribution of them), at least 1 and at most ten years."""


def _whole_days(value: float | _Distribution) -> float | _Distribution:
    """Refuse a fixed count of days that is not a whole number (a rule counts whole days)."""
    number = value.value if isinstance(value, Fixed) else value
    if isinstance(number, float) and not number.is_integer():
        raise ValueError(
            f"a count of days is a whole number (got {number:g}); a distribution's draws count as the next "
            "whole day"
        )
    return value


DayCount = Annotated[Days, AfterValidator(_whole_days)]
"""A count of whole days (or a distribution of them, whose draws count as the next whole day), 1-3,660."""
Duration = Annotated[NonNegative, limit(limits.DAYS)]
"""A non-negative number of days, at most ten years."""


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


def reach_of(value: float | _Distribution) -> tuple[float, float]:
    """Return the smallest and largest value a number or a distribution's draws can take (``reach``)."""
    return (value, value) if isinstance(value, float) else value.reach()


def is_distribution(value: object) -> bool:
    """Return whether ``value`` is a distribution rather than a fixed number."""
    return isinstance(value, _Distribution)
