"""Campaign dynamics, each on its own: when assault rates are read, units that fall, and the mechanisms
that make a campaign culminate, pause, lose its corridor, fall back and feel the weather.

Each test names the mechanism it is about and fails on a one-line change to it. Scenarios are tiny,
built from test_mechanisms.py's base as plain data; deterministic mode (``engagement.noise: false``)
gives exact numbers, and statistical tests use fixed seeds with margins from the Poisson variance.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_mechanisms import Forces, date, events, run, scenario

from sim.batch.seeding import replication_seed
from sim.model import laws
from sim.model.forces import REFIT
from sim.model.logistics import update_supply
from sim.model.params import AttackPlan, build_parameters
from sim.model.replication import Replication
from sim.model.tempo import update_tempo
from sim.scenario.rules.supply import SupplyContext
from sim.scenario.rules.supply.interdiction import Interdiction, corridor_distance, interdiction_factor
from sim.scenario.rules.tempo.culmination import adapted_tempo, smoothed
from sim.scenario.schema import Scenario

ATTACK: dict[str, Any] = {
    "max_rate_per_km": 2.0,
    "half_rate_density": 0.0,
    "frontage_km": 1.0,
    "advance_km": 0.0,
    "advance_sigma": 0.0,
}
"""Red assaults at 2 a km a day whatever its numbers, moving no ground (the tests count assaults)."""


def assault_days(trajectory: Any, side: str = "red") -> list[float]:
    return [e.day for e in events(trajectory, "assault", side)]


# ======================================================================================== rate re-read
def test_a_side_committed_in_the_middle_of_a_day_attacks_that_day() -> None:
    """Units ready at 06:00 join the line and the sector's assault process reads its rate at once."""
    scen = scenario(
        2,
        sides__red__contingents__main__echelons=[{"units": 2, "day": 0.25}],
        sides__red__attack=ATTACK,
    )
    _, trajectory = run(scen)
    days = assault_days(trajectory)
    # 2 a km x 10 km = 20 a day from 0.25 on, deterministic: the first at 0.25 + 1/20.
    assert days[0] == pytest.approx(0.30)
    assert sum(day < 1.0 for day in days) == 14


class ScriptedRate(Replication):
    """A replication whose red assault rate is 10 a day in the first half of each day and 2 in the second."""

    def _assault_rate(self, side: Any, sector: int, plan: AttackPlan) -> float:
        if side is self.holder:
            return 0.0
        return 10.0 if self.env.now % 1.0 < 0.5 else 2.0


def test_an_assault_drawn_before_the_rate_fell_is_kept_only_in_proportion_to_the_rate_now() -> None:
    """Thinning: the mean count is the integral of the rate, 6 a day, not the ~6.8 of firing every draw."""
    data: dict[str, Any] = {"sides__red__attack": {**ATTACK, "max_rate_per_km": 1.0}}
    scen = scenario(10, engagement__noise=True, engagement__dispersion=None, **data)
    counts = [
        sum(
            1
            for e in ScriptedRate(scen, replication_seed(3, i), trace=True).run().events
            if e.kind == "assault"
        )
        for i in range(300)
    ]
    mean, standard_error = float(np.mean(counts)), float(np.sqrt(60.0 / len(counts)))
    assert abs(mean - 60.0) < 4 * standard_error, mean


# ======================================================================================== fallen units
def test_a_unit_below_one_soldier_leaves_the_line_at_once_to_rebuild() -> None:
    forces = Forces(scenario())
    worn, fresh = forces.units(forces.blue, 1, sector=0)[0], forces.units(forces.red, 1, sector=0)[0]
    forces.blue.take_losses(0, 999.5)
    assert forces.blue.fallen(0) == [worn] and worn.status == REFIT
    assert forces.blue.line[0] == [] and forces.blue.line_strength[0] == 0.0
    forces.red.take_losses(0, 1499.0)  # one soldier left: still a unit in the line
    assert forces.red.fallen(0) == [] and forces.red.line[0] == [fresh]


