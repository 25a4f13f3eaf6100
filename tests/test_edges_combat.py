"""Edges of one assault (``sim.model.combat.resolve_assault``), each against a number worked by hand.

Who launches (an empty line does not; a unit at exactly one soldier does), the defender's effectiveness
(quality, supply and terrain multiply), losses under one soldier, success exactly at the odds (without
noise: taken; with noise: a draw equal to the probability fails), and the depth of a successful
assault (the day's weather, the depth noise, the defence's density on a front under 1 km, a sector with
no front at all).

The base scenario of ``test_mechanisms``: blue (the holder) has units of 1,000 at quality 1.2, red
units of 1,500 at quality 0.9, one salient sector of 200 km2 on a 10 km front. Red's assaults are 2 km
wide (engaged share 0.5) and meet blue within 2 + 2 x 1.5 = 5 km (engaged share 0.5), for one day.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest
from test_mechanisms import Forces, scenario

from sim.model import laws
from sim.model.combat import AssaultResult, resolve_assault
from sim.model.draws import Draws
from sim.model.plans import AttackPlan

ATTACK = {"max_rate_per_km": 0.1, "half_rate_density": 0.0, "advance_km": 0.5}
SURE = {"intercept": 50.0}  # every assault succeeds (logistic(50) is 1.0 in floating point)


def _forces(**paths: Any) -> Forces:
    return Forces(scenario(5, sides__red__attack=ATTACK, **paths))


def _plan(forces: Forces) -> AttackPlan:
    plan = forces.params.sides[1].attack
    assert plan is not None
    return plan


def _assault(
    forces: Forces, draws: Draws | None = None, depth_scale: float = 1.0, **changes: Any
) -> AssaultResult | None:
    """Red assaults blue (the holder) in sector 0, with ``changes`` to red's attack plan."""
    plan = dataclasses.replace(_plan(forces), **changes)
    engagement = forces.params.engagement
    return resolve_assault(
        forces.red, forces.blue, forces.blue, forces.ground, 0, plan, engagement, draws, depth_scale
    )


# ------------------------------------------------------------------------------------------ who launches
def test_an_attacker_with_nobody_in_the_sectors_line_launches_no_assault() -> None:
    forces = _forces()
    forces.units(forces.blue, 2, sector=0)
    forces.units(forces.red, 2)  # in reserve, not in the line
    assert _assault(forces) is None


def test_a_unit_of_exactly_one_soldier_still_attacks_and_defends_at_its_quality() -> None:
    """A unit falls below 1 soldier, not at it: one of 1.0 on each side still fights, at its quality.

    Red engages 0.5 x 1 x 2/10 = 0.1 at quality 0.9, blue 0.5 x 1 x 5/10 = 0.25 at quality 1.2: the
    ratio is 0.09 / 0.3 = 0.3.
    """
    forces = _forces()
    forces.units(forces.red, 1, 1.0, 0)
    forces.units(forces.blue, 1, 1.0, 0)
    result = _assault(forces)
    assert result is not None
    assert result.attacking == pytest.approx(0.1) and result.defending == pytest.approx(0.25)
    assert result.ratio == pytest.approx(0.3, rel=1e-12)


# ------------------------------------------------------------------------------- effectiveness and losses
def test_the_defenders_supply_and_terrain_both_multiply_its_effectiveness() -> None:
    """Blue at supply 0.5 on terrain 1.5 fights at 1.2 x 0.5 x 1.5 = 0.9.

    Red engages 0.5 x 3,000 x 2/10 = 300 at 0.9, blue 0.5 x 2,000 x 5/10 = 500 at 0.9: ratio 270 / 450
    = 0.6; red loses kill rate x blue's effectiveness x blue engaged = 0.01 x 0.9 x 500 = 4.5.
    """
    forces = _forces(sectors__only__terrain=1.5)
    forces.units(forces.red, 2, sector=0)
    forces.units(forces.blue, 2, sector=0)
    forces.blue.supply = 0.5
    result = _assault(forces)
    assert result is not None
    assert result.ratio == pytest.approx(0.6, rel=1e-12)
    assert result.attacker_losses == pytest.approx(4.5, rel=1e-12)


def test_losses_under_one_soldier_are_still_taken_by_both_sides() -> None:
    """At a kill rate of 0.001: blue loses 0.001 x 0.9 x 300 = 0.27, red 0.001 x 1.2 x 500 = 0.6."""
    forces = _forces(engagement__kill_rate=0.001)
    forces.units(forces.red, 2, sector=0)
    forces.units(forces.blue, 2, sector=0)
    result = _assault(forces)
    assert result is not None
    assert result.defender_losses == pytest.approx(0.27, rel=1e-12)
    assert forces.blue.line_strength[0] == pytest.approx(2000.0 - 0.27, rel=1e-12)
    assert forces.blue.casualties == pytest.approx(0.27, rel=1e-12)
    assert forces.red.line_strength[0] == pytest.approx(3000.0 - 0.6, rel=1e-12)


