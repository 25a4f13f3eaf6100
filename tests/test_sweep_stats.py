"""Per-point numbers of a sweep with their Monte Carlo uncertainty (sim.analysis.sweep_stats)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from conftest import SMALL
from scipy import stats

from sim.analysis.outcomes import outcome_values
from sim.analysis.sweep_stats import median_interval, point_stats, wilson
from sim.errors import InputError
from sim.scenario import load_scenario


def test_wilson_interval_matches_its_formula_and_stays_in_0_1() -> None:
    low, high = wilson(15, 30)
    assert (low, high) == pytest.approx((0.3315, 0.6685), abs=1e-4)  # the 30-run case: about ±17 points
    assert wilson(0, 20)[0] == 0.0 and wilson(20, 20)[1] == 1.0
    assert 0.0 < wilson(0, 20)[1] < 0.2


def test_median_interval_covers_the_true_median_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(0)
    covered = sum(
        low <= 0.0 <= high for low, high in (median_interval(rng.standard_normal(31)) for _ in range(2000))
    )
    # Order-statistic intervals are conservative: at least 95%, and not absurdly wide.
    assert 0.94 <= covered / 2000 <= 0.995
    assert stats.binomtest(covered, 2000, 0.95).pvalue > 1e-4 or covered / 2000 > 0.95


def test_outcome_values_and_point_stats() -> None:
    scenario = load_scenario(SMALL)
    table = pa.table(
        {
            "point": [0, 0, 0, 1, 1, 1],
            "withdrawal_day": [10.0, None, 50.0, None, None, 5.0],
            "day_below_100": [3.0, None, 7.0, 1.0, 2.0, None],
            "final_area_km2": [10.0, 20.0, 30.0, 1.0, 2.0, 3.0],
        }
    )
    withdrawn = outcome_values(table, scenario, "withdrawal_began_by_2024-09-20")  # day 19
    assert withdrawn.tolist() == [1.0, 0.0, 0.0, 0.0, 0.0, 1.0]
    below = outcome_values(table, scenario, "day_below_100")
    assert below.tolist() == [3.0, 61.0, 7.0, 1.0, 2.0, 61.0]  # never below: censored at the horizon
    summary = point_stats(table, scenario, "final_area_km2", 2)
    assert summary.centre.tolist() == [20.0, 2.0] and not summary.share
    shares = point_stats(table, scenario, "withdrawal_began_by_2024-09-20", 2)
    assert shares.share and shares.centre.tolist() == pytest.approx([1 / 3, 1 / 3])
    assert shares.ci_low[0] == pytest.approx(wilson(1, 3)[0])
    with pytest.raises(InputError, match="unknown outcome 'final_area'"):
        outcome_values(table, scenario, "final_area")
