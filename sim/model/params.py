"""The parameters of one replication: every number of the scenario, sampled and read once.

``build_parameters`` walks the validated scenario once per replication, takes each distribution's
sampled value (or a fixed number as it is), and returns the frozen plans of ``sim.model.plans``. The
processes of a replication read these, never the scenario, so nothing inside the simulation touches
pydantic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sim.model.plans import (
    AttackPlan,
    CommandPlan,
    ContingentPlan,
    EchelonPlan,
    EngagementPlan,
    FallBackPlan,
    FiresPlan,
    LogisticsPlan,
    Parameters,
    SectorPlan,
    SidePlan,
    StrikesPlan,
    WithdrawalPlan,
)
from sim.scenario.distributions import is_distribution
from sim.scenario.rules.allocation import POLICIES
from sim.scenario.rules.supply import EFFECTS
from sim.scenario.rules.tempo import RULES as TEMPO_RULES
from sim.scenario.rules.withdrawal import RULES
from sim.scenario.schema import Attack, Scenario, Sector, Side

__all__ = [
    "EchelonPlan",
    "ContingentPlan",
    "AttackPlan",
    "WithdrawalPlan",
    "FallBackPlan",
    "CommandPlan",
    "LogisticsPlan",
    "StrikesPlan",
    "FiresPlan",
    "SidePlan",
    "SectorPlan",
    "EngagementPlan",
    "Parameters",
    "build_parameters",
]


class _Reader:
    """Reads a scenario number: its sampled value if it is a distribution, else the number itself."""

    def __init__(self, values: Mapping[str, float]) -> None:
        self.values = values

    def __call__(self, node: Any, path: str) -> float:
        return float(self.values[path]) if is_distribution(node) else float(node)


def build_parameters(scenario: Scenario, values: Mapping[str, float]) -> Parameters:
    """Return a replication's parameters: the scenario with every distribution at its value in ``values``.

    Args:
        scenario: The validated scenario.
        values: A value for every distribution path (as ``sample_parameters`` gives).
    """
    read = _Reader(values)
    sides = tuple(
        _side(scenario, name, index, side, read) for index, (name, side) in enumerate(scenario.sides.items())
    )
    sectors = tuple(_sector(name, sector, read) for name, sector in scenario.sectors.items())
    engagement = scenario.engagement
    dispersion = engagement.dispersion
    return Parameters(
        start=scenario.start,
        horizon_days=scenario.horizon_days,
        sides=sides,
        sectors=sectors,
        engagement=EngagementPlan(
            kill_rate=read(engagement.kill_rate, "engagement.kill_rate"),
            exponents=engagement.law.exponents(),
            dispersion=None
            if dispersion is None or not engagement.noise
            else read(dispersion, "engagement.dispersion"),
            noise=engagement.noise,
            intercept=engagement.success.intercept,
            slope=engagement.success.slope,
            fortified_offset=engagement.success.fortified_offset,
            fortified_at=engagement.fortified_at,
            posture_protection=read(engagement.posture_protection, "engagement.posture_protection"),
        ),
        sampled=dict(values),
        **_weather(scenario, read),
    )


def _weather(scenario: Scenario, read: _Reader) -> dict[str, tuple[float, ...]]:
    """Return the weather's daily factors on tempo and depth (empty tuples without weather)."""
    if not scenario.weather:
        return {"weather_tempo": (), "weather_depth": ()}
    days = scenario.horizon_days + 1
    tempo, depth = [1.0] * days, [1.0] * days
    for index, period in enumerate(scenario.weather):
        at = f"weather.{index}"
        tempo_factor = read(period.tempo, f"{at}.tempo")
        depth_factor = read(period.depth, f"{at}.depth")
        for day in range(days):
            date = scenario.start + dt.timedelta(days=day)
            if period.months:
                inside = date.month in period.months
            else:
                assert period.start is not None and period.end is not None
                inside = period.start <= date <= period.end
            if inside:
                tempo[day] = tempo[day] * tempo_factor
                depth[day] = depth[day] * depth_factor
    return {"weather_tempo": tuple(tempo), "weather_depth": tuple(depth)}