# ------------------------------------------------------------------------------------------------ success
def _intercept_for(probability: float) -> float:
    """The intercept (at slope 0, so the ratio drops out) whose success probability is ``probability``."""
    logit = math.log(probability / (1.0 - probability))
    for _ in range(10_000):  # each step moves the probability by a fraction of its last bit
        reached = laws.success_probability(1.0, logit, 0.0)
        if reached == probability:
            return logit
        logit = math.nextafter(logit, math.inf if reached < probability else -math.inf)
    raise AssertionError(f"no intercept gives exactly {probability!r}")


def test_without_noise_an_assault_at_even_odds_succeeds() -> None:
    """Intercept 0, slope 0: the probability is logistic(0) = 0.5 exactly, and 0.5 is enough."""
    forces = _forces()
    forces.units(forces.red, 2, sector=0)
    forces.units(forces.blue, 2, sector=0)
    engagement = dataclasses.replace(forces.params.engagement, intercept=0.0, slope=0.0)
    plan = _plan(forces)
    result = resolve_assault(forces.red, forces.blue, forces.blue, forces.ground, 0, plan, engagement, None)
    assert result is not None and result.probability == 0.5
    assert result.succeeded
    assert result.moved_km2 == pytest.approx(-1.0)  # 0.5 km deep on the assault's 2 km


def test_with_noise_a_draw_exactly_at_the_probability_fails_and_moves_no_ground() -> None:
    """Success is a uniform draw strictly below the probability: equal to it, the assault fails.

    Without loss noise (no dispersion) the assault's first draw is the stream's first uniform.
    """
    draw = float(np.random.default_rng(11).random(128)[0])
    outcomes = []
    for intercept in (_intercept_for(draw), math.nextafter(_intercept_for(draw), math.inf)):
        forces = _forces()
        forces.units(forces.red, 2, sector=0)
        forces.units(forces.blue, 2, sector=0)
        engagement = dataclasses.replace(forces.params.engagement, intercept=intercept, slope=0.0)
        plan = _plan(forces)
        draws = Draws(np.random.default_rng(11))
        result = resolve_assault(
            forces.red, forces.blue, forces.blue, forces.ground, 0, plan, engagement, draws
        )
        assert result is not None
        outcomes.append(
            (result.probability > draw, result.succeeded, result.moved_km2, forces.ground.area[0])
        )
    failed, taken = outcomes
    assert failed == (False, False, 0.0, 200.0)
    assert taken[:2] == (True, True) and taken[2] < 0.0 and taken[3] < 200.0


# -------------------------------------------------------------------------------------------------- depth
def test_the_days_weather_scales_the_depth_of_a_successful_assault() -> None:
    """Weather 0.5 on 0.5 km: 0.25 km deep on the assault's 2 km, 0.5 km2."""
    forces = _forces(engagement__success=SURE)
    forces.units(forces.red, 2, sector=0)
    forces.units(forces.blue, 2, sector=0)
    result = _assault(forces, depth_scale=0.5)
    assert result is not None and result.succeeded
    assert result.moved_km2 == pytest.approx(-0.5, rel=1e-12)
    assert forces.ground.area[0] == pytest.approx(199.5, rel=1e-12)


def test_depth_noise_multiplies_the_depth_by_exp_of_sigma_times_a_normal_draw() -> None:
    """The stream's first normal z (after its uniform and exponential blocks): 0.5 x exp(0.3 z) deep."""
    reference = np.random.default_rng(4)
    reference.random(128)
    reference.standard_exponential(128)
    z = float(reference.standard_normal(128)[0])
    forces = _forces(engagement__success=SURE)
    forces.units(forces.red, 2, sector=0)
    forces.units(forces.blue, 2, sector=0)
    result = _assault(forces, Draws(np.random.default_rng(4)), advance_sigma=0.3)
    assert result is not None and result.succeeded
    assert abs(z) > 0.1  # the seed's draw is not one that hides a mix-up of the factor
    assert result.moved_km2 == pytest.approx(-0.5 * math.exp(0.3 * z) * 2.0, rel=1e-12)


def test_a_defence_denser_than_at_the_start_cuts_the_depth_even_on_a_front_under_1_km() -> None:
    """Blue's 1,000 on a 0.5 km line: 2,000 a km, twice its start density of 1,000.

    With a density exponent of 1 the assault goes 0.5 x 2**-1 = 0.25 km deep on min(2, 0.5) km: 0.125 km2.
    """
    forces = _forces(engagement__success=SURE, sectors__only__frontage_km=0.5, sectors__only__shape="line")
    forces.units(forces.red, 2, sector=0)
    forces.units(forces.blue, 1, sector=0)
    forces.blue.sectors[0].start_density = 1000.0
    result = _assault(forces, depth_density_exponent=1.0)
    assert result is not None and result.succeeded
    assert result.moved_km2 == pytest.approx(-0.125, rel=1e-12)


def test_an_assault_on_a_sector_with_no_front_moves_no_ground() -> None:
    """A line sector of zero length: nobody is engaged (ratio inf, so it succeeds) and 0 km2 changes hands."""
    forces = _forces(sectors__only__frontage_km=0.0, sectors__only__shape="line")
    forces.units(forces.red, 2, sector=0)
    forces.units(forces.blue, 2, sector=0)
    result = _assault(forces, depth_density_exponent=1.0)
    assert result is not None and result.succeeded and result.ratio == math.inf
    assert result.moved_km2 == 0.0
    assert forces.ground.area[0] == 200.0
