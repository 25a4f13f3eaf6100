"""The scenario schema: what a YAML scenario may contain, validated and immutable.

Every model forbids unknown keys and is frozen. Numbers that may be uncertain are ``Param``s: a
fixed value or a distribution sampled once per replication (see ``sim.scenario.distributions``).
Times are either calendar dates or days from the scenario's ``start``. The blocks a scenario holds
live in ``sim.scenario.sides`` (sides, contingents, attack, command, logistics, strikes),
``sim.scenario.ground`` (sectors, fortification), ``sim.scenario.engagement`` (the attrition law and
success curve), ``sim.scenario.dynamics`` and ``sim.scenario.observations``; this module holds the
``Scenario`` that ties them together and checks them against each other, and names them all.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from sim.errors import FieldValueError
from sim.scenario import limits
from sim.scenario.distributions import reach_of, show
from sim.scenario.dynamics import FallBack, Fires, PreparedLine, WeatherPeriod
from sim.scenario.engagement import Engagement, Law, SuccessCurve
from sim.scenario.ground import Fortification, Sector
from sim.scenario.observations import Calibrate, Date, Frozen, Name, Observation, freeze
from sim.scenario.sides import (
    Attack,
    AttackBase,
    Command,
    Contingent,
    Echelon,
    Logistics,
    Side,
    Strikes,
    Withdrawal,
    WithdrawalBase,
)

__all__ = [
    "Attack",
    "AttackBase",
    "Calibrate",
    "Command",
    "Contingent",
    "Echelon",
    "Engagement",
    "FallBack",
    "Fires",
    "Fortification",
    "Frozen",
    "Law",
    "Logistics",
    "Observation",
    "PreparedLine",
    "Scenario",
    "Sector",
    "Side",
    "Strikes",
    "SuccessCurve",
    "WeatherPeriod",
    "Withdrawal",
    "WithdrawalBase",
]


class Scenario(Frozen):
    """A complete, validated scenario."""

    name: Name = Field(
        description="Name of the scenario: a letter, then letters, digits, '_' or '-' (at most 64 "
        "characters); names its results."
    )
    description: str = Field("", description="Free text about the scenario.")
    start: Date = Field(description="First day of the scenario, day 0.")
    end: Date = Field(
        description="Last day of the scenario: after the start, and at most 3,660 days (ten years) after it."
    )
    sides: Annotated[dict[Name, Side], AfterValidator(freeze)] = Field(
        description="The two sides, by name; exactly one has holds_ground: true."
    )
    sectors: Annotated[dict[Name, Sector], AfterValidator(freeze)] = Field(
        min_length=1, max_length=limits.SECTORS, description="The contested sectors, by name (1-64)."
    )
    engagement: Engagement = Field(
        description="How assaults resolve: attrition law, kill rate, loss noise, success curve."
    )
    weather: tuple[WeatherPeriod, ...] = Field(
        (),
        max_length=limits.THRESHOLDS,
        description="Periods and seasons that change how fast and how deep assaults go (mud, frozen ground, "
        "rain); absent: none (at most 100).",
    )
    thresholds_km2: tuple[Annotated[float, Field(gt=0, le=limits.AREA_KM2)], ...] = Field(
        default=(),
        max_length=limits.THRESHOLDS,
        description="Areas whose first crossing day is an outcome; half the initial area is always added "
        "(at most 100, each at most 1,000,000 km²).",
    )
    observations: tuple[Observation, ...] = Field(
        (),
        max_length=limits.OBSERVATIONS,
        description="Reported figures to compare the output with and calibrate to; they do not change "
        "the simulation (at most 1,000).",
    )
    calibrate: Calibrate | None = Field(
        None,
        description="What sim calibrate fits: inputs with their priors, and its settings, which its "
        "command-line options override (absent: nothing; null switches off a base file's block).",
    )

    @field_validator("sides")
    @classmethod
    def _two_sides(cls, sides: dict[str, Side]) -> dict[str, Side]:
        if len(sides) != 2:
            raise ValueError(f"a scenario has exactly two sides (got {len(sides)})")
        holders = [name for name, side in sides.items() if side.holds_ground]
        if len(holders) != 1:
            raise ValueError(f"exactly one side must have holds_ground: true (got {len(holders)})")
        for name, side in sides.items():
            if not side.holds_ground and side.command.withdrawal is not None:
                raise ValueError(f"withdrawal rules apply to the side holding ground, not {name!r}")
            if not side.holds_ground and side.command.fall_back is not None:
                raise ValueError(f"falling back applies to the side holding ground, not {name!r}")
        return sides

    @model_validator(mode="after")
    def _corridor_flanks(self) -> Scenario:
        for name, side in self.sides.items():
            flanks = getattr(side.logistics, "corridor_flanks", ())
            for index, flank in enumerate(flanks):
                if flank not in self.sectors:
                    raise FieldValueError(
                        f"no sector {flank!r} (sectors: {', '.join(self.sectors)})",
                        ("sides", name, "logistics", "corridor_flanks", index),
                    )
        return self

    @model_validator(mode="after")
    def _observation_names(self) -> Scenario:
        for index, obs in enumerate(self.observations):
            for key, when in (("date", obs.date), ("since", obs.since)):
                if when is not None and not self.start <= when <= self.end:
                    raise FieldValueError(
                        f"{when} is outside the scenario ({self.start} to {self.end})",
                        ("observations", index, key),
                    )
            if obs.since is not None and obs.since >= obs.date:
                raise FieldValueError(
                    f"since ({obs.since}) must be before date ({obs.date})", ("observations", index, "since")
                )
            if obs.sector is not None and obs.sector not in self.sectors:
                raise FieldValueError(
                    f"no sector {obs.sector!r} (sectors: {', '.join(self.sectors)})",
                    ("observations", index, "sector"),
                )
            if obs.side is not None and obs.side not in self.sides:
                raise FieldValueError(
                    f"no side {obs.side!r} (sides: {', '.join(self.sides)})", ("observations", index, "side")
                )
        return self

    @model_validator(mode="after")
    def _bounded_work(self) -> Scenario:
        """Refuse scenarios whose replications could not finish in reasonable time and memory."""
        total = 0
        for side_name, side in self.sides.items():
            for contingent_name, contingent in side.contingents.items():
                for index, echelon in enumerate(contingent.echelons):
                    total += echelon.units
                    if total > limits.UNITS:
                        raise FieldValueError(
                            f"the scenario has more than {limits.UNITS:,} units in all (a plausible bound)",
                            ("sides", side_name, "contingents", contingent_name, "echelons", index, "units"),
                        )
        front = sum(reach_of(sector.frontage_km)[1] for sector in self.sectors.values())
        assaults = 0.0
        for side_name, side in self.sides.items():
            if side.attack is None:
                continue
            assaults += reach_of(side.attack.max_rate_per_km)[1] * front * self.horizon_days
            if assaults > limits.ASSAULTS:
                raise FieldValueError(
                    f"up to {show(assaults)} assaults a replication (max_rate_per_km x {show(front)} km of "
                    f"front x {self.horizon_days:,} days, over the sides); at most {limits.ASSAULTS:,}",
                    ("sides", side_name, "attack", "max_rate_per_km"),
                )
        return self

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("start")
        if start is not None and end <= start:
            raise ValueError(f"end ({end}) must be after start ({start})")
        if start is not None and (end - start).days > limits.HORIZON_DAYS:
            raise ValueError(
                f"end ({end}) is {(end - start).days:,} days after start ({start}); "
                f"a scenario spans at most {limits.HORIZON_DAYS:,} days (ten years)"
            )
        return end

    @property
    def horizon_days(self) -> int:
        """Number of whole days from start to end."""
        return (self.end - self.start).days

    @property
    def holder(self) -> str:
        """Name of the side holding the sectors."""
        return next(name for name, side in self.sides.items() if side.holds_ground)

    @property
    def opponent(self) -> str:
        """Name of the side contesting the sectors."""
        return next(name for name, side in self.sides.items() if not side.holds_ground)

    def day_of(self, date: dt.date) -> float:
        """Return a date as days after the start."""
        return float((date - self.start).days)

    @property
    def initial_area_km2(self) -> float:
        """Total held area at the start, using medians of uncertain sector areas."""
        from sim.scenario.distributions import value_of

        return sum(value_of(sector.area_km2) for sector in self.sectors.values())
