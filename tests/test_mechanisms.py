"""Behaviour of each mechanism of the model on its own, against numbers worked out by hand.

The golden files catch any change of the results; these tests say *which* mechanism changed:
fortification, terrain, strikes and the corridor, rotation and refit, replacements, the reserve
share, line sectors, arrivals and readiness, and the fighting withdrawal. Scenarios are tiny, built
here as plain data, and run in deterministic mode (``engagement.noise: false``) where an exact number
is wanted; the state classes are also driven directly, with the parameters a scenario gives.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from typing import Any

import numpy as np
import pytest

from sim.batch.seeding import replication_seed
from sim.model.combat import resolve_assault
from sim.model.command import allocate, daily_command, replace
from sim.model.events import Event
from sim.model.forces import LINE, REFIT, RESERVE, SideState, Unit
from sim.model.ground import Ground
from sim.model.logistics import update_supply
from sim.model.params import Parameters, SectorPlan, build_parameters
from sim.model.replication import Replication
from sim.model.trajectory import Trajectory
from sim.scenario.paths import set_path
from sim.scenario.schema import Scenario

START = dt.date(2024, 3, 1)

# Two sides with different unit sizes and qualities, one salient sector, nobody attacking: each test
# switches on what it is about.
BASE: dict[str, Any] = {
    "name": "mechanisms",
    "start": START.isoformat(),
    "sides": {
        "blue": {
            "holds_ground": True,
            "contingents": {
                "main": {"unit_size": 1000, "quality": 1.2, "echelons": [{"units": 2, "day": 0}]}
            },
        },
        "red": {
            "contingents": {
                "main": {"unit_size": 1500, "quality": 0.9, "echelons": [{"units": 2, "day": 0}]}
            },
        },
    },
    "sectors": {"only": {"area_km2": 200, "frontage_km": 10}},
    "engagement": {"kill_rate": 0.01, "noise": False},
}


def date(day: float) -> str:
    return (START + dt.timedelta(days=day)).isoformat()


def scenario(horizon: int = 10, **paths: Any) -> Scenario:
    """The base scenario over ``horizon`` days with each dotted path (``__`` for ``.``) set to its value."""
    data = copy.deepcopy(BASE)
    data["end"] = date(horizon)
    for path, value in paths.items():
        set_path(data, path.replace("__", "."), value, "test")
    return Scenario.model_validate(data)


def run(scen: Scenario) -> tuple[Replication, Trajectory]:
    replication = Replication(scen, replication_seed(0, 0), trace=True)
    return replication, replication.run()


def events(trajectory: Trajectory, kind: str, side: str | None = None) -> list[Event]:
    return [e for e in trajectory.events if e.kind == kind and (side is None or e.side == side)]


class Forces:
    """A scenario's sides and sectors as state objects, with units placed by hand."""

    def __init__(self, scen: Scenario) -> None:
        self.params: Parameters = build_parameters(scen, {})
        self.blue, self.red = (SideState(plan, len(self.params.sectors)) for plan in self.params.sides)
        self.ground = Ground(self.params.sectors)
        self.log: list[tuple[Any, ...]] = []

    def units(
        self, side: SideState, count: int, strength: float | None = None, sector: int | None = None
    ) -> list[Unit]:
        """Add ``count`` ready units of the side's first contingent, in reserve or in a sector's line."""
        contingent = side.plan.contingents[0]
        made = []
        for _ in range(count):
            unit = Unit(f"u{len(side.units)}", contingent.name, contingent.unit_size, contingent.quality)
            side.units.append(unit)
            side.by_contingent[contingent.name].append(unit)
            side.arrive([unit])
            side.make_ready(unit)
            if strength is not None:
                unit.strength = strength
            if sector is not None:
                side.enter_line(unit, sector)
            made.append(unit)
        return made

    def record(self, *args: Any, **numbers: float) -> None:
        self.log.append((*args, numbers))


def logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# ======================================================================================== fortification
def sector_plan(**changes: Any) -> SectorPlan:
    values: dict[str, Any] = {
        "name": "s",
        "is_line": False,
        "area_km2": 200.0,
        "frontage_km": 10.0,
        "terrain": 1.0,
        "fortification_initial": 0.1,
        "fortification_growth": 0.03,
        "fortification_max": 0.2,
        "fortification_kept": 0.25,
    }
    values.update(changes)
    return SectorPlan(**values)


def test_fortification_grows_each_day_held_up_to_its_maximum() -> None:
    ground = Ground((sector_plan(),))
    seen = []
    for _ in range(5):
        ground.grow_fortification()
        seen.append(ground.fortification[0])
    assert seen == pytest.approx([0.13, 0.16, 0.19, 0.2, 0.2], abs=1e-12)