def test_a_defence_killed_to_the_last_soldier_is_replaced_from_the_reserve_before_the_next_assault() -> None:
    scen: Scenario = scenario(
        3,
        sides__blue__contingents__main__echelons=[{"units": 1, "day": 0}, {"units": 1, "day": 0}],
        sides__blue__contingents__main__reserve_share=0.5,
        sides__blue__contingents__main__unit_size=10,
        sides__red__attack={
            **ATTACK,
            "max_rate_per_km": 0.2,
            "defender_engaged_share": 1.0,
            "defender_reach_km": 10,
        },
        engagement__kill_rate=10.0,
        engagement__law={"type": "square"},
    )
    _, trajectory = run(scen)
    fallen = events(trajectory, "fallen", "blue")
    # Each assault kills the whole defence: the first unit falls, the reserve unit takes its place at
    # once and meets the next assault, then falls too, and nobody is left to send.
    assert [e.subject for e in fallen] == ["main-1.1", "main-2.1"]
    commits = [e for e in events(trajectory, "commit", "blue") if e.day > 0]
    assert [(e.day, e.subject) for e in commits] == [(fallen[0].day, "main-2.1")]
    assaults = events(trajectory, "assault", "red")
    met = [e.numbers["defender_present"] for e in assaults if e.day <= fallen[1].day]
    assert met == [10.0, 10.0]  # each 10-strong unit meets its assault in full


# ======================================================================================== culmination
def test_the_adapted_tempo_follows_epsteins_rule_in_additive_form() -> None:
    # Losses at twice what the side bears cost it `adaptation` of its tempo; none regain as much.
    assert adapted_tempo(1.0, 0.02, 0.01, 0.2) == pytest.approx(0.8)
    assert adapted_tempo(0.5, 0.0, 0.01, 0.2) == pytest.approx(0.7)
    assert adapted_tempo(0.5, 0.01, 0.01, 0.2) == 0.5  # at the threshold: no change
    assert adapted_tempo(0.1, 0.05, 0.01, 0.2) == 0.0 and adapted_tempo(0.95, 0.0, 0.01, 0.2) == 1.0
    assert smoothed(0.0, 1.0, 0.0) == 1.0
    assert smoothed(0.2, 1.0, 1.0) == pytest.approx(0.2 + 0.8 * (1 - np.exp(-1.0)))


def culmination(**values: Any) -> Any:
    rules = build_parameters(
        scenario(sides__red__attack={**ATTACK, "culmination": {"tolerable_loss_rate": 0.01, **values}}), {}
    ).sides[1]
    assert rules.attack is not None
    return rules.attack.rules(1)


def test_culmination_reads_yesterdays_losses_as_a_share_of_the_line_before_them() -> None:
    forces = Forces(scenario(sides__red__attack=ATTACK))
    forces.units(forces.red, 2, sector=0)  # 3,000 in the line
    forces.red.take_losses(0, 60.0)  # 2% of the 3,000 there at the day's start: twice the tolerable rate
    rules = culmination(memory_days=0.0, adaptation=0.25)
    update_tempo(forces.red, rules, forces.ground, 1.0, forces.record)
    assert forces.red.tempo_factor == [pytest.approx(0.75)]
    assert forces.log[-1][1:4] == ("culmination", "red", "slows under its losses")
    forces.red.new_day()
    update_tempo(forces.red, rules, forces.ground, 2.0, forces.record)  # a quiet day: regains 0.25
    assert forces.red.tempo_factor == [pytest.approx(1.0)]


def test_a_culminating_attacker_slows_until_its_losses_are_what_it_bears() -> None:
    """Each assault costs red about 7 of its 3,000 (0.24%); at 5 a day that is 1.2% a day, and red bears
    0.5%: it settles near 0.005 x 2,950 / 7 = 2.1 assaults a day, where the free attacker keeps 5."""
    base = {**ATTACK, "max_rate_per_km": 0.5}
    common = {"engagement__kill_rate": 0.0001, "engagement__law": {"type": "linear"}}
    _, free = run(scenario(20, sides__red__attack=base, **common))
    bears = {"tolerable_loss_rate": 0.005, "adaptation": 0.3, "memory_days": 2.0}
    _, culminating = run(scenario(20, sides__red__attack={**base, "culmination": bears}, **common))
    per_day_free = np.bincount(np.floor(assault_days(free)).astype(int), minlength=21)
    per_day = np.bincount(np.floor(assault_days(culminating)).astype(int), minlength=21)
    assert per_day_free[:20].sum() == pytest.approx(100, abs=1)  # 0.5 a km x 10 km, day after day
    assert per_day[10:20].mean() == pytest.approx(2.1, abs=0.3)
    said = events(culminating, "culmination", "red")
    assert said[0].day == 2.0 and said[0].subject == "slows under its losses"