def _side(scenario: Scenario, name: str, index: int, side: Side, read: _Reader) -> SidePlan:
    prefix = f"sides.{name}"
    contingents = []
    for contingent_name, contingent in side.contingents.items():
        at = f"{prefix}.contingents.{contingent_name}"
        echelons = []
        for position, echelon in enumerate(contingent.echelons):
            where = f"{at}.echelons.{position}"
            base = scenario.day_of(echelon.date) if echelon.date else read(echelon.day or 0.0, f"{where}.day")
            arrival = max(0.0, base + read(echelon.jitter_days, f"{where}.jitter_days"))
            echelons.append(EchelonPlan(echelon.units, arrival))
        contingents.append(
            ContingentPlan(
                name=contingent_name,
                unit_size=read(contingent.unit_size, f"{at}.unit_size"),
                quality=read(contingent.quality, f"{at}.quality"),
                readiness_days=read(contingent.readiness_days, f"{at}.readiness_days"),
                reserve_share=read(contingent.reserve_share, f"{at}.reserve_share"),
                replacements_per_day=read(contingent.replacements_per_day, f"{at}.replacements_per_day"),
                replacements_from_day=scenario.day_of(contingent.replacements_from)
                if contingent.replacements_from
                else 0.0,
                echelons=tuple(echelons),
            )
        )
    command = side.command
    fall_back = command.fall_back
    fall_back_plan = (
        FallBackPlan(
            loss_rate_above=read(fall_back.loss_rate_above, f"{prefix}.command.fall_back.loss_rate_above"),
            days=read(fall_back.days, f"{prefix}.command.fall_back.days"),
            duration_days=read(fall_back.duration_days, f"{prefix}.command.fall_back.duration_days"),
            give_up_sector=fall_back.give_up_sector,
        )
        if fall_back is not None
        else None
    )
    withdrawal = command.withdrawal
    withdrawal_plan = None
    if withdrawal is not None:
        at = f"{prefix}.command.withdrawal"
        rule_values = tuple(
            (
                rule_name,
                {
                    field: _rule_value(getattr(withdrawal, field), f"{at}.{field}", read)
                    for field in rule.fields
                },
            )
            for rule_name, rule in RULES.items()
        )
        withdrawal_plan = WithdrawalPlan(
            not_before_day=scenario.day_of(withdrawal.not_before) if withdrawal.not_before else None,
            duration_days=read(withdrawal.duration_days, f"{at}.duration_days"),
            rule_values=rule_values,
        )
    logistics = side.logistics
    logistics_plan = None
    if logistics is not None:
        at = f"{prefix}.logistics"
        configured = (
            effect.configure(
                {
                    field: _rule_value(getattr(logistics, field), f"{at}.{field}", read)
                    for field in effect.fields
                }
            )
            for effect in EFFECTS.values()
        )
        logistics_plan = LogisticsPlan(
            capacity=read(logistics.capacity, f"{at}.capacity"),
            demand_per_soldier=read(logistics.demand_per_soldier, f"{at}.demand_per_soldier"),
            effects=tuple(effect for effect in configured if effect is not None),
        )
    strikes = side.strikes
    strikes_plan = (
        StrikesPlan(
            start_day=scenario.day_of(strikes.start),
            rate=read(strikes.rate_per_day, f"{prefix}.strikes.rate_per_day"),
            capacity_cut=read(strikes.capacity_cut, f"{prefix}.strikes.capacity_cut"),
            recovery_days=read(strikes.recovery_days, f"{prefix}.strikes.recovery_days"),
        )
        if strikes is not None
        else None
    )
    return SidePlan(
        name=name,
        index=index,
        holds_ground=side.holds_ground,
        contingents=tuple(contingents),
        attack=_attack(scenario, side.attack, f"{prefix}.attack", read) if side.attack else None,
        command=CommandPlan(
            policy=POLICIES[command.policy],
            rotation_threshold=read(command.rotation_threshold, f"{prefix}.command.rotation_threshold"),
            return_threshold=read(command.return_threshold, f"{prefix}.command.return_threshold"),
            withdrawal=withdrawal_plan,
            fall_back=fall_back_plan,
        ),
        logistics=logistics_plan,
        strikes=strikes_plan,
        fires=_fires(scenario, side, prefix, read),
    )