def test_fortification_loses_its_unkept_share_at_once_and_skips_the_next_days_growth() -> None:
    ground = Ground((sector_plan(fortification_initial=0.2),))
    assert ground.lose(0, 5.0) == -5.0
    assert ground.fortification[0] == pytest.approx(0.2 * 0.25)  # kept_on_retreat 0.25 kept, at once
    ground.grow_fortification()
    assert ground.fortification[0] == pytest.approx(0.05)  # the line moved back since the last step
    ground.grow_fortification()
    assert ground.fortification[0] == pytest.approx(0.08)  # held again: grows by 0.03


def test_fortification_is_not_cut_when_no_ground_changes_hands() -> None:
    ground = Ground((sector_plan(fortification_initial=0.2),))
    assert ground.lose(0, 0.0) == 0.0
    assert ground.fortification[0] == 0.2
    ground.grow_fortification()
    assert ground.fortification[0] == pytest.approx(0.2)  # at its maximum, and not marked as moved back
    # Winning ground back does not cut it either.
    ground.lose(0, 10.0)
    ground.grow_fortification()
    ground.grow_fortification()
    before = ground.fortification[0]
    assert ground.regain(0, 4.0) == 4.0
    assert ground.fortification[0] == before


def test_a_lost_sector_does_not_fortify() -> None:
    ground = Ground((sector_plan(area_km2=10.0, fortification_kept=1.0),))
    ground.lose(0, 50.0)
    assert ground.area[0] == 0.0
    for _ in range(3):
        ground.grow_fortification()
    assert ground.fortification[0] == 0.1


def test_fortification_in_a_replication_grows_from_day_0_up_to_its_maximum() -> None:
    growing = scenario(
        5, sectors__only__fortification={"initial": 0.1, "growth_per_day": 0.02, "maximum": 0.5}
    )
    replication, _ = run(growing)
    # Six daily steps (days 0 to 5), each adding 0.02.
    assert replication.ground.fortification[0] == pytest.approx(0.1 + 6 * 0.02)
    capped = scenario(5, sectors__only__fortification={"initial": 0.1, "growth_per_day": 0.2, "maximum": 0.5})
    assert run(capped)[0].ground.fortification[0] == pytest.approx(0.5)
    # An initial bonus above the maximum is refused by the schema (tests/test_hostile_inputs.py).


def _one_assault(fortification: float, fortified_at: float = 0.5) -> tuple[Forces, Any]:
    scen = scenario(
        sides__red__attack={
            "max_rate_per_km": 0.1,
            "engaged_share": 0.3,
            "defender_engaged_share": 0.1,
            "defender_reach_km": 1.0,
            "advance_km": 1.0,
            "frontage_km": 2.0,
        },
        sectors__only__terrain=1.3,
        engagement__fortified_at=fortified_at,
        engagement__success={"intercept": 0.1, "slope": 0.4, "fortified_offset": -0.7},
    )
    forces = Forces(scen)
    forces.units(forces.blue, 2, sector=0)
    forces.units(forces.red, 2, sector=0)
    forces.ground.sectors[0].fortification = fortification
    red_plan = forces.params.sides[1].attack
    assert red_plan is not None
    result = resolve_assault(
        forces.red, forces.blue, forces.blue, forces.ground, 0, red_plan, forces.params.engagement, None
    )
    return forces, result


@pytest.mark.parametrize(("fortification", "fortified"), [(0.5, True), (0.4999, False), (0.0, False)])
def test_a_fortified_defence_gets_the_offset_on_the_success_curve(
    fortification: float, fortified: bool
) -> None:
    forces, result = _one_assault(fortification)
    # The 10 km front holds each side's line evenly. Red engages 0.3 of its 3000 on the assault's 2 km,
    # 0.3 x 3000 x 2/10 = 180, at quality 0.9; blue 0.1 of its 2000 on the 2 km plus 1 km of reach on
    # each side, 0.1 x 2000 x 4/10 = 80, at 1.2, terrain 1.3, fortification (1 + F).
    assert (result.attacking, result.defending) == pytest.approx((180.0, 80.0), rel=1e-12)
    ratio = (180 * 0.9) / (80 * 1.2 * 1.3 * (1 + fortification))
    assert result.ratio == pytest.approx(ratio, rel=1e-12)
    offset = -0.7 if fortified else 0.0
    assert result.probability == pytest.approx(logistic(0.1 + 0.4 * math.log(ratio) + offset), rel=1e-12)
    # Square law, duration 1: each side loses kill_rate x the other's effectiveness x its engaged strength.
    assert result.attacker_losses == pytest.approx(0.01 * (1.2 * 1.3 * (1 + fortification)) * 80)
    assert result.defender_losses == pytest.approx(0.01 * 0.9 * 180)
    # Deterministic mode: success iff p >= 0.5; it takes 1 km x 2 km and cuts fortification to half.
    assert result.succeeded == (result.probability >= 0.5)
    if result.succeeded:
        assert result.moved_km2 == pytest.approx(-2.0)
        assert forces.ground.fortification[0] == pytest.approx(0.5 * fortification)


