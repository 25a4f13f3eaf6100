"""Fit the engagement law's success curve and advance rate to the CDB90 battles.

The data are 660 land battles from 1600 to 1973 from the US Army Concepts Analysis Agency's CDB90
database, as tidied by Jeffrey B. Arnold. They ship with the package under ``sim/data/cdb90/``.
Credit: "CDB90, tidied by Jeffrey B. Arnold (github.com/jrnold/CDB90)", licensed ODC-BY.

Two quirks of the tidy files matter here and are handled in :func:`load_battles`:

* Every negative code of the source was blanked. ``battles.wina`` (the attacker's outcome) is ``1``
  (attacker won), ``0`` (draw) or blank, and ``enum_wina.csv`` says the third code is ``-1``
  (attacker lost). The source file (``src-data/CDB90/CDB90-orig.csv`` upstream) has ``WINA = -1`` for
  the blank rows checked (Nieuport 1600, Dessau Bridge, Breitenfeld I), and Waterloo, Gettysburg and
  Fredericksburg, all failed attacks, are blank. So a blank ``wina`` is read as an attacker loss. The
  same blanking hit ``kmda``: an attacker's retreat (a negative distance) is blank, not negative, so
  ``km_advanced`` of failed attacks is unreliable. It is used only for attacks that succeeded.
* ``battle_durations.duration1`` and ``duration2`` equal exactly 2 for 323 battles whatever their
  dates (the Vistula-Oder operation, 12 January to 3 February 1945, has 2). Durations are therefore
  recomputed from ``datetime_min`` and ``datetime_max`` as the number of calendar days the battle
  touched (see :func:`calendar_days`).

Run ``python -m sim.grounding.cdb90`` to print the fits.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, special, stats

from sim.grounding.cdb90_curves import AdvanceFit, SuccessCurveFit
from sim.grounding.cdb90_data import (  # noqa: F401 - the data layer, re-exported
    CREDIT,
    FITTED_POSTURES,
    LICENCE,
    POSTURES,
    Battle,
    calendar_days,
    default_directory,
    load_battles,
)


def _success_design(
    battles: Iterable[Battle], draws_as_failures: bool
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Design matrix ``[1, ln R, PD, FD]`` and outcomes for the success curve."""
    rows: list[tuple[float, float, float, float]] = []
    outcomes: list[float] = []
    for battle in battles:
        if battle.posture not in FITTED_POSTURES:
            continue
        if battle.attacker_won is None and not draws_as_failures:
            continue
        rows.append(
            (
                1.0,
                math.log(battle.force_ratio),
                1.0 if battle.posture == "PD" else 0.0,
                1.0 if battle.posture == "FD" else 0.0,
            )
        )
        outcomes.append(1.0 if battle.attacker_won else 0.0)
    return np.asarray(rows, dtype=np.float64).reshape(-1, 4), np.asarray(outcomes, dtype=np.float64)


