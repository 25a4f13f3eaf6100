"""Scenario blocks of the campaign dynamics outside the tempo rules (docs/model.md, "Campaign dynamics").

Fires, prepared lines, falling back to them, and weather and season.
Each block is optional: absent (or empty), the mechanism is off.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator, model_validator

from sim.scenario import limits
from sim.scenario.distributions import DayCount, Duration, Fraction, NonNegative, Positive, limit
from sim.scenario.observations import Date, Frozen


class Fires(Frozen):
    """Fires (artillery, drones) a side lays on the enemy's troops in the line, outside assaults.

    Each day, in each sector, the enemy's line there loses ``loss_share_per_day`` of itself times the
    side's combat power per km of front there over ``reference_density``, times the side's supply: fire is
    spread over the front, so a denser force of the side fires more, and it hits whoever is there.
    """

    loss_share_per_day: Annotated[Fraction, limit(0.5)] = Field(
        description="Share of the enemy's line in a sector lost a day to the side's fires when the side "
        "has reference_density of combat power per km there (at most 0.5)."
    )
    reference_density: Annotated[Positive, limit(limits.DENSITY)] = Field(
        1000.0,
        description="The side's combat power per km of front (personnel x quality) at which fires take "
        "loss_share_per_day (above 0, at most 1,000,000).",
    )
    start: Date | None = Field(None, description="First date of the fires (absent: from the start).")


class PreparedLine(Frozen):
    """A defence line the holder prepared behind its front in a sector."""

    area_km2: Annotated[NonNegative, limit(limits.AREA_KM2)] = Field(
        description="Area the holder still holds in the sector when it stands on the line (at most "
        "1,000,000 km²; for a line sector, front x the depth left behind it)."
    )
    fortification: Annotated[NonNegative, limit(limits.FORTIFICATION)] = Field(
        description="Fortification bonus of the line once the holder stands on it (at most 10)."
    )
    label: str = Field("", max_length=200, description="A name for the line.")


class FallBack(Frozen):
    """When the holder falls back to its next prepared line in a sector (Epstein's defender).

    Epstein's defender trades space for time: once its attrition exceeds what it bears, it withdraws. Here,
    once the holder's daily losses in a sector stay above ``loss_rate_above`` of its line there for
    ``days`` days in a row, it falls back over ``duration_days`` to the sector's next prepared line (or,
    with none left and ``give_up_sector``, gives the sector up).
    """

    loss_rate_above: Annotated[Fraction, limit(1.0)] = Field(
        description="Daily losses in a sector, as a share of the holder's line there, above which it counts "
        "a day toward falling back."
    )
    days: DayCount = Field(
        3.0,
        description="... on this many days in a row (a whole number, 1-3,660; a distribution's draws count "
        "as the next whole day).",
    )
    duration_days: Duration = Field(
        2.0, description="Days the fall back takes, giving the ground up evenly (at most 3,660)."
    )
    give_up_sector: bool = Field(
        False,
        description="With no prepared line left behind, give the sector up (its units go to the others).",
    )


class WeatherPeriod(Frozen):
    """A period of weather or a season that changes how fast and how deep assaults go.

    Give either ``start`` and ``end`` (a dated spell: heavy rain, a thaw) or ``months`` (a season, every
    year: the autumn mud in October and November). Where periods overlap, their factors multiply.
    """

    start: Date | None = Field(None, description="First day of a dated period (with end).")
    end: Date | None = Field(None, description="Last day of a dated period (with start).")
    months: tuple[Annotated[int, Field(ge=1, le=12)], ...] = Field(
        (), max_length=12, description="Months of a season (1-12), every year; instead of start and end."
    )
    tempo: Annotated[NonNegative, limit(limits.QUALITY)] = Field(
        1.0, description="Factor on every side's assault rate in the period (at most 100)."
    )
    depth: Annotated[NonNegative, limit(limits.QUALITY)] = Field(
        1.0, description="Factor on the depth of every successful assault in the period (at most 100)."
    )
    label: str = Field("", max_length=200, description="What the period is (mud, frozen ground, rain).")

    @field_validator("months")
    @classmethod
    def _distinct(cls, months: tuple[int, ...]) -> tuple[int, ...]:
        if len(set(months)) != len(months):
            raise ValueError("a month is listed twice")
        return months

    @model_validator(mode="after")
    def _one_form(self) -> WeatherPeriod:
        dated = self.start is not None or self.end is not None
        if dated and self.months:
            raise ValueError("give either start and end, or months, not both")
        if not dated and not self.months:
            raise ValueError("give start and end, or months")
        if dated and (self.start is None or self.end is None):
            raise ValueError("a dated period needs both start and end")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self


__all__ = ["Duration", "FallBack", "Fires", "PreparedLine", "WeatherPeriod"]
