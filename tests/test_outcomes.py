"""One rule for each run's value of an outcome (sim.analysis.outcomes), whoever asks for it.

Scenario discovery, a sweep's per-point numbers and ``sim compare`` read the same table to the same
values, known here by hand: the small scenario runs from 1 Sep to 1 Nov 2024 (a horizon of 61 days),
so 20 Sep 2024 is day 19.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from conftest import SMALL

from sim.analysis import discovery as sd
from sim.analysis.compare_outcomes import run_outcomes
from sim.analysis.outcomes import TableColumns, outcome_values
from sim.analysis.sweep_stats import point_stats
from sim.errors import InputError
from sim.scenario import load_scenario

SCENARIO = load_scenario(SMALL)
NEVER = None

TABLE = pa.table(
    {
        "point": pa.array([0, 1, 2, 3, 4], type=pa.int32()),
        "replication": pa.array([0, 1, 2, 3, 4], type=pa.int64()),
        "final_area_km2": [100.0, 200.0, 300.0, 400.0, 500.0],
        "area_km2_on_2024-10-01": [110.0, 210.0, 310.0, 410.0, 510.0],
        "withdrawal_day": [NEVER, 0.0, 19.0, 20.0, 61.0],
        "day_below_250": pa.array([NEVER, 5, NEVER, 12, 60], type=pa.int32()),
        "withdrawal_reason": ["", "area", "area", "losses", "area"],
    }
)
KNOWN = {
    "final_area_km2": [100, 200, 300, 400, 500],
    "withdrawal_began_by_2024-09-20": [0, 1, 1, 0, 0],  # day 19: on or before it, never counts as 0
    "withdrawal_began_by_2024-09-21": [0, 1, 1, 1, 0],
    "withdrawal_began_by_end": [0, 1, 1, 1, 1],  # 1 Nov 2024, day 61
    "withdrawal_began_by_2024-11-01": [0, 1, 1, 1, 1],
    "withdrawal_day": [61, 0, 19, 20, 61],  # never began: counted at the horizon
    "day_below_250": [61, 5, 61, 12, 60],  # never below: counted at the horizon
    "day_below_250.0": [61, 5, 61, 12, 60],  # the stored day_below_250, matched by its area
}


def discovery_cases(table: pa.Table) -> sd.Cases:
    """The table's cases as scenario discovery holds them (numeric outcome columns as floats)."""
    columns = TableColumns(table)
    outcomes = {name: columns[name] for name in columns}
    return sd.Cases(SCENARIO, "run", {"x": np.arange(table.num_rows, dtype=float)}, [], outcomes)


@pytest.mark.parametrize("outcome", list(KNOWN))
def test_discovery_and_sweep_statistics_read_the_same_values(outcome: str) -> None:
    expected = [float(v) for v in KNOWN[outcome]]
    assert outcome_values(TABLE, SCENARIO, outcome).tolist() == expected
    cases = discovery_cases(TABLE)
    assert cases.values(outcome).tolist() == expected
    assert sd.outcome_values(cases, outcome).tolist() == expected
    per_point = point_stats(TABLE, SCENARIO, outcome, TABLE.num_rows)  # one run per point
    assert per_point.centre.tolist() == expected
    assert per_point.share == outcome.startswith("withdrawal_began_by_")


def test_compare_reads_the_same_values_with_days_never_reached_left_censored() -> None:
    outcomes, values = run_outcomes(SCENARIO, TABLE)
    keys = [o.key for o in outcomes]
    for key in ("withdrawal_began_by_2024-10-01", "withdrawal_began_by_2024-11-01", "area_km2_on_2024-10-01"):
        assert key in keys
        assert values[key].tolist() == outcome_values(TABLE, SCENARIO, key).tolist()
    assert values["withdrawal_began_by_2024-11-01"].tolist() == KNOWN["withdrawal_began_by_end"]
    days = values["day_below_250"]
    assert np.isnan(days[[0, 2]]).all() and days[[1, 3, 4]].tolist() == [5, 12, 60]
    censored = outcome_values(TABLE, SCENARIO, "day_below_250.0", censored=True)
    assert np.array_equal(censored, days, equal_nan=True)


def test_a_missing_withdrawal_day_column_is_an_unknown_outcome_everywhere() -> None:
    table = TABLE.drop_columns(["withdrawal_day"])
    cases = discovery_cases(table)
    for read in (
        lambda name: outcome_values(table, SCENARIO, name),
        cases.values,
        lambda name: point_stats(table, SCENARIO, name, table.num_rows).centre,
    ):
        with pytest.raises(InputError, match="unknown outcome 'withdrawal_began_by_end'"):
            read("withdrawal_began_by_end")
        with pytest.raises(InputError, match="unknown outcome 'withdrawal_day'"):
            read("withdrawal_day")


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        ("withdrawal_began_by_soon", "expected withdrawal_began_by_YYYY-MM-DD or withdrawal_began_by_end"),
        ("withdrawal_began_by_2030-01-01", "the date is outside the run"),
        ("withdrawn_by_end", "is now called 'withdrawal_began_by_end'"),
        ("final_area", "did you mean final_area_km2"),
        ("point", "unknown outcome 'point'"),
        ("withdrawal_reason", "unknown outcome 'withdrawal_reason'"),
    ],
)
def test_the_same_names_are_refused_everywhere(outcome: str, message: str) -> None:
    cases = discovery_cases(TABLE)
    with pytest.raises(InputError, match=message) as sweep_error:
        outcome_values(TABLE, SCENARIO, outcome)
    with pytest.raises(InputError, match=message) as discovery_error:
        cases.values(outcome)
    assert sweep_error.value.field == "--outcome" and discovery_error.value.field == "--condition"
