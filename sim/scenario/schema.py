"""The scenario schema: what a YAML scenario may contain, validated and immutable.

Every model forbids unknown keys and is frozen. Numbers that may be uncertain are ``Param``s: a
fixed value or a distribution sampled once per replication (see ``sim.scenario.distributions``).
Times are either calendar dates or days from the scenario's ``start``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

from sim.errors import FieldValueError, shorten
from sim.scenario import limits
from sim.scenario.distributions import (
    Duration,
    Fraction,
    NonNegative,
    Param,
    Positive,
    _Distribution,
    limit,
    show,
)
from sim.scenario.dynamics import FallBack, Fires, PreparedLine, WeatherPeriod
from sim.scenario.observations import Calibrate, Date, Frozen, Name, Observation, freeze
from sim.scenario.rules.allocation import POLICIES as ALLOCATION_POLICIES
from sim.scenario.rules.supply import EFFECTS as SUPPLY_EFFECTS
from sim.scenario.rules.tempo import RULES as TEMPO_RULES
from sim.scenario.rules.withdrawal import RULES as WITHDRAWAL_RULES


class Echelon(Frozen):
    """A wave of units of one contingent arriving in theatre.

    Exactly one of ``date`` and ``day`` gives when it arrives; ``jitter_days`` (possibly a
    distribution) shifts that time, so an arrival can be uncertain around a reported date.
    """

    units: int = Field(
        gt=0,
        le=limits.UNITS_PER_ECHELON,
        description="Number of units in the wave: a whole number, not a distribution (1-10,000).",
    )
    date: Date | None = Field(None, description="Calendar date of arrival; give exactly one of date and day.")
    day: Duration | None = Field(
        None,
        description="Arrival as days after the scenario start; give exactly one of date and day (0-3,660).",
    )
    jitter_days: Annotated[Param, limit(limits.DAYS, -limits.DAYS)] = Field(
        0.0,
        description="Days added to the arrival time (may be negative; -3,660 to 3,660); the arrival is "
        "never before day 0.",
    )

    @model_validator(mode="after")
    def _one_time(self) -> Echelon:
        if (self.date is None) == (self.day is None):
            raise ValueError("an echelon needs exactly one of 'date' or 'day'")
        return self


class Contingent(Frozen):
    """A body of troops of one side with its own quality, arrival schedule and readiness."""

    description: str = Field("", description="Free text about the contingent.")
    unit_size: Annotated[Positive, limit(limits.UNIT_SIZE)] = Field(
        description="Personnel in one unit at full strength (at most 100,000)."
    )
    quality: Annotated[NonNegative, limit(limits.QUALITY)] = Field(
        1.0, description="Combat power per soldier, relative to 1, the reference (at most 100)."
    )
    echelons: tuple[Echelon, ...] = Field(
        min_length=1, max_length=limits.ECHELONS, description="Arrival waves (1-100)."
    )
    readiness_days: Duration = Field(
        0.0, description="Days from arrival until units can be committed (at most 3,660)."
    )
    reserve_share: Fraction = Field(0.0, description="Share of ready strength kept out of the line.")
    replacements_per_day: Annotated[NonNegative, limit(limits.UNIT_SIZE)] = Field(
        0.0,
        description="Personnel per day sent to refill this contingent's depleted units (at most 100,000).",
    )
    replacements_from: Date | None = Field(
        None, description="Replacements flow from this date (absent: from the start)."
    )


class AttackBase(Frozen):
    """How and when a side launches assaults in each sector (docs/model.md, "Assaults").

    A side attacks a sector at ``max_rate_per_km`` x front length x its supply x
    ``density / (density + half_rate_density)`` assaults a day, ``density`` being its combat power in
    the sector's line per km of front: more troops (or better ones) in a sector raise the tempo toward
    the maximum, losses lower it, and a sector with nobody of the side in it sees no assaults. An
    assault engages the attacker's troops on its width ``frontage_km`` and the defender's within
    ``defender_reach_km`` on either side of it.
    """

    start: Date | None = Field(
        None, description="First date the side attacks (absent: from the scenario start)."
    )
    max_rate_per_km: Annotated[NonNegative, limit(limits.ASSAULTS_PER_KM_DAY)] = Field(
        description="Most assaults per km of front per day, at full supply and high density; the holder "
        "attacks a sector only while it is below its original area (at most 10)."
    )
    half_rate_density: Annotated[NonNegative, limit(limits.DENSITY)] = Field(
        0.0,
        description="Combat power per km of front (personnel x quality) at which the tempo is half its "
        "maximum; 0 makes the tempo independent of the forces (at most 1,000,000).",
    )
    min_force_ratio: Annotated[NonNegative, limit(limits.RATIO)] = Field(
        0.0,
        description="No assault is launched when the local ratio of engaged combat power is below this "
        "(at most 1,000).",
    )
    engaged_share: Fraction = Field(
        0.5, description="Share of the attacker's troops on the assault's width that fight in it."
    )
    defender_engaged_share: Fraction = Field(
        0.5, description="Share of the defender's troops within reach of the assault that meet it."
    )
    defender_reach_km: Annotated[NonNegative, limit(limits.ASSAULT_KM)] = Field(
        1.5,
        description="How far on either side of an assault the defender's local reserves and fires reach, km "
        "(at most 100).",
    )
    duration_days: Annotated[NonNegative, limit(365.0)] = Field(
        1.0, description="Length of one assault, over which losses accrue (at most 365)."
    )
    frontage_km: Annotated[NonNegative, limit(limits.ASSAULT_KM)] = Field(
        2.0,
        description="Width of front one assault engages, km, capped by the sector's front (at most 100).",
    )
    advance_km: Annotated[NonNegative, limit(limits.ASSAULT_KM)] = Field(
        description="Median depth gained by a successful assault (at most 100 km)."
    )
    advance_sigma: Annotated[NonNegative, limit(limits.SPREAD)] = Field(
        0.5,
        description="Log-space standard deviation of the depth gained, from assault to assault (at most 10).",
    )
    depth_density_exponent: Annotated[NonNegative, limit(limits.SPREAD)] = Field(
        0.0,
        description="The depth shrinks as the defender's line in the sector grows denser than at the start: "
        "depth x (density / density at the start)^-exponent; 0: no effect (at most 10).",
    )
    fortified_depth_factor: Fraction = Field(
        1.0, description="Depth against a fortified defence, as a share of the depth against a hasty one."
    )


def _tempo_blocks(rules: Iterable[Any]) -> dict[str, Any]:
    """One optional block per tempo rule, built from the rule's fields (absent or null: the rule is off)."""
    blocks: dict[str, Any] = {}
    for rule in rules:
        block = create_model(
            "".join(part.title() for part in rule.block.split("_")),
            __base__=Frozen,
            __doc__=rule.description,
            **rule.fields,
        )
        # Module-level, as pickle (process pools, Dask) finds classes by module and name.
        globals()[block.__name__] = block
        blocks[rule.block] = (block | None, Field(None, description=rule.description))
    return blocks


