"""Reading a run's tables a row group at a time gives what a full read gives; the band sample is bounded.

The figures and the summary read ``daily.parquet``, ``sectors.parquet`` and ``outcomes.parquet`` a row
group at a time (``sim.results.readers.scan``) and draw the daily bands from at most ``MAX_BAND_RUNS``
evenly spaced runs, so memory does not grow with the replication count. Here a small run's tables are
rewritten in tiny row groups (so every reader crosses many of them) and each reader is compared with
the same values taken from one full ``pyarrow.parquet.read_table``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import pytest  # noqa: E402
from conftest import run_small  # noqa: E402

from sim.analysis.summary import summarize  # noqa: E402
from sim.plots.run_forces import withdrawal_chart  # noqa: E402
from sim.results import readers  # noqa: E402
from sim.results.columns import outcome_thresholds, threshold_column  # noqa: E402
from sim.results.folder import RunFolder, open_folder  # noqa: E402

RUNS = 30


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunFolder:
    out = tmp_path_factory.mktemp("streaming") / "run"
    run_small(out, "--no-plots", replications=RUNS)
    return open_folder(out)


@pytest.fixture(scope="module")
def chopped(run: RunFolder, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same tables, rewritten in row groups of a few rows (a merged file has 65,536-row groups)."""
    out = tmp_path_factory.mktemp("streaming") / "chopped"
    out.mkdir()
    for name, rows in (("daily", 97), ("sectors", 101), ("outcomes", 7)):
        table = pq.read_table(run.directory / f"{name}.parquet")
        pq.write_table(table, out / f"{name}.parquet", row_group_size=rows)
        assert pq.ParquetFile(out / f"{name}.parquet").metadata.num_row_groups > 3
    # The companion without the withdrawal rules, whose forecast the summary gives too.
    companion = out / "dynamics_only"
    companion.mkdir()
    table = pq.read_table(run.directory / "dynamics_only" / "outcomes.parquet")
    pq.write_table(table, companion / "outcomes.parquet", row_group_size=7)
    return out


def full_matrix(run: RunFolder, column: str, table: str = "daily", sector: str | None = None) -> np.ndarray:
    """Return a (runs, days) array of a daily column from one full read (the oracle)."""
    data = pq.read_table(run.directory / f"{table}.parquet").to_pandas()
    if sector is not None:
        data = data[data["sector"] == sector]
    pivot = data.pivot(index="replication", columns="day", values=column).sort_index()
    return pivot.to_numpy(dtype=float)


# ------------------------------------------------------------------------------ the band sample
@pytest.mark.parametrize("size", [0, 1, 7, 1999, 2000, 2001, 12_345, 1_000_000])
@pytest.mark.parametrize("limit", [1, 7, 2000])
def test_the_band_sample_is_bounded_evenly_spaced_and_always_the_same(size: int, limit: int) -> None:
    replications = np.arange(size, dtype=np.int64) * 3 + 5  # any sorted, distinct replication numbers
    sample = readers.band_sample(replications, limit)
    np.testing.assert_array_equal(sample, readers.band_sample(replications.copy(), limit))
    assert sample.size == min(size, limit)
    assert np.all(np.isin(sample, replications)) and np.all(np.diff(sample) > 0)
    if size <= limit:
        np.testing.assert_array_equal(sample, replications)
    elif limit > 1:
        assert sample[0] == replications[0] and sample[-1] == replications[-1]
        gaps = np.diff(np.searchsorted(replications, sample))
        assert gaps.max() - gaps.min() <= 1, "not evenly spaced"


def test_the_bands_use_at_most_max_band_runs() -> None:
    assert readers.MAX_BAND_RUNS == 2_000
    # Kursk: 246 days; four daily columns in the forces figure.
    assert readers.band_limit(246, 4) == readers.MAX_BAND_RUNS
    assert readers.band_limit(246, 1, max_runs=50) == 50
    assert readers.band_limit(10_000, 4) == readers.MAX_BAND_VALUES // 40_000
    assert readers.band_limit(10**9, 10**3) == 1


def test_daily_matrices_take_the_same_bounded_sample_every_time(run: RunFolder, chopped: Path) -> None:
    first = readers.daily_matrices(run.directory, ["area_km2"], run.days, max_runs=7)
    again = readers.daily_matrices(chopped, ["area_km2"], run.days, max_runs=7)
    assert first.total == again.total == RUNS and first.subset
    np.testing.assert_array_equal(first.replications, readers.band_sample(np.arange(RUNS), 7))
    np.testing.assert_array_equal(first.replications, again.replications)
    np.testing.assert_array_equal(first.values["area_km2"], again.values["area_km2"])
    oracle = full_matrix(run, "area_km2").astype(np.float32)
    np.testing.assert_array_equal(first.values["area_km2"], oracle[first.replications])
    assert readers.area_matrix(chopped, run.days, max_runs=7).shape == (7, run.days)