def test_fortified_at_zero_counts_every_holder_defence_as_fortified() -> None:
    _, result = _one_assault(0.0, fortified_at=0.0)
    ratio = 180 * 0.9 / (80 * 1.2 * 1.3)
    assert result.probability == pytest.approx(logistic(0.1 + 0.4 * math.log(ratio) - 0.7), rel=1e-12)


def _assault_scenario(horizon: int, fortification: dict[str, float], blue_attacks: bool) -> Scenario:
    """Red attacks every 1.3 days (never on a whole day) and always succeeds; blue may counter-attack.

    The sector is a line 10 km long, so its front does not shrink as ground is lost: with tempo 1
    (``half_rate_density`` 0) and supply 1, red's rate stays ``max_rate_per_km x 10 km`` = 1 / 1.3 a day.
    """
    attack = {
        "max_rate_per_km": 1 / 13,  # 1 / 1.3 a day on 10 km
        "half_rate_density": 0.0,
        "engaged_share": 0.3,
        "defender_engaged_share": 0.2,
        "duration_days": 1.0,
        "frontage_km": 2.0,
        "advance_km": 0.5,
    }
    paths: dict[str, Any] = {
        "sides__red__attack": attack,
        "sectors__only__shape": "line",
        "sectors__only__terrain": 1.3,
        "sectors__only__fortification": fortification,
        "engagement__fortified_at": 0.5,
        "engagement__success": {"intercept": 3.0, "slope": 0.358, "fortified_offset": -0.3},
    }
    if blue_attacks:
        paths["sides__blue__attack"] = {**attack, "max_rate_per_km": 0.07, "advance_km": 0.2}  # 0.7 a day
    return scenario(horizon, **paths)


def test_assaults_see_the_fortification_built_and_lost_day_by_day() -> None:
    fortification = {"initial": 0.45, "growth_per_day": 0.1, "maximum": 0.7, "kept_on_retreat": 0.8}
    _, trajectory = run(_assault_scenario(12, fortification, blue_attacks=False))
    assaults = events(trajectory, "assault", "red")
    assert len(assaults) == 9  # at 1.3, 2.6, ..., 11.7
    # Fortification as docs/model.md states it: +0.1 at each daily step unless ground was lost since the
    # last one (capped at 0.7), x 0.8 whenever an assault takes ground.
    level, moved, expected = 0.45, False, []
    pending = list(assaults)
    for day in range(13):
        while pending and pending[0].day < day:
            expected.append(level)
            if pending.pop(0).numbers["area_change_km2"] < 0:
                level, moved = level * 0.8, True
        if not moved:
            level = min(0.7, level + 0.1)
        moved = False
    assert len(expected) == 9
    assert any(f >= 0.5 for f in expected) and any(f < 0.5 for f in expected)
    for event, level in zip(assaults, expected, strict=True):
        n = event.numbers
        attacking, defending = n["attacker_present"], n["defender_present"]
        ratio = attacking * 0.9 / (defending * 1.2 * 1.3 * (1 + level))
        assert n["ratio"] == pytest.approx(ratio, rel=1e-9), event
        offset = -0.3 if level >= 0.5 else 0.0
        assert n["success_probability"] == pytest.approx(logistic(3.0 + 0.358 * math.log(ratio) + offset))
        assert n["attacker_losses"] == pytest.approx(0.01 * 1.2 * 1.3 * (1 + level) * defending)
        assert n["defender_losses"] == pytest.approx(0.01 * 0.9 * attacking)
        assert n["area_change_km2"] == pytest.approx(-1.0)  # 0.5 km deep x 2 km wide
    assert trajectory.area_km2[-1] == pytest.approx(200.0 - 9.0)


def test_terrain_helps_either_defender_and_fortification_only_the_holder() -> None:
    fortification = {"initial": 0.8, "growth_per_day": 0.0, "maximum": 0.8, "kept_on_retreat": 1.0}
    _, trajectory = run(_assault_scenario(8, fortification, blue_attacks=True))
    red, blue = events(trajectory, "assault", "red"), events(trajectory, "assault", "blue")
    assert len(red) == 6 and len(blue) >= 3
    for event in red:  # red attacks the holder: terrain 1.3 and fortification 1 + 0.8; fortified
        n = event.numbers
        ratio = n["attacker_present"] * 0.9 / (n["defender_present"] * 1.2 * 1.3 * 1.8)
        assert n["ratio"] == pytest.approx(ratio, rel=1e-9)
        assert n["success_probability"] == pytest.approx(logistic(3.0 + 0.358 * math.log(ratio) - 0.3))
        assert n["attacker_losses"] == pytest.approx(0.01 * 1.2 * 1.3 * 1.8 * n["defender_present"])
    for event in blue:  # blue counter-attacks red: terrain 1.3 only, never fortified
        n = event.numbers
        ratio = n["attacker_present"] * 1.2 / (n["defender_present"] * 0.9 * 1.3)
        assert n["ratio"] == pytest.approx(ratio, rel=1e-9)
        assert n["success_probability"] == pytest.approx(logistic(3.0 + 0.358 * math.log(ratio)))
        assert n["attacker_losses"] == pytest.approx(0.01 * 0.9 * 1.3 * n["defender_present"])
        assert n["area_change_km2"] == pytest.approx(0.4)  # won back: 0.2 km x 2 km


