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
from sim.model.params import AttackPlan
from sim.model.replication import Replication
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


@pytest.mark.pure_model
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
