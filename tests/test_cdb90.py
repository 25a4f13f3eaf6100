"""Tests of the CDB90 grounding of the engagement law (sim.grounding.cdb90)."""

from __future__ import annotations

import math
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from sim.grounding.cdb90 import fit_advance, fit_success_curve, main
from sim.grounding.cdb90_curves import AdvanceFit, SuccessCurveFit
from sim.grounding.cdb90_data import (
    CREDIT,
    FITTED_POSTURES,
    Battle,
    calendar_days,
    default_directory,
    load_battles,
)

# Values reported in docs/cdb90_fit.md, rounded to 3 decimals; a refit must reproduce them.
REPORTED_SUCCESS = {
    "intercept": 0.173,
    "slope": 0.358,
    "pd_offset": 0.296,
    "fd_offset": -0.072,
    "intercept_se": 0.120,
    "slope_se": 0.127,
    "pd_offset_se": 0.206,
    "fd_offset_se": 0.210,
}
REPORTED_ADVANCE = {
    "median_km_per_day": 2.100,
    "log_mean": 0.849,
    "log_sd": 1.120,
    "ratio_slope": -0.254,
    "ratio_slope_se": 0.077,
}
ROUNDING = 5.1e-4  # half a unit in the third decimal, plus floating-point slack


@pytest.fixture(scope="module")
def battles() -> list[Battle]:
    return load_battles()


@pytest.fixture(scope="module")
def success(battles: list[Battle]) -> SuccessCurveFit:
    return fit_success_curve(battles)


@pytest.fixture(scope="module")
def advance(battles: list[Battle]) -> AdvanceFit:
    return fit_advance(battles)


# --- loading -------------------------------------------------------------------------------------


def test_data_ship_with_the_package_and_keep_the_credit() -> None:
    folder = default_directory()
    for name in (
        "battles.csv",
        "belligerents.csv",
        "battle_durations.csv",
        "front_widths.csv",
        "enum_post.csv",
        "enum_wina.csv",
        "enum_terra1.csv",
        "datapackage.json",
    ):
        assert (folder / name).is_file(), name
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert CREDIT in readme
    assert "ODC-BY" in readme


def test_loader_reads_600_plus_battles_with_positive_strengths(battles: list[Battle]) -> None:
    assert len(battles) == 659  # 660 battles, isqno 657 has no strengths
    assert all(b.attacker_strength > 0 and b.defender_strength > 0 for b in battles)
    assert [b.isqno for b in battles] == sorted({b.isqno for b in battles})
    assert 657 not in {b.isqno for b in battles}


def test_blank_wina_is_an_attacker_loss_and_zero_a_draw(battles: list[Battle]) -> None:
    by_name = {b.name: b for b in battles}
    for failed_attack in ("WATERLOO", "GETTYSBURG", "FREDERICKSBURG"):
        assert by_name[failed_attack].attacker_won is False
    assert by_name["BLENHEIM"].attacker_won is True
    outcomes = [b.attacker_won for b in battles]
    assert outcomes.count(True) == 397
    assert outcomes.count(False) == 219
    assert outcomes.count(None) == 43


def test_attacker_and_defender_come_from_the_attacker_flag(battles: list[Battle]) -> None:
    nieuport = next(b for b in battles if b.isqno == 1)  # Spanish attacked the Dutch at Nieuport
    assert nieuport.attacker_strength == 11500
    assert nieuport.defender_strength == 11300
    assert nieuport.posture == "HD"
    assert nieuport.front_width_km == pytest.approx(0.9)


def test_durations_are_recomputed_from_dates(battles: list[Battle]) -> None:
    by_name = {b.name: b for b in battles}
    # duration1 in the tidy file says 2 days; the operation ran 12 Jan - 3 Feb 1945.
    assert by_name["VISTULA-ODER"].duration_days == 23
    assert by_name["WATERLOO"].duration_days == 1
    assert by_name["LEIPZIG"].duration_days == 4
    assert by_name["VISTULA-ODER"].advance_km_per_day == pytest.approx(483 / 23)


def test_calendar_days() -> None:
    assert calendar_days(datetime(1815, 6, 18, 11, 30), datetime(1815, 6, 18, 21, 30)) == 1
    assert calendar_days(datetime(1813, 10, 16, 8, 30), datetime(1813, 10, 19, 14)) == 4
    assert calendar_days(datetime(1626, 4, 25), datetime(1626, 4, 26)) == 1  # date-only battle
    assert calendar_days(datetime(1944, 1, 1, 5), datetime(1944, 1, 1, 5)) == 1
    with pytest.raises(ValueError):
        calendar_days(datetime(1944, 1, 2), datetime(1944, 1, 1))