def test_terrain_alone_scales_the_force_ratio() -> None:
    ratios = {}
    for terrain in (1.0, 2.5):
        scen = scenario(
            3,
            sides__red__attack={"max_rate_per_km": 1 / 13, "advance_km": 0.0},
            sectors__only__terrain=terrain,
        )
        first = events(run(scen)[1], "assault", "red")[0].numbers
        ratios[terrain] = first["ratio"]
        # Defaults: shares 0.5, an assault 2 km wide, defender reach 1.5 km, on a 10 km front. Red engages
        # 0.5 x 3000 x 2/10 = 300 at 0.9; blue 0.5 x 2000 x (2 + 2 x 1.5)/10 = 500 at 1.2 x terrain.
        assert (first["attacker_present"], first["defender_present"]) == pytest.approx((300.0, 500.0))
        assert first["ratio"] == pytest.approx(300 * 0.9 / (500 * 1.2 * terrain), rel=1e-12)
    assert ratios[1.0] / ratios[2.5] == pytest.approx(2.5)


# ======================================================================================== strikes and supply
def _supplied(**paths: Any) -> Scenario:
    """Both sides with three units and capacity for 80% of their need."""
    three = {"echelons": [{"units": 3, "day": 0}]}
    settings: dict[str, Any] = {
        "sides__blue__contingents__main": {"unit_size": 1000, "quality": 1.2, **three},
        "sides__red__contingents__main": {"unit_size": 1000, "quality": 0.9, **three},
        "sides__blue__logistics": {"capacity": 2400},
        "sides__red__logistics": {"capacity": 2400},
    }
    return scenario(13, **{**settings, **paths})


def test_strikes_cut_the_other_sides_capacity_from_their_date_stacking_until_recovery() -> None:
    rate = 1 / 2.2
    strikes = {"start": date(3), "rate_per_day": rate, "capacity_cut": 0.25, "recovery_days": 3.0}
    _, trajectory = run(_supplied(sides__red__strikes=strikes))
    # Deterministic: a strike every 1 / rate days from the start date (5.2, 7.4, 9.6, 11.8).
    times, t = [], 3.0
    while t + 1.0 / rate <= 13:
        t += 1.0 / rate
        times.append(t)
    struck = events(trajectory, "strike")
    assert [e.day for e in struck] == pytest.approx(times) and len(times) == 4
    assert all(e.side == "red" and e.subject == "blue" for e in struck)
    assert all(e.numbers == {"cut": 0.25, "recovery_days": 3.0} for e in struck)
    # The supply recorded on day d is the one set at day d - 1: 0.8 x 0.75 per strike then in effect.
    expected = [1.0]
    for day in range(13):
        in_effect = sum(1 for s in times if s < day < s + 3.0)
        expected.append(0.8 * 0.75**in_effect)
    np.testing.assert_allclose(trajectory.supply[0], expected, rtol=1e-12)
    assert max(sum(1 for s in times if s < d < s + 3.0) for d in range(13)) == 2  # cuts did stack
    np.testing.assert_allclose(trajectory.supply[1], [1.0] + [0.8] * 13, rtol=1e-12)  # red untouched


def test_a_strike_cut_ends_exactly_recovery_days_after_it() -> None:
    forces = Forces(_supplied())
    blue = forces.blue
    blue.present = forces.red.present = 3000.0
    blue.strike_cuts = [(5.0, 0.5), (7.0, 0.2)]
    update_supply([blue, forces.red], forces.ground, 4.0)
    assert blue.supply == pytest.approx(0.8 * 0.5 * 0.8)  # two cuts multiply
    update_supply([blue, forces.red], forces.ground, 5.0)
    assert blue.supply == pytest.approx(0.8 * 0.8)  # the first ends at 5.0 itself
    assert blue.strike_cuts == [(7.0, 0.2)]
    update_supply([blue, forces.red], forces.ground, 7.0)
    assert blue.supply == pytest.approx(0.8)
    assert forces.red.supply == pytest.approx(0.8)


def test_the_corridor_narrows_only_the_holders_supply() -> None:
    forces = Forces(
        _supplied(sides__blue__logistics__corridor_exposure=0.5, sides__red__logistics__corridor_exposure=0.5)
    )
    forces.blue.present = forces.red.present = 3000.0
    forces.ground.sectors[0].area = 50.0  # a quarter held: capacity x (1 - 0.5 x 0.75)
    update_supply([forces.blue, forces.red], forces.ground, 1.0)
    assert forces.blue.supply == pytest.approx(0.8 * 0.625)
    assert forces.red.supply == pytest.approx(0.8)


