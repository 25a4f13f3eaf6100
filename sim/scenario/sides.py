"""The sides of a scenario: their contingents and arrivals, how they attack, command, supply and strike.

Blocks built from the rules of ``sim.scenario.rules`` (a tempo rule's block of ``attack``, the fields
of ``withdrawal`` and ``logistics``) are made here with ``create_model``, one field per rule field.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, Field, create_model, field_validator, model_validator

from sim.errors import shorten
from sim.scenario import limits
from sim.scenario.distributions import Duration, Fraction, NonNegative, Param, Positive, limit
from sim.scenario.dynamics import FallBack, Fires
from sim.scenario.observations import Date, Frozen, Name, freeze
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