def test_loader_rejects_unknown_outcome_codes(tmp_path: Path) -> None:
    folder = default_directory()
    for name in ("belligerents.csv", "battle_durations.csv", "front_widths.csv"):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    text = (folder / "battles.csv").read_text(encoding="utf-8")
    header, first, *rest = text.splitlines()
    columns = header.replace('"', "").split(",")
    cells = first.split(",")
    wina = columns.index("wina")
    cells[wina] = "7"
    (tmp_path / "battles.csv").write_text("\n".join([header, ",".join(cells), *rest]), encoding="utf-8")
    with pytest.raises(ValueError, match="wina"):
        load_battles(tmp_path)


# --- the historical fit --------------------------------------------------------------------------


def test_success_slope_is_positive(success: SuccessCurveFit) -> None:
    assert success.slope > 0
    assert success.slope / success.slope_se > 2  # and distinguishable from zero


def test_probability_increases_with_force_ratio(success: SuccessCurveFit) -> None:
    ratios = [0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0]
    for posture in FITTED_POSTURES:
        probabilities = [success.probability(r, posture) for r in ratios]
        assert all(0 < p < 1 for p in probabilities)
        assert all(a < b for a, b in pairwise(probabilities))


def test_fortified_defence_lowers_success(success: SuccessCurveFit) -> None:
    # The point estimate is lower, though well within one standard error of hasty (see the docs).
    assert success.fd_offset < 0
    for ratio in (0.5, 1.0, 3.0):
        assert success.probability(ratio, "FD") < success.probability(ratio, "HD")


def test_refit_reproduces_reported_success_curve(success: SuccessCurveFit) -> None:
    for name, value in REPORTED_SUCCESS.items():
        assert getattr(success, name) == pytest.approx(value, abs=ROUNDING), name
    assert success.n == 636
    assert success.n_successes == 378


def test_refit_reproduces_reported_advance(advance: AdvanceFit) -> None:
    for name, value in REPORTED_ADVANCE.items():
        assert getattr(advance, name) == pytest.approx(value, abs=ROUNDING), name
    assert advance.n == 377
    assert advance.n_zero == 8


def test_dropping_draws_changes_the_sample(battles: list[Battle], success: SuccessCurveFit) -> None:
    without_draws = fit_success_curve(battles, draws_as_failures=False)
    assert without_draws.n == success.n - 42  # draws against HD/PD/FD defences
    assert without_draws.n_successes == success.n_successes


def test_probability_and_inverse_agree(success: SuccessCurveFit) -> None:
    for posture in FITTED_POSTURES:
        ratio = success.force_ratio_for(0.7, posture)
        assert success.probability(ratio, posture) == pytest.approx(0.7)
    with pytest.raises(ValueError):
        success.probability(0.0)
    with pytest.raises(ValueError):
        success.probability(2.0, "DL")


def test_main_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "slope b (ln R)" in out
    assert "0.358" in out
    assert CREDIT in out


# --- recovery of known parameters from synthetic data ---------------------------------------------


def _synthetic_battles(rng: np.random.Generator, n: int, truth: dict[str, float]) -> list[Battle]:
    log_ratio = rng.normal(0.3, 0.8, size=n)
    posture = rng.choice(np.array(["HD", "PD", "FD"]), size=n, p=[0.45, 0.3, 0.25])
    offset = np.select([posture == "PD", posture == "FD"], [truth["pd_offset"], truth["fd_offset"]], 0.0)
    eta = truth["intercept"] + truth["slope"] * log_ratio + offset
    won = rng.random(n) < 1.0 / (1.0 + np.exp(-eta))
    return [
        Battle(
            isqno=i,
            attacker_strength=1000.0 * math.exp(log_ratio[i]),
            defender_strength=1000.0,
            posture=str(posture[i]),
            attacker_won=bool(won[i]),
            km_advanced=None,
            duration_days=None,
        )
        for i in range(n)
    ]


TRUTH = {"intercept": 0.2, "slope": 0.9, "pd_offset": -0.5, "fd_offset": -1.1}
COEFFICIENTS = ("intercept", "slope", "pd_offset", "fd_offset")


def test_synthetic_logistic_recovers_coefficients() -> None:
    """Each estimate is asymptotically N(truth, se^2); 4 se bounds a miss at p ~ 6e-5 per coefficient.

    A fit that ignored a covariate or mis-signed it would miss by far more than 4 se at n = 4000
    (se of the slope is about 0.05 there).
    """
    fit = fit_success_curve(_synthetic_battles(np.random.default_rng(20240806), 4000, TRUTH))
    for name in COEFFICIENTS:
        estimate, se = getattr(fit, name), getattr(fit, f"{name}_se")
        assert se < 0.15, name
        assert abs(estimate - TRUTH[name]) < 4 * se, (name, estimate, se)


