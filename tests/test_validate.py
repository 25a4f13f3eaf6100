"""``sim validate``: CRPS and PIT, the naive forecasts, the command end to end, and bad input.

The scores are checked against independent computations (a brute-force CRPS, the closed form for a
normal distribution, hand-counted quantiles); the command is run as a subprocess on real run folders,
and its printed table is read back and compared with validation.json.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import SMALL, TESTS, run_sim
from scipy.stats import norm

import sim
from sim.analysis.observed import read_observations
from sim.analysis.scoring import central_band, crps_ensemble, pit
from sim.analysis.validation import (
    CalibrationPoint,
    calibration_points,
    line_forecast,
    persistence_forecast,
    predictive_sample,
)
from sim.cli import main
from sim.errors import InputError
from sim.results.folder import RunFolder
from sim.results.manifest import Manifest
from sim.scenario import load_scenario

ROOT = TESTS.parent
KURSK = ROOT / "scenarios" / "kursk_2024.yaml"
KURSK_OBSERVATIONS = ROOT / "seeds" / "kursk_2024_observations.csv"
SMALL_START = dt.date(2024, 9, 1)

SMALL_OBSERVATIONS = """\
date,value,low,high,source
2024-09-20,460,430,490,made up for the tests
2024-10-25,200,150,260,made up for the tests
2024-10-15,300,,,made up: the scenario's own observation date
2024-11-01,100,0,250,made up: the end date
"""
"""Four observations within small.yaml's horizon (2024-09-01 to 2024-11-01), not in date order."""
LEVELS = ("50", "80", "95")


# Test oracles: the ensemble CRPS from its definition, and the normal distribution's closed form.
def crps_brute_force(samples: Sequence[float] | np.ndarray, observed: float) -> float:
    """Return the ensemble CRPS straight from its definition, in O(n^2) (a check on ``crps_ensemble``)."""
    x = np.asarray(samples, dtype=float).ravel()
    return float(np.mean(np.abs(x - observed)) - 0.5 * np.mean(np.abs(x[:, None] - x[None, :])))


def crps_normal(mean: float, sd: float, observed: float) -> float:
    """Return the closed-form CRPS of the normal distribution N(mean, sd) for an observed value."""
    z = (observed - mean) / sd
    cdf = 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))
    pdf = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    return sd * (z * (2.0 * cdf - 1.0) + 2.0 * pdf - 1.0 / math.sqrt(math.pi))