# ======================================================================================== pauses
def test_a_sector_pauses_after_a_spell_of_continuous_assault_and_resumes_after_its_length() -> None:
    pauses = {"after_days": 3, "length_days": 2}
    _, trajectory = run(scenario(12, sides__red__attack={**ATTACK, "pauses": pauses}))
    days = sorted({int(day) for day in assault_days(trajectory)})
    assert days == [0, 1, 2, 5, 6, 7, 10, 11, 12]  # the last at 12:00 on the last day
    said = [(e.day, e.subject) for e in events(trajectory, "pauses", "red")]
    assert said[:2] == [(3.0, "pauses after a spell of continuous assault"), (5.0, "resumes its attack")]


class Worn(Replication):
    """A replication whose red units arrive worn to 70% of their full size."""

    def _deploy(self, side: Any, contingent: Any) -> None:
        super()._deploy(side, contingent)
        if side.name == "red":
            for unit in side.units:
                unit.strength = 0.7 * unit.full_size


def test_a_worn_side_pauses_until_replacements_refill_its_units() -> None:
    pauses = {"below_strength_share": 0.8, "length_days": 1}
    scen = scenario(
        10,
        sides__red__attack={**ATTACK, "pauses": pauses},
        sides__red__contingents__main__replacements_per_day=100,
        sides__red__command__rotation_threshold=0.0,
    )
    trajectory = Worn(scen, replication_seed(0, 0), trace=True).run()
    # 3,000 full, 2,100 left: 100 a day (after each day's tempo check) bring it back to 80% (2,400) by the
    # check of day 3.
    days = sorted({int(day) for day in assault_days(trajectory)})
    assert days[0] == 3
    assert [e.day for e in events(trajectory, "pauses", "red")] == [0.0, 3.0]


# ======================================================================================== fires
def test_fire_losses_are_a_share_of_the_line_scaled_by_the_firing_density_and_supply() -> None:
    assert laws.fire_losses(2000.0, 500.0, 0.01, 1000.0, 0.8) == pytest.approx(2000 * 0.01 * 0.5 * 0.8)
    assert laws.fire_losses(100.0, 1e9, 0.5, 1.0, 1.0) == 100.0  # never more than the line
    assert laws.fire_losses(0.0, 500.0, 0.01, 1000.0, 1.0) == 0.0
    assert laws.fire_losses(100.0, 0.0, 0.01, 1000.0, 1.0) == 0.0


def test_fires_wear_the_enemys_line_each_day_from_their_start_without_any_assault() -> None:
    scen = scenario(
        5, sides__red__fires={"loss_share_per_day": 0.01, "reference_density": 300, "start": date(2)}
    )
    _, trajectory = run(scen)
    # Red: 3,000 x 0.9 quality on 10 km = 270 a km, 0.9 of the reference: blue's 2,000 lose 0.9% a day
    # from day 2, taken at each day's start (after the day's record).
    blue = trajectory.strength[0]
    assert blue[:3].tolist() == [2000.0, 2000.0, 2000.0]
    assert blue[3] == pytest.approx(2000 * (1 - 0.009))
    assert blue[5] == pytest.approx(2000 * (1 - 0.009) ** 3)
    assert trajectory.strength[1].tolist() == [3000.0] * 6  # blue has no fires
    assert [e.day for e in events(trajectory, "fires", "red")] == [2.0, 3.0, 4.0, 5.0]


# ======================================================================================== prepared lines
def test_an_assault_that_pushes_the_holder_onto_a_prepared_line_gives_it_the_lines_fortification() -> None:
    forces = Forces(
        scenario(
            sectors={
                "only": {
                    "area_km2": 200,
                    "frontage_km": 10,
                    "fortification": {"initial": 0.2, "kept_on_retreat": 0.5},
                    "prepared_lines": [{"area_km2": 150, "fortification": 1.0}],
                }
            }
        )
    )
    ground = forces.ground
    ground.lose(0, 40.0)  # 160 left: not yet on the line, and the bonus halves
    assert ground.fortification == [0.1] and ground.next_line_area(0) == 150.0
    ground.lose(0, 10.0)  # 150: on the line
    assert ground.fortification == [1.0] and ground.reached == [(0, 1.0)]
    assert ground.next_line_area(0) is None
    ground.lose(0, 10.0)  # pushed off it: the unkept half goes as anywhere
    assert ground.fortification == [0.5]


