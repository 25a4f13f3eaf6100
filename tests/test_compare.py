"""sim compare: paired and unpaired differences, censored days, shares, the folder, the command."""

from __future__ import annotations

import importlib.util
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from click.testing import CliRunner, Result

import sim
from sim import api
from sim.analysis import compare as sc
from sim.analysis import differences
from sim.analysis.compare_outcomes import run_outcomes
from sim.cli import cli
from sim.scenario import load_scenario
from tests.conftest import SMALL

SCENARIO = load_scenario(SMALL)
HORIZON = SCENARIO.horizon_days
COLUMNS = {
    "variant",
    "baseline",
    "outcome",
    "unit",
    "baseline_value",
    "variant_value",
    "difference",
    "low",
    "high",
    "paired",
    "method",
    "share_changed",
    "share_higher",
    "share_lower",
    "within_noise",
    "median_difference",
    "median_low",
    "median_high",
}


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], prog_name="sim")


def one_error_line(result: Result) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


# --- the statistics, on arrays whose answer is known -------------------------------------------


def correlated(n: int = 400, shift: float = 30.0) -> tuple[np.ndarray, np.ndarray]:
    """A baseline with a wide spread and a variant that moves each replication by about ``shift``."""
    rng = np.random.default_rng(7)
    base = rng.normal(500.0, 100.0, n)
    noise = rng.normal(0.0, 5.0, n)
    return base, base + shift + noise - noise.mean()  # the mean moves by exactly ``shift``


def test_a_known_difference_is_recovered_with_its_sign():
    base, variant = correlated(shift=30.0)
    mean = differences.mean_difference(base, variant, paired=True)
    assert mean.difference == pytest.approx(30.0)
    assert mean.low < 30.0 < mean.high and mean.low > 25.0  # variant - baseline, not the other way
    assert not mean.within_noise and mean.method == "paired t"
    median = differences.median_difference(base, variant, paired=True)
    assert median.difference == pytest.approx(30.0, abs=8.0) and median.low > 0
    backwards = differences.mean_difference(variant, base, paired=True)
    assert backwards.difference == pytest.approx(-mean.difference) and backwards.high < 0


def test_paired_intervals_are_narrower_than_unpaired_on_correlated_data():
    base, variant = correlated(shift=8.0)
    paired = differences.mean_difference(base, variant, paired=True)
    unpaired = differences.mean_difference(base, variant, paired=False)
    assert paired.difference == pytest.approx(unpaired.difference)
    assert unpaired.method == "Welch t" and unpaired.within_noise  # 8 km2 is lost in a 100 km2 spread
    assert (paired.high - paired.low) < (unpaired.high - unpaired.low) / 10 and not paired.within_noise
    medians = [differences.median_difference(base, variant, paired=p) for p in (True, False)]
    assert (medians[0].high - medians[0].low) < (medians[1].high - medians[1].low) / 3


def test_identical_values_differ_by_exactly_zero_within_noise():
    base, _ = correlated()
    days = np.where(base > 550, np.nan, np.round(base / 10))
    shares = (base > 520).astype(float)
    for found in (
        differences.mean_difference(base, base.copy(), True),
        differences.median_difference(base, base.copy(), True),
        differences.rmst_difference(days, days.copy(), 100, True),
        differences.km_median_difference(days, days.copy(), True),
        differences.share_difference(shares, shares.copy(), True),
    ):
        assert found.difference == 0.0 and found.within_noise, found
    assert differences.changed(days, days.copy(), "days", 100) == (0.0, 0.0, 0.0)


def test_days_differences_count_runs_that_never_cross_as_censored():
    horizon = 100
    base = np.array([10.0, 20.0, 30.0, np.nan, np.nan])  # two runs never fall below X
    variant = np.array([15.0, 25.0, 35.0, np.nan, 50.0])
    # Restricted mean: the area under the Kaplan-Meier curve to the horizon, = mean(min(T, horizon)).
    assert differences.restricted_mean(base, horizon) == pytest.approx((10 + 20 + 30 + 100 + 100) / 5)
    assert differences.restricted_mean(variant, horizon) == pytest.approx((15 + 25 + 35 + 100 + 50) / 5)
    rmst = differences.rmst_difference(base, variant, horizon, paired=True)
    assert rmst.difference == pytest.approx(-7.0)  # ignoring the censored runs would say +11.25
    assert rmst.low <= rmst.difference <= rmst.high
    km = differences.km_median_difference(base, variant, paired=True)
    assert (km.baseline, km.variant, km.difference) == (30.0, 35.0, 5.0)
    never = differences.km_median_difference(
        np.array([5.0, np.nan, np.nan]), np.array([5.0, 6.0, np.nan]), True
    )
    assert math.isnan(never.baseline) and never.variant == 6.0 and never.method == "median not reached"
    # Crossing on the last day and never crossing are different outcomes of a replication.
    assert differences.changed(np.array([100.0, np.nan]), np.array([np.nan, np.nan]), "days", horizon) == (
        0.5,
        0.5,
        0.0,
    )