def test_supply_is_capacity_over_demand_of_everyone_in_theatre() -> None:
    forces = Forces(_supplied(sides__blue__logistics={"capacity": 2400, "demand_per_soldier": 1.5}))
    forces.blue.present, forces.red.present = 2000.0, 6000.0
    update_supply([forces.blue, forces.red], forces.ground, 0.0)
    assert forces.blue.supply == pytest.approx(0.8)  # 2400 for a need of 2000 x 1.5
    assert forces.red.supply == pytest.approx(0.4)
    forces.blue.present, forces.red.present = 1000.0, 0.0
    update_supply([forces.blue, forces.red], forces.ground, 1.0)
    assert forces.blue.supply == 1.0  # 2400 for a need of 1500: capped at 1
    assert forces.red.supply == 1.0  # no demand


# ======================================================================================== rotation and refit
def _command(**paths: Any) -> Forces:
    return Forces(
        scenario(
            sides__blue__command={"rotation_threshold": 0.5, "return_threshold": 0.9},
            **paths,
        )
    )


def test_a_unit_below_the_rotation_threshold_is_pulled_out_and_one_at_it_stays() -> None:
    forces = _command()
    blue = forces.blue
    worn, holding, fresh = [forces.units(blue, 1, s, 0)[0] for s in (499.0, 500.0, 1000.0)]
    daily_command(blue, forces.red, forces.ground, 1.0, forces.record)
    assert worn.status == REFIT and blue.refitting == [worn]
    assert holding.status == LINE and blue.line[0] == [holding, fresh]
    assert blue.line_strength[0] == pytest.approx(1500.0)
    assert blue.line_power[0] == pytest.approx(1500.0 * 1.2)
    assert forces.log == [(0, "rotate", "blue", worn.name, {"share": 0.499})]


def test_the_last_unit_of_a_sector_stays_while_no_reserve_can_replace_it() -> None:
    forces = _command()
    first, second = forces.units(forces.blue, 2, 100.0, 0)
    daily_command(forces.blue, forces.red, forces.ground, 1.0, None)
    assert forces.blue.refitting == [first]
    assert forces.blue.line[0] == [second]
    daily_command(forces.blue, forces.red, forces.ground, 2.0, None)
    assert forces.blue.line[0] == [second]  # still the last one


def test_with_a_reserve_the_last_worn_unit_is_relieved() -> None:
    forces = _command()
    (worn,) = forces.units(forces.blue, 1, 100.0, 0)
    (fresh,) = forces.units(forces.blue, 1)
    daily_command(forces.blue, forces.red, forces.ground, 1.0, None)
    assert worn.status == REFIT
    assert fresh.status == LINE and forces.blue.line[0] == [fresh]


@pytest.mark.parametrize(("share", "relieved"), [(0.5, False), (0.3, True)])
def test_the_last_worn_unit_stays_when_the_reserve_share_holds_the_reserve_back(
    share: float, relieved: bool
) -> None:
    """Once a bug: any reserve unit counted as relief, even one the reserve share kept back, so the last
    unit left and nobody took its place. Ready units 1000 + 1000 (+ 1000): a share of 0.5 keeps 1000 of
    the 1000 waiting (nothing can go); a share of 0.3 keeps 900 of 2000 (one unit can go, and relieves).
    """
    forces = _command(sides__blue__contingents__main__reserve_share=share)
    blue = forces.blue
    (worn,) = forces.units(blue, 1, 100.0, 0)
    waiting = forces.units(blue, 1 if not relieved else 2)
    daily_command(blue, forces.red, forces.ground, 1.0, forces.record)
    if relieved:
        assert worn.status == REFIT and blue.line[0] == [waiting[0]]
        assert [entry[1] for entry in forces.log] == ["rotate", "commit"]
    else:
        assert worn.status == LINE and blue.line[0] == [worn]
        assert blue.reserve["main"] == waiting and forces.log == []
    assert blue.line[0], "the sector was left empty"


@pytest.mark.parametrize(("strength", "returns"), [(900.0, True), (899.9, False)])
def test_a_refitting_unit_returns_at_the_return_threshold(strength: float, returns: bool) -> None:
    forces = _command(sides__blue__contingents__main__reserve_share=1.0)  # returning units stay in reserve
    forces.units(forces.blue, 1, 1000.0, 0)
    (refitting,) = forces.units(forces.blue, 1, 300.0, 0)
    forces.blue.pull_out(refitting)
    refitting.strength = strength
    daily_command(forces.blue, forces.red, forces.ground, 1.0, None)
    if returns:
        assert refitting.status == RESERVE and forces.blue.reserve["main"] == [refitting]
        assert forces.blue.refitting == []
    else:
        assert refitting.status == REFIT and forces.blue.reserve["main"] == []


def test_a_withdrawn_side_runs_no_command() -> None:
    forces = _command(sides__blue__contingents__main__replacements_per_day=100)
    (worn,) = forces.units(forces.blue, 1, 100.0, 0)
    forces.units(forces.blue, 1)
    forces.blue.withdrawn = True
    daily_command(forces.blue, forces.red, forces.ground, 1.0, None)
    assert worn.status == LINE and worn.strength == 100.0


