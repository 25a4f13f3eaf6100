"""Scenario discovery: the condition grammar, PRIM on a folder whose answer is known, the command."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import sim
from sim.analysis import discovery as sd
from sim.batch.runner import chunk_records
from sim.errors import InputError
from sim.results.checks import expected_schema
from sim.results.manifest import new_manifest
from sim.results.writing import write_json
from sim.scenario import load_scenario
from sim.scenario.parameters import input_names
from sim.scenario.paths import reader_names
from tests.conftest import SMALL, reseal, run_sim

pytest.importorskip("ema_workbench")

SCENARIO = load_scenario(SMALL)
HORIZON = SCENARIO.horizon_days


def cases_of(outcomes: dict[str, list[float]], inputs: dict[str, list[float]] | None = None) -> sd.Cases:
    """Cases of the small scenario with the given outcome columns (a run folder's, without the folder)."""
    arrays = {name: np.asarray(values, dtype=float) for name, values in outcomes.items()}
    count = len(next(iter(arrays.values())))
    x = {name: np.asarray(v, dtype=float) for name, v in (inputs or {"x": list(range(count))}).items()}
    return sd.Cases(SCENARIO, "run", x, [], arrays)


def fake_folder(directory: Path, inputs: dict[str, np.ndarray], outcomes: dict[str, np.ndarray], sweep: bool):
    """Write a folder as sim sweep (or sim run) would: manifest, points.parquet and outcomes.parquet.

    In a sweep, ``inputs`` are the points' varied values and each point has one replication; in a run,
    they are sampled parameter columns of the outcomes table (named by the small scenario's paths).
    """
    count = len(next(iter(outcomes.values())))
    directory.mkdir(parents=True)
    extra = {"kind": "sweep", "varied": list(inputs), "points": count} if sweep else {}
    chunks = chunk_records(1, 1, count) if sweep else chunk_records(count, count)
    manifest = new_manifest(
        SCENARIO, 0, 1 if sweep else count, 1 if sweep else count, "none", chunks, **extra
    )
    write_json(directory / "manifest.json", manifest.document())
    table: dict[str, np.ndarray] = {}
    if sweep:
        table["point"] = np.arange(count, dtype=np.int32)
        table["replication"] = np.zeros(count, dtype=np.int64)
        points = {"point": np.arange(count, dtype=np.int32), **inputs}
        pq.write_table(pa.table(points), directory / "points.parquet")
    else:
        table["replication"] = np.arange(count, dtype=np.int64)
        table |= inputs
    given = table | outcomes
    columns = {}
    for field in expected_schema(SCENARIO, "outcomes", sweep):  # every column a real folder has
        values = given.pop(field.name, None)
        columns[field.name] = (
            pa.array(np.zeros(count) if values is None else values, type=field.type)
            if field.type != pa.string()
            else pa.nulls(count, pa.string())
        )
    columns |= {name: pa.array(values) for name, values in given.items()}
    pq.write_table(pa.table(columns), directory / "outcomes.parquet")
    reseal(directory, "complete")
    return directory


# --- the condition grammar ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "column", "op", "value"),
    [
        ("area_km2_on_2024-10-01 > 300", "area_km2_on_2024-10-01", ">", 300.0),
        ("final_area_km2<=12.5", "final_area_km2", "<=", 12.5),
        ("  withdrawal_began_by_2024-10-01 == 0 ", "withdrawal_began_by_2024-10-01", "==", 0.0),
        ("casualties_blue != -1e3", "casualties_blue", "!=", -1000.0),
        ("day_below_250 >= 40", "day_below_250", ">=", 40.0),
    ],
)
def test_a_condition_is_column_operator_number(text, column, op, value):
    cases = cases_of(
        {
            "final_area_km2": [1, 2],
            "area_km2_on_2024-10-01": [1, 2],
            "withdrawal_day": [np.nan, 3],
            "day_below_250": [np.nan, 40],
            "casualties_blue": [1, 2],
        }
    )
    condition = sd.parse_condition(text, cases)
    assert (condition.column, condition.op, condition.value) == (column, op, value)