# ------------------------------------------------------------------------ streaming = a full read
def test_scan_yields_the_whole_table_in_order(run: RunFolder, chopped: Path) -> None:
    for name in ("daily", "sectors", "outcomes"):
        whole = pq.read_table(run.directory / f"{name}.parquet")
        batches = list(readers.scan(chopped, name, whole.column_names))
        assert len(batches) > 3
        assert sum(batch.num_rows for batch in batches) == whole.num_rows
        assert readers.count_rows(chopped, name) == whole.num_rows
        assert readers.column_names(chopped, name) == whole.column_names
        streamed = pq.read_table(chopped / f"{name}.parquet")
        assert streamed.equals(whole)
        for column in whole.column_names:
            if pa.types.is_floating(whole[column].type) or pa.types.is_integer(whole[column].type):
                expected = whole[column].to_numpy(zero_copy_only=False).astype(float)
                np.testing.assert_array_equal(readers.read_column(chopped, name, column), expected)


def test_daily_and_sector_matrices_match_a_full_read(run: RunFolder, chopped: Path) -> None:
    columns = ["area_km2", "strength_red", "casualties_blue"]
    data = readers.daily_matrices(chopped, columns, run.days)
    assert not data.subset and data.total == RUNS
    np.testing.assert_array_equal(data.replications, np.arange(RUNS))
    for column in columns:
        np.testing.assert_array_equal(data.values[column], full_matrix(run, column).astype(np.float32))
    np.testing.assert_array_equal(readers.area_matrix(chopped, run.days), full_matrix(run, "area_km2"))
    sectors = list(run.scenario.sectors)
    by_sector = readers.sector_matrices(chopped, sectors, run.days)
    for sector in sectors:
        expected = full_matrix(run, "area_km2", "sectors", sector).astype(np.float32)
        np.testing.assert_array_equal(by_sector.values[sector], expected)


def test_crossings_and_areas_on_a_date_match_a_full_read(run: RunFolder, chopped: Path) -> None:
    scenario = run.scenario
    thresholds = [*outcome_thresholds(scenario), 333.0]  # 333: not stored, computed from daily
    crossings, notes = readers.crossing_days(chopped, scenario, thresholds)
    assert notes == [] and list(crossings) == thresholds
    areas = full_matrix(run, "area_km2")
    outcomes = pq.read_table(run.directory / "outcomes.parquet").sort_by("replication")
    for threshold in thresholds[:-1]:
        column = outcomes[threshold_column(threshold)].to_numpy(zero_copy_only=False).astype(float)
        np.testing.assert_array_equal(crossings[threshold], column)
    below = areas < 333.0
    first = np.where(below.any(axis=1), np.argmax(below, axis=1), np.nan)
    np.testing.assert_array_equal(crossings[333.0], first)
    kept = dt.date(scenario.start.year, scenario.start.month, 1) + dt.timedelta(days=32)
    kept = kept.replace(day=1)  # a first of the month: kept as an outcome column
    unkept = scenario.start + dt.timedelta(days=3)  # read from daily.parquet
    for date in (kept, unkept):
        values = readers.areas_on(chopped, scenario, date)
        assert values is not None
        np.testing.assert_array_equal(np.sort(values), np.sort(areas[:, (date - scenario.start).days]))


def test_the_summary_is_the_same_read_column_by_column(run: RunFolder, chopped: Path) -> None:
    stored = json.loads((run.directory / "summary.json").read_text(encoding="utf-8"))
    stored.pop("seconds")
    for directory in (run.directory, chopped):
        assert json.loads(json.dumps(summarize(directory, run.scenario))) == stored


def test_the_withdrawal_chart_counts_an_arrow_column_as_a_list(run: RunFolder) -> None:
    column = pq.read_table(run.directory / "outcomes.parquet")["withdrawal_reason"]
    days = readers.read_column(run.directory, "outcomes", "withdrawal_day")
    widths = []
    for reasons in (column, column.to_pylist()):
        figure = withdrawal_chart(run.scenario, reasons, days)
        widths.append([patch.get_width() for patch in figure.axes[0].patches])
        plt.close(figure)
    assert widths[0] == widths[1] and sum(widths[0]) == RUNS