# ======================================================================================== replacements
def test_replacements_fill_the_weakest_unit_first() -> None:
    forces = _command()
    blue = forces.blue
    a, b, c = forces.units(blue, 1, 600.0, 0) + forces.units(blue, 1, 800.0) + forces.units(blue, 1, 1000.0)
    replace(blue, "main", 300.0)
    assert [a.strength, b.strength, c.strength] == [900.0, 800.0, 1000.0]
    assert blue.line_strength[0] == pytest.approx(900.0)
    assert blue.line_power[0] == pytest.approx(900.0 * 1.2)
    replace(blue, "main", 300.0)  # 800 is now weakest (0.8 < 0.9): filled, then 900 gets the rest
    assert [a.strength, b.strength, c.strength] == [1000.0, 1000.0, 1000.0]
    assert blue.replacement_pool["main"] == 0.0


def test_unused_replacements_pile_up_to_one_days_worth_only() -> None:
    forces = _command()
    blue = forces.blue
    (unit,) = forces.units(blue, 1)
    for _ in range(3):
        replace(blue, "main", 250.0)
        assert blue.replacement_pool["main"] == 250.0
    unit.strength = 200.0
    replace(blue, "main", 250.0)  # 250 waiting + 250 today = 500
    assert unit.strength == 700.0 and blue.replacement_pool["main"] == 0.0
    unit.strength = 900.0
    replace(blue, "main", 250.0)  # 100 used, 150 left
    assert unit.strength == 1000.0 and blue.replacement_pool["main"] == 150.0


def test_replacements_start_on_their_date() -> None:
    forces = _command(
        sides__blue__contingents__main__replacements_per_day=40,
        sides__blue__contingents__main__replacements_from=date(5),
    )
    assert forces.params.sides[0].contingents[0].replacements_from_day == 5.0
    (unit,) = forces.units(forces.blue, 1, 700.0, 0)
    daily_command(forces.blue, forces.red, forces.ground, 4.0, None)
    assert unit.strength == 700.0
    daily_command(forces.blue, forces.red, forces.ground, 5.0, None)
    assert unit.strength == 740.0
    daily_command(forces.blue, forces.red, forces.ground, 6.0, None)
    assert unit.strength == 780.0


def test_replacements_flow_from_the_start_by_default() -> None:
    forces = _command(sides__blue__contingents__main__replacements_per_day=40)
    (unit,) = forces.units(forces.blue, 1, 700.0, 0)
    daily_command(forces.blue, forces.red, forces.ground, 0.0, None)
    assert unit.strength == 740.0


# ======================================================================================== reserve share
# The empty sector first gets the strongest reserve unit whatever the share (so even a share of 1 commits
# one); the rest go while what stays in reserve is at least share x 10,000.
@pytest.mark.parametrize(("share", "committed"), [(0.0, 10), (0.25, 7), (0.3, 7), (0.31, 6), (1.0, 1)])
def test_allocation_keeps_the_reserve_share_back_in_whole_units(share: float, committed: int) -> None:
    forces = _command(sides__blue__contingents__main__reserve_share=share)
    forces.units(forces.blue, 10)
    allocate(forces.blue, forces.red, forces.ground, None)
    assert len(forces.blue.line[0]) == committed
    assert len(forces.blue.reserve["main"]) == 10 - committed
    assert forces.blue.line_strength[0] == pytest.approx(1000.0 * committed)


def test_the_reserve_share_is_of_full_size_not_of_worn_strength() -> None:
    forces = _command(sides__blue__contingents__main__reserve_share=0.4)
    blue = forces.blue
    (holding,) = forces.units(blue, 1, 1000.0, 0)  # the sector is held, so nothing covers it first
    units = [forces.units(blue, 1, s)[0] for s in (700.0, 1000.0, 800.0, 900.0)]
    allocate(blue, forces.red, forces.ground, None)
    # Keep 0.4 x 5000 (full size of all ready units) = 2000 of the 3400 in reserve: the 1000 goes (2400
    # left); 900, 800 or 700 would leave less than 2000. (Of worn strength, 0.4 x 3400 = 1360, the 900
    # would go too.)
    assert blue.line[0] == [holding, units[1]]
    assert sorted(u.strength for u in blue.reserve["main"]) == [700.0, 800.0, 900.0]


def test_a_replication_commits_all_but_the_reserve_share() -> None:
    replication, trajectory = run(
        scenario(
            2,
            sides__blue__contingents__main__echelons=[{"units": 10, "day": 0}],
            sides__blue__contingents__main__reserve_share=0.25,
        )
    )
    assert len(events(trajectory, "commit", "blue")) == 7
    assert len(replication.sides[0].reserve["main"]) == 3
    assert all(e.day == 0.0 for e in events(trajectory, "commit"))


