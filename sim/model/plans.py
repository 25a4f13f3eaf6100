"""The plain, frozen plans a replication reads: one per side, contingent, sector and rule block.

``sim.model.params.build_parameters`` fills them from a validated scenario once per replication; the
processes read these, never the scenario, so nothing inside the simulation touches pydantic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.scenario.rules.allocation import AllocationPolicy
from sim.scenario.rules.supply import SupplyEffect
from sim.scenario.rules.tempo import RULES as TEMPO_RULES
from sim.scenario.rules.tempo import TempoRule
from sim.scenario.rules.withdrawal import RULES, WithdrawalRule


@dataclass(frozen=True, slots=True)
class EchelonPlan:
    """A wave of units: how many, and the day they arrive (jitter included, never before day 0)."""

    units: int
    arrival_day: float


@dataclass(frozen=True, slots=True)
class ContingentPlan:
    """A contingent's numbers for one replication."""

    name: str
    unit_size: float
    quality: float
    readiness_days: float
    reserve_share: float
    replacements_per_day: float
    replacements_from_day: float
    echelons: tuple[EchelonPlan, ...]


@dataclass(frozen=True, slots=True)
class AttackPlan:
    """A side's assault parameters (see ``sim.scenario.schema.Attack``)."""

    start: float
    max_rate_per_km: float
    half_rate_density: float
    min_force_ratio: float
    engaged_share: float
    defender_engaged_share: float
    defender_reach_km: float
    duration: float
    frontage_km: float
    advance_km: float
    advance_sigma: float
    depth_density_exponent: float
    fortified_depth_factor: float
    tempo_rules: tuple[tuple[str, Mapping[str, Any]], ...] = ()

    def rules(self, sectors: int) -> list[TempoRule]:
        """Return the tempo rules that are on, each new with a state per sector, in order."""
        return [TEMPO_RULES[name].configure(values, sectors) for name, values in self.tempo_rules]


@dataclass(frozen=True, slots=True)
class WithdrawalPlan:
    """The holder's withdrawal rules: from when they are checked, their values, the withdrawal's length."""

    not_before_day: float | None
    duration_days: float
    rule_values: tuple[tuple[str, Mapping[str, Any]], ...]

    def rules(self) -> list[WithdrawalRule]:
        """Return the rules that are on, each new (rules that count days start at zero), in order."""
        configured = (RULES[name].configure(values) for name, values in self.rule_values)
        return [rule for rule in configured if rule is not None]


@dataclass(frozen=True, slots=True)
class FallBackPlan:
    """When the holder falls back to a sector's next prepared line (``sim.scenario.dynamics.FallBack``)."""

    loss_rate_above: float
    days: float
    duration_days: float
    give_up_sector: bool


@dataclass(frozen=True, slots=True)
class CommandPlan:
    """A side's daily command: allocation policy, rotation thresholds, withdrawal rules, falling back."""

    policy: AllocationPolicy
    rotation_threshold: float
    return_threshold: float
    withdrawal: WithdrawalPlan | None
    fall_back: FallBackPlan | None = None


@dataclass(frozen=True, slots=True)
class LogisticsPlan:
    """A side's supply capacity, its soldiers' demand, and the supply effects that scale capacity."""

    capacity: float
    demand_per_soldier: float
    effects: tuple[SupplyEffect, ...]


@dataclass(frozen=True, slots=True)
class StrikesPlan:
    """Long-range strikes a side launches on the other side's supply."""

    start_day: float
    rate: float
    capacity_cut: float
    recovery_days: float


@dataclass(frozen=True, slots=True)
class FiresPlan:
    """Fires a side lays on the enemy's line outside assaults (see ``sim.scenario.dynamics.Fires``)."""

    loss_share_per_day: float
    reference_density: float
    start_day: float


@dataclass(frozen=True, slots=True)
class SidePlan:
    """One side's numbers for one replication."""

    name: str
    index: int
    holds_ground: bool
    contingents: tuple[ContingentPlan, ...]
    attack: AttackPlan | None
    command: CommandPlan
    logistics: LogisticsPlan | None
    strikes: StrikesPlan | None
    fires: FiresPlan | None = None


@dataclass(frozen=True, slots=True)
class SectorPlan:
    """A sector's geometry, ground and fortification for one replication."""

    name: str
    is_line: bool
    area_km2: float
    frontage_km: float
    terrain: float
    fortification_initial: float
    fortification_growth: float
    fortification_max: float
    fortification_kept: float
    prepared_lines: tuple[tuple[float, float], ...] = ()
    """(area held on the line, its fortification), front to back."""


@dataclass(frozen=True, slots=True)
class EngagementPlan:
    """How assaults resolve: attrition law, loss noise, success curve."""

    kill_rate: float
    exponents: tuple[float, float]
    dispersion: float | None
    noise: bool
    intercept: float
    slope: float
    fortified_offset: float
    fortified_at: float
    posture_protection: float


@dataclass(frozen=True, slots=True)
class Parameters:
    """Everything one replication reads.

    Attributes:
        start: The scenario's start date (day 0).
        horizon_days: Days from start to end.
        sides: Both sides, in the scenario's order (``index`` is the position).
        sectors: The sectors, in the scenario's order.
        engagement: How assaults resolve.
        sampled: The value of every sampled number, by dotted path.
        weather_tempo: The weather's factor on assault rates, per day from the start (empty: none).
        weather_depth: The weather's factor on the depth of successful assaults, per day (empty: none).
    """

    start: dt.date
    horizon_days: int
    sides: tuple[SidePlan, ...]
    sectors: tuple[SectorPlan, ...]
    engagement: EngagementPlan
    sampled: Mapping[str, float]
    weather_tempo: tuple[float, ...] = ()
    weather_depth: tuple[float, ...] = ()
