"""The ``sim`` command through the real command line: the run folder and its contract, errors, help, trace.

The contract (DESIGN.md, "Results contract"): ``sim run`` writes manifest.json, daily.parquet,
sectors.parquet, outcomes.parquet, summary.json and plots/ with the columns checked below.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import SMALL, TESTS, Run, read, run_sim, run_small, sim_in_process

import sim
from sim.scenario import load_scenario
from sim.scenario.schema import Scenario

START, END = dt.date(2024, 9, 1), dt.date(2024, 11, 1)
DAYS = (END - START).days + 1
SIDES = ["blue", "red"]
SECTORS = ["north", "south"]
REPLICATIONS = 20
SAMPLED = [
    "sides.blue.contingents.brigades.unit_size",
    "sides.blue.contingents.brigades.echelons.1.jitter_days",
    "sides.blue.command.withdrawal.area_below_km2",
    "sides.blue.command.withdrawal.force_ratio_above",
    "sides.blue.command.withdrawal.duration_days",
    "sides.blue.logistics.capacity",
    "sides.red.contingents.regulars.quality",
    "sides.red.contingents.regulars.echelons.1.jitter_days",
    "sides.red.contingents.regulars.readiness_days",
    "sides.red.attack.advance_km",
]
"""Every distribution in tests/scenarios/small.yaml, by dotted path, in document order."""
THRESHOLDS = ["day_below_400", "day_below_250", "day_below_100"]
"""Configured thresholds, decreasing; 250 is also half the starting 500 km2, so no extra column."""
FILES = [
    "manifest.json",
    "daily.parquet",
    "sectors.parquet",
    "outcomes.parquet",
    "summary.json",
    "plots/fan_chart.png",
    "plots/survival.png",
]
EVENT_LINE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2}) \d{2}:\d{2}\s+(?P<sector>\S+)\s+(?P<kind>[a-z_]+)\s+\S"
)


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder`` with its bytes and modification time."""
    return {
        str(path.relative_to(folder)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


# ----------------------------------------------------------------------------------- sim run
def test_run_writes_the_run_folder(small_run: Run) -> None:
    for name in FILES:
        path = small_run.out / name
        assert path.is_file(), f"{name} missing"
        assert path.stat().st_size > 0, f"{name} is empty"
    for plot in ("fan_chart.png", "survival.png"):
        assert (small_run.out / "plots" / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (small_run.out / "parts").exists(), "chunk parts left behind after the merge"
    leftovers = [p.name for p in small_run.out.rglob("*") if ".tmp" in p.name]
    assert leftovers == [], f"temporary files left behind: {leftovers}"


def test_daily_table(small_run: Run) -> None:
    daily = read(small_run.out, "daily")
    expected = ["replication", "day", "date", "area_km2"] + [
        f"{what}_{side}" for side in SIDES for what in ("strength", "casualties", "supply")
    ]
    assert sorted(daily.column_names) == sorted(expected)
    assert len(daily.column_names) == len(expected)
    assert [n for n in daily.column_names if n.startswith("strength_")] == ["strength_blue", "strength_red"]
    schema = daily.schema
    assert schema.field("date").type == pa.date32()
    assert pa.types.is_integer(schema.field("replication").type)
    assert pa.types.is_integer(schema.field("day").type)
    for name in expected[3:]:
        assert pa.types.is_floating(schema.field(name).type), name
    assert daily.num_rows == REPLICATIONS * DAYS
    rows = daily.to_pydict()
    assert sorted(set(rows["replication"])) == list(range(REPLICATIONS))
    for day, date in zip(rows["day"], rows["date"], strict=True):
        assert date == START + dt.timedelta(days=day)
    assert set(rows["day"]) == set(range(DAYS))
    # Day 0 is the start: all 500 km2 held, nobody lost yet.
    for i, day in enumerate(rows["day"]):
        if day == 0:
            assert rows["area_km2"][i] == 500.0
            assert rows["casualties_blue"][i] == rows["casualties_red"][i] == 0.0
    for side in SIDES:
        assert min(rows[f"supply_{side}"]) >= 0.0 and max(rows[f"supply_{side}"]) <= 1.0


def test_rows_are_in_replication_order(small_run: Run) -> None:
    for name in ("daily", "sectors", "outcomes"):
        replication = pq.read_table(small_run.out / f"{name}.parquet", columns=["replication"])
        values = replication["replication"].to_pylist()
        assert values == sorted(values), f"{name}.parquet rows are not in replication order"
    sectors = pq.read_table(small_run.out / "sectors.parquet", columns=["sector"])["sector"].to_pylist()
    assert sectors[: len(SECTORS)] == SECTORS, "sectors not in scenario order"


def test_sectors_table_adds_up_to_daily(small_run: Run) -> None:
    sectors = read(small_run.out, "sectors")
    assert sorted(sectors.column_names) == sorted(["replication", "day", "sector", "area_km2"])
    assert len(sectors.column_names) == 4
    assert pa.types.is_string(sectors.schema.field("sector").type) or pa.types.is_large_string(
        sectors.schema.field("sector").type
    )
    assert sectors.num_rows == REPLICATIONS * DAYS * len(SECTORS)
    assert set(sectors["sector"].to_pylist()) == set(SECTORS)
    totals = sectors.group_by(["replication", "day"]).aggregate([("area_km2", "sum")])
    totals = totals.sort_by([("replication", "ascending"), ("day", "ascending")])
    daily = read(small_run.out, "daily")
    assert totals["replication"].to_pylist() == daily["replication"].to_pylist()
    assert totals["day"].to_pylist() == daily["day"].to_pylist()
    for total, area in zip(totals["area_km2_sum"].to_pylist(), daily["area_km2"].to_pylist(), strict=True):
        assert total == pytest.approx(area, rel=1e-9, abs=1e-9)


def test_outcomes_table(small_run: Run) -> None:
    outcomes = read(small_run.out, "outcomes")
    expected = [
        "replication",
        *SAMPLED,
        "final_area_km2",
        "advance_m_per_day",
        "withdrawal_day",
        "withdrawal_reason",
        *THRESHOLDS,
        *(f"casualties_{side}" for side in SIDES),
    ]
    # The held area on the first of each month and on each observation date, as area_km2_on_<date>.
    dated = [n for n in outcomes.column_names if n.startswith("area_km2_on_")]
    assert dated == [f"area_km2_on_{d}" for d in ("2024-10-01", "2024-10-15", "2024-11-01")]
    expected += dated
    # Each observation's model value per replication, named by index, metric and date.
    observed = [n for n in outcomes.column_names if n.startswith("obs")]
    assert observed == ["obs0_area_km2_2024-10-15"]
    assert outcomes["obs0_area_km2_2024-10-15"].equals(outcomes["area_km2_on_2024-10-15"])
    expected += observed
    assert sorted(outcomes.column_names) == sorted(expected)
    assert len(outcomes.column_names) == len(expected)
    # Order promised by the contract: parameters in document order, thresholds decreasing, sides in order.
    names = outcomes.column_names
    assert [n for n in names if n in SAMPLED] == SAMPLED
    assert [n for n in names if n.startswith("day_below_")] == THRESHOLDS
    assert names.index("casualties_blue") < names.index("casualties_red")
    assert outcomes.num_rows == REPLICATIONS
    rows = outcomes.to_pylist()
    assert [row["replication"] for row in rows] == list(range(REPLICATIONS))

    daily = read(small_run.out, "daily")
    last = daily.filter(pc.equal(daily["day"], DAYS - 1)).to_pylist()
    scenario = load_scenario(SMALL)
    for row, end in zip(rows, last, strict=True):
        # Sampled values lie within their distributions.
        assert 800 <= row["sides.blue.contingents.brigades.unit_size"] <= 1200
        assert -3 <= row["sides.blue.contingents.brigades.echelons.1.jitter_days"] <= 3
        assert 2 <= row["sides.red.contingents.regulars.readiness_days"] <= 10
        assert row["sides.red.attack.advance_km"] > 0
        # Final state agrees with the last day of the daily table (and dated areas with their day).
        assert row["final_area_km2"] == end["area_km2"]
        for column in dated:
            day = (dt.date.fromisoformat(column.removeprefix("area_km2_on_")) - START).days
            on_day = daily.filter(
                pc.and_(pc.equal(daily["replication"], row["replication"]), pc.equal(daily["day"], day))
            )
            assert row[column] == on_day["area_km2"].to_pylist()[0], column
        for side in SIDES:
            assert row[f"casualties_{side}"] == end[f"casualties_{side}"]
        # Withdrawal day and reason come together (null together when there was none).
        assert (row["withdrawal_day"] is None) == (row["withdrawal_reason"] is None)
        if row["withdrawal_day"] is not None:
            assert scenario.day_of(dt.date(2024, 9, 15)) <= row["withdrawal_day"] <= DAYS - 1
            assert row["withdrawal_reason"] in {
                "area_below",
                "force_ratio_above",
                "supply_below",
                "losses_above",
                "loss_share_above",
            }
        # Crossing days: null when never crossed (censored), else the first day the area was below.
        area = {
            r["day"]: r["area_km2"]
            for r in daily.filter(pc.equal(daily["replication"], row["replication"])).to_pylist()
        }
        for column in THRESHOLDS:
            threshold = float(column.removeprefix("day_below_"))
            below = [d for d in sorted(area) if area[d] < threshold]
            assert row[column] == (below[0] if below else None), f"{column}, replication {row['replication']}"
    # The small scenario is set up so that some replications withdraw and some do not.
    assert any(r["withdrawal_day"] is None for r in rows) and any(
        r["withdrawal_day"] is not None for r in rows
    )


def test_manifest(small_run: Run) -> None:
    manifest = json.loads((small_run.out / "manifest.json").read_text())
    for key in (
        "scenario",
        "scenario_sha256",
        "seed",
        "replications",
        "package_version",
        "command_line",
        "started",
        "finished",
        "chunks",
    ):
        assert key in manifest, f"manifest lacks {key!r}"
    assert Scenario.model_validate(manifest["scenario"]) == load_scenario(SMALL)
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["scenario_sha256"])
    assert manifest["seed"] == 0
    assert manifest["replications"] == REPLICATIONS
    assert manifest["package_version"] == sim.__version__ == importlib.metadata.version("conflict-sim")
    command = manifest["command_line"]
    assert isinstance(command, list) and command[1:] == small_run.result.args[3:]
    started = dt.datetime.fromisoformat(manifest["started"])
    finished = dt.datetime.fromisoformat(manifest["finished"])
    assert started <= finished <= dt.datetime.now(dt.UTC)
    chunks = manifest["chunks"]
    assert chunks and all(chunk["status"] == "done" for chunk in chunks)
    covered = sorted(r for chunk in chunks for r in range(chunk["start"], chunk["stop"]))
    assert covered == list(range(REPLICATIONS))
    summary = json.loads((small_run.out / "summary.json").read_text())
    assert summary["replications"] == REPLICATIONS


def test_printed_summary_has_month_rows(small_run: Run) -> None:
    lines = small_run.result.stdout.splitlines()
    for month in ("2024-10-01", "2024-11-01"):
        row = [line for line in lines if line.startswith(month)]
        assert len(row) == 1, f"no summary row for {month} in:\n{small_run.result.stdout}"
        numbers = re.findall(r"\d[\d,]*(?:\.\d+)?%?", row[0].removeprefix(month))
        assert len(numbers) >= 4, row[0]  # area p10, median, p90 and the share whose withdrawal began


def test_run_into_an_existing_run_folder_changes_nothing(small_run: Run, tmp_path: Path) -> None:
    out = tmp_path / "run"
    shutil.copytree(small_run.out, out)  # copy2 keeps modification times
    before = snapshot(out)
    result = run_sim("run", SMALL, "-n", "5", "--out", out, "--no-plots", check=False)
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
    assert lines[0].startswith("error:") and str(out) in lines[0], lines[0]
    assert "Traceback" not in result.stderr
    assert snapshot(out) == before


def test_resume_of_a_complete_run_is_one_line_and_changes_nothing(small_run: Run, tmp_path: Path) -> None:
    """Once a known gap: the merge had deleted parts/, and resuming raised with a traceback."""
    out = tmp_path / "run"
    shutil.copytree(small_run.out, out)
    before = snapshot(out)
    result = run_sim("run", "--resume", out, "-q", "--no-plots", check=False)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "already complete" in lines[0] and str(out) in lines[0], lines[0]
    assert snapshot(out) == before


def test_manifest_keeps_a_null_dispersion(tmp_path: Path) -> None:
    """Once a known gap: null fields were dropped, so a null dispersion read back as the default 2.0."""
    out = tmp_path / "null"
    run_small(out, "--no-plots", "--set", "engagement.dispersion=null", replications=2)
    manifest = json.loads((out / "manifest.json").read_text())
    expected = load_scenario(SMALL, ["engagement.dispersion=null"])
    assert expected.engagement.dispersion is None
    assert Scenario.model_validate(manifest["scenario"]) == expected


def test_bad_override_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "never"
    result = run_sim("run", SMALL, "-n", "2", "--out", out, "--set", "engagement.kil_rate=0.1", check=False)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert "kil_rate" in lines[0] and "kill_rate" in lines[0]
    assert not out.exists()


def test_set_override_changes_the_manifest_scenario(small_run: Run, tmp_path: Path) -> None:
    out = tmp_path / "override"
    run_small(
        out,
        "--no-plots",
        "--set",
        "sides.red.attack.max_rate_per_km=0.7",
        "--set",
        "engagement.kill_rate={dist: uniform, low: 0.04, high: 0.06}",
        replications=3,
    )
    base = json.loads((small_run.out / "manifest.json").read_text())
    changed = json.loads((out / "manifest.json").read_text())
    assert changed["scenario"]["sides"]["red"]["attack"]["max_rate_per_km"] == 0.7
    assert base["scenario"]["sides"]["red"]["attack"]["max_rate_per_km"] == 0.3
    assert changed["scenario"]["engagement"]["kill_rate"]["dist"] == "uniform"
    assert changed["scenario_sha256"] != base["scenario_sha256"]
    # Apart from the two overridden fields, the scenario is the file's.
    expected = load_scenario(
        SMALL,
        [
            "sides.red.attack.max_rate_per_km=0.7",
            "engagement.kill_rate={dist: uniform, low: 0.04, high: 0.06}",
        ],
    )
    assert Scenario.model_validate(changed["scenario"]) == expected
    # A distribution given with --set is sampled, and shows in the outcomes like any other.
    outcomes = read(out, "outcomes")
    assert "engagement.kill_rate" in outcomes.column_names
    assert all(0.04 <= value <= 0.06 for value in outcomes["engagement.kill_rate"].to_pylist())


def test_every_threshold_gets_its_own_column(tmp_path: Path) -> None:
    """Once a known gap: names had six significant digits, so 12345.61 and 12345.64 shared a column."""
    out = tmp_path / "thresholds"
    run_small(out, "--no-plots", "--set", "thresholds_km2=[12345.61, 12345.64, 250]", replications=2)
    columns = [c for c in read(out, "outcomes").column_names if c.startswith("day_below_")]
    assert len(columns) == 3, columns
    assert sorted(float(c.removeprefix("day_below_")) for c in columns) == [250.0, 12345.61, 12345.64]


# ----------------------------------------------------------------------------------- help and trace
@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["trace", "--help"]], ids=" ".join)
def test_help(args: list[str]) -> None:
    result = run_sim(*args)
    assert result.returncode == 0
    assert "Usage:" in result.stdout
    assert result.stderr == ""