# ================================================================================= covering empty sectors
THREE_SECTORS = {name: {"area_km2": 100, "frontage_km": 10} for name in ("a", "b", "c")}


def test_an_empty_open_sector_gets_the_strongest_reserve_unit_whatever_the_reserve_share() -> None:
    forces = _command(sectors=THREE_SECTORS, sides__blue__contingents__main__reserve_share=1.0)
    blue = forces.blue
    forces.units(blue, 1, 1000.0, 0)
    forces.units(blue, 1, 1000.0, 1)
    weak, strong = forces.units(blue, 1, 600.0) + forces.units(blue, 1, 900.0)
    allocate(blue, forces.red, forces.ground, forces.record)
    assert blue.line[2] == [strong] and blue.reserve["main"] == [weak]  # the share would keep both
    assert forces.log == [(2, "commit", "blue", strong.name, {"strength": 900.0})]


def test_with_no_reserve_the_sector_with_most_units_gives_its_strongest() -> None:
    forces = _command(sectors=THREE_SECTORS)
    blue = forces.blue
    worn, fit = forces.units(blue, 1, 500.0, 0) + forces.units(blue, 1, 800.0, 0)
    (alone,) = forces.units(blue, 1, 1000.0, 1)  # the strongest, but the only one in its sector
    allocate(blue, forces.red, forces.ground, forces.record)
    assert blue.line == [[worn], [alone], [fit]]
    assert blue.line_strength == pytest.approx([500.0, 1000.0, 800.0])
    assert blue.line_power == pytest.approx([600.0, 1200.0, 960.0])
    assert fit.status == LINE and fit.sector == 2
    assert forces.log == [(2, "shift", "blue", fit.name, {"strength": 800.0, "from_sector": 0.0})]


def test_with_fewer_units_than_open_sectors_none_is_moved_and_lost_sectors_are_not_covered() -> None:
    forces = _command(sectors=THREE_SECTORS)
    blue = forces.blue
    first, second = forces.units(blue, 1, 1000.0, 0) + forces.units(blue, 1, 1000.0, 1)
    allocate(blue, forces.red, forces.ground, forces.record)
    assert blue.line == [[first], [second], []] and forces.log == []
    (spare,) = forces.units(blue, 1)
    forces.ground.sectors[2].area = 0.0  # lost: nothing to cover there
    forces.ground.sectors[1].area = 0.0
    blue.clear_sector(1)  # its unit back to the reserve, as when a sector is lost
    allocate(blue, forces.red, forces.ground, forces.record)
    assert blue.line[1] == [] and blue.line[2] == []
    assert {u.name for u in blue.line[0]} == {first.name, second.name, spare.name}  # all to the open one


# ======================================================================================== line sectors
def test_a_line_keeps_its_front_while_held_and_a_salient_scales_with_the_root_of_its_area() -> None:
    ground = Ground((sector_plan(is_line=True), sector_plan()))
    for area in (200.0, 50.0, 1e-6):
        ground.set_area(0, area)
        ground.set_area(1, area)
        assert ground.frontage(0) == 10.0
        assert ground.frontage(1) == pytest.approx(10.0 * math.sqrt(area / 200.0))
    ground.set_area(0, 0.0)
    ground.set_area(1, 0.0)
    assert ground.frontage(0) == 0.0 and ground.frontage(1) == 0.0
    assert ground.open_sectors() == []


def test_line_and_salient_lose_ground_by_their_own_fronts() -> None:
    """Each sector's front sets the width a success takes and how often red attacks there.

    Red's rate in a sector is ``max_rate_per_km`` x the front now (tempo and supply are 1); in
    deterministic mode the next assault comes one assault's worth of that rate after the last one.
    """
    sector = {"area_km2": 30, "frontage_km": 10}
    scen = scenario(
        12,
        sides__red__attack={
            "max_rate_per_km": 1 / 13,
            "half_rate_density": 0.0,
            "frontage_km": 8.0,
            "advance_km": 0.5,
        },
        sectors={"band": {**sector, "shape": "line"}, "bulge": sector},
        engagement__kill_rate=0.001,
        engagement__success={"intercept": 5.0},
    )
    assert build_parameters(scen, {}).sectors[0].is_line and not build_parameters(scen, {}).sectors[1].is_line
    _, trajectory = run(scen)
    np.testing.assert_array_equal(trajectory.sector_is_line, [True, False])
    # Each success takes 0.5 km x min(8 km, the sector's front now).
    band = [e for e in events(trajectory, "assault") if e.sector == "band"]
    # The line keeps its 10 km front: an assault every 1.3 days, at 1.3, 2.6, ..., 10.4.
    assert [e.day for e in band] == pytest.approx([1.3 * k for k in range(1, 9)])
    # 30 km² in 4 km² bites; the last takes what is left.
    assert [e.numbers["area_change_km2"] for e in band] == pytest.approx([-4.0] * 7 + [-2.0])
    assert [e.sector for e in events(trajectory, "sector_lost")] == ["band"]
    # The salient's front is 10 x sqrt(area / 30) km: assaults come further apart as it shrinks (1.3 days
    # over the front's share of 10 km), and a success takes less once the front is under 8 km.
    area, day, expected = 30.0, 0.0, []
    while True:
        front = 10.0 * math.sqrt(area / 30.0)
        day += 1.3 * 10.0 / front
        if day > 12.0:
            break
        change = -min(area, 0.5 * min(8.0, front))
        expected.append((day, change))
        area += change
    bulge = [e for e in events(trajectory, "assault") if e.sector == "bulge"]
    assert [e.day for e in bulge] == pytest.approx([day for day, _ in expected], abs=1e-6)
    assert [e.numbers["area_change_km2"] for e in bulge] == pytest.approx([change for _, change in expected])
    # Six assaults where a constant rate would have made nine; the fourth takes less than 4 km² (at 18 of
    # 30 km² the front is 10 x sqrt(0.6) < 8 km).
    assert len(expected) == 6
    assert [change for _, change in expected][:3] == pytest.approx([-4.0] * 3)
    assert expected[3][1] > -4.0
    assert trajectory.sector_area_km2[-1] == pytest.approx([0.0, area])


