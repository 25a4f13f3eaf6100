"""The depth of a successful assault against a denser or fortified defence (laws.depth_factor, combat)."""

from __future__ import annotations

import pytest

from sim.model import laws


def test_depth_factor_is_the_density_ratio_to_the_minus_exponent() -> None:
    assert laws.depth_factor(200.0, 100.0, 0.35) == pytest.approx(2.0**-0.35)
    assert laws.depth_factor(50.0, 100.0, 0.35) == pytest.approx(0.5**-0.35)  # thinner: deeper
    assert laws.depth_factor(200.0, 100.0, 0.0) == 1.0
    assert laws.depth_factor(0.0, 100.0, 0.35) == 1.0  # nobody there: no density effect
    assert laws.depth_factor(200.0, 0.0, 0.35) == 1.0  # no density at the start to compare with


def test_a_denser_defence_and_a_fortified_one_shorten_each_bite() -> None:
    from sim.model.combat import resolve_assault
    from sim.model.forces import SideState, Unit
    from sim.model.ground import Ground
    from sim.model.params import AttackPlan, CommandPlan, EngagementPlan, SectorPlan, SidePlan
    from sim.scenario.rules.allocation import POLICIES

    def side(name: str, index: int, holds: bool, strength: float) -> SideState:
        command = CommandPlan(POLICIES["even"], 0.0, 0.9, None)
        plan = SidePlan(name, index, holds, (), None, command, None, None)
        state = SideState(plan, 1)
        unit = Unit(f"{name}-1", "main", strength, 1.0)
        state.by_contingent["main"] = [unit]
        state.reserve["main"] = [unit]
        state.ready_full["main"] = strength
        state.enter_line(unit, 0)
        return state

    def moved(density_now: float, fortification: float, exponent: float, factor: float) -> float:
        ground = Ground((SectorPlan("s", True, 100.0, 10.0, 1.0, fortification, 0.0, 1.0, 0.5),))
        holder, attacker = side("blue", 0, True, density_now * 10.0), side("red", 1, False, 5000.0)
        holder.sectors[0].start_density = 100.0
        plan = AttackPlan(0.0, 1.0, 0.0, 0.0, 0.5, 0.5, 1.5, 1.0, 2.0, 1.0, 0.0, exponent, factor)
        engagement = EngagementPlan(0.0, (0.0, 1.0), None, False, 50.0, 0.0, 0.0, 0.5, 0.0)  # always succeeds
        result = resolve_assault(attacker, holder, holder, ground, 0, plan, engagement, None)
        assert result is not None and result.succeeded
        return -result.moved_km2

    base = moved(100.0, 0.0, 0.35, 0.75)
    assert base == pytest.approx(2.0)  # 1 km deep on a 2 km wide line sector
    assert moved(200.0, 0.0, 0.35, 0.75) == pytest.approx(2.0 * 2.0**-0.35)
    assert moved(200.0, 0.0, 0.0, 0.75) == pytest.approx(2.0)
    assert moved(100.0, 0.6, 0.35, 0.75) == pytest.approx(2.0 * 0.75)  # fortified (0.6 >= 0.5)
    assert moved(100.0, 0.4, 0.35, 0.75) == pytest.approx(2.0)  # not yet fortified