def test_share_differences_use_newcombe_intervals():
    rng = np.random.default_rng(3)
    base = (rng.random(300) < 0.4).astype(float)
    variant = np.where(rng.random(300) < 0.15, 1.0, base)  # only ever adds withdrawals
    paired = differences.share_difference(base, variant, paired=True)
    unpaired = differences.share_difference(base, variant, paired=False)
    assert paired.difference == pytest.approx(variant.mean() - base.mean()) and paired.difference > 0
    assert not paired.within_noise and paired.low > 0
    assert (paired.high - paired.low) < (unpaired.high - unpaired.low)
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    low, high = proportion.confint_proportions_2indep(
        int(variant.sum()), 300, int(base.sum()), 300, method="newcomb", compare="diff"
    )
    assert (unpaired.low, unpaired.high) == pytest.approx((low, high), abs=1e-6)


def test_outcomes_are_read_from_a_table_in_replication_order():
    table = pa.table(
        {
            "replication": [1, 0],
            "area_km2_on_2024-10-01": [300.0, 400.0],
            "day_below_250": pa.array([40, None], type=pa.int32()),
            "withdrawal_day": [50.0, None],
            "casualties_blue": [10.0, 20.0],
        }
    )
    outcomes, values = run_outcomes(SCENARIO, table)
    keys = [o.key for o in outcomes]
    assert keys[:2] == ["area_km2_on_2024-10-01", "day_below_250"]
    assert list(values["area_km2_on_2024-10-01"]) == [400.0, 300.0]
    assert np.isnan(values["day_below_250"][0]) and values["day_below_250"][1] == 40
    assert list(values["withdrawal_began_by_2024-10-01"]) == [0.0, 0.0]  # day 30: not yet
    assert list(values["withdrawal_began_by_2024-11-01"]) == [0.0, 1.0]  # day 61: the second run has
    assert "obs0_area_km2_2024-10-15" not in keys  # it repeats area_km2_on_2024-10-15


def test_pairing_needs_the_same_seed_and_replication_count():
    assert sc.pairing(0, 100, 0, 100).paired
    assert not sc.pairing(0, 100, 1, 100).paired and "seeds 0 and 1" in sc.pairing(0, 100, 1, 100).reason
    assert "100 and 200 replications" in sc.pairing(0, 100, 0, 200).reason


# --- run folders and the command ---------------------------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small runs: a baseline, its exact repeat, a deeper Red advance (paired and unpaired), no daily."""
    root = tmp_path_factory.mktemp("compare")
    deeper = {"sides.red.attack.advance_km": 1.6}
    plans = {
        "base": ({}, 1, "total"),
        "same": ({}, 1, "total"),
        "deeper": (deeper, 1, "total"),
        "deeper_seed2": (deeper, 2, "total"),
        "deeper_nodaily": (deeper, 1, "none"),
    }
    folders = {}
    for name, (overrides, seed, daily) in plans.items():
        scenario = api.load(SMALL, set=overrides)
        run = api.run(scenario, replications=16, seed=seed, out=root / name, daily=daily, executor="serial")
        folders[name] = run.path
    return folders


def test_pairing_is_detected_from_the_folders(runs):
    found = sc.compare_runs([runs["base"], runs["deeper"], runs["deeper_seed2"]])
    assert [p.paired for p in found.pairings] == [True, False]
    table = found.table
    assert set(table.loc[table["variant"] == "deeper", "paired"]) == {True}
    assert set(table.loc[table["variant"] == "deeper_seed2", "paired"]) == {False}
    assert table.loc[table["variant"] == "deeper_seed2", "share_changed"].isna().all()
    assert found.changes == [["sides.red.attack.advance_km"]] * 2


def test_identical_runs_differ_by_exactly_zero(runs):
    found = api.compare([runs["base"], runs["same"]], out=runs["base"].parent / "same_out", plots=False)
    table = found.table
    assert len(table) > 5 and (table["difference"] == 0).all() and table["within_noise"].all()
    assert (table["share_changed"] == 0).all() and found.comparison.changes == [[]]


def test_a_deeper_advance_loses_ground_beyond_noise(runs):
    table = sc.compare_runs([runs["base"], runs["deeper"]]).table.set_index("outcome")
    area = table.loc["area_km2_on_2024-10-15"]
    assert area["difference"] < 0 and area["high"] < 0 and not area["within_noise"]
    assert area["variant_value"] - area["baseline_value"] == pytest.approx(area["difference"])
    assert area["share_lower"] > 0.5 and area["share_changed"] >= area["share_lower"]
    assert table.loc["day_below_250", "difference"] < 0  # the ground goes sooner