# ================================================================================ arrivals and readiness
def test_echelons_arrive_on_their_day_and_are_ready_after_readiness_days() -> None:
    contingents = {
        "main": {"unit_size": 1000, "echelons": [{"units": 2, "day": 0}]},
        "late": {
            "unit_size": 500,
            "readiness_days": 2.25,
            "echelons": [{"units": 2, "day": 3, "jitter_days": 0.5}],
        },
        "trained": {"unit_size": 100, "readiness_days": 2, "echelons": [{"units": 1, "day": 0}]},
        "early": {
            "unit_size": 10,
            "readiness_days": 1.5,
            "echelons": [{"units": 1, "date": date(1), "jitter_days": -3}],
        },
    }
    _, trajectory = run(scenario(8, sides__blue__contingents=contingents))
    arrivals = {e.subject: e for e in events(trajectory, "arrival", "blue")}
    ready = {e.subject: e.day for e in events(trajectory, "ready", "blue")}
    assert set(arrivals) == {"late", "trained", "early"}  # day 0 and no training: ready at once, unlogged
    assert arrivals["late"].day == 3.5
    assert arrivals["late"].numbers == {"units": 2, "personnel": 1000.0, "ready_in_days": 2.25}
    assert arrivals["trained"].day == 0.0 and arrivals["early"].day == 0.0  # never before day 0
    assert ready == {"late": 5.75, "trained": 2.0, "early": 1.5}
    commits: dict[str, list[float]] = {}
    for event in events(trajectory, "commit", "blue"):
        commits.setdefault(event.subject.split("-")[0], []).append(event.day)
    assert commits == {"main": [0.0, 0.0], "early": [1.5], "trained": [2.0], "late": [5.75, 5.75]}
    # Personnel in theatre counts units from arrival, training or not.
    np.testing.assert_allclose(trajectory.strength[0], [2110.0] * 4 + [3110.0] * 5)


# ======================================================================================== withdrawal
def test_a_withdrawal_gives_up_every_sector_evenly_over_its_duration() -> None:
    scen = scenario(
        8,
        sectors={"north": {"area_km2": 300, "frontage_km": 20}, "south": {"area_km2": 90, "frontage_km": 9}},
        sides__blue__command__withdrawal={
            "not_before": date(2),
            "area_below_km2": 1e6,
            "duration_days": 2.5,
        },
    )
    replication, trajectory = run(scen)
    assert trajectory.withdrawal_day == 2.0 and trajectory.withdrawal_reason == "area_below"
    (started,) = events(trajectory, "withdrawal")
    assert started.day == 2.0 and started.numbers["duration_days"] == 2.5
    (ended,) = events(trajectory, "withdrawn")
    assert ended.day == pytest.approx(4.5)
    # Three steps of 2.5 / 3 days (at 2.83, 3.67 and 4.5): two thirds, one third, nothing.
    held = [1.0, 1.0, 1.0, 2 / 3, 1 / 3, 0.0, 0.0, 0.0, 0.0]
    np.testing.assert_allclose(trajectory.sector_area_km2, np.outer(held, [300.0, 90.0]), atol=1e-9)
    assert replication.sides[0].withdrawn and replication.sides[0].line == [[], []]


def test_a_withdrawal_shorter_than_a_day_is_one_step() -> None:
    scen = scenario(6, sides__blue__command__withdrawal={"area_below_km2": 1e6, "duration_days": 0.5})
    _, trajectory = run(scen)
    assert trajectory.withdrawal_day == 0.0
    assert events(trajectory, "withdrawn")[0].day == pytest.approx(0.5)
    np.testing.assert_allclose(trajectory.area_km2, [200.0] + [0.0] * 6)