def fit_success_curve(battles: Iterable[Battle], *, draws_as_failures: bool = True) -> SuccessCurveFit:
    """Fit ``logit P(attacker wins) = a + b ln(R) + offset(posture)`` by maximum likelihood.

    R is attacker over defender personnel strength. The posture offsets are dummy variables for a
    prepared (``PD``) and a fortified (``FD``) defence, with a hasty defence (``HD``) as baseline.
    Battles whose defender delayed (``DL``) or withdrew (``WD``) are left out: the defender was not
    trying to hold, so "success" means something else (22 battles; 18 of them attacker wins). Battles
    with no posture coded are left out too. A draw is counted as a failure by default (the attack did
    not achieve its purpose, which is what a simulator's "success moves the line" needs); pass
    ``draws_as_failures=False`` to drop draws instead.

    The mean negative log-likelihood is minimised with ``scipy.optimize.minimize`` (trust-region,
    exact gradient and Hessian; the problem is convex). Convergence is judged by the size of the
    remaining Newton step, which must be below 1e-6 in every coefficient (far below any standard
    error), not by the optimiser's own flag: that one trips on rounding in the objective once the
    gradient is ~1e-10. Standard errors are the square roots of the diagonal of the inverse of the
    observed information (the Hessian of the negative log-likelihood) at the optimum.

    Args:
        battles: Battles, e.g. from :func:`load_battles`.
        draws_as_failures: Count draws as failed attacks (``True``) or leave them out (``False``).

    Returns:
        The fitted curve.

    Raises:
        ValueError: If the data cannot identify the model (a fitted posture is absent, all outcomes
            are equal, or the force ratio never varies).
        RuntimeError: If the optimiser fails to converge.
    """
    design, outcomes = _success_design(battles, draws_as_failures)
    n = len(outcomes)
    if n == 0 or outcomes.min() == outcomes.max():
        raise ValueError("need both successful and failed attacks to fit a success curve")
    for column, posture in ((2, "PD"), (3, "FD")):
        if design[:, column].sum() == 0 or design[:, column].sum() == n:
            raise ValueError(f"posture {posture} and a hasty defence must both be present")
    if np.ptp(design[:, 1]) == 0:
        raise ValueError("the force ratio does not vary: its slope is not identified")
    beta, covariance, log_likelihood = _maximum_likelihood(design, outcomes)
    se = np.sqrt(np.diag(covariance))
    return SuccessCurveFit(
        intercept=float(beta[0]),
        slope=float(beta[1]),
        pd_offset=float(beta[2]),
        fd_offset=float(beta[3]),
        intercept_se=float(se[0]),
        slope_se=float(se[1]),
        pd_offset_se=float(se[2]),
        fd_offset_se=float(se[3]),
        n=n,
        n_successes=int(outcomes.sum()),
        log_likelihood=log_likelihood,
        covariance=tuple(tuple(float(value) for value in row) for row in covariance),
    )