def _fires(scenario: Scenario, side: Side, prefix: str, read: _Reader) -> FiresPlan | None:
    fires = side.fires
    if fires is None:
        return None
    return FiresPlan(
        loss_share_per_day=read(fires.loss_share_per_day, f"{prefix}.fires.loss_share_per_day"),
        reference_density=read(fires.reference_density, f"{prefix}.fires.reference_density"),
        start_day=scenario.day_of(fires.start) if fires.start else 0.0,
    )


def _rule_value(node: Any, path: str, read: _Reader) -> Any:
    """A rule field's value: numbers and distributions as floats; anything else (day counts, names) as is."""
    if node is None or isinstance(node, bool | int | str | tuple):
        return node
    return read(node, path)


def _attack(scenario: Scenario, attack: Attack, at: str, read: _Reader) -> AttackPlan:
    return AttackPlan(
        start=scenario.day_of(attack.start) if attack.start else 0.0,
        max_rate_per_km=read(attack.max_rate_per_km, f"{at}.max_rate_per_km"),
        half_rate_density=read(attack.half_rate_density, f"{at}.half_rate_density"),
        min_force_ratio=read(attack.min_force_ratio, f"{at}.min_force_ratio"),
        engaged_share=read(attack.engaged_share, f"{at}.engaged_share"),
        defender_engaged_share=read(attack.defender_engaged_share, f"{at}.defender_engaged_share"),
        defender_reach_km=read(attack.defender_reach_km, f"{at}.defender_reach_km"),
        duration=read(attack.duration_days, f"{at}.duration_days"),
        frontage_km=read(attack.frontage_km, f"{at}.frontage_km"),
        advance_km=read(attack.advance_km, f"{at}.advance_km"),
        advance_sigma=read(attack.advance_sigma, f"{at}.advance_sigma"),
        depth_density_exponent=read(attack.depth_density_exponent, f"{at}.depth_density_exponent"),
        fortified_depth_factor=read(attack.fortified_depth_factor, f"{at}.fortified_depth_factor"),
        tempo_rules=tuple(
            (
                name,
                {
                    field: _rule_value(getattr(block, field), f"{at}.{rule.block}.{field}", read)
                    for field in rule.fields
                },
            )
            for name, rule in TEMPO_RULES.items()
            if (block := getattr(attack, rule.block)) is not None
        ),
    )


def _sector(name: str, sector: Sector, read: _Reader) -> SectorPlan:
    at = f"sectors.{name}"
    fortification = sector.fortification
    initial = read(fortification.initial, f"{at}.fortification.initial")
    return SectorPlan(
        name=name,
        is_line=sector.shape == "line",
        area_km2=read(sector.area_km2, f"{at}.area_km2"),
        frontage_km=read(sector.frontage_km, f"{at}.frontage_km"),
        terrain=read(sector.terrain, f"{at}.terrain"),
        fortification_initial=initial,
        fortification_growth=read(fortification.growth_per_day, f"{at}.fortification.growth_per_day"),
        # The bonus never falls below where it started just because growth has a lower ceiling.
        fortification_max=max(read(fortification.maximum, f"{at}.fortification.maximum"), initial),
        fortification_kept=read(fortification.kept_on_retreat, f"{at}.fortification.kept_on_retreat"),
        prepared_lines=tuple(
            (
                read(line.area_km2, f"{at}.prepared_lines.{index}.area_km2"),
                read(line.fortification, f"{at}.prepared_lines.{index}.fortification"),
            )
            for index, line in enumerate(sector.prepared_lines)
        ),
    )
