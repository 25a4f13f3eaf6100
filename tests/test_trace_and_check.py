"""sim trace as text, CSV and JSON; its units; no events after the contest is over; sim check lists every
problem; the benchmark table names targets, not issues."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from conftest import SMALL, TESTS, sim_in_process

EARLY_END = "sides.blue.command.withdrawal.area_below_km2=1000"
"""An area limit above the start: the withdrawal begins on the first day rules are checked, and ends."""


def test_the_trace_exports_csv_and_json_with_the_same_events(capsys: pytest.CaptureFixture[str]) -> None:
    text = sim_in_process(capsys, "trace", SMALL, "-r", "2")
    as_csv = sim_in_process(capsys, "trace", SMALL, "-r", "2", "--format", "csv")
    as_json = sim_in_process(capsys, "trace", SMALL, "-r", "2", "--format", "json")
    assert text.returncode == as_csv.returncode == as_json.returncode == 0
    timeline = [line for line in text.stdout.splitlines() if line[:2] == "20"]
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    document = json.loads(as_json.stdout)
    assert len(rows) == len(document["events"]) == len(timeline) > 10
    for row, event, line in zip(rows, document["events"], timeline, strict=True):
        assert row["kind"] == event["kind"] and f" {event['kind']} " in line
        assert row["description"] == event["description"] and line.endswith(event["description"])
        for name, value in event["numbers"].items():
            assert float(row[name]) == pytest.approx(value)
    assert document["replication"] == 2 and document["sampled"]
    assert text.stdout.splitlines()[-1].startswith(f"end {document['end']['date']}: ")


def test_the_trace_writes_a_file_on_request(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "trace.csv"
    result = sim_in_process(capsys, "trace", SMALL, "--format", "csv", "--kind", "strike", "--out", out)
    assert result.returncode == 0 and result.stdout.strip() == str(out)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows and {row["kind"] for row in rows} == {"strike"}
    refused = sim_in_process(capsys, "trace", SMALL, "--out", tmp_path)
    assert refused.returncode == 2 and "--out" in refused.stderr and "is a directory" in refused.stderr


def test_the_trace_speaks_km2_as_km_squared_and_lists_no_strike_once_the_holder_has_no_ground(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = sim_in_process(capsys, "trace", SMALL, "--set", EARLY_END, "--format", "json")
    document = json.loads(result.stdout)
    ended = next(event["day"] for event in document["events"] if event["kind"] == "withdrawn")
    strikes = [event["day"] for event in document["events"] if event["kind"] == "strike"]
    assert strikes and max(strikes) < ended  # once, strikes that decide nothing were listed to the end date
    text = sim_in_process(capsys, "trace", SMALL).stdout
    words = [line for line in text.splitlines() if not line.startswith("  sampled ")]  # paths keep km2
    assert any("km²" in line for line in words) and not any("km2" in line for line in words)


def test_check_lists_every_problem_and_other_commands_point_to_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        f"extends: {SMALL}\nengagement:\n  kil_rate: 3\nsides:\n  blue:\n    contingents:\n"
        "      brigades:\n        unit_size: -5\n",
        encoding="utf-8",
    )
    checked = sim_in_process(capsys, "check", bad)
    lines = checked.stderr.strip().splitlines()
    assert checked.returncode == 2 and len(lines) == 2, checked.stderr
    assert (
        lines[0] == f"error: {bad}:3: engagement.kil_rate: unknown key 'kil_rate'; did you mean 'kill_rate'?"
    )
    assert lines[1].startswith(f"error: {bad}:8: sides.blue.contingents.brigades.unit_size: must be > 0")
    run = sim_in_process(capsys, "run", bad)
    assert run.returncode == 2 and run.stderr.count("\n") == 1
    assert run.stderr.strip().endswith("(and 1 more problem; sim check lists them)")


def test_check_lists_at_most_fifty_problems_and_says_how_many_more(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    sectors = "".join(f"  s{number}:\n    terrain: 1.0\n" for number in range(40))  # each lacks two fields
    bad.write_text(f"extends: {SMALL}\nsectors:\n{sectors}", encoding="utf-8")
    checked = sim_in_process(capsys, "check", bad)
    lines = checked.stderr.strip().splitlines()
    assert checked.returncode == 2 and len(lines) == 51, checked.stderr
    assert all(line.startswith(f"error: {bad}:") for line in lines[:50])
    more = int(lines[50].removeprefix("error: ... and ").removesuffix(" more problems not listed"))
    assert more >= 80 - 50, lines[50]


def test_the_benchmark_table_names_targets_not_issue_numbers() -> None:
    text = (TESTS.parent / "benchmarks" / "run.py").read_text(encoding="utf-8")
    assert "issue " not in text.lower()


def test_dates_in_the_trace_are_the_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    document = json.loads(sim_in_process(capsys, "trace", SMALL, "--format", "json").stdout)
    first = dt.datetime.fromisoformat(document["events"][0]["time"])
    assert first.date() >= dt.date(2024, 9, 1)