def test_fortification_growth_keeps_a_prepared_lines_bonus_above_its_maximum() -> None:
    forces = Forces(
        scenario(
            sectors={
                "only": {
                    "area_km2": 200,
                    "frontage_km": 10,
                    "fortification": {"growth_per_day": 0.1, "maximum": 0.3},
                    "prepared_lines": [{"area_km2": 200, "fortification": 0.8}],
                }
            }
        )
    )
    assert forces.ground.fortification == [0.8]  # a line at the start area: the holder stands on it
    forces.ground.grow_fortification()
    assert forces.ground.fortification == [0.8]


def test_the_holder_falls_back_to_its_prepared_line_after_days_of_losses_above_what_it_bears() -> None:
    lines = [{"area_km2": 120, "fortification": 0.9}]
    scen = scenario(
        10,
        sides__red__fires={"loss_share_per_day": 0.03, "reference_density": 270},
        sides__blue__command__fall_back={"loss_rate_above": 0.02, "days": 2, "duration_days": 2},
        sectors={"only": {"area_km2": 200, "frontage_km": 10, "prepared_lines": lines}},
    )
    _, trajectory = run(scen)
    # 3% a day under fire from day 0: days 0 and 1 count, the fall back starts on day 1 and takes 2 days,
    # a step at the start of days 2 and 3, each after that day's record.
    (went,) = events(trajectory, "fall_back", "blue")
    assert went.day == 1.0 and went.numbers["to_area_km2"] == 120.0
    np.testing.assert_allclose(trajectory.area_km2[:6], [200.0, 200.0, 200.0, 160.0, 120.0, 120.0])
    (stood,) = events(trajectory, "prepared_line", "blue")
    assert stood.day == 3.0 and stood.numbers["fortification"] == 0.9
    assert went.subject == "falls back to its next prepared line"
    assert events(trajectory, "sector_lost") == []  # on its line, the sector is still held


def test_with_no_line_left_the_holder_gives_the_sector_up_only_if_told_to() -> None:
    common = {
        "sides__red__fires": {"loss_share_per_day": 0.03, "reference_density": 270},
        "sectors": {
            "only": {"area_km2": 200, "frontage_km": 10},
            "other": {"area_km2": 50, "frontage_km": 5},
        },
    }
    rule = {"loss_rate_above": 0.02, "days": 2, "duration_days": 1}
    _, stays = run(scenario(6, sides__blue__command__fall_back=rule, **common))
    assert events(stays, "fall_back") == [] and stays.area_km2[-1] == 250.0
    _, goes = run(scenario(6, sides__blue__command__fall_back={**rule, "give_up_sector": True}, **common))
    assert {e.sector for e in events(goes, "sector_lost")} == {"only", "other"}
    assert {e.subject for e in events(goes, "fall_back")} == {"gives the sector up"}
    assert goes.area_km2[-1] == 0.0


# ======================================================================================== posture
def test_fortification_protects_the_holder_by_its_posture_exponent() -> None:
    assert laws.protected_losses(100.0, 1.0, 0.5) == pytest.approx(100 / np.sqrt(2))
    assert laws.protected_losses(100.0, 1.0, 0.0) == 100.0
    assert laws.protected_losses(100.0, 0.0, 2.0) == 100.0


def test_an_assault_on_a_fortified_holder_costs_it_less_with_posture_protection() -> None:
    def defender_losses(protection: float) -> float:
        scen = scenario(
            1,
            sides__red__attack={**ATTACK, "max_rate_per_km": 0.1},
            sectors={"only": {"area_km2": 200, "frontage_km": 10, "fortification": {"initial": 1.0}}},
            engagement__posture_protection=protection,
        )
        _, trajectory = run(scen)
        return events(trajectory, "assault", "red")[0].numbers["defender_losses"]

    assert defender_losses(1.0) == pytest.approx(defender_losses(0.0) / 2.0)


