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
from test_mechanisms import Forces, events, run, scenario

from sim.batch.seeding import replication_seed
from sim.model.forces import REFIT
from sim.model.params import AttackPlan, build_parameters
from sim.model.replication import Replication
from sim.model.tempo import update_tempo
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