@pytest.mark.parametrize(
    "text",
    [
        "final_area_km2 >> 3",
        "final_area_km2 > three",
        "final_area_km2",
        "__import__('os').system('true') > 1",
        "final_area_km2 > 1 and final_area_km2 < 5",
        "",
    ],
)
def test_anything_else_is_refused_without_evaluating_it(text):
    cases = cases_of({"final_area_km2": [1, 2]})
    with pytest.raises(InputError, match="is not a condition: expected COLUMN OP NUMBER"):
        sd.parse_condition(text, cases)


def test_an_unknown_column_suggests_the_closest_and_lists_the_outcomes():
    cases = cases_of({"final_area_km2": [1, 2], "area_km2_on_2024-10-01": [1, 2], "withdrawal_day": [1, 2]})
    with pytest.raises(InputError) as error:
        sd.parse_condition("area_km2_on_2024-10-02 > 3", cases)
    message = str(error.value)
    assert "did you mean area_km2_on_2024-10-01" in message
    assert "final_area_km2" in message and "withdrawal_began_by_<date>" in message
    assert "\n" not in message
    with pytest.raises(InputError, match="did you mean final_area_km2"):
        sd.parse_condition("final_area > 3", cases)


def test_withdrawal_began_by_a_date_is_one_if_it_began_on_or_before_it():
    start = SCENARIO.start
    cases = cases_of({"withdrawal_day": [np.nan, 10, 20, 30]})
    on_20 = (start + dt.timedelta(days=20)).isoformat()
    assert cases.values(f"withdrawal_began_by_{on_20}").tolist() == [0, 1, 1, 0]
    assert cases.values("withdrawal_began_by_end").tolist() == [0, 1, 1, 1]
    condition = sd.parse_condition(f"withdrawal_began_by_{on_20} == 0", cases)
    assert condition.test(cases.values(condition.column)).tolist() == [True, False, False, True]
    with pytest.raises(InputError, match="outside the run"):
        sd.parse_condition("withdrawal_began_by_2030-01-01 == 0", cases)
    with pytest.raises(InputError, match="expected withdrawal_began_by_YYYY-MM-DD"):
        sd.parse_condition("withdrawal_began_by_soon == 0", cases)


def test_day_below_counts_runs_that_never_cross_at_the_horizon():
    cases = cases_of({"day_below_250": [np.nan, 12], "day_below_687.5": [5, np.nan]})
    assert cases.values("day_below_250").tolist() == [HORIZON, 12]
    assert cases.values("day_below_250.0").tolist() == [HORIZON, 12]
    assert cases.values("day_below_687.5").tolist() == [5, HORIZON]
    with pytest.raises(InputError, match="did you mean day_below_250"):
        sd.parse_condition("day_below_251 > 3", cases)


def test_conditions_in_words():
    words = {
        "area_km2_on_2024-10-01 > 300": "Blue holds more than 300 km² on 1 Oct 2024",
        "withdrawal_began_by_2024-10-01 == 0": "Blue's withdrawal has not begun by 1 Oct 2024",
        "withdrawal_began_by_end >= 1": "Blue's withdrawal has begun by 1 Nov 2024",
        "day_below_250 > 40": "the held area falls below 250 km² after day 40 (11 Oct 2024) or never",
    }
    for text, said in words.items():
        column, op, value = text.split()
        assert sd.describe_condition(sd.Condition(column, op, float(value)), SCENARIO) == said


def test_input_names_are_the_shortest_unambiguous_tails_with_the_side():
    paths = [
        "sides.red.attack.advance_km",
        "sides.red.contingents.regulars.replacements_per_day",
        "sides.blue.contingents.brigades.replacements_per_day",
        "sides.blue.contingents.brigades.echelons.1.jitter_days",
        "sides.red.contingents.regulars.echelons.1.jitter_days",
        "engagement.kill_rate",
    ]
    assert list(reader_names(paths).values()) == [
        "red.advance_km",
        "red.replacements_per_day",
        "blue.replacements_per_day",
        "blue.jitter_days",
        "red.jitter_days",
        "kill_rate",
    ]
    # Judged against every field of the scenario: red has one contingent with replacements_per_day, but
    # a jitter in each of its echelons, so the echelon is named.
    assert input_names(SCENARIO, [paths[4]]) == {paths[4]: "red.regulars.echelons.1.jitter_days"}
    assert input_names(SCENARIO, paths[:2]) == dict(
        zip(paths[:2], ["red.advance_km", "red.replacements_per_day"], strict=True)
    )