def test_synthetic_standard_errors_match_the_sampling_spread() -> None:
    """The inverse-Hessian SEs should equal the spread of estimates over repeated samples.

    With 200 replications the sample sd of an estimate has a relative error of about 1/sqrt(400) = 5%,
    so agreement within 20% is a 4-sigma bound; and about 95% of the nominal 95% intervals must cover.
    """
    rng = np.random.default_rng(7)
    fits = [fit_success_curve(_synthetic_battles(rng, 800, TRUTH)) for _ in range(200)]
    for name in COEFFICIENTS:
        estimates = np.array([getattr(f, name) for f in fits])
        ses = np.array([getattr(f, f"{name}_se") for f in fits])
        assert np.std(estimates, ddof=1) == pytest.approx(np.mean(ses), rel=0.2), name
        coverage = np.mean(np.abs(estimates - TRUTH[name]) < 1.96 * ses)
        assert 0.90 <= coverage <= 0.99, (name, coverage)


def test_synthetic_advance_recovers_lognormal_and_trend() -> None:
    rng = np.random.default_rng(1973)
    n, mu, sigma, elasticity = 2000, 0.5, 0.8, 0.4
    log_ratio = rng.normal(0.5, 0.7, size=n)
    log_rate = mu + elasticity * (log_ratio - 0.5) + rng.normal(0.0, sigma, size=n)
    duration = rng.integers(1, 5, size=n).astype(float)
    battles = [
        Battle(
            i,
            1000.0 * math.exp(log_ratio[i]),
            1000.0,
            "HD",
            True,
            math.exp(log_rate[i]) * duration[i],
            duration[i],
        )
        for i in range(n)
    ]
    # failed attacks and zero advances must not enter the log-space statistics
    battles += [
        Battle(n + 1, 3000.0, 1000.0, "HD", False, 50.0, 1.0),
        Battle(n + 2, 3000.0, 1000.0, "HD", True, 0.0, 1.0),
    ]
    fit = fit_advance(battles)
    assert fit.n == n + 1 and fit.n_zero == 1
    total_sd = math.sqrt(sigma**2 + (elasticity * 0.7) ** 2)
    assert abs(fit.log_mean - mu) < 4 * total_sd / math.sqrt(n)
    assert fit.log_sd == pytest.approx(total_sd, rel=0.1)
    assert abs(fit.ratio_slope - elasticity) < 4 * fit.ratio_slope_se
    assert fit.median_km_per_day == pytest.approx(math.exp(mu), rel=0.1)


def test_unidentified_fits_are_refused() -> None:
    postures = ["HD", "PD", "FD"] * 5
    always = [Battle(i, 2000.0, 1000.0 + i, p, True, None, None) for i, p in enumerate(postures)]
    with pytest.raises(ValueError):
        fit_success_curve(always)
    no_fd = [
        Battle(i, 1000.0 + 50 * i, 1000.0, ["HD", "PD"][i % 2], i % 3 == 0, None, None) for i in range(30)
    ]
    with pytest.raises(ValueError, match="FD"):
        fit_success_curve(no_fd)
    with pytest.raises(ValueError):
        fit_advance([Battle(1, 2000.0, 1000.0, "HD", True, 5.0, 1.0)])


# ----------------------------------------------------------------------------------- seasons
def test_cluster_robust_errors_match_statsmodels() -> None:
    sm = pytest.importorskip("statsmodels.api")
    from sim.grounding.seasons import clustered_ols

    rng = np.random.default_rng(3)
    x = np.column_stack([np.ones(60), rng.normal(size=60), rng.integers(0, 2, 60)])
    y = x @ [0.5, -1.0, 2.0] + rng.normal(size=60) + np.repeat(rng.normal(size=12), 5)
    clusters = [str(i // 5) for i in range(60)]
    beta, errors = clustered_ols(x, y, clusters)
    fitted = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": np.arange(60) // 5})
    np.testing.assert_allclose(beta, fitted.params)
    np.testing.assert_allclose(errors, fitted.bse)


def test_the_mud_and_winter_factors_the_scenarios_use_are_the_cdb90_fit() -> None:
    from sim.grounding.campaigns import MUD, WINTER
    from sim.grounding.seasons import fit_seasons

    fit = fit_seasons()
    assert fit.battles == 218 and fit.campaigns == 68
    mud, low, high = fit.factor("mud month")
    assert (round(mud, 2), round(low, 2), round(high, 2)) == (0.49, 0.28, 0.85)
    assert MUD["tempo"] * MUD["depth"] == pytest.approx(mud, abs=0.01)
    assert WINTER["tempo"] * WINTER["depth"] == pytest.approx(fit.factor("winter month")[0], abs=0.01)
    assert fit.factor("wet")[1] < 1.0 < fit.factor("wet")[2]  # no effect of wet weather to model
