"""Scores of an ensemble forecast against one observed value: CRPS, PIT and central bands.

The ensemble (a run's replications) stands for its empirical distribution.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scoringrules

LEVELS = (0.50, 0.80, 0.95)
"""Central bands whose coverage is scored."""


def level_key(level: float) -> str:
    """Return a band level as the percentage used in column names ("50", "80", "95")."""
    return f"{round(level * 100):d}"


def crps_ensemble(samples: Sequence[float] | np.ndarray, observed: float) -> float:
    """Return the CRPS of an ensemble forecast for one observed value (``scoringrules``).

    The ensemble stands for its empirical distribution, so ``CRPS = E|X - y| - E|X - X'| / 2`` with
    ``X, X'`` drawn independently from the members (scoringrules' "nrg" estimator; the tests check it
    against that definition computed directly).

    Args:
        samples: The ensemble members (at least one, all finite).
        observed: The observed value.

    Raises:
        ValueError: If the ensemble is empty.
    """
    x = np.asarray(samples, dtype=float).ravel()
    if x.size == 0:
        raise ValueError("an ensemble needs at least one member")
    return float(scoringrules.crps_ensemble(float(observed), x, estimator="nrg"))


def pit(samples: Sequence[float] | np.ndarray, observed: float) -> float:
    """Return the predictive quantile an observed value falls at (probability integral transform).

    The share of members below the value, with members equal to it counted half, so an observation
    tied with every member (say, all runs at 0 km2 and 0 observed) sits at 0.5.
    """
    x = np.asarray(samples, dtype=float).ravel()
    if x.size == 0:
        raise ValueError("an ensemble needs at least one member")
    below = np.count_nonzero(x < observed)
    tied = np.count_nonzero(x == observed)
    return float((below + 0.5 * tied) / x.size)


def central_band(samples: Sequence[float] | np.ndarray, level: float) -> tuple[float, float]:
    """Return the central ``level`` band of an ensemble: its (1-level)/2 and (1+level)/2 quantiles.

    The quantiles are numpy's default (linear between order statistics), as in the fan charts.
    """
    low, high = np.quantile(np.asarray(samples, dtype=float), [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def ensemble_scores(samples: np.ndarray, observed: float) -> dict[str, float | int | bool]:
    """Return every score of an ensemble against one observed value.

    Keys: ``n``, ``mean``, ``median``, ``band<L>_low``/``band<L>_high`` and ``inside<L>`` for each
    central band of ``LEVELS`` (L = 50, 80, 95), ``pit`` and ``crps``.
    """
    row: dict[str, float | int | bool] = {
        "n": int(samples.size),
        "mean": float(np.mean(samples)),
        "median": float(np.median(samples)),
    }
    for level in LEVELS:
        low, high = central_band(samples, level)
        key = level_key(level)
        row[f"band{key}_low"] = low
        row[f"band{key}_high"] = high
    row["pit"] = pit(samples, observed)
    for level in LEVELS:
        key = level_key(level)
        row[f"inside{key}"] = bool(row[f"band{key}_low"] <= observed <= row[f"band{key}_high"])
    row["crps"] = crps_ensemble(samples, observed)
    return row