def _maximum_likelihood(
    design: NDArray[np.float64], outcomes: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    """Return the logistic fit's coefficients, their covariance and the log-likelihood at the optimum.

    Raises:
        RuntimeError: If the optimiser fails to converge (see ``fit_success_curve``).
    """
    n = len(outcomes)

    def mean_negative_log_likelihood(beta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        eta = design @ beta
        value = float(np.mean(np.logaddexp(0.0, eta) - outcomes * eta))
        gradient = design.T @ (special.expit(eta) - outcomes) / n
        return value, gradient

    def mean_hessian(beta: NDArray[np.float64]) -> NDArray[np.float64]:
        p = special.expit(design @ beta)
        return (design * (p * (1.0 - p))[:, None]).T @ design / n

    result = optimize.minimize(
        mean_negative_log_likelihood,
        x0=np.zeros(4),
        jac=True,
        hess=mean_hessian,
        method="trust-exact",
        options={"gtol": 1e-10},
    )
    beta = np.asarray(result.x, dtype=np.float64)
    curvature = mean_hessian(beta)
    _, gradient = mean_negative_log_likelihood(beta)
    newton_step = np.linalg.solve(curvature, gradient)
    if not np.all(np.isfinite(beta)) or float(np.max(np.abs(newton_step))) > 1e-6:
        raise RuntimeError(f"logistic fit did not converge: {result.message}")
    # The inverse observed information of the summed log-likelihood.
    covariance = np.asarray(np.linalg.inv(curvature * n), dtype=np.float64)
    return beta, covariance, -float(result.fun) * n


def fit_advance(battles: Iterable[Battle]) -> AdvanceFit:
    """Summarise the advance per day of successful attacks.

    Uses battles the attacker won with both ``km_advanced`` and ``duration_days`` recorded (failed
    attacks are left out: the tidy file blanks their retreats). Advance per day is
    ``km_advanced / duration_days`` with the duration in calendar days touched, so a one-day battle's
    rate is its whole advance. Zero advances count towards the median but cannot enter log space; the
    lognormal ``mu``/``sigma`` and the trend (ordinary least squares of ln(km per day) on
    ln(force ratio)) use the positive ones.

    Args:
        battles: Battles, e.g. from :func:`load_battles`.

    Returns:
        The summary.

    Raises:
        ValueError: If fewer than three positive advances are available.
    """
    pairs = [
        (rate, battle.force_ratio)
        for battle in battles
        if battle.attacker_won is True and (rate := battle.advance_km_per_day) is not None
    ]
    rates = np.asarray([rate for rate, _ in pairs], dtype=np.float64)
    ratios = np.asarray([ratio for _, ratio in pairs], dtype=np.float64)
    positive = rates > 0
    if int(positive.sum()) < 3:
        raise ValueError("need at least three successful attacks with a positive advance")
    log_rates = np.log(rates[positive])
    log_ratios = np.log(ratios[positive])
    trend = stats.linregress(log_ratios, log_rates)
    return AdvanceFit(
        n=len(rates),
        n_zero=int((~positive).sum()),
        median_km_per_day=float(np.median(rates)),
        log_mean=float(np.mean(log_rates)),
        log_sd=float(np.std(log_rates, ddof=1)),
        ratio_intercept=float(trend.intercept),
        ratio_slope=float(trend.slope),
        ratio_slope_se=float(trend.stderr),
        ratio_r_squared=float(trend.rvalue**2),
    )


def format_report(success: SuccessCurveFit, advance: AdvanceFit, n_battles: int) -> str:
    """Render both fits as a plain-text table.

    Args:
        success: Fitted success curve.
        advance: Fitted advance rates.
        n_battles: Battles loaded (before each fit's own selection).

    Returns:
        The report, ending with the data credit.
    """
    lines = [
        f"CDB90 grounding of the engagement law ({n_battles} battles loaded)",
        "",
        "Success curve: logit P(attacker wins) = a + b ln(R) + offset(posture)",
        f"  n = {success.n} battles ({success.n_successes} attacker wins; draws count as failures;",
        f"  hasty/prepared/fortified defences only), log-likelihood = {success.log_likelihood:.2f}",
        "",
        f"  {'parameter':<24}{'estimate':>10}{'std err':>10}",
        f"  {'intercept a':<24}{success.intercept:>10.3f}{success.intercept_se:>10.3f}",
        f"  {'slope b (ln R)':<24}{success.slope:>10.3f}{success.slope_se:>10.3f}",
        f"  {'offset PD vs HD':<24}{success.pd_offset:>10.3f}{success.pd_offset_se:>10.3f}",
        f"  {'offset FD vs HD':<24}{success.fd_offset:>10.3f}{success.fd_offset_se:>10.3f}",
        "",
        f"  {'P(success)':<12}" + "".join(f"{f'R={ratio:g}':>9}" for ratio in (0.5, 1, 1.5, 2, 3, 5)),
    ]
    for posture in FITTED_POSTURES:
        cells = "".join(f"{success.probability(ratio, posture):>9.2f}" for ratio in (0.5, 1, 1.5, 2, 3, 5))
        lines.append(f"  {posture:<12}{cells}")
    lines += [
        "",
        "Advance per day of successful attacks (km / calendar days of battle)",
        f"  n = {advance.n} ({advance.n_zero} with zero advance, left out of log-space statistics)",
        "",
        f"  {'statistic':<32}{'value':>10}",
        f"  {'median km/day':<32}{advance.median_km_per_day:>10.3f}",
        f"  {'lognormal mu (ln km/day)':<32}{advance.log_mean:>10.3f}",
        f"  {'lognormal sigma':<32}{advance.log_sd:>10.3f}",
        f"  {'lognormal median exp(mu)':<32}{advance.lognormal_median_km_per_day:>10.3f}",
        f"  {'slope of ln km/day on ln R':<32}{advance.ratio_slope:>10.3f}",
        f"  {'  its std err':<32}{advance.ratio_slope_se:>10.3f}",
        f"  {'  R squared':<32}{advance.ratio_r_squared:>10.3f}",
        "",
        f"Data: {CREDIT}; licence {LICENCE}.",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the CDB90 fits as a readable table.

    Args:
        argv: Command-line arguments (default ``sys.argv[1:]``); ``--data DIR`` reads another copy.

    Returns:
        Exit status 0.
    """
    parser = argparse.ArgumentParser(
        prog="python -m sim.grounding.cdb90",
        description="Fit the engagement law's success curve and advance rate to CDB90.",
    )
    parser.add_argument("--data", type=Path, default=None, help="folder with the CDB90 CSV files")
    arguments = parser.parse_args(argv)
    battles = load_battles(arguments.data)
    print(format_report(fit_success_curve(battles), fit_advance(battles), len(battles)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