def test_the_command_prints_a_table_and_writes_the_folder(runs, tmp_path):
    out = tmp_path / "cmp"
    result = invoke("compare", runs["base"], runs["deeper"], runs["deeper_nodaily"], "--out", out)
    assert result.exit_code == 0, result.output
    printed = result.stdout
    assert "held area (km2): mean" in printed and "runs changed (up/down)" in printed
    assert "deeper minus base, with 95% intervals" in printed and "lower, beyond noise" in printed
    assert "within noise" in printed and "paired: same seed (1)" in printed
    assert "left out (no daily.parquet" in result.stderr  # the run made with --daily none
    table = pd.read_parquet(out / "compare.parquet")
    assert set(table.columns) >= COLUMNS
    assert set(table["variant"]) == {"deeper", "deeper_nodaily"}
    record = json.loads((out / "compare.json").read_text())
    assert record["package_version"] == sim.__version__  # every folder says which version wrote it
    assert record["kind"] == "compare" and [r["role"] for r in record["runs"]] == [
        "baseline",
        "variant",
        "variant",
    ]
    assert record["runs"][1]["paired"] is True and record["runs"][0]["seed"] == 1
    for name in ("compare_fan_chart", "compare_survival", "compare_forest"):
        assert (out / "plots" / f"{name}.png").stat().st_size > 10_000
    again = invoke("compare", runs["base"], runs["deeper"], "--out", tmp_path / "again", "--no-plots", "-q")
    assert again.exit_code == 0 and not (tmp_path / "again" / "plots").exists()


def test_the_default_folder_names_the_runs(runs, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    found = api.compare([runs["base"], runs["deeper"]], plots=False)
    assert found.path == Path("results") / "compare-base-vs-deeper"
    assert (tmp_path / found.path / "compare.parquet").is_file()


def test_bad_input_is_one_line_and_exit_2(runs, tmp_path):
    assert "at least two run folders" in one_error_line(invoke("compare", runs["base"]))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert str(empty) in one_error_line(invoke("compare", runs["base"], empty))
    assert "no such folder" in one_error_line(invoke("compare", runs["base"], tmp_path / "nowhere"))
    shorter = api.run(
        api.load(SMALL, set={"end": "2024-10-20"}),
        replications=4,
        seed=1,
        out=tmp_path / "shorter",
        daily="none",
        executor="serial",
    )
    line = one_error_line(invoke("compare", runs["base"], shorter.path, "--no-plots"))
    assert str(shorter.path) in line and "covers 2024-09-01 to 2024-10-20" in line
    line = one_error_line(invoke("compare", runs["base"], runs["deeper"], "--out", runs["same"]))
    assert "holds a run or sweep" in line
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("keep me")
    line = one_error_line(invoke("compare", runs["base"], runs["deeper"], "--out", tmp_path / "notes"))
    assert "not empty and holds no comparison" in line and (tmp_path / "notes" / "mine.txt").exists()


def test_sim_report_on_a_comparison_folder(runs, tmp_path):
    """One self-contained page: the runs, one table per group with verdicts, the figures embedded."""
    out = tmp_path / "cmp"
    assert invoke("compare", runs["base"], runs["deeper"], "--out", out, "-q").exit_code == 0
    result = invoke("report", out)
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Comparison: deeper against base" in page
    assert "deeper minus base" in page and "lower, beyond noise" in page
    # Beyond noise is news, not a problem: blue rows, not the pink of a report the model misses.
    assert 'class="notable"' in page and 'class="flagged"' not in page
    # Plotly.js and the charts' data are inline scripts; outside them, the page holds only itself.
    assert 'id="spec-compare_forest"' in page or importlib.util.find_spec("plotly") is None
    text = re.sub(r"<script\b[^>]*>.*?</script>", "", page, flags=re.S)
    assert text.count('src="data:image/png;base64,') == 3
    assert "http://" not in text and "https://" not in text
    (out / "compare.parquet").write_bytes(b"not parquet")
    broken = invoke("report", out)
    assert broken.exit_code == 2 and "compare.parquet is missing or damaged" in broken.stderr


def test_the_paired_newcombe_interval_reproduces_the_published_example():
    """Cavo et al. (2012), complete response before and after consolidation: 59 both, 6 before only,
    16 after only, 80 neither; Newcombe's square-and-add interval for after - before is 0.0621 (0.0046 to
    0.1186) (Fagerland, Lydersen and Laake, Statistical Analysis of Contingency Tables, 2017, ch. 8)."""
    before = np.array([1.0] * 59 + [1.0] * 6 + [0.0] * 16 + [0.0] * 80)
    after = np.array([1.0] * 59 + [0.0] * 6 + [1.0] * 16 + [0.0] * 80)
    result = differences.share_difference(before, after, paired=True)
    assert result.difference == pytest.approx(0.0621, abs=5e-5)
    assert (result.low, result.high) == pytest.approx((0.0046, 0.1186), abs=5e-5)
    swapped = differences.share_difference(after, before, paired=True)
    assert (swapped.low, swapped.high) == pytest.approx((-0.1186, -0.0046), abs=5e-5)
    # The correction: A = 59 x 80 - 6 x 16 = 4,624 is above n/2 = 80.5, so phi uses A - n/2.
    margins = 65 * 96 * 75 * 86
    assert differences.newcombe_phi(59, 6, 16, 80) == pytest.approx((4624 - 80.5) / math.sqrt(margins))
    assert differences.newcombe_phi(2, 5, 5, 13) == 0.0  # A = 1, between 0 and n/2 = 12.5
    assert differences.newcombe_phi(1, 8, 8, 1) == pytest.approx(-63 / 81)  # A = -63 < 0: uncorrected
