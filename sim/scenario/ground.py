"""The ground of a scenario: its sectors, their fortification and the lines prepared behind them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.errors import FieldValueError
from sim.scenario import limits
from sim.scenario.distributions import Fraction, NonNegative, limit, reach_of, show
from sim.scenario.dynamics import PreparedLine
from sim.scenario.observations import Frozen


class Fortification(Frozen):
    """Field fortification a holder builds while its line stands still."""

    initial: Annotated[NonNegative, limit(limits.FORTIFICATION)] = Field(
        0.0,
        description="Fortification bonus at the start: the holder's defensive combat power is multiplied "
        "by 1 + bonus (at most 10, and not above a maximum that is written).",
    )
    growth_per_day: Annotated[NonNegative, limit(limits.FORTIFICATION_GROWTH)] = Field(
        0.0, description="Bonus added per daily step without losing ground (at most 1)."
    )
    maximum: Annotated[NonNegative, limit(limits.FORTIFICATION)] = Field(
        0.0,
        description="Largest bonus growth reaches; the cap is the larger of maximum and initial "
        "(at most 10).",
    )
    kept_on_retreat: Fraction = Field(
        0.5, description="Share of the bonus kept each time the line moves back."
    )

    @model_validator(mode="after")
    def _initial_within_maximum(self) -> Fortification:
        # Refused when the initial bonus is always above the maximum: surely a mistake. Where uncertain
        # values overlap, a draw with the initial above the maximum takes the initial as its maximum.
        if "maximum" not in self.model_fields_set:
            return self  # no maximum written: the bonus stays where it starts
        lowest_initial = reach_of(self.initial)[0]
        highest_maximum = reach_of(self.maximum)[1]
        if lowest_initial > highest_maximum:
            raise FieldValueError(
                f"the initial bonus ({show(lowest_initial)}) is above the maximum ({show(highest_maximum)})",
                ("initial",),
            )
        return self


class Sector(Frozen):
    """An axis of the contested area held by the holding side.

    A ``salient`` shrinks while keeping its shape, so its front shortens with the square root of its
    area; a ``line`` is a band of ground in front of an objective (say, a logistics hub) that the
    attacker eats into, so its front keeps its length and the area lost over the front is the
    distance advanced.
    """

    description: str = Field("", description="Free text about the sector.")
    shape: Literal["salient", "line"] = Field(
        "salient",
        description="How the front changes as ground is lost: a salient's with sqrt(area), a line's not "
        "at all.",
    )
    area_km2: Annotated[NonNegative, limit(limits.AREA_KM2)] = Field(
        description="Area held at the start (for a line: front x depth held), also the most that "
        "counter-attacks win back (at most 1,000,000 km²)."
    )
    frontage_km: Annotated[NonNegative, limit(limits.FRONTAGE_KM)] = Field(
        description="Front length at the start; a salient's scales with sqrt(area), a line's stays "
        "(at most 10,000 km)."
    )
    terrain: Annotated[NonNegative, limit(limits.QUALITY)] = Field(
        1.0, description="Defence multiplier of the ground, for whichever side defends (at most 100)."
    )
    fortification: Fortification = Field(
        Fortification(), description="Field fortification the holder builds while its line stands still."
    )
    prepared_lines: tuple[PreparedLine, ...] = Field(
        (),
        max_length=limits.THRESHOLDS,
        description="Defence lines prepared behind the front, each with the area still held on it and its "
        "fortification: the holder falls back to them (fall_back) or stands on them when pushed back "
        "(at most 100).",
    )

    @field_validator("prepared_lines")
    @classmethod
    def _lines_behind_each_other(cls, lines: tuple[PreparedLine, ...]) -> tuple[PreparedLine, ...]:
        areas = [reach_of(line.area_km2) for line in lines]
        for index in range(1, len(areas)):
            if areas[index][1] >= areas[index - 1][0]:
                raise FieldValueError(
                    "each prepared line must hold less area than the one before it (list them front to back)",
                    (index, "area_km2"),
                )
        return lines
