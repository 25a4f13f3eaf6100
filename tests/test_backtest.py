"""sim backtest: calibration only on what was known at the origin, scores of what came after, errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import SMALL, run_sim, sim_in_process

import sim
from sim.analysis.forecast import known_points, score_after_origin, summarise_by_quantity
from sim.analysis.scoring import crps_ensemble
from sim.experiments.calibration.problem import load_problem
from sim.scenario import load_scenario

ADVANCE = "sides.red.attack.advance_km"
OBSERVATIONS = [
    {"date": "2024-09-20", "value": 440, "low": 400, "high": 480, "source": "early"},
    {"date": "2024-10-05", "value": 380, "sd": 30, "source": "middle"},
    {"date": "2024-10-20", "value": 300, "low": 250, "high": 350, "source": "late"},
    {"date": "2024-10-20", "metric": "strength", "side": "red", "value": 20000, "sd": 2000, "source": "n"},
]


def _scenario(folder: Path) -> Path:
    """The small test scenario with three held-area observations, one strength, and a calibrate block."""
    document = {
        "extends": str(SMALL),
        "observations": OBSERVATIONS,
        "calibrate": {
            "parameters": {ADVANCE: {"dist": "uniform", "low": 0.3, "high": 2.0}},
            "population": 12,
            "generations": 2,
        },
    }
    path = folder / "small_backtest.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def test_calibration_sees_only_the_observations_up_to_the_origin(tmp_path: Path) -> None:
    problem = load_problem(_scenario(tmp_path), up_to=dt.date(2024, 10, 5))
    assert [obs.date for obs in problem.scenario.observations] == [dt.date(2024, 9, 20), dt.date(2024, 10, 5)]
    assert problem.observed == {"obs0": 440.0, "obs1": 380.0}
    assert problem.document["end"] == dt.date(2024, 10, 5)  # particles stop at the last known date
    assert len(problem.document["observations"]) == 2
    full = load_problem(_scenario(tmp_path))
    assert len(full.observed) == 4


def test_naive_forecasts_use_only_what_was_known_at_the_origin(tmp_path: Path) -> None:
    scenario = load_scenario(_scenario(tmp_path))
    origin = dt.date(2024, 10, 5)
    late = scenario.observations[2]
    points = known_points(scenario, late, origin)
    # The start area, then the two reports on or before the origin; never the value being forecast.
    assert [(p.date, p.value) for p in points] == [
        (scenario.start, 500.0),
        (dt.date(2024, 9, 20), 440.0),
        (dt.date(2024, 10, 5), 380.0),
    ]
    strength = scenario.observations[3]
    assert known_points(scenario, strength, origin) == []  # no earlier strength report: no naive forecast


def test_later_observations_are_scored_against_ensemble_and_naive_forecasts(tmp_path: Path) -> None:
    scenario = load_scenario(_scenario(tmp_path))
    origin = dt.date(2024, 10, 5)
    ensemble = np.linspace(250.0, 350.0, 101)
    rows = score_after_origin(scenario, origin, {2: ensemble, 3: np.full(10, 21000.0)})
    assert [(row["date"], row["what"]) for row in rows] == [
        ("2024-10-20", "held area"),
        ("2024-10-20", "strength of red"),
    ]
    area = rows[0]
    assert area["days_ahead"] == 15
    assert area["crps"] == pytest.approx(crps_ensemble(ensemble, 300.0))
    assert area["pit"] == pytest.approx(0.5)
    assert area["inside50"] and area["inside80"] and area["inside95"]
    assert area["persistence"] == 380.0 and area["persistence_crps"] == 80.0
    # Least squares through (day 0, 500), (19, 440), (34, 380), extrapolated to day 49.
    slope, intercept = np.polyfit([0.0, 19.0, 34.0], [500.0, 440.0, 380.0], 1)
    assert area["line_forecast"] == pytest.approx(intercept + slope * 49)
    assert rows[1]["persistence"] is None and rows[1]["line_crps"] is None
    summary = summarise_by_quantity(rows)
    assert set(summary) == {"held area", "strength of red"}
    assert summary["held area"]["naive"]["persistence"]["skill"] == pytest.approx(1 - area["crps"] / 80.0)
    assert summary["strength of red"]["naive"]["line"]["mean_crps"] is None


@pytest.mark.slow
def test_a_backtest_through_the_command(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path)
    out = tmp_path / "bt"
    result = run_sim(
        "backtest", scenario, "--origin", "2024-09-25", "--origin", "2024-10-10",
        "-n", "12", "--executor", "serial", "--out", out, "-q", timeout=300,
    )  # fmt: skip
    document = json.loads((out / "backtest.json").read_text(encoding="utf-8"))
    assert document["package_version"] == sim.__version__  # every folder says which version wrote it
    assert [origin["origin"] for origin in document["origins"]] == ["2024-09-25", "2024-10-10"]
    assert document["origins"][0]["calibrated_on"] == ["2024-09-20"]
    assert document["origins"][1]["calibrated_on"] == ["2024-09-20", "2024-10-05"]
    rows = document["rows"]
    assert {(row["origin"], row["date"]) for row in rows} == {
        ("2024-09-25", "2024-10-05"),
        ("2024-09-25", "2024-10-20"),
        ("2024-10-10", "2024-10-20"),
    }
    assert all(row["n"] == 12 for row in rows)
    # Each origin's calibration saw only what was known then.
    diagnostics = json.loads((out / "origin-2024-09-25" / "calibration" / "diagnostics.json").read_text())
    assert [obs["date"] for obs in diagnostics["observations"]] == ["2024-09-20"]
    assert (out / "origin-2024-10-10" / "run" / "outcomes.parquet").is_file()
    assert (out / "plots" / "backtest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "backtest.csv").read_text().count("\n") == len(rows) + 1
    assert "origin 2024-10-10: held area: 1 observation(s), mean CRPS" in result.stdout


@pytest.mark.parametrize(
    ("origin", "message"),
    [
        ("2024-09-10", "no observation is dated on or before 2024-09-10"),
        ("2024-10-25", "no observation is dated after 2024-10-25"),
        ("2025-01-01", "is outside the scenario"),
    ],
)
def test_bad_origins_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], origin: str, message: str
) -> None:
    scenario = _scenario(tmp_path)
    result = sim_in_process(capsys, "backtest", scenario, "--origin", origin, "--out", tmp_path / "x")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert not (tmp_path / "x").exists()
