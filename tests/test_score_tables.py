"""The score tables of sim validate and sim backtest say what each column is, and in which unit.

Once, ``persist.`` and ``line`` were the naive forecasts' errors in one table and their values in the
other, and a CRPS column mixed km² and soldiers with no unit.
"""

from __future__ import annotations

from typing import Any

from sim.cli.text import score_table
from sim.cli.validate import format_table


def _row(metric: str, what: str, **changes: Any) -> dict[str, Any]:
    row = {
        "date": "2024-11-23",
        "metric": metric,
        "what": what,
        "observed": 800.0,
        "median": 760.0,
        "band80_low": 600.0,
        "band80_high": 900.0,
        "pit": 0.6,
        "inside50": True,
        "inside80": True,
        "inside95": True,
        "crps": 40.5,
        "persistence_crps": 200.0,
        "line_crps": 90.0,
    }
    return {**row, **changes}


def test_each_scored_row_names_its_unit_and_the_naive_columns_are_errors() -> None:
    lines = score_table(
        [_row("area_km2", "held area"), _row("strength", "strength of russia", observed=59000.0)]
    )
    header, area, strength = lines[:3]
    assert header.index("what") < header.index("unit") < header.rindex("observed")
    assert "pers. err" in header and "line err" in header and "persist." not in header
    assert " km² " in area and " soldiers " in strength
    assert "absolute errors" in lines[-1] and "in the row's unit" in lines[-1]


def test_validating_against_a_csv_shows_the_naive_forecasts_values_and_says_so() -> None:
    result = {
        "scenario": "small_test",
        "run": "run",
        "replications": 40,
        "observations_file": "obs.csv",
        "observations": [
            {
                "date": "2024-10-15",
                "observed": 300.0,
                "low": None,
                "high": None,
                "median": 320.0,
                **{f"band{k}_{side}": 300.0 for k in ("50", "80", "95") for side in ("low", "high")},
                "pit": 0.4,
                **{f"inside{k}": True for k in ("50", "80", "95")},
                "crps": 12.0,
                "persistence": 500.0,
                "line_forecast": 420.0,
                "calibration_date": False,
            }
        ],
        "summary": {
            "observations": 1,
            "mean_crps": 12.0,
            "mean_pit": 0.4,
            "naive": {
                "persistence": {"mean_crps": 200.0, "skill": 0.94},
                "line": {"mean_crps": 120.0, "skill": 0.9},
            },
            "coverage": {k: {"inside": 1, "share": 1.0} for k in ("50", "80", "95")},
        },
    }
    text = format_table(result)
    header = text.splitlines()[2]
    assert header.rstrip().endswith("persistence forecast  line forecast")
    assert "every number in km²" in text.splitlines()[0]
    assert "the naive forecasts' values" in text
