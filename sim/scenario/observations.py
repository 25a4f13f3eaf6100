"""The scenario's base block, names, and the blocks about data: observations and calibration settings."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from sim.errors import FieldValueError
from sim.scenario import limits
from sim.scenario.distributions import Distribution

NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_\-]*$"
"""Names of scenarios, sides, contingents and sectors: safe as file names and column names."""

Name = Annotated[str, Field(pattern=NAME_PATTERN, max_length=64)]


def _plausible_date(value: dt.date) -> dt.date:
    if not limits.FIRST_DATE <= value <= limits.LAST_DATE:
        raise ValueError(f"{value} is not a plausible date (from {limits.FIRST_DATE} to {limits.LAST_DATE})")
    return value


def _no_time_zone(value: Any) -> Any:
    """Refuse a date written with a time zone: two of them could be a day further apart than their dates."""
    moment = value
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(moment, dt.datetime) and moment.tzinfo is not None:
        raise ValueError("a date with a time zone; write the calendar date alone (YYYY-MM-DD)")
    return value


Date = Annotated[dt.date, BeforeValidator(_no_time_zone), AfterValidator(_plausible_date)]
"""A calendar date between 1700-01-01 and 2200-12-31 (without a time zone)."""
Observed = Annotated[float, Field(ge=-limits.OBSERVED, le=limits.OBSERVED)]
"""An observed figure: finite, at most 1e9 in size."""


class FrozenDict(dict[str, Any]):
    """A mapping that refuses changes once built, so a scenario is immutable all the way down."""

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise TypeError("a scenario cannot be changed once validated; use --set or a new scenario")

    __setitem__ = __delitem__ = _refuse
    clear = pop = popitem = setdefault = update = __ior__ = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type, tuple[dict[str, Any]]]:
        return (FrozenDict, (dict(self),))


def freeze(value: dict[str, Any]) -> FrozenDict:
    """Return a mapping that refuses changes."""
    return FrozenDict(value)


class Frozen(BaseModel):
    """Base of every scenario block: unknown keys rejected, immutable after validation."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


_MEANINGFUL: dict[str, tuple[str, ...]] = {
    "area_km2": (),
    "sector_area_km2": ("sector",),
    "advance_m_per_day": ("sector", "since"),
    "advance_km": ("sector", "since"),
    "strength": ("side",),
    "losses": ("side", "sector", "since"),
}
"""Of an observation's sector, side and since, those its metric reads."""


class Observation(Frozen):
    """A reported figure the model's output can be compared with (and calibrated to).

    Metrics: ``area_km2`` (total held area), ``sector_area_km2`` (one sector's, needs ``sector``),
    ``advance_m_per_day`` (mean advance of the attacker from ``since`` to ``date``, over all
    sectors or one), ``advance_km`` (the km the attacker advanced in a window, from ``since`` to
    ``date``: an engagement's record), ``strength`` (a side's personnel in theatre, needs ``side``).
    Uncertainty is a standard deviation ``sd`` or an interval ``low``-``high`` (read as a 95% range).
    """

    date: Date = Field(
        description="Date of the reported figure (YYYY-MM-DD), between the scenario's start and end."
    )
    metric: Literal[
        "area_km2", "sector_area_km2", "advance_m_per_day", "advance_km", "strength", "losses"
    ] = Field(
        "area_km2",
        description="What was reported: area_km2 (held area, km2), sector_area_km2 (one sector's, km2; "
        "needs sector), advance_m_per_day (the attacker's mean advance, metres a day), advance_km (km "
        "the attacker advanced in the window from since to date), strength (a side's personnel in "
        "theatre; needs side), losses (a side's casualties in the window from since to date, in one "
        "sector or all; needs side).",
    )
    sector: Name | None = Field(
        None, description="The sector, for sector_area_km2 (or advance_m_per_day, advance_km, losses)."
    )
    side: Name | None = Field(None, description="The side, for strength and losses.")
    since: Date | None = Field(
        None,
        description="Start of the window of advance_m_per_day, advance_km or losses (default: the scenario "
        "start); the window runs from the start of this day to the start of date.",
    )
    value: float = Field(ge=0, le=limits.OBSERVED, description="The reported figure (0 to 1e9).")
    sd: float | None = Field(
        None,
        gt=0,
        le=limits.OBSERVED,
        description="Standard deviation of the figure, in its unit (or give low and high).",
    )
    low: Observed | None = Field(
        None, description="Lower end of a 95% range of the figure, in its unit (with high)."
    )
    high: Observed | None = Field(
        None, description="Upper end of a 95% range of the figure, in its unit (with low)."
    )
    source: str = Field("", description="Where the figure comes from.")

    @model_validator(mode="after")
    def _complete(self) -> Observation:
        for key in ("sector", "side", "since"):
            if getattr(self, key) is not None and key not in _MEANINGFUL[self.metric]:
                raise FieldValueError(
                    f"{key!r} means nothing for an observation of {self.metric} (only "
                    f"{', '.join(m for m, keys in _MEANINGFUL.items() if key in keys)} read it); remove it",
                    (key,),
                )
        if self.metric == "sector_area_km2" and self.sector is None:
            raise ValueError("a sector_area_km2 observation needs 'sector'")
        if self.metric in ("strength", "losses") and self.side is None:
            raise ValueError(f"a {self.metric} observation needs 'side'")
        if (self.low is None) != (self.high is None):
            raise ValueError("give both 'low' and 'high' for an interval")
        if self.low is not None and self.high is not None and not self.low <= self.value <= self.high:
            raise ValueError(f"the interval [{self.low}, {self.high}] must contain the value {self.value}")
        if self.sd is None and self.low is None:
            raise ValueError("give the observation's uncertainty: 'sd', or 'low' and 'high'")
        return self

    @property
    def scale(self) -> float:
        """The observation's standard deviation (an interval is read as a 95% range)."""
        if self.sd is not None:
            return self.sd
        assert self.low is not None and self.high is not None
        return max((self.high - self.low) / (2 * 1.96), 1e-9)


class Calibrate(Frozen):
    """What ``sim calibrate`` fits: parameters with their priors, and the ABC-SMC settings."""

    parameters: dict[Annotated[str, Field(max_length=200)], Distribution] = Field(
        min_length=1,
        max_length=limits.CALIBRATED_PARAMETERS,
        description="Dotted scenario path -> prior distribution (uniform, normal, ...); at most 64.",
    )
    population: int = Field(200, ge=10, le=100_000, description="Particles per generation (10-100,000).")
    generations: int = Field(8, ge=1, le=100, description="At most this many generations (1-100).")
    min_epsilon: float | Literal["auto"] = Field(
        0.0,
        description="Stop once the acceptance threshold is at or below this; 'auto': sqrt(k + 2) for the k "
        "observations calibrated on, where the acceptance window is as wide as their uncertainty.",
    )

    @field_validator("min_epsilon")
    @classmethod
    def _non_negative(cls, value: float | str) -> float | str:
        if isinstance(value, float) and not 0.0 <= value <= limits.OBSERVED:
            raise ValueError("must be >= 0 (and finite) or 'auto'")
        return value

    max_minutes: float = Field(
        12.0, gt=0, le=10_080, description="Stop after this much wall time (at most a week)."
    )
    replications: int = Field(1, ge=1, le=1_000, description="Replications averaged per particle (1-1,000).")
