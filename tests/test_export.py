"""sim export: a run's tables as CSV (the same rows and values as its Parquet), and the netCDF cube (each
value where the tables put it), bounded in memory, one line for what cannot be exported."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import SMALL, run_small, sim_in_process

from sim.results import export as exports
from sim.scenario import load_scenario


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "run"
    run_small(out, "--no-plots", "--no-dynamics", replications=5)
    return out


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_csv_holds_every_table_row_for_row(
    run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "csv"
    result = sim_in_process(capsys, "export", run, "--out", out)
    assert result.returncode == 0, result.stderr
    names = ["outcomes.csv", "daily.csv", "sectors.csv", "summary_by_month.csv"]
    assert result.stdout.split() == [str(out / name) for name in names]
    for table in ("outcomes", "daily", "sectors"):
        parquet = pq.read_table(run / f"{table}.parquet").to_pylist()
        rows = _csv_rows(out / f"{table}.csv")
        assert len(rows) == len(parquet) and list(rows[0]) == list(parquet[0])
        for row, original in zip(rows[:50], parquet[:50], strict=True):
            for key, value in original.items():
                if isinstance(value, float):
                    assert float(row[key]) == pytest.approx(value, rel=1e-12), key
                elif value is not None and key != "date":
                    assert row[key] == str(value), key
    months = _csv_rows(out / "summary_by_month.csv")
    assert [row["date"] for row in months] == ["2024-10-01", "2024-11-01"]


def test_netcdf_holds_the_cube_where_the_tables_put_each_value(run: Path, tmp_path: Path) -> None:
    xr = pytest.importorskip("xarray")
    pytest.importorskip("netCDF4")
    target = tmp_path / "cube.nc"
    from sim import api

    assert api.export(run, "netcdf", target) == [target]
    with xr.open_dataset(target) as cube:
        assert dict(cube.sizes) == {"replication": 5, "day": 62, "sector": 2}
        assert [str(s) for s in cube["sector"].values] == list(load_scenario(SMALL).sectors)
        assert str(cube["date"].values[0])[:10] == "2024-09-01" and cube.attrs["scenario"] == "small_test"
        sectors = pq.read_table(run / "sectors.parquet").to_pylist()
        names = [str(s) for s in cube["sector"].values]
        for row in sectors[::37]:
            value = cube["sector_area_km2"].sel(
                replication=row["replication"], day=row["day"], sector=row["sector"]
            )
            assert float(value) == pytest.approx(row["area_km2"])
            assert row["sector"] in names
        daily = pq.read_table(run / "daily.parquet").to_pylist()
        for row in daily[::29]:
            assert float(
                cube["area_km2"].sel(replication=row["replication"], day=row["day"])
            ) == pytest.approx(row["area_km2"])
        # The held area is the sum over sectors, day by day.
        np.testing.assert_allclose(cube["sector_area_km2"].sum("sector"), cube["area_km2"], rtol=1e-9)
        outcomes = pq.read_table(run / "outcomes.parquet").to_pydict()
        np.testing.assert_allclose(cube["outcome_final_area_km2"].values, outcomes["final_area_km2"])
        assert cube["area_km2"].attrs["units"] == "km2"


def test_netcdf_is_bounded_in_memory_and_exports_the_first_runs(
    run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    xr = pytest.importorskip("xarray")
    pytest.importorskip("netCDF4")
    monkeypatch.setattr(exports, "CUBE_LIMIT_BYTES", 3 * 8 * 62 * 9)  # about three runs' worth
    refused = sim_in_process(capsys, "export", run, "--format", "netcdf", "--out", tmp_path / "all.nc")
    assert refused.returncode == 2 and "--first" in refused.stderr and refused.stderr.count("\n") == 1
    assert not (tmp_path / "all.nc").exists()
    kept = sim_in_process(
        capsys, "export", run, "--format", "netcdf", "--first", "2", "--out", tmp_path / "two.nc"
    )
    assert kept.returncode == 0, kept.stderr
    with xr.open_dataset(tmp_path / "two.nc") as cube:
        assert list(cube["replication"].values) == [0, 1]


def test_what_cannot_be_exported_is_one_line(
    run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = sim_in_process(capsys, "export", tmp_path)
    assert empty.returncode == 2 and empty.stderr.count("\n") == 1
    first = sim_in_process(capsys, "export", run, "--first", "2", "--out", tmp_path / "x")
    assert first.returncode == 2 and "--first applies to --format netcdf" in first.stderr
    monkeypatch.setitem(sys.modules, "xarray", None)  # as if the extra were not installed
    missing = sim_in_process(capsys, "export", run, "--format", "netcdf", "--out", tmp_path / "c.nc")
    assert missing.returncode == 2
    assert "needs the 'netcdf' extra: pip install 'conflict-sim[netcdf]'" in missing.stderr
    assert sim_in_process(capsys, "export", SMALL).returncode == 2  # a scenario file is not a run