# --- PRIM and feature scores where the answer is known -------------------------------------------


@pytest.fixture(scope="module")
def known_box(tmp_path_factory):
    """A sweep of 2,000 points, one replication each: the area is held when x1 < 0.3 and x2 > 0.6."""
    rng = np.random.default_rng(7)
    x = {name: rng.uniform(size=2000) for name in ("x1", "x2", "x3")}
    held = (x["x1"] < 0.3) & (x["x2"] > 0.6)
    area = np.where(held, 400.0, 50.0) + rng.normal(0, 5, size=2000)
    outcomes = {"final_area_km2": area, "casualties_blue": 1000 * x["x3"] + rng.normal(0, 10, size=2000)}
    return fake_folder(tmp_path_factory.mktemp("discover") / "sweep", x, outcomes, sweep=True)


def test_prim_recovers_the_box_that_made_the_outcome(known_box):
    cases = sd.read_cases(known_box)
    assert cases.kind == "sweep" and cases.varied == ["x1", "x2", "x3"] and cases.count == 2000
    condition = sd.parse_condition("final_area_km2 > 200", cases)
    y = condition.test(cases.values(condition.column))
    found = sd.run_prim(cases.inputs, y, condition, threshold=0.9)
    limits = {limit.name: limit for limit in found.box.limits}
    assert set(limits) >= {"x1", "x2"}
    assert limits["x1"].qp_low is None and abs(limits["x1"].high - 0.3) < 0.03
    assert limits["x2"].qp_high is None and abs(limits["x2"].low - 0.6) < 0.03
    assert limits["x1"].qp_high < 1e-6 and limits["x2"].qp_low < 1e-6
    assert "x3" not in limits or limits["x3"].cut < 0.1
    assert found.box.density >= 0.9 and found.box.coverage >= 0.85
    sentence = sd.box_sentence(found, cases.scenario, input_names(cases.scenario, list(cases.inputs)))
    assert "when x1 at most 0." in sentence and "x2 at least 0." in sentence and "(density)" in sentence


def test_the_box_can_be_chosen_and_a_missing_box_is_one_line(known_box):
    cases = sd.read_cases(known_box)
    condition = sd.parse_condition("final_area_km2 > 200", cases)
    y = condition.test(cases.values(condition.column))
    first = sd.run_prim(cases.inputs, y, condition, box=0)
    assert first.box.index == 0 and first.box.limits == () and first.box.coverage == 1
    with pytest.raises(InputError, match="the trajectory has boxes 0 to"):
        sd.run_prim(cases.inputs, y, condition, box=10_000)
    never = sd.parse_condition("final_area_km2 > 5000", cases)
    with pytest.raises(InputError, match="holds in none of the 2,000 runs"):
        sd.run_prim(cases.inputs, never.test(cases.values(never.column)), never)


def test_feature_scores_find_the_inputs_that_matter_and_repeat(known_box):
    cases = sd.read_cases(known_box)
    outcomes = sd.scored_outcomes(cases)
    assert list(outcomes) == ["final_area_km2", "casualties_blue"]
    scores = sd.feature_scores(cases.inputs, outcomes, seed=3)
    area, casualties = scores[:, 0], scores[:, 1]
    assert area[0] > area[2] and area[1] > area[2]
    assert casualties[2] > 0.8
    assert np.allclose(scores.sum(axis=0), 1)
    assert np.array_equal(scores, sd.feature_scores(cases.inputs, outcomes, seed=3))


def test_a_run_folder_uses_its_sampled_inputs_and_one_without_any_is_refused(tmp_path):
    rng = np.random.default_rng(1)
    path = "sides.blue.logistics.capacity"
    sampled = {path: rng.uniform(3500, 5000, size=200)}
    area = {"final_area_km2": np.where(sampled[path] > 4500, 300.0, 10.0)}
    run = fake_folder(tmp_path / "run", sampled, area, sweep=False)
    cases = sd.read_cases(run)
    assert cases.kind == "run" and cases.sampled == [path]
    fixed = fake_folder(tmp_path / "fixed", {path: np.full(200, 4000.0)}, area, sweep=False)
    with pytest.raises(InputError, match="has no varied or sampled inputs"):
        sd.read_cases(fixed)


