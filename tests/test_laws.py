"""Unit tests of the combat laws (sim.model.laws), each law on its own, against hand-computed numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.model import laws
from sim.scenario.rules.supply.corridor import corridor_factor
from sim.scenario.schema import Law

# ---------------------------------------------------------------------------------------------------------
# expected_losses


@pytest.mark.parametrize(
    ("law_type", "exponents"),
    [("square", (0.0, 1.0)), ("linear", (1.0, 1.0)), ("logarithmic", (1.0, 0.0))],
)
def test_named_laws_have_their_textbook_exponents(law_type: str, exponents: tuple[float, float]) -> None:
    assert Law(type=law_type).exponents() == exponents


def test_general_law_uses_the_given_exponents() -> None:
    assert Law(type="general", own_exponent=0.5, enemy_exponent=1.5).exponents() == (0.5, 1.5)


def test_square_law_losses_depend_on_enemy_strength_only() -> None:
    # 0.05/day x effectiveness 0.8 x 3000 enemy x 2 days = 240, whatever the side's own strength.
    for own in (10.0, 1000.0, 50_000.0):
        assert laws.expected_losses(own, 3000.0, 0.8, 0.05, (0.0, 1.0), 2.0) == pytest.approx(240.0)


def test_square_law_losses_are_proportional_to_enemy_strength() -> None:
    one = laws.expected_losses(1000.0, 1500.0, 1.0, 0.05, (0.0, 1.0), 1.0)
    two = laws.expected_losses(1000.0, 3000.0, 1.0, 0.05, (0.0, 1.0), 1.0)
    assert one == pytest.approx(75.0)
    assert two == pytest.approx(2 * one)


def test_linear_law_losses_are_proportional_to_both_strengths() -> None:
    # 0.001 x 1.0 x 100 x 200 x 0.5 days = 10
    assert laws.expected_losses(100.0, 200.0, 1.0, 0.001, (1.0, 1.0), 0.5) == pytest.approx(10.0)
    # doubling own strength doubles own losses under the linear law
    assert laws.expected_losses(200.0, 200.0, 1.0, 0.001, (1.0, 1.0), 0.5) == pytest.approx(20.0)


def test_logarithmic_law_losses_depend_on_own_strength_only() -> None:
    # 0.05 x 1.2 x 500 own x 1 day = 30, whatever the enemy's strength.
    for enemy in (1.0, 500.0, 1e6):
        assert laws.expected_losses(500.0, enemy, 1.2, 0.05, (1.0, 0.0), 1.0) == pytest.approx(30.0)


def test_general_exponents() -> None:
    # 0.01 x 1 x 400**0.5 x 100**1.5 x 1 = 0.01 x 20 x 1000 = 200
    assert laws.expected_losses(400.0, 100.0, 1.0, 0.01, (0.5, 1.5), 1.0) == pytest.approx(200.0)
    # 0.002 x 0.5 x 81**0.25 x 16**0.75 x 3 = 0.002 x 0.5 x 3 x 8 x 3 = 0.072
    assert laws.expected_losses(81.0, 16.0, 0.5, 0.002, (0.25, 0.75), 3.0) == pytest.approx(0.072)


def test_losses_scale_linearly_with_kill_rate_effectiveness_and_duration() -> None:
    base = laws.expected_losses(900.0, 1100.0, 1.0, 0.01, (1.0, 1.0), 1.0)
    assert base == pytest.approx(9900.0)
    assert laws.expected_losses(900.0, 1100.0, 0.5, 0.01, (1.0, 1.0), 1.0) == pytest.approx(base / 2)
    assert laws.expected_losses(900.0, 1100.0, 1.0, 0.03, (1.0, 1.0), 1.0) == pytest.approx(base * 3)
    assert laws.expected_losses(900.0, 1100.0, 1.0, 0.01, (1.0, 1.0), 0.25) == pytest.approx(base / 4)


@pytest.mark.parametrize("exponents", [(0.0, 1.0), (1.0, 1.0), (1.0, 0.0), (0.0, 0.0), (0.5, 2.0)])
@pytest.mark.parametrize(("own", "enemy"), [(0.0, 1000.0), (1000.0, 0.0), (0.0, 0.0), (-5.0, 100.0)])
def test_zero_strength_on_either_side_means_no_losses(
    exponents: tuple[float, float], own: float, enemy: float
) -> None:
    # 0**0 == 1 in Python, so with a zero exponent the formula alone would give losses: the law must not.
    assert laws.expected_losses(own, enemy, 1.0, 0.05, exponents, 1.0) == 0.0


# ---------------------------------------------------------------------------------------------------------
# draw_losses


def test_draw_losses_without_dispersion_is_the_mean() -> None:
    rng = np.random.default_rng(1)
    assert laws.draw_losses(12.5, 100.0, None, rng) == 12.5
    assert laws.draw_losses(12.5, 100.0, 2.0, None) == 12.5


def test_draw_losses_without_dispersion_is_capped_at_present() -> None:
    assert laws.draw_losses(250.0, 80.0, None, np.random.default_rng(1)) == 80.0
    assert laws.draw_losses(250.0, 80.0, 3.0, None) == 80.0


@pytest.mark.parametrize(("mean", "present"), [(0.0, 100.0), (-3.0, 100.0), (10.0, 0.0), (10.0, -1.0)])
def test_draw_losses_is_zero_without_mean_or_strength(mean: float, present: float) -> None:
    assert laws.draw_losses(mean, present, 2.0, np.random.default_rng(0)) == 0.0
    assert laws.draw_losses(mean, present, None, None) == 0.0


def test_draw_losses_never_exceeds_present() -> None:
    rng = np.random.default_rng(42)
    draws = np.array([laws.draw_losses(50.0, 10.0, 2.0, rng) for _ in range(2000)])
    assert draws.max() == 10.0  # the cap is reached (the mean is far above it) ...
    assert np.all(draws <= 10.0)  # ... and never passed
    assert np.all(draws >= 0.0)


def test_draw_losses_is_reproducible_with_a_seeded_generator() -> None:
    first = [laws.draw_losses(20.0, 1e9, 2.0, np.random.default_rng(7)) for _ in range(3)]
    rng_a, rng_b = np.random.default_rng(7), np.random.default_rng(7)
    seq_a = [laws.draw_losses(20.0, 1e9, 2.0, rng_a) for _ in range(50)]
    seq_b = [laws.draw_losses(20.0, 1e9, 2.0, rng_b) for _ in range(50)]
    assert seq_a == seq_b
    assert len(set(first)) == 1
    assert len(set(seq_a)) > 5  # it is random, not constant


@pytest.mark.parametrize(("mean", "k"), [(12.0, 1.5), (3.0, 5.0), (40.0, 0.7)])
def test_draw_losses_matches_gamma_poisson_mean_and_variance(mean: float, k: float) -> None:
    n = 40_000
    rng = np.random.default_rng(20240828)
    draws = np.array([laws.draw_losses(mean, 1e12, k, rng) for _ in range(n)])

    assert np.all(draws == np.round(draws))  # counts

    theory_var = mean + mean**2 / k
    # Mean: standard error sqrt(var / n).
    se_mean = math.sqrt(theory_var / n)
    assert abs(draws.mean() - mean) < 5 * se_mean

    # Variance: standard error of the sample variance, sqrt((mu4 - sigma**4) / n), with mu4 estimated.
    sample_var = draws.var(ddof=1)
    mu4 = np.mean((draws - draws.mean()) ** 4)
    se_var = math.sqrt((mu4 - sample_var**2) / n)
    assert abs(sample_var - theory_var) < 5 * se_var
    # Overdispersed: clearly wider than a Poisson of the same mean.
    assert sample_var - mean > 5 * se_var


# ---------------------------------------------------------------------------------------------------------
# success_probability


@pytest.mark.parametrize("intercept", [0.173, 0.0, -1.3, 2.0])
def test_success_at_ratio_one_is_logistic_of_intercept(intercept: float) -> None:
    expected = 1.0 / (1.0 + math.exp(-intercept))
    assert laws.success_probability(1.0, intercept, 0.358) == pytest.approx(expected, rel=1e-12)


def test_success_at_hand_computed_ratio() -> None:
    # logit = 0.173 + 0.358 ln 3 = 0.5663...; p = 1 / (1 + e^-0.5663) = 0.6379...
    logit = 0.173 + 0.358 * math.log(3.0)
    assert laws.success_probability(3.0, 0.173, 0.358) == pytest.approx(1 / (1 + math.exp(-logit)))
    assert laws.success_probability(3.0, 0.173, 0.358) == pytest.approx(0.63791, abs=1e-4)


def test_success_is_monotone_in_force_ratio() -> None:
    ratios = [0.01, 0.1, 0.5, 0.9, 1.0, 1.1, 2.0, 3.0, 10.0, 100.0]
    probabilities = [laws.success_probability(r, 0.173, 0.358) for r in ratios]
    assert all(a < b for a, b in zip(probabilities, probabilities[1:], strict=False))
    assert all(0.0 < p < 1.0 for p in probabilities)


def test_success_limits() -> None:
    assert laws.success_probability(0.0, 0.173, 0.358) == 0.0
    assert laws.success_probability(-1.0, 0.173, 0.358) == 0.0
    assert laws.success_probability(math.inf, 0.173, 0.358) == 1.0


def test_success_does_not_overflow_for_extreme_logits() -> None:
    assert laws.success_probability(1e-300, 0.0, 10.0) == pytest.approx(0.0, abs=1e-300)
    assert laws.success_probability(1e300, 0.0, 10.0) == pytest.approx(1.0)


def test_offset_lowers_success() -> None:
    plain = laws.success_probability(2.0, 0.173, 0.358)
    fortified = laws.success_probability(2.0, 0.173, 0.358, offset=-0.072)
    assert fortified < plain
    logit = 0.173 + 0.358 * math.log(2.0) - 0.072
    assert fortified == pytest.approx(1 / (1 + math.exp(-logit)))
    assert laws.success_probability(2.0, 0.173, 0.358, offset=0.5) > plain


# ---------------------------------------------------------------------------------------------------------
# tempo and engaged forces


@pytest.mark.parametrize(
    ("density", "half", "expected"),
    [
        (500.0, 500.0, 0.5),  # half the maximum at half_rate_density
        (1500.0, 500.0, 0.75),  # 1500 / (1500 + 500)
        (250.0, 750.0, 0.25),
        (1e-9, 0.0, 1.0),  # half 0: full tempo whenever anyone is there, however few
        (40.0, 0.0, 1.0),
    ],
)
def test_tempo_is_density_over_density_plus_half(density: float, half: float, expected: float) -> None:
    assert laws.tempo(density, half) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("half", [0.0, 500.0])
@pytest.mark.parametrize("density", [0.0, -10.0])
def test_tempo_is_zero_with_nobody_in_the_sector(density: float, half: float) -> None:
    assert laws.tempo(density, half) == 0.0


def test_tempo_rises_with_density_and_saturates_below_one() -> None:
    densities = [1.0, 10.0, 100.0, 1_000.0, 10_000.0, 1e6]
    tempos = [laws.tempo(d, 800.0) for d in densities]
    assert all(a < b for a, b in zip(tempos, tempos[1:], strict=False))
    assert all(0.0 < t < 1.0 for t in tempos)
    assert tempos[-1] == pytest.approx(1.0, abs=1e-3)  # a crowded sector is near the maximum ...
    # ... and doubling an already dense force adds little: from 0.926 to 0.962 at 10,000 vs 20,000.
    assert laws.tempo(20_000.0, 800.0) - laws.tempo(10_000.0, 800.0) < 0.04


def test_engaged_is_the_share_of_those_on_the_width() -> None:
    # 3000 spread over 10 km: 600 on a 2 km assault, of whom half fight.
    assert laws.engaged(3000.0, 10.0, 2.0, 0.5) == pytest.approx(300.0)
    assert laws.engaged(3000.0, 10.0, 5.0, 0.2) == pytest.approx(300.0)  # 1500 within 5 km, a fifth
    assert laws.engaged(3000.0, 10.0, 2.0, 1.0) == pytest.approx(600.0)


def test_a_narrower_front_packs_more_onto_the_same_width() -> None:
    wide = laws.engaged(3000.0, 20.0, 2.0, 0.5)
    narrow = laws.engaged(3000.0, 5.0, 2.0, 0.5)
    assert (wide, narrow) == pytest.approx((150.0, 600.0))


@pytest.mark.parametrize("width", [10.0, 12.5, 1e6])
def test_a_width_at_or_beyond_the_front_engages_the_whole_line(width: float) -> None:
    assert laws.engaged(3000.0, 10.0, width, 0.5) == pytest.approx(1500.0)
    assert laws.engaged(3000.0, 10.0, width, 1.0) == pytest.approx(3000.0)  # never more than is there


@pytest.mark.parametrize(
    ("line", "front", "width", "share"),
    [
        (0.0, 10.0, 2.0, 0.5),
        (-5.0, 10.0, 2.0, 0.5),
        (3000.0, 0.0, 2.0, 0.5),
        (3000.0, 10.0, 0.0, 0.5),
        (3000.0, 10.0, 2.0, 0.0),
    ],
)
def test_engaged_is_zero_without_troops_front_width_or_share(
    line: float, front: float, width: float, share: float
) -> None:
    assert laws.engaged(line, front, width, share) == 0.0


# ---------------------------------------------------------------------------------------------------------
# geometry, supply and corridor


def test_frontage_scales_with_square_root_of_area() -> None:
    assert laws.frontage_km(20.0, 400.0, 400.0) == pytest.approx(20.0)
    assert laws.frontage_km(20.0, 400.0, 100.0) == pytest.approx(10.0)  # quarter area -> half frontage
    assert laws.frontage_km(20.0, 400.0, 25.0) == pytest.approx(5.0)  # 1/16 area -> quarter frontage
    assert laws.frontage_km(30.0, 900.0, 400.0) == pytest.approx(20.0)


def test_frontage_of_an_empty_sector_is_zero() -> None:
    assert laws.frontage_km(20.0, 400.0, 0.0) == 0.0
    assert laws.frontage_km(20.0, 0.0, 100.0) == 0.0


def test_area_gained_is_depth_times_engaged_frontage() -> None:
    assert laws.area_gained(0.8, 2.0, 25.0) == pytest.approx(1.6)


def test_area_gained_is_capped_by_sector_frontage() -> None:
    assert laws.area_gained(0.8, 2.0, 1.5) == pytest.approx(1.2)
    assert laws.area_gained(0.8, 2.0, 0.0) == 0.0


@pytest.mark.parametrize(
    ("capacity", "demand", "expected"),
    [
        (5000.0, 10000.0, 0.5),
        (12000.0, 10000.0, 1.0),  # surplus is clipped to 1
        (10000.0, 10000.0, 1.0),
        (0.0, 10000.0, 0.0),
        (-100.0, 10000.0, 0.0),  # clipped to 0
        (3000.0, 0.0, 1.0),  # no demand: fully supplied
    ],
)
def test_supply_factor(capacity: float, demand: float, expected: float) -> None:
    assert laws.supply_factor(capacity, demand) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("exposure", "area", "initial", "expected"),
    [
        (0.4, 1000.0, 1000.0, 1.0),  # nothing lost yet
        (0.4, 500.0, 1000.0, 0.8),  # half lost: 1 - 0.4 x 0.5
        (0.4, 0.0, 1000.0, 0.6),  # all lost: 1 - e
        (0.7, 250.0, 1000.0, 1.0 - 0.7 * 0.75),
        (0.0, 100.0, 1000.0, 1.0),  # no exposure
        (0.4, 1500.0, 1000.0, 1.0),  # more than the start counts as all held
        (0.4, 500.0, 0.0, 1.0),  # no initial area
    ],
)
def test_corridor_factor(exposure: float, area: float, initial: float, expected: float) -> None:
    assert corridor_factor(exposure, area, initial) == pytest.approx(expected)