# ======================================================================================== weather
def test_a_season_scales_the_assault_rate_and_the_depth_on_its_days_only() -> None:
    attack = {**ATTACK, "max_rate_per_km": 0.5, "advance_km": 0.1}
    # START is 1 March: March is mud here, April is not.
    mud = [{"months": [3], "tempo": 0.4, "depth": 0.5, "label": "thaw"}]
    _, trajectory = run(scenario(40, sides__red__attack=attack, weather=mud, engagement__kill_rate=0.0))
    per_day = np.bincount(np.floor(assault_days(trajectory)).astype(int), minlength=41)
    assert per_day[1:30].sum() == pytest.approx(0.4 * 5 * 29, abs=1)
    assert per_day[32:40].sum() == pytest.approx(5 * 8, abs=1)
    moves = {
        round(e.numbers["area_change_km2"], 9)
        for e in events(trajectory, "assault")
        if e.numbers["succeeded"]
    }
    assert moves <= {-0.05, -0.1}  # 0.1 km deep x 1 km wide, halved in March
    assert [(e.day, e.numbers["tempo"]) for e in events(trajectory, "weather")] == [(0.0, 0.4), (31.0, 1.0)]


def test_dated_weather_periods_multiply_where_they_overlap() -> None:
    periods = [
        {"start": date(1), "end": date(3), "tempo": 0.5},
        {"start": date(3), "end": date(4), "tempo": 0.5, "depth": 0.2},
    ]
    parameters = build_parameters(scenario(5, weather=periods), {})
    assert parameters.weather_tempo == (1.0, 0.5, 0.5, 0.25, 0.5, 1.0)
    assert parameters.weather_depth == (1.0, 1.0, 1.0, 0.2, 0.2, 1.0)


# ======================================================================================== corridor
def test_the_corridor_is_cut_only_once_the_road_is_within_reach_then_fast() -> None:
    assert corridor_distance(20.0, [1.0, 0.25]) == pytest.approx(20.0 * 0.75)
    assert interdiction_factor(16.0, 15.0, 0.3) == 1.0
    assert interdiction_factor(15.0, 15.0, 0.3) == 1.0
    assert interdiction_factor(12.0, 15.0, 0.3) == pytest.approx(1 - 0.7 * 0.4)
    assert interdiction_factor(7.5, 15.0, 0.3) == pytest.approx(0.3)
    assert interdiction_factor(0.0, 15.0, 0.3) == pytest.approx(0.3)


def test_the_corridors_flanks_are_found_again_among_other_sectors() -> None:
    """The effect finds its flanks once for the sectors it is shown, and again if they are others."""
    effect = Interdiction(20.0, ("west",), 15.0, 0.25)

    def context(names: tuple[str, ...], area: tuple[float, ...]) -> SupplyContext:
        return SupplyContext(True, sum(area), 200.0, 0.0, names, area, (100.0, 100.0))

    assert effect.factor(context(("west", "centre"), (25.0, 100.0))) == pytest.approx(1.0 - 0.75 * (5 / 7.5))
    # The same effect shown the sectors the other way round reads the west flank where it now stands.
    assert effect.factor(context(("centre", "west"), (25.0, 100.0))) == 1.0
    assert effect.factor(context(("centre", "west"), (100.0, 25.0))) == pytest.approx(1.0 - 0.75 * (5 / 7.5))
    # No flanks named: every sector is a flank.
    every = Interdiction(20.0, (), 15.0, 0.25)
    assert every.factor(context(("a", "b"), (25.0, 25.0))) == pytest.approx(1.0 - 0.75 * (5 / 7.5))
    assert every.factor(context(("a", "b"), (100.0, 25.0))) == 1.0  # mean sqrt share 0.75: the road 15 km off


def test_the_holders_supply_collapses_as_its_flank_sectors_fall() -> None:
    sectors = {
        "west": {"area_km2": 100, "frontage_km": 10},
        "centre": {"area_km2": 100, "frontage_km": 10},
    }
    logistics = {
        "capacity": 1000,
        "corridor_half_width_km": 20,
        "corridor_flanks": ["west"],
        "corridor_fire_reach_km": 15,
        "interdicted_share": 0.25,
    }
    forces = Forces(scenario(sectors=sectors, sides__blue__logistics=logistics))
    forces.units(forces.blue, 1, sector=0)
    forces.blue.present = 1000.0
    sides = [forces.blue, forces.red]
    update_supply(sides, forces.ground, 0.0)
    assert forces.blue.supply == 1.0
    forces.ground.sectors[1].area = 1.0  # the centre's loss does not narrow the corridor
    update_supply(sides, forces.ground, 0.0)
    assert forces.blue.supply == 1.0
    forces.ground.sectors[0].area = 25.0  # the west flank at a quarter: the road 10 km from the enemy
    update_supply(sides, forces.ground, 0.0)
    assert forces.blue.supply == pytest.approx(1.0 - 0.75 * (5 / 7.5))