# --- the command --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("discover") / "lhs"
    run_sim(
        "sweep",
        SMALL,
        "--vary",
        "sides.red.attack.advance_km=0.3:1.5",
        "--vary",
        "sides.blue.contingents.brigades.replacements_per_day=0:60",
        "--design",
        "lhs",
        "--samples",
        "24",
        "-n",
        "4",
        "--executor",
        "serial",
        "--out",
        out,
        "-q",
        "--no-plots",
    )
    return out


@pytest.mark.slow
def test_discover_on_a_sweep_prints_a_box_and_writes_its_files(small_sweep, tmp_path, capsys):
    from sim.cli import main

    condition = ["--condition", "area_km2_on_2024-10-15 > 300", "--min-density", "0.7"]
    main(["discover", str(small_sweep), *condition])
    printed = capsys.readouterr().out
    out = small_sweep / "discovery"
    for name in (
        "prim_trajectory.csv",
        "box.json",
        "feature_scores.csv",
        "discovery_tradeoff.png",
        "discovery_box.png",
        "feature_scores.png",
    ):
        assert (out / name).stat().st_size > 0, name
    box = json.loads((out / "box.json").read_text())
    assert box["package_version"] == sim.__version__  # every folder says which version wrote it
    assert box["condition"] == "area_km2_on_2024-10-15 > 300" and box["runs"] == 96
    assert box["limits"] and 0 < box["coverage"] <= 1 and 0 < box["density"] <= 1
    assert {"input", "lower", "upper", "quasi_p_lower", "quasi_p_upper"} <= set(box["limits"][0])
    assert "PRIM trajectory" in printed and f"box {box['box']}: coverage" in printed
    assert "Blue holds more than 300 km² on 15 Oct 2024 in" in printed
    assert "advance_km" in printed and "feature scores (extra trees" in printed
    header = (out / "feature_scores.csv").read_text().splitlines()[0].split(",")
    assert header[:2] == ["input", "area_km2_on_2024-10-15 > 300"] and "withdrawal_began_by_end" in header
    # Same folder, same condition: the same box and scores.
    again = tmp_path / "again"
    main(["discover", str(small_sweep), *condition, "--out", str(again), "--no-plots", "-q"])
    assert json.loads((again / "box.json").read_text()) == box
    assert (again / "feature_scores.csv").read_bytes() == (out / "feature_scores.csv").read_bytes()
    assert not (again / "discovery_box.png").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--condition", "final_area_km2 >> 3"], "is not a condition"),
        (["--condition", "area_km2_on_2024-10-16 > 3"], "did you mean area_km2_on_2024-10-15"),
        (["--condition", "final_area_km2 >= 0"], "holds in all of the 96 runs"),
        (["--condition", "final_area_km2 > 1", "--box", "999"], "the trajectory has boxes 0 to"),
        # Renamed so that each option name means one thing in every command.
        (["--outcome", "final_area_km2 > 3"], "--outcome is now --condition"),
        (["--condition", "final_area_km2 > 3", "--threshold", "0.7"], "--threshold is now --min-density"),
    ],
)
def test_bad_input_is_one_line_exit_2(small_sweep, tmp_path, args, message, capsys):
    from sim.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["discover", str(small_sweep), "--out", str(tmp_path / "out"), *args])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_a_missing_folder_is_one_line(tmp_path, capsys):
    from sim.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["discover", str(tmp_path / "nowhere"), "--condition", "final_area_km2 > 3"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err == f"error: {tmp_path / 'nowhere'}: no such folder\n"


def test_without_the_extra_the_command_names_it(small_sweep, monkeypatch, capsys):
    from sim.cli import main

    for name in ("ema_workbench", "ema_workbench.analysis"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(SystemExit) as exit_:
        main(["discover", str(small_sweep), "--condition", "final_area_km2 > 3"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err == (
        "error: sim discover needs the 'discover' extra: pip install 'conflict-sim[discover]'\n"
    )