def test_console_script() -> None:
    script = Path(sys.executable).with_name("sim")
    assert script.exists(), f"the sim console script is not installed beside {sys.executable}"
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, cwd=TESTS.parent, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    for command in ("run", "check", "trace"):
        assert re.search(rf"^\s+{command}\s", result.stdout, re.MULTILINE), f"{command} not listed"


def test_trace_prints_dated_events() -> None:
    result = run_sim("trace", SMALL, "-r", "1", "--seed", "0")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("small_test, replication 1, seed 0")
    events = [m for m in map(EVENT_LINE.match, lines) if m]
    assert len(events) > 10
    for event in events:
        assert START <= dt.date.fromisoformat(event["date"]) <= END
        assert event["sector"] in {*SECTORS, "-"}
    kinds = {event["kind"] for event in events}
    assert "assault" in kinds, kinds
    assaults = [m.string for m in events if m["kind"] == "assault"]
    assert all(m_sector in SECTORS for m_sector in (EVENT_LINE.match(a)["sector"] for a in assaults))
    dates = [event["date"] for event in events]
    assert dates == sorted(dates), "events are not in time order"
    assert lines[-1].startswith(f"end {END.isoformat()}: ")


def test_trace_shows_the_time_of_day() -> None:
    """Once a known gap: events were stamped with a date, so all printed at 00:00."""
    result = run_sim("trace", SMALL, "-r", "1", "--seed", "0", "--kind", "assault")
    times = re.findall(r"^\d{4}-\d{2}-\d{2} (\d{2}:\d{2}) ", result.stdout, re.MULTILINE)
    assert times, result.stdout
    # Assaults are a Poisson process in continuous time: they do not all fall at midnight.
    assert len(set(times)) > 1, f"every assault at {set(times)}"


