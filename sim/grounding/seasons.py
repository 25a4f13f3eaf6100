"""Season and weather against the advance per day, fitted to the CDB90 battles shipped with the package.

The question the scenarios' ``weather`` factors answer: how much slower do attacks advance in the mud
months (March, April, October, November) and in wet weather, at the same force ratio and defensive
posture? The fit is ordinary least squares of ``ln(km a day + 0.1)`` on ``ln(force ratio)``, the
defender's posture (prepared, fortified, delay or withdrawal, against hasty), mud-month and winter-month
indicators (against May to September) and a wet-weather indicator (``weather.csv``'s ``wx1 = W``), over
the 20th-century battles of the European and Italian theatres (``war4_theater`` Western Front, Eastern
Front, Italy, Italian Front) with a recorded advance and duration; standard errors are clustered by
campaign (``campgn``), since battles of one campaign are not independent. Components filed under an
aggregate battle (``parent``) are left out.

Run ``python -m sim.grounding.seasons`` for the table. Data: CDB90, tidied by Jeffrey B. Arnold
(github.com/jrnold/CDB90), ODC-BY.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.grounding.cdb90_data import CREDIT, _rows, calendar_days, default_directory

THEATRES = ("Western Front", "Eastern Front", "Italy", "Italian Front")
"""The European and Italian theatres (``battles.war4_theater``)."""

MUD_MONTHS = (3, 4, 10, 11)
"""March, April, October and November: the thaw and the autumn rains."""

WINTER_MONTHS = (12, 1, 2)
"""December to February."""

TERMS = (
    "intercept",
    "ln force ratio",
    "prepared",
    "fortified",
    "delay or withdrawal",
    "mud month",
    "winter month",
    "wet",
)


@dataclass(frozen=True)
class SeasonFit:
    """The fit: each term's coefficient and its campaign-clustered standard error.

    Attributes:
        battles: Battles in the fit.
        campaigns: Campaigns (clusters) among them.
        coefficients: By term (``TERMS``), on ln(km a day + 0.1).
        standard_errors: By term, clustered by campaign.
    """

    battles: int
    campaigns: int
    coefficients: dict[str, float]
    standard_errors: dict[str, float]

    def factor(self, term: str) -> tuple[float, float, float]:
        """Return a term's multiplicative effect on the advance and its 95% interval (exp(coef ± 1.96 se))."""
        coefficient, error = self.coefficients[term], self.standard_errors[term]
        return (
            math.exp(coefficient),
            math.exp(coefficient - 1.96 * error),
            math.exp(coefficient + 1.96 * error),
        )


def _design() -> tuple[np.ndarray, np.ndarray, list[str]]:
    folder = default_directory()
    battles = {row["isqno"]: row for row in _rows(folder, "battles.csv")}
    strengths: dict[str, dict[str, float]] = {}
    for row in _rows(folder, "belligerents.csv"):
        if row["str"]:
            strengths.setdefault(row["isqno"], {})[row["attacker"]] = float(row["str"])
    wet = {row["isqno"]: row["wx1"] == "W" for row in _rows(folder, "weather.csv") if row["wxno"] == "1"}
    rows, outcome, clusters = [], [], []
    for timing in _rows(folder, "battle_durations.csv"):
        isqno = timing["isqno"]
        battle = battles[isqno]
        if battle["war4_theater"] not in THEATRES or battle["parent"] not in ("", "0") or not battle["kmda"]:
            continue
        if not timing["datetime_min"] or not timing["datetime_max"]:
            continue
        start = dt.datetime.fromisoformat(timing["datetime_min"])
        if start.year < 1900 or isqno not in wet or len(strengths.get(isqno, {})) < 2:
            continue
        days = calendar_days(start, dt.datetime.fromisoformat(timing["datetime_max"]))
        posture = battle["post1"]
        rows.append(
            [
                1.0,
                math.log(strengths[isqno]["1"] / strengths[isqno]["0"]),
                float(posture == "PD"),
                float(posture == "FD"),
                float(posture in ("DL", "WD")),
                float(start.month in MUD_MONTHS),
                float(start.month in WINTER_MONTHS),
                float(wet[isqno]),
            ]
        )
        outcome.append(math.log(float(battle["kmda"]) / max(days, 1.0) + 0.1))
        clusters.append(battle["campgn"])
    return np.asarray(rows), np.asarray(outcome), clusters


def clustered_ols(x: np.ndarray, y: np.ndarray, clusters: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return least-squares coefficients and their cluster-robust standard errors (CR1).

    ``V = c (X'X)^-1 (sum_g X_g' u_g u_g' X_g) (X'X)^-1`` with the small-sample factor
    ``c = G / (G - 1) x (n - 1) / (n - k)`` for G clusters, n rows and k terms.
    """
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    residuals = y - x @ beta
    bread = np.linalg.inv(x.T @ x)
    names = np.asarray(clusters)
    meat = np.zeros((x.shape[1], x.shape[1]))
    groups = np.unique(names)
    for group in groups:
        score = x[names == group].T @ residuals[names == group]
        meat += np.outer(score, score)
    n, k, g = x.shape[0], x.shape[1], groups.size
    scale = g / (g - 1) * (n - 1) / (n - k)
    covariance = scale * bread @ meat @ bread
    return beta, np.sqrt(np.diag(covariance))


def fit_seasons() -> SeasonFit:
    """Fit the advance per day to force ratio, posture, mud months and wet weather (module docstring)."""
    x, y, clusters = _design()
    beta, errors = clustered_ols(x, y, clusters)
    return SeasonFit(
        battles=len(y),
        campaigns=len(set(clusters)),
        coefficients=dict(zip(TERMS, beta.tolist(), strict=True)),
        standard_errors=dict(zip(TERMS, errors.tolist(), strict=True)),
    )


def main() -> int:
    """Print the fit as a table."""
    fit = fit_seasons()
    print(f"advance per day, {fit.battles} battles in {fit.campaigns} campaigns ({CREDIT})")
    print(f"{'term':<22}{'coef':>8}{'se':>8}{'x advance':>11}{'95% interval':>18}")
    for term in TERMS:
        factor, low, high = fit.factor(term)
        print(
            f"{term:<22}{fit.coefficients[term]:>8.3f}{fit.standard_errors[term]:>8.3f}{factor:>11.2f}"
            f"{f'{low:.2f}-{high:.2f}':>18}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