# ------------------------------------------------------------------------------------------ CRPS
@pytest.mark.parametrize("n", [1, 2, 3, 10, 257])
def test_crps_sorted_formula_matches_brute_force(n: int) -> None:
    rng = np.random.default_rng(n)
    samples = rng.gamma(2.0, 100.0, size=n)
    samples[: n // 3] = np.round(samples[: n // 3], -2)  # ties
    for observed in (-50.0, 0.0, float(np.median(samples)), float(samples[0]), 150.0, 5000.0):
        assert crps_ensemble(samples, observed) == pytest.approx(
            crps_brute_force(samples, observed), abs=1e-9
        )


def test_crps_by_hand() -> None:
    # one member: the absolute error
    assert crps_ensemble([7.0], 3.0) == pytest.approx(4.0)
    # {0, 1} at 0: E|X - 0| = 0.5, E|X - X'| = 0.5, so 0.5 - 0.25
    assert crps_ensemble([1.0, 0.0], 0.0) == pytest.approx(0.25)
    # all members equal the observation: a perfect forecast
    assert crps_ensemble([5.0] * 9, 5.0) == pytest.approx(0.0)
    # order of members does not matter
    assert crps_ensemble([3.0, 1.0, 2.0], 2.5) == pytest.approx(crps_ensemble([1.0, 2.0, 3.0], 2.5))
    with pytest.raises(ValueError):
        crps_ensemble([], 1.0)


@pytest.mark.parametrize("observed", [-2.0, 0.0, 0.7, 3.5])
def test_crps_of_a_normal_ensemble_approaches_the_closed_form(observed: float) -> None:
    mean, sd, n = 0.5, 1.3, 4000
    ensemble = norm.ppf((np.arange(n) + 0.5) / n, loc=mean, scale=sd)
    assert crps_ensemble(ensemble, observed) == pytest.approx(crps_normal(mean, sd, observed), abs=2e-3 * sd)


def test_crps_normal_closed_form_at_the_mean() -> None:
    # CRPS(N(0, s), 0) = s (2 phi(0) - 1/sqrt(pi)) = s (sqrt(2) - 1) / sqrt(pi)
    assert crps_normal(0.0, 2.0, 0.0) == pytest.approx(2.0 * (math.sqrt(2) - 1) / math.sqrt(math.pi))


# ------------------------------------------------------------------------------------ PIT, bands
def test_pit_by_hand() -> None:
    samples = [1.0, 2.0, 3.0, 4.0]
    assert pit(samples, 2.5) == 0.5
    assert pit(samples, 0.0) == 0.0
    assert pit(samples, 9.0) == 1.0
    assert pit(samples, 2.0) == pytest.approx(1.5 / 4)  # a tie counts half
    assert pit([0.0] * 10, 0.0) == 0.5  # every run at zero, zero observed


def test_pit_of_draws_from_the_forecast_is_uniform() -> None:
    rng = np.random.default_rng(1)
    values = np.array([pit(rng.normal(size=200), rng.normal()) for _ in range(2000)])
    counts, _ = np.histogram(values, bins=10, range=(0, 1))
    assert counts.min() > 150 and counts.max() < 250


def test_central_band_by_hand() -> None:
    samples = np.arange(101.0)  # 0 ... 100: the q-quantile is 100 q
    assert central_band(samples, 0.5) == pytest.approx((25.0, 75.0))
    assert central_band(samples, 0.95) == pytest.approx((2.5, 97.5))


# ----------------------------------------------------------------------------------------- naive
POINTS = [
    CalibrationPoint(dt.date(2024, 1, 1), 1000.0, "start"),
    CalibrationPoint(dt.date(2024, 1, 11), 900.0, "a"),
    CalibrationPoint(dt.date(2024, 1, 21), 700.0, "b"),
]


def test_persistence_carries_the_last_value_known_before_the_date() -> None:
    assert persistence_forecast(POINTS, dt.date(2024, 1, 1)) == 1000.0
    assert persistence_forecast(POINTS, dt.date(2024, 1, 5)) == 1000.0
    assert persistence_forecast(POINTS, dt.date(2024, 1, 11)) == 1000.0  # not the value on the date itself
    assert persistence_forecast(POINTS, dt.date(2024, 1, 12)) == 900.0
    assert persistence_forecast(POINTS, dt.date(2024, 3, 1)) == 700.0


def test_line_is_least_squares_through_the_values_known_before_the_date() -> None:
    # only the start known: flat
    assert line_forecast(POINTS, dt.date(2024, 1, 11)) == pytest.approx(1000.0)
    # two points (0, 1000), (10, 900): exact line, slope -10 per day
    assert line_forecast(POINTS, dt.date(2024, 1, 16)) == pytest.approx(850.0)
    # three points (0, 1000), (10, 900), (20, 700): slope -15, intercept 1016.67, at day 30: 566.67
    assert line_forecast(POINTS, dt.date(2024, 1, 31)) == pytest.approx(1016.0 + 2 / 3 - 15 * 30)
    # far ahead the line would go negative: clipped at zero
    assert line_forecast(POINTS, dt.date(2024, 12, 31)) == 0.0


def test_calibration_points_are_the_start_area_and_the_area_observations(tmp_path: Path) -> None:
    scenario = load_scenario(
        SMALL,
        [
            "observations=[{date: 2024-10-15, value: 300, sd: 30}, {date: 2024-09-20, value: 450, sd: 20},"
            " {date: 2024-10-01, metric: strength, side: red, value: 9000, sd: 500}]"
        ],
    )
    points = calibration_points(scenario)
    assert [(p.date, p.value) for p in points] == [
        (SMALL_START, 500.0),
        (dt.date(2024, 9, 20), 450.0),
        (dt.date(2024, 10, 15), 300.0),
    ]


def test_a_scenario_observation_outside_its_dates_is_refused() -> None:
    with pytest.raises(InputError, match="outside the scenario"):
        load_scenario(SMALL, ["observations=[{date: 2025-01-01, value: 10, sd: 5}]"])


# ------------------------------------------------------------------------------------ reading CSV
def test_read_observations_takes_intervals_and_ignores_other_columns(tmp_path: Path) -> None:
    path = tmp_path / "obs.csv"
    path.write_text(
        "\ufeff Date ,note,VALUE,low,high\n2024-10-01,x,300,250,350\n\n2024-10-02,y,200,,\n", encoding="utf-8"
    )
    rows = read_observations(path)
    assert [(r.line, r.date, r.value, r.low, r.high, r.source) for r in rows] == [
        (2, dt.date(2024, 10, 1), 300.0, 250.0, 350.0, ""),
        (4, dt.date(2024, 10, 2), 200.0, None, None, ""),
    ]


# ------------------------------------------------------------------------------------ end to end
@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("validate") / "run"
    run_sim("run", SMALL, "-n", "40", "--out", out, "-q", "--no-plots")
    return out


@pytest.fixture(scope="module")
def observations_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("observations") / "obs.csv"
    path.write_text(SMALL_OBSERVATIONS, encoding="utf-8")
    return path


class Validated:
    def __init__(self, out: Path, stdout: str, stderr: str) -> None:
        self.out = out
        self.stdout = stdout
        self.stderr = stderr
        self.json = json.loads((out / "validation.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validated(small_run: Path, observations_csv: Path) -> Validated:
    result = run_sim("validate", small_run, "--observations", observations_csv)
    return Validated(small_run, result.stdout, result.stderr)


def _daily_areas(run: Path, date: dt.date) -> np.ndarray:
    table = pq.read_table(run / "daily.parquet", columns=["day", "area_km2"])
    mask = pc.equal(table["day"], (date - SMALL_START).days)
    return table.filter(mask)["area_km2"].to_numpy()


def test_validate_writes_json_csv_and_figure(validated: Validated) -> None:
    doc = validated.json
    assert doc["scenario"] == "small_test"
    assert doc["replications"] == 40
    assert doc["unit"] == "km2"
    assert [row["date"] for row in doc["observations"]] == [
        "2024-09-20",
        "2024-10-15",
        "2024-10-25",
        "2024-11-01",
    ]
    keys = {"line", "date", "observed", "low", "high", "source", "n", "median", "pit", "crps"}
    keys |= {f"band{level}_{end}" for level in LEVELS for end in ("low", "high")}
    keys |= {f"inside{level}" for level in LEVELS}
    keys |= {"persistence", "persistence_crps", "line_forecast", "line_crps"}
    for row in doc["observations"]:
        assert keys <= set(row)
        assert row["n"] == 40
    assert set(doc["summary"]) >= {"observations", "mean_crps", "mean_pit", "coverage", "naive"}
    with (validated.out / "validation.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["date"] for row in rows] == [row["date"] for row in doc["observations"]]
    assert [float(row["crps"]) for row in rows] == pytest.approx([row["crps"] for row in doc["observations"]])
    figure = validated.out / "plots" / "validation.png"
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert figure.stat().st_size > 20_000
    assert "validation.png" in validated.stderr


def test_scores_are_those_of_the_runs_on_each_date(validated: Validated) -> None:
    for row in validated.json["observations"]:
        date = dt.date.fromisoformat(row["date"])
        areas = _daily_areas(validated.out, date)
        assert areas.size == 40
        assert row["crps"] == pytest.approx(crps_brute_force(areas, row["observed"]))
        below = np.count_nonzero(areas < row["observed"])
        at_or_below = np.count_nonzero(areas <= row["observed"])
        assert below / 40 <= row["pit"] <= at_or_below / 40
        assert row["median"] == pytest.approx(float(np.median(areas)))
        for level in LEVELS:
            low, high = np.quantile(areas, [(1 - int(level) / 100) / 2, (1 + int(level) / 100) / 2])
            assert row[f"band{level}_low"] == pytest.approx(low)
            assert row[f"band{level}_high"] == pytest.approx(high)
    # the same day's areas as the outcome column sim run keeps for that date
    outcomes = pq.read_table(validated.out / "outcomes.parquet", columns=["area_km2_on_2024-10-15"])
    assert np.sort(outcomes.column(0).to_numpy()) == pytest.approx(
        np.sort(_daily_areas(validated.out, dt.date(2024, 10, 15)))
    )


def test_coverage_is_consistent_with_bands_and_summary(validated: Validated) -> None:
    rows = validated.json["observations"]
    for row in rows:
        for level in LEVELS:
            inside = row[f"band{level}_low"] <= row["observed"] <= row[f"band{level}_high"]
            assert row[f"inside{level}"] is inside
        assert row["inside50"] <= row["inside80"] <= row["inside95"]  # nested bands
        if row["inside50"]:
            assert 0.2 <= row["pit"] <= 0.8
        if not row["inside95"]:
            assert row["pit"] <= 0.05 or row["pit"] >= 0.95
    summary = validated.json["summary"]
    assert summary["observations"] == 4
    for level in LEVELS:
        inside = sum(row[f"inside{level}"] for row in rows)
        assert summary["coverage"][level]["inside"] == inside
        assert summary["coverage"][level]["share"] == pytest.approx(inside / 4)
    assert summary["mean_crps"] == pytest.approx(np.mean([row["crps"] for row in rows]))
    assert summary["mean_pit"] == pytest.approx(np.mean([row["pit"] for row in rows]))


def test_naive_forecasts_use_the_scenario_start_and_its_observation(validated: Validated) -> None:
    doc = validated.json
    assert [(p["date"], p["value"]) for p in doc["calibration_points"]] == [
        ("2024-09-01", 500.0),
        ("2024-10-15", 300.0),
    ]
    rows = {row["date"]: row for row in doc["observations"]}
    # before the scenario's own observation only the start is known
    assert rows["2024-09-20"]["persistence"] == 500.0
    assert rows["2024-09-20"]["line_forecast"] == pytest.approx(500.0)
    assert rows["2024-10-15"]["persistence"] == 500.0  # the value on the date itself is not used
    assert rows["2024-10-15"]["calibration_date"] is True
    # after it: (day 0, 500), (day 44, 300) -> day 54
    assert rows["2024-10-25"]["persistence"] == 300.0
    assert rows["2024-10-25"]["line_forecast"] == pytest.approx(500 - 200 / 44 * 54)
    for row in rows.values():
        assert row["persistence_crps"] == pytest.approx(abs(row["persistence"] - row["observed"]))
        assert row["line_crps"] == pytest.approx(abs(row["line_forecast"] - row["observed"]))
    naive = doc["summary"]["naive"]
    for name, column in (("persistence", "persistence_crps"), ("line", "line_crps")):
        mean = np.mean([row[column] for row in rows.values()])
        assert naive[name]["mean_crps"] == pytest.approx(mean)
        assert naive[name]["skill"] == pytest.approx(1 - doc["summary"]["mean_crps"] / mean)


TABLE_ROW = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})\s.*\s(?P<pit>[01]\.\d\d)\s+(?P<inside>(?:yes|no)/(?:yes|no)/(?:yes|no))\s+"
    r"(?P<crps>[\d,]+\.\d)\s"
)


def test_printed_table_agrees_with_the_json(validated: Validated) -> None:
    rows = {row["date"]: row for row in validated.json["observations"]}
    printed = [m for line in validated.stdout.splitlines() if (m := TABLE_ROW.match(line))]
    assert [m["date"] for m in printed] == list(rows)
    for match in printed:
        row = rows[match["date"]]
        assert match["pit"] == f"{row['pit']:.2f}"
        assert match["inside"] == "/".join("yes" if row[f"inside{level}"] else "no" for level in LEVELS)
        assert float(match["crps"].replace(",", "")) == pytest.approx(row["crps"], abs=0.05)
    summary = validated.json["summary"]
    for level in LEVELS:
        inside = summary["coverage"][level]["inside"]
        assert f"{level}%: {inside}/4 ({inside / 4:.0%})" in validated.stdout
    assert f"mean PIT {summary['mean_pit']:.2f}" in validated.stdout
    naive = summary["naive"]
    assert f"vs persistence {naive['persistence']['skill']:+.2f}" in validated.stdout
    assert f"vs straight line {naive['line']['skill']:+.2f}" in validated.stdout
    assert "2024-10-15" in [line for line in validated.stdout.splitlines() if line.startswith("note:")][0]


def test_out_and_svg_leave_the_run_folder_alone(
    small_run: Path, observations_csv: Path, tmp_path: Path
) -> None:
    out = tmp_path / "elsewhere"
    before = sorted(p.name for p in small_run.rglob("*"))
    run_sim("validate", small_run, "--observations", observations_csv, "--out", out, "--format", "svg")
    assert sorted(p.name for p in small_run.rglob("*")) == before
    assert (out / "validation.json").is_file() and (out / "validation.csv").is_file()
    assert "<svg" in (out / "plots" / "validation.svg").read_text(encoding="utf-8")[:2000]


def test_outcomes_only_run_uses_the_dated_outcome_columns(
    validated: Validated, observations_csv: Path, tmp_path: Path
) -> None:
    run = tmp_path / "outcomes_only"
    run_sim("run", SMALL, "-n", "40", "--out", run, "-q", "--daily", "none")
    kept = tmp_path / "kept.csv"  # 2024-10-15 (an observation date) and the end date are kept
    kept.write_text("date,value\n2024-10-15,300\n2024-11-01,100\n", encoding="utf-8")
    run_sim("validate", run, "--observations", kept)
    doc = json.loads((run / "validation.json").read_text(encoding="utf-8"))
    assert doc["package_version"] == sim.__version__  # every folder says which version wrote it
    full = {row["date"]: row for row in validated.json["observations"]}
    for row in doc["observations"]:  # same seed, same runs: the same scores as from daily.parquet
        for key in ("observed", "crps", "pit", "median", "band95_low", "band95_high"):
            assert row[key] == pytest.approx(full[row["date"]][key])
    assert (run / "plots" / "validation.png").is_file()
    # a date the run did not keep: one error naming it
    result = run_sim("validate", run, "--observations", observations_csv, check=False)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "obs.csv:2: date: the run kept no held area for 2024-09-20" in result.stderr


def test_end_date_falls_back_to_final_area(small_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    pq.write_table(
        pa.table({"replication": [0, 1, 2], "final_area_km2": [10.0, 20.0, 30.0]}), run / "outcomes.parquet"
    )
    scenario = load_scenario(SMALL, [])
    opened = RunFolder(run, Manifest.model_construct(replications=3), scenario)
    values = predictive_sample(opened, scenario.end, ("obs.csv", 2))
    assert values.tolist() == [10.0, 20.0, 30.0]
    with pytest.raises(InputError, match="obs.csv:5: date: the run kept no held area for 2024-10-31"):
        predictive_sample(opened, dt.date(2024, 10, 31), ("obs.csv", 5))


# ------------------------------------------------------------------------------------------ Kursk
@pytest.fixture(scope="module")
def kursk_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("kursk") / "run"
    run_sim("run", KURSK, "-n", "60", "--out", out, "-q", "--no-plots")
    return out


KURSK_AREAS = [  # date, value, low, high of the held-area record in seeds/kursk_2024_observations.csv
    (dt.date(2024, 9, 6), 1340, 1250, 1376),
    (dt.date(2024, 10, 14), 1080, 960, 1180),
    (dt.date(2024, 10, 28), 1050, 940, 1160),
    (dt.date(2024, 11, 23), 800, 720, 880),
]


def test_kursk_observation_file_is_within_the_horizon_and_sourced() -> None:
    scenario = load_scenario(KURSK, [])
    rows = read_observations(KURSK_OBSERVATIONS)
    for row in rows:
        assert scenario.start <= row.date <= scenario.end
        assert row.source.strip()
        # A range around the value, never beyond the furthest extent.
        assert row.low <= row.value <= row.high <= scenario.initial_area_km2
    assert [(row.date, row.value, row.low, row.high) for row in rows] == KURSK_AREAS
    assert "General Staff" in rows[-1].source  # the seed's figure
    assert "#" not in KURSK_OBSERVATIONS.read_text(encoding="utf-8")
    # The scenario's own area observations are the same record.
    areas = [obs for obs in scenario.observations if obs.metric == "area_km2"]
    assert [(obs.date, obs.value, obs.low, obs.high) for obs in areas] == KURSK_AREAS


@pytest.mark.slow
def test_kursk_observations_validate_against_a_kursk_run(kursk_run: Path) -> None:
    result = run_sim("validate", kursk_run, "--observations", KURSK_OBSERVATIONS)
    doc = json.loads((kursk_run / "validation.json").read_text(encoding="utf-8"))
    assert doc["scenario"] == "kursk_2024" and doc["replications"] == 60
    rows = doc["observations"]
    assert [row["date"] for row in rows] == [date.isoformat() for date, *_ in KURSK_AREAS]
    assert all(row["n"] == 60 for row in rows)
    # Persistence carries the last value known before each date: the furthest extent, then the record.
    assert [row["persistence"] for row in rows] == [1376.0, 1340.0, 1080.0, 1050.0]
    assert all(row["calibration_date"] is True for row in rows)  # each is also a scenario observation
    assert all(0.0 <= row["pit"] <= 1.0 and row["crps"] >= 0.0 for row in rows)
    assert "kursk_2024" in result.stdout and "2024-11-23" in result.stdout
    assert (kursk_run / "plots" / "validation.png").is_file()


# -------------------------------------------------------------------------------------- bad input
def _main(capsys: pytest.CaptureFixture[str], *args: str | Path) -> str:
    """Run the sim command in this process; return its standard error, checking exit code 2."""
    with pytest.raises(SystemExit) as exit_:
        main([str(arg) for arg in args])
    assert exit_.value.code == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1, captured.err
    assert captured.err.startswith("error: ")
    assert "Traceback" not in captured.err
    return captured.err.strip()


BAD_CSV = {
    "no_columns": ("when,area\n2024-10-01,300\n", "bad.csv:1: has no columns 'date', 'value' (needs"),
    "bad_date": (
        "date,value\n2024-10-01,300\n2024-13-01,200\n",
        "bad.csv:3: date: '2024-13-01' is not a date",
    ),
    "other_date_format": ("date,value\n01/10/2024,300\n", "bad.csv:2: date: '01/10/2024' is not a date"),
    "bad_value": (
        "date,value,source\n2024-10-01,about 300,x\n",
        "bad.csv:2: value: 'about 300' is not a number",
    ),
    "missing_value": ("date,value\n2024-10-01,\n", "bad.csv:2: value: missing"),
    "negative": ("date,value\n2024-10-01,-5\n", "bad.csv:2: value: must be >= 0"),
    "nan": ("date,value\n2024-10-01,nan\n", "bad.csv:2: value: 'nan' is not a finite number"),
    "bad_low": ("date,value,low,high\n2024-10-01,300,x,400\n", "bad.csv:2: low: 'x' is not a number"),
    "half_range": ("date,value,low,high\n2024-10-01,300,250,\n", "bad.csv:2: low: give both low and high"),
    "range_misses": (
        "date,value,low,high\n2024-10-01,300,350,400\n",
        "bad.csv:2: low: the range 350-400 must contain the value 300",
    ),
    "empty": ("", "bad.csv: is empty"),
    "header_only": ("date,value\n", "bad.csv: has no observations"),
    "before_start": (
        "date,value\n2024-10-01,300\n2024-08-31,500\n",
        "bad.csv:3: date: 2024-08-31 is outside the run's horizon (2024-09-01 to 2024-11-01)",
    ),
    "after_end": (
        "date,value\n2024-11-02,30\n",
        "bad.csv:2: date: 2024-11-02 is outside the run's horizon (2024-09-01 to 2024-11-01)",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CSV))
def test_bad_observation_files(
    case: str, small_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, expected = BAD_CSV[case]
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    message = _main(capsys, "validate", small_run, "--observations", path)
    assert expected in message


def test_bad_paths(
    small_run: Path, observations_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.csv"
    assert _main(capsys, "validate", small_run, "--observations", missing).endswith(
        "missing.csv: no such file"
    )
    assert _main(capsys, "validate", small_run, "--observations", tmp_path).endswith(
        "is a folder, not a CSV file"
    )
    empty = tmp_path / "empty_folder"
    empty.mkdir()
    assert _main(capsys, "validate", empty, "--observations", observations_csv).endswith(
        "empty_folder: holds no run (no manifest.json)"
    )
    assert _main(capsys, "validate", tmp_path / "nowhere", "--observations", observations_csv).endswith(
        "nowhere: no such folder"
    )
    assert "--format" in _main(
        capsys, "validate", small_run, "--observations", observations_csv, "--format", "gif"
    )


def test_incomplete_run_is_refused(
    small_run: Path, observations_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "running"
    run.mkdir()
    manifest = json.loads((small_run / "manifest.json").read_text(encoding="utf-8"))
    manifest["status"] = "running"
    (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    shutil.copyfile(small_run / "manifest.seal", run / "manifest.seal")
    assert "the run is not complete (status running)" in _main(
        capsys, "validate", run, "--observations", observations_csv
    )


def test_bad_input_through_the_real_process(small_run: Path, tmp_path: Path) -> None:
    path = tmp_path / "obs.csv"
    path.write_text("date,value\n2024-10-01,300\n2024-13-01,200\n", encoding="utf-8")
    result = run_sim("validate", small_run, "--observations", path, check=False)
    assert result.returncode == 2
    assert result.stderr == f"error: {path}:3: date: '2024-13-01' is not a date\n"
    assert result.stdout == ""
    assert not (tmp_path / "validation.json").exists()


def test_reader_errors_are_input_errors(tmp_path: Path) -> None:
    path = tmp_path / "obs.csv"
    path.write_bytes(b"date,value\n2024-10-01,3\xff00\n")
    with pytest.raises(InputError, match="not UTF-8"):
        read_observations(path)


# ------------------------------------------------------------------ the scenario's own observations
def test_without_a_csv_the_scenarios_own_observations_are_scored(small_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "own"
    result = run_sim("validate", small_run, "--out", out)
    doc = json.loads((out / "validation.json").read_text(encoding="utf-8"))
    assert doc["package_version"] == sim.__version__  # every folder says which version wrote it
    assert doc["observations_file"] is None and "in-sample" in doc["source"]
    (row,) = doc["observations"]  # the small scenario has one observation: 300 km2 on 2024-10-15
    values = pq.read_table(small_run / "outcomes.parquet")["obs0_area_km2_2024-10-15"].to_numpy()
    assert row["what"] == "held area" and row["observed"] == 300.0
    assert row["crps"] == pytest.approx(crps_ensemble(values, 300.0))
    assert row["persistence"] == 500.0  # only the start area was known before the date
    assert "in-sample" in result.stdout and (out / "plots" / "validation.png").is_file()


def test_a_csv_of_another_scenario_is_refused(
    small_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Once a known gap: a Donetsk run was scored against Kursk's figures without a word."""
    path = tmp_path / "kursk.csv"
    path.write_text("date,value,scenario\n2024-10-15,300,kursk_2024\n", encoding="utf-8")
    message = _main(capsys, "validate", small_run, "--observations", path)
    assert (
        "kursk.csv: scenario: holds observations of scenario 'kursk_2024', not of this run's 'small_test'"
        in message
    )
    unnamed = tmp_path / "unnamed.csv"
    unnamed.write_text("date,value\n2024-10-15,300\n", encoding="utf-8")
    result = run_sim("validate", small_run, "--observations", unnamed, "--out", tmp_path / "v")
    assert "names no scenario" in result.stderr and "small_test" in result.stderr
