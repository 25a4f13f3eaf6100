"""Edges of the combat laws (sim.model.laws): what each law gives at exactly nothing and just above it.

Every law returns early for an empty side, front or area; these tests hold the early value at exactly 0,
the formula's value just above 0 (below 1, where a guard drawn at 1 would still cut in), and that a guard
spares a division by zero. The loss noise is pinned draw by draw on a twin stream, the vectorised front
law on arrays holding a lost sector, a line, a salient and a sector of no initial area.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.model import laws
from sim.model.draws import Draws

# ---------------------------------------------------------------------------------------- expected_losses


def test_attrition_reaches_sides_of_less_than_one_soldier() -> None:
    # Linear law: 0.1/day x effectiveness 1 x 0.5 own x 0.5 enemy x 2 days = 0.05.
    assert laws.expected_losses(0.5, 0.5, 1.0, 0.1, (1.0, 1.0), 2.0) == pytest.approx(0.05)
    # Square law against half a soldier: 0.1 x 1 x 0.5 x 1 day = 0.05, whatever the own strength.
    assert laws.expected_losses(100.0, 0.5, 1.0, 0.1, (0.0, 1.0), 1.0) == pytest.approx(0.05)


def test_a_side_with_nobody_engaged_loses_nobody_even_when_its_exponent_is_zero() -> None:
    # Square law: own**0 would be 1, so without the guard a side of 0 would lose 0.1 x 100 = 10.
    assert laws.expected_losses(0.0, 100.0, 1.0, 0.1, (0.0, 1.0), 1.0) == 0.0
    # Logarithmic law: enemy**0 would be 1, so without the guard losses to nobody would be 0.1 x 100 = 10.
    assert laws.expected_losses(100.0, 0.0, 1.0, 0.1, (1.0, 0.0), 1.0) == 0.0


# ------------------------------------------------------------------------------------------- draw_losses


def test_losses_below_one_soldier_are_kept_and_capped_at_what_is_present() -> None:
    assert laws.draw_losses(0.5, 10.0, None, None) == 0.5  # a mean of half a soldier is not rounded away
    assert laws.draw_losses(2.0, 0.5, None, None) == 0.5  # capped at the half soldier present


@pytest.mark.parametrize(("mean", "present"), [(0.0, 10.0), (5.0, 0.0)])
def test_no_expected_loss_or_nobody_present_draws_nothing_from_the_combat_stream(
    mean: float, present: float
) -> None:
    rng = np.random.default_rng(7)
    assert laws.draw_losses(mean, present, 2.0, rng) == 0.0
    # The stream is untouched: its next number is the first a fresh twin gives.
    assert rng.random() == np.random.default_rng(7).random()


def test_a_dispersion_of_zero_draws_poisson_losses_around_the_mean_itself() -> None:
    # Shape 0 means no gamma layer: the Poisson rate is the mean (no division by the shape).
    rng, twin = np.random.default_rng(3), np.random.default_rng(3)
    assert laws.draw_losses(6.0, 100.0, 0.0, rng) == float(twin.poisson(6.0))
    draws, twin_draws = Draws(np.random.default_rng(4)), Draws(np.random.default_rng(4))
    assert laws.draw_losses(6.0, 100.0, 0.0, draws) == twin_draws.poisson(6.0)


@pytest.mark.parametrize("shape", [0.5, 2.0])
def test_model_stream_losses_are_poisson_at_a_gamma_rate_of_the_given_shape_and_mean(shape: float) -> None:
    # Gamma rate with shape k and scale mean / k (mean 6), then one Poisson draw at that rate; a shape
    # below 1 still draws the gamma layer.
    draws, twin = Draws(np.random.default_rng(5)), Draws(np.random.default_rng(5))
    for _ in range(20):
        expected = min(twin.poisson(twin.gamma(shape, 6.0 / shape)), 100.0)
        assert laws.draw_losses(6.0, 100.0, shape, draws) == expected


def test_gamma_poisson_losses_have_the_negative_binomial_mean_and_variance() -> None:
    # Mean 10, shape 0.5: variance 10 + 10**2 / 0.5 = 210. Over 20000 draws the sample mean has a standard
    # error of sqrt(210 / 20000) ~ 0.10 (bound: 5 of them); the sample variance of this heavy-tailed law
    # is looser (kurtosis ~ 3 + 6/k = 15, so its standard error is ~ 210 sqrt(14 / 20000) ~ 5.6; bound 30).
    rng = np.random.default_rng(11)
    losses = np.array([laws.draw_losses(10.0, 1e9, 0.5, rng) for _ in range(20_000)])
    assert losses.mean() == pytest.approx(10.0, abs=0.5)
    assert losses.var() == pytest.approx(210.0, abs=30.0)


# ----------------------------------------------------------------------------------------------- engaged


def test_a_front_or_line_of_less_than_one_still_engages() -> None:
    # Front of 0.5 km, narrower than the 2 km assault: all of a line of 100 stands on it; share 0.5 -> 50.
    assert laws.engaged(100.0, 0.5, 2.0, 0.5) == pytest.approx(50.0)
    # Half a soldier on a 10 km front, 2 km of it assaulted, share 1: 0.5 x 2 / 10 = 0.1.
    assert laws.engaged(0.5, 10.0, 2.0, 1.0) == pytest.approx(0.1)


def test_a_sector_with_no_front_engages_nobody() -> None:
    assert laws.engaged(100.0, 0.0, 2.0, 0.5) == 0.0  # and no division by the zero front


# ------------------------------------------------------------------------------------ success_probability


def test_even_odds_give_an_even_chance() -> None:
    assert laws.success_probability(1.0, 0.0, 1.0) == 0.5


def test_a_non_negative_logit_takes_the_chance_as_one_over_one_plus_e_to_minus_the_logit() -> None:
    # The two forms of the logistic agree in exact arithmetic but not always to the last bit; results are
    # reproduced bit for bit, so the form on each side of 0 is pinned. At a logit of 0.9 they differ:
    # 1 / (1 + e^-0.9) = 0.7109495026250039, e^0.9 / (1 + e^0.9) = 0.710949502625004.
    assert laws.success_probability(1.0, 0.9, 1.0) == 1.0 / (1.0 + math.exp(-0.9))
    assert laws.success_probability(1.0, 0.9, 1.0) != math.exp(0.9) / (1.0 + math.exp(0.9))
    assert laws.success_probability(1.0, -0.9, 1.0) == math.exp(-0.9) / (1.0 + math.exp(-0.9))


# --------------------------------------------------------------------------------------------- frontage_km


def test_a_salient_below_one_square_km_keeps_a_front_in_proportion() -> None:
    # 10 km x sqrt(0.5 / 2) = 5 km, and 10 km x sqrt(0.125 / 0.5) = 5 km.
    assert laws.frontage_km(10.0, 2.0, 0.5) == pytest.approx(5.0)
    assert laws.frontage_km(10.0, 0.5, 0.125) == pytest.approx(5.0)


def test_a_sector_of_no_initial_area_has_no_front() -> None:
    assert laws.frontage_km(10.0, 0.0, 5.0) == 0.0  # and no division by the zero area


def test_the_front_law_for_many_days_matches_the_scalar_law_on_every_kind_of_sector() -> None:
    # Sectors: a lost salient, a lost line, a held line, a salient at a quarter of its area, a salient of
    # less than one square km at a quarter of its area, and a sector of no initial area that holds some.
    frontage0 = np.array([10.0, 10.0, 12.0, 10.0, 4.0, 7.0])
    area0 = np.array([100.0, 100.0, 200.0, 100.0, 0.5, 0.0])
    is_line = np.array([False, True, True, False, False, False])
    area = np.array(
        [
            [0.0, 0.0, 50.0, 25.0, 0.125, 3.0],
            [-1.0, -1.0, 200.0, 100.0, 0.5, 0.0],  # a negative area counts as lost
        ]
    )
    fronts = laws.frontages_km(frontage0, area0, area, is_line)
    # Lost: 0; the line keeps its 12 km; 10 x sqrt(25 / 100) = 5; 4 x sqrt(0.125 / 0.5) = 2; no initial
    # area: 0. On the second day every held sector is at its start and keeps its initial front.
    assert fronts.tolist() == [[0.0, 0.0, 12.0, 5.0, 2.0, 0.0], [0.0, 0.0, 12.0, 10.0, 4.0, 0.0]]
    for k in range(6):
        if not is_line[k]:
            assert fronts[0, k] == pytest.approx(laws.frontage_km(frontage0[k], area0[k], area[0, k]))


# -------------------------------------------------------------------------------------------- depth_factor


def test_the_depth_factor_applies_below_one_for_every_input() -> None:
    # (4 / 1) ** -0.5 = 0.5; (0.5 / 2) ** -1 = 4; (2 / 0.5) ** -1 = 0.25.
    assert laws.depth_factor(4.0, 1.0, 0.5) == pytest.approx(0.5)
    assert laws.depth_factor(0.5, 2.0, 1.0) == pytest.approx(4.0)
    assert laws.depth_factor(2.0, 0.5, 1.0) == pytest.approx(0.25)


def test_an_empty_defence_or_an_unknown_start_density_leaves_the_depth_alone() -> None:
    assert laws.depth_factor(0.0, 2.0, 1.0) == 1.0  # no 0 ** -1
    assert laws.depth_factor(2.0, 0.0, 1.0) == 1.0  # no division by the zero start


# ------------------------------------------------------------------------------------------ supply_factor


def test_a_demand_below_one_is_met_in_proportion() -> None:
    assert laws.supply_factor(0.25, 0.5) == 0.5  # 0.25 / 0.5
    assert laws.supply_factor(5.0, 0.0) == 1.0


# ---------------------------------------------------------------------------------------------- fire_losses


def test_fires_reach_a_line_power_or_reference_below_one() -> None:
    # Enemy line of 0.5 under 2 per km (reference 1, share 0.1/day): 0.1 x 2 x 0.5 = 0.1.
    assert laws.fire_losses(0.5, 2.0, 0.1, 1.0, 1.0) == pytest.approx(0.1)
    # 0.5 power per km on a line of 100: 0.1 x 0.5 x 100 = 5.
    assert laws.fire_losses(100.0, 0.5, 0.1, 1.0, 1.0) == pytest.approx(5.0)
    # A reference density of 0.5: 0.1 x 1 / 0.5 x 100 = 20.
    assert laws.fire_losses(100.0, 1.0, 0.1, 0.5, 1.0) == pytest.approx(20.0)


def test_fires_against_a_reference_density_of_zero_take_nothing() -> None:
    assert laws.fire_losses(100.0, 1.0, 0.1, 0.0, 1.0) == 0.0  # no division by the zero reference