def test_scenario_hash_is_the_hash_of_the_scenario(small_run: Run) -> None:
    manifest = json.loads((small_run.out / "manifest.json").read_text())
    canonical = json.dumps(manifest["scenario"], sort_keys=True, separators=(",", ":"))
    assert manifest["scenario_sha256"] == hashlib.sha256(canonical.encode()).hexdigest()


def test_starting_the_command_imports_no_heavy_library() -> None:
    """Once a cost: every command, even ``sim check``, imported pyabc, pandas and scipy.stats at start-up
    (3 s instead of 1 s); they are imported by the commands that use them."""
    code = (
        "import sys, sim.cli; "
        "print(sorted(m for m in ('pyabc', 'pandas', 'scipy.stats', 'ema_workbench', 'distributed') "
        "if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout


@pytest.mark.parametrize(
    "module,args,message",
    [
        (
            "SALib",
            ["sweep", str(SMALL), "--vary", "sides.red.attack.advance_km=0.5:1.5", "--design", "sobol"],
            "error: a sobol design needs the 'sensitivity' extra: pip install 'conflict-sim[sensitivity]'",
        ),
        (
            "pyabc",
            ["calibrate", str(SMALL)],
            "error: sim calibrate needs the 'calibrate' extra: pip install 'conflict-sim[calibrate]'",
        ),
        (
            "pyabc",
            ["backtest", str(SMALL), "--origin", "2024-10-01"],
            "error: sim backtest needs the 'calibrate' extra: pip install 'conflict-sim[calibrate]'",
        ),
    ],
    ids=["sobol-without-SALib", "calibrate-without-pyabc", "backtest-without-pyabc"],
)
def test_a_missing_extra_is_one_line_naming_it_before_any_work(
    module: str, args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """Once a traceback: ModuleNotFoundError from deep inside the sweep or the calibration."""
    for name in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, module, None)  # importing it now raises ImportError
    out = tmp_path / "out"
    result = sim_in_process(capsys, *args, "--out", out, "-q")
    assert (result.returncode, result.stderr.strip()) == (2, message)
    assert not out.exists()