if TYPE_CHECKING:

    class Attack(AttackBase):
        """How and when a side launches assaults, with its tempo rules' blocks."""

else:
    Attack = create_model(
        "Attack",
        __base__=AttackBase,
        __doc__=AttackBase.__doc__,
        **_tempo_blocks(TEMPO_RULES.values()),
    )


class WithdrawalBase(Frozen):
    """When the withdrawal rules are checked, and how long the withdrawal takes."""

    not_before: Date | None = Field(
        None, description="Rules are not checked before this date (absent: from the start)."
    )


def _rule_fields(rules: Iterable[Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for rule in rules:
        for name, definition in rule.fields.items():
            if name in fields:
                raise ValueError(f"two rules define the field {name!r}")
            fields[name] = definition
    return fields


if TYPE_CHECKING:

    class Withdrawal(WithdrawalBase):
        """Rules by which a holding side gives up its ground (see ``sim.scenario.rules.withdrawal``)."""

        duration_days: Param

    class Logistics(Frozen):
        """Supply capacity against demand (see ``sim.scenario.rules.supply`` for the effects)."""

        capacity: Param
        demand_per_soldier: Param

else:
    Withdrawal = create_model(
        "Withdrawal",
        __base__=WithdrawalBase,
        __doc__="""Rules by which a holding side gives up its ground ("hold while militarily appropriate").

    Any rule that fires starts a fighting withdrawal lasting ``duration_days``; rules left out never
    fire. Each rule is a module of ``sim.scenario.rules.withdrawal`` and adds its fields here.
    """,
        **_rule_fields(WITHDRAWAL_RULES.values()),
        duration_days=(
            Duration,
            Field(14.0, description="Length of the fighting withdrawal (at most 3,660)."),
        ),
    )
    Logistics = create_model(
        "Logistics",
        __base__=Frozen,
        __doc__="""Supply capacity against demand, giving a supply factor in [0, 1].

    Each supply effect is a module of ``sim.scenario.rules.supply`` and adds its fields here.
    """,
        capacity=(
            Annotated[NonNegative, limit(limits.SUPPLY)],
            Field(description="Supply delivered per day, in soldier-days of need (at most 100,000,000)."),
        ),
        demand_per_soldier=(
            Annotated[NonNegative, limit(limits.DEMAND)],
            Field(
                1.0,
                description="Daily need of each soldier in theatre (in the line, in reserve or training; "
                "at most 100).",
            ),
        ),
        **_rule_fields(SUPPLY_EFFECTS.values()),
    )


class Command(Frozen):
    """A side's daily command: where ready units go, when worn units are pulled out, when to leave."""

    policy: str = Field(
        "proportional_frontage",
        description="How ready units are allocated to sectors.",
        json_schema_extra={"enum": list(ALLOCATION_POLICIES)},
    )
    rotation_threshold: Fraction = Field(
        0.5, description="A unit in the line below this share of its full size is pulled out to refit."
    )
    return_threshold: Fraction = Field(
        0.9, description="A refitting unit returns to reserve at or above this share of its full size."
    )
    withdrawal: Withdrawal | None = Field(
        None,
        description="Rules by which the side holding ground gives it up; only that side may have them "
        "(absent: it never withdraws).",
    )
    fall_back: FallBack | None = Field(
        None,
        description="When the side holding ground falls back to its next prepared line in a sector; only "
        "that side may have it (absent: it never falls back by choice).",
    )

    @field_validator("policy")
    @classmethod
    def _known_policy(cls, policy: str) -> str:
        if policy not in ALLOCATION_POLICIES:
            known = ", ".join(repr(name) for name in ALLOCATION_POLICIES)
            raise ValueError(f"unknown policy {shorten(policy)}; expected one of {known}")
        return policy


class Strikes(Frozen):
    """Long-range strikes this side launches against the other side's supply."""

    start: Date = Field(description="First date strikes may fall.")
    rate_per_day: Annotated[NonNegative, limit(limits.STRIKES_PER_DAY)] = Field(
        description="Mean strikes per day (Poisson; at most 100)."
    )
    capacity_cut: Fraction = Field(description="Share of the target's capacity one strike removes.")
    recovery_days: Duration = Field(
        description="Days until the capacity a strike removed is back (at most 3,660)."
    )


class Side(Frozen):
    """One of the two sides."""

    description: str = Field("", description="Free text about the side.")
    holds_ground: bool = Field(False, description="Whether this side holds the sectors at the start.")
    contingents: Annotated[dict[Name, Contingent], AfterValidator(freeze)] = Field(
        min_length=1,
        max_length=limits.CONTINGENTS,
        description="The side's contingents, its bodies of troops, by name (1-32).",
    )
    attack: Attack | None = Field(None, description="How the side attacks (absent: it never attacks).")
    command: Command = Field(
        Command(), description="Allocation of ready units to sectors, rotation, and withdrawal rules."
    )
    logistics: Logistics | None = Field(
        None, description="Supply capacity against demand (absent: the supply factor is always 1)."
    )
    strikes: Strikes | None = Field(
        None, description="Long-range strikes on the other side's supply (absent: none)."
    )
    fires: Fires | None = Field(
        None,
        description="Artillery and drone fire on the enemy's troops in the line, outside assaults "
        "(absent: none).",
    )


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
        lowest_initial = _range(self.initial)[0]
        highest_maximum = _range(self.maximum)[1]
        if lowest_initial > highest_maximum:
            raise FieldValueError(
                f"the initial bonus ({show(lowest_initial)}) is above the maximum ({show(highest_maximum)})",
                ("initial",),
            )
        return self


def _range(value: float | _Distribution) -> tuple[float, float]:
    return (value, value) if isinstance(value, float) else value.reach()


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
        areas = [_range(line.area_km2) for line in lines]
        for index in range(1, len(areas)):
            if areas[index][1] >= areas[index - 1][0]:
                raise FieldValueError(
                    "each prepared line must hold less area than the one before it (list them front to back)",
                    (index, "area_km2"),
                )
        return lines


class Law(Frozen):
    """The Lanchester-family attrition law: dA/dt = -a A^p D^q, dD/dt = -b D^p A^q."""

    type: Literal["square", "linear", "logarithmic", "general"] = Field(
        "square",
        description="square (p=0, q=1), linear (p=1, q=1), logarithmic (p=1, q=0), or general with "
        "own_exponent p and enemy_exponent q.",
    )
    own_exponent: float | None = Field(
        None,
        ge=0,
        le=limits.LAW_EXPONENT,
        description="p, the exponent of the side's own strength; required for, and only allowed with, "
        "the general law (0-3).",
    )
    enemy_exponent: float | None = Field(
        None,
        ge=0,
        le=limits.LAW_EXPONENT,
        description="q, the exponent of the enemy's strength; required for, and only allowed with, "
        "the general law (0-3).",
    )

    @model_validator(mode="after")
    def _exponents(self) -> Law:
        given = self.own_exponent is not None or self.enemy_exponent is not None
        if self.type == "general" and (self.own_exponent is None or self.enemy_exponent is None):
            raise ValueError("the general law needs own_exponent and enemy_exponent")
        if self.type != "general" and given:
            raise ValueError(f"exponents are fixed by the {self.type} law; use type: general to set them")
        return self

    def exponents(self) -> tuple[float, float]:
        """Return (p, q): the exponent on the side's own strength and on the enemy's."""
        fixed = {"square": (0.0, 1.0), "linear": (1.0, 1.0), "logarithmic": (1.0, 0.0)}
        if self.type == "general":
            assert self.own_exponent is not None and self.enemy_exponent is not None
            return (self.own_exponent, self.enemy_exponent)
        return fixed[self.type]


class SuccessCurve(Frozen):
    """P(assault succeeds) = logistic(intercept + slope ln r + posture offset).

    The defaults are the maximum-likelihood fit to 636 battles of CDB90 (``sim.grounding.cdb90``,
    docs/model.md): attacker wins against ln(force ratio), hasty defence as the baseline.
    """

    intercept: float = Field(
        0.173,
        ge=-limits.LOGIT,
        le=limits.LOGIT,
        description="Logit of success at a force ratio of 1 (CDB90 fit; -50 to 50).",
    )
    slope: float = Field(
        0.358,
        ge=-limits.LOGIT,
        le=limits.LOGIT,
        description="Change of the logit per unit of ln(force ratio) (CDB90 fit; -50 to 50).",
    )
    fortified_offset: float = Field(
        -0.072,
        ge=-limits.LOGIT,
        le=limits.LOGIT,
        description="Added to the logit against a fortified defence (CDB90 fit; -50 to 50).",
    )


class Engagement(Frozen):
    """How assaults resolve."""

    law: Law = Field(Law(), description="The Lanchester-family attrition law (default: square).")
    kill_rate: Annotated[NonNegative, limit(limits.KILL_RATE)] = Field(
        description="Attrition coefficient per day at quality 1 and full supply; its unit depends on the "
        "law (at most 1,000)."
    )
    dispersion: Annotated[Positive, limit(limits.DISPERSION)] | None = Field(
        2.0,
        description="Gamma shape k of loss noise (gamma-Poisson, variance m + m^2/k; large k tends to "
        "Poisson; at most 1,000,000); null turns loss noise off.",
    )
    noise: bool = Field(
        True,
        description="false: no randomness in timing, losses or outcomes (deterministic mode, for tests).",
    )
    success: SuccessCurve = Field(
        SuccessCurve(),
        description="Probability that an assault succeeds, against the force ratio (default: the CDB90 fit).",
    )
    fortified_at: float = Field(
        0.5,
        ge=0,
        le=limits.FORTIFICATION,
        description="Fortification bonus from which a defence counts as fortified (at most 10).",
    )
    posture_protection: Annotated[NonNegative, limit(limits.LAW_EXPONENT)] = Field(
        0.0,
        description="The holder's losses in an assault are multiplied by (1 + fortification)^-this: "
        "prepared ground protects as well as strengthens (Dupuy's posture); 0: no protection (at most 3).",
    )


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
        front = sum(_range(sector.frontage_km)[1] for sector in self.sectors.values())
        assaults = 0.0
        for side_name, side in self.sides.items():
            if side.attack is None:
                continue
            assaults += _range(side.attack.max_rate_per_km)[1] * front * self.horizon_days
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
