"""Robust courses of action (``sim robust``): the metrics against values computed by hand, common random
numbers across levers, the study file's errors, resume and executors, the tables and the schema.

The simulated studies use the small test scenario (tests/scenarios/studies/small_study.yaml and smaller
variants written here), so no test depends on the Kursk model's numbers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import SMALL, sim_in_process
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.analysis.robust_intervals import assess
from sim.analysis.robustness import Goal, Measure, Metric, metric_values, parse_metric, regret
from sim.experiments.study import load_study

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
STUDY = TESTS / "scenarios" / "studies" / "small_study.yaml"
KURSK_STUDY = REPO / "scenarios" / "studies" / "kursk_courses_of_action.yaml"
STUDY_SCHEMA = REPO / "scenarios" / "studies" / "study.schema.json"
RESULTS = ("experiments", "study_outcomes", "per_future", "robustness", "pairs", "ranking")
"""The tables finishing a study writes (with failures.json and study.json)."""
BATCH = ("outcomes", "futures", "points")


# ---------------------------------------------------------------------------- metrics by hand
# Three levers, four futures, two replications. Outcome "held" (higher is better) and "lost" (lower).
HELD = np.array(
    [
        [[10, 20], [30, 30], [0, 10], [40, 60]],  # a: future means 15, 30, 5, 50
        [[20, 20], [10, 30], [10, 10], [30, 50]],  # b: 20, 20, 10, 40
        [[5, 5], [40, 40], [0, 0], [50, 50]],  # c: 5, 40, 0, 50
    ],
    dtype=float,
)
LOST = np.array(
    [
        [[90, 110], [200, 200], [50, 50], [80, 100]],  # a: 100, 200, 50, 90
        [[100, 100], [90, 90], [120, 100], [60, 60]],  # b: 100, 90, 110, 60
        [[70, 70], [70, 70], [70, 70], [70, 70]],  # c: 70 everywhere
    ],
    dtype=float,
)
MEASURES = [Measure("held", "area_km2_on_2024-10-15", "higher"), Measure("lost", "casualties_blue", "lower")]
GOALS = [Goal("hold", "held", ">=", 20.0, 0.5), Goal("few", "lost", "<=", 100.0)]


def test_metrics_match_values_computed_by_hand() -> None:
    """Means, percentiles (linear between futures), regret against the best lever, satisficing."""
    found = metric_values({"held": HELD, "lost": LOST}, MEASURES, GOALS)

    def of(key: str, outcome: str | None = None, goal: str | None = None) -> list[float]:
        return [float(v) for v in found[Metric(key, outcome, goal)]]

    assert of("mean", "held") == pytest.approx([25.0, 22.5, 23.75])
    # Sorted future means a: 5, 15, 30, 50: p10 at position 0.3 = 5 + 0.3 x 10; p90 at 2.7 = 30 + 0.7 x 20.
    assert of("p10", "held") == pytest.approx([8.0, 13.0, 1.5])
    assert of("p90", "held") == pytest.approx([44.0, 34.0, 47.0])
    # Best per future: 20 (b), 40 (c), 10 (b), 50 (a and c). Regret a: 5, 10, 5, 0; b: 0, 20, 0, 10;
    # c: 15, 0, 10, 0.
    assert of("mean_regret", "held") == pytest.approx([5.0, 7.5, 6.25])
    assert of("max_regret", "held") == pytest.approx([10.0, 20.0, 15.0])
    assert of("p90_regret", "held") == pytest.approx([8.5, 17.0, 13.5])
    # Lower is better: best 70, 70, 50, 60. Regret a: 30, 130, 0, 30; b: 30, 20, 60, 0; c: 0, 0, 20, 10.
    assert of("mean_regret", "lost") == pytest.approx([47.5, 27.5, 7.5])
    assert of("max_regret", "lost") == pytest.approx([130.0, 60.0, 20.0])
    # hold (at least 20 in half the replications): a in f0, f1, f3; b in f0, f1, f3; c in f1, f3.
    assert of("goal", goal="hold") == pytest.approx([0.75, 0.75, 0.5])
    # few (mean at most 100): a in f0, f2, f3; b in f0, f1, f3; c everywhere.
    assert of("goal", goal="few") == pytest.approx([0.75, 0.75, 1.0])
    # Both: a in f0, f3; b in f0, f1, f3; c in f1, f3.
    assert of("satisficing") == pytest.approx([0.5, 0.75, 0.5])


def test_regret_is_zero_for_the_best_and_never_negative() -> None:
    means = HELD.mean(axis=-1)
    lost = regret(means, "higher")
    assert (lost >= 0).all()
    assert (lost.min(axis=0) == 0).all()
    assert (regret(-means, "lower") == lost).all()


def test_a_lever_compared_with_itself_has_regret_exactly_zero() -> None:
    """Two copies of the best lever: their regret is exactly 0 in every future, their difference 0 with
    an interval of exactly [0, 0], and they are not distinguishable on any metric."""
    best = HELD.max(axis=0, keepdims=True) + 1.0
    values = np.concatenate([best, best, HELD])
    assessment = assess({"held": values}, ["best", "copy", "a", "b", "c"], MEASURES[:1])
    for key in ("mean_regret", "p90_regret", "max_regret"):
        assert list(assessment.values[Metric(key, "held")][:2]) == [0.0, 0.0]
        assert list(assessment.low[Metric(key, "held")][:2]) == [0.0, 0.0]
        assert list(assessment.high[Metric(key, "held")][:2]) == [0.0, 0.0]
    same = assessment.pairs[(assessment.pairs["lever"] == "best") & (assessment.pairs["other"] == "copy")]
    assert len(same) == len(assessment.metrics)
    assert (same["difference"] == 0).all() and (same["low"] == 0).all() and (same["high"] == 0).all()
    assert same["within_noise"].all()


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    arrays(np.float64, (3, 5, 4), elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)),
    st.sampled_from(["higher", "lower"]),
)
def test_regret_invariants(values: np.ndarray, better: str) -> None:
    """Regret is >= 0, exactly 0 for some lever in each future, and a duplicated lever's regret is its own."""
    doubled = np.concatenate([values, values[:1]])
    lost = regret(doubled.mean(axis=-1), better)  # type: ignore[arg-type]
    assert (lost >= 0).all()
    assert (lost.min(axis=0) == 0).all()
    assert (lost[0] == lost[-1]).all()


def test_intervals_repeat_exactly_and_hold_the_mean() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(100, 10, size=(3, 6, 20)) + np.arange(3)[:, None, None] * 5
    first = assess({"held": values}, ["a", "b", "c"], MEASURES[:1])
    again = assess({"held": values}, ["a", "b", "c"], MEASURES[:1])
    pd.testing.assert_frame_equal(first.table(MEASURES[:1]), again.table(MEASURES[:1]))
    pd.testing.assert_frame_equal(first.pairs, again.pairs)
    mean = Metric("mean", "held")
    assert (first.low[mean] < first.values[mean]).all() and (first.values[mean] < first.high[mean]).all()
    # The mean's differences are sim compare's paired t-intervals.
    means = first.pairs[first.pairs["metric"] == "mean"]
    assert means["method"].str.contains("paired t").all()
    # Lever c is 10 above a in every replication: distinguishable on its mean.
    row = means[(means["lever"] == "a") & (means["other"] == "c")].iloc[0]
    assert row["high"] < 0 and not row["within_noise"]


def test_metrics_are_parsed_and_refused_in_words() -> None:
    assert parse_metric("satisficing", ["held"], ["hold"]) == Metric("satisficing")
    assert parse_metric("max_regret:held", ["held"], []) == Metric("max_regret", "held")
    with pytest.raises(ValueError, match="satisficing needs goals"):
        parse_metric("satisficing", ["held"], [])
    with pytest.raises(ValueError, match="is not a metric"):
        parse_metric("max_regret:nope", ["held"], [])


# ---------------------------------------------------------------------------- simulated studies
def _study(path: Path, **changes: Any) -> Path:
    """Write a variant of the small study (relative paths made absolute) and return it."""
    document = yaml.safe_load(STUDY.read_text(encoding="utf-8"))
    document["scenario"] = str(SMALL)
    document["levers"]["no_strikes"]["scenario"] = str(STUDY.parent / "small_no_strikes.yaml")
    document.update(changes)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def _ok(capsys: pytest.CaptureFixture[str], *args: str | Path) -> str:
    result = sim_in_process(capsys, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small study, run once in this process (serial), shared read-only."""
    from sim import api

    out = tmp_path_factory.mktemp("study") / "study"
    api.robust(STUDY, out=out, executor="serial", chunk=2, plots=False)
    return out


def _bytes(folder: Path) -> dict[str, bytes]:
    names = [f"{name}.parquet" for name in (*BATCH, *RESULTS)] + ["failures.json", "study.json"]
    return {name: (folder / name).read_bytes() for name in names}


def test_study_tables_are_ema_style_and_agree(study: Path) -> None:
    """One row per lever, future and replication in experiments and outcomes, inputs and outcomes apart."""
    experiments = pd.read_parquet(study / "experiments.parquet")
    outcomes = pd.read_parquet(study / "study_outcomes.parquet")
    assert len(experiments) == len(outcomes) == 3 * 8 * 4
    keys = ["lever", "future", "replication"]
    pd.testing.assert_frame_equal(experiments[keys], outcomes[keys])
    assert list(outcomes.columns) == [*keys, "held_mid_oct", "blue_casualties", "held_at_end", "withdrawn"]
    assert "sides.red.attack.advance_km" in experiments.columns
    assert (
        "final_area_km2" not in experiments.columns and "sides.red.attack.advance_km" not in outcomes.columns
    )
    # Each future's value is the mean of its replications; regret is measured against the best lever.
    per_future = pd.read_parquet(study / "per_future.parquet")
    means = outcomes.groupby(["lever", "future"], sort=False)["held_mid_oct"].mean().to_numpy()
    assert per_future["held_mid_oct"].to_numpy() == pytest.approx(means)
    best = per_future.groupby("future")["held_mid_oct"].transform("max")
    assert per_future["held_mid_oct_regret"].to_numpy() == pytest.approx(
        (best - per_future["held_mid_oct"]).to_numpy()
    )


def test_common_random_numbers_across_levers(study: Path) -> None:
    """Replication r of future f drew the same inputs whatever the lever: the sampled columns agree; each
    future has replications of its own."""
    experiments = pd.read_parquet(study / "experiments.parquet")
    sampled = [
        c for c in experiments.columns if c.startswith("sides.") and c != "sides.blue.logistics.capacity"
    ]
    by_lever = {
        lever: frame.reset_index(drop=True) for lever, frame in experiments.groupby("lever", sort=False)
    }
    first = by_lever["no_change"]
    for lever, frame in by_lever.items():
        pd.testing.assert_frame_equal(frame[sampled], first[sampled], obj=lever)
    # Each future has replications of its own: replication 0 drew other inputs in future 1 than in 0.
    draws = first.set_index(["future", "replication"])[sampled]
    assert not np.array_equal(draws.loc[0].to_numpy(), draws.loc[1].to_numpy())
    # The levers see the same futures, and every future its own values of the uncertainties.
    futures = pd.read_parquet(study / "futures.parquet")
    assert len(futures) == 8 and futures["sides.red.attack.advance_km"].between(0.5, 1.5).all()


def test_identical_levers_give_identical_runs_and_zero_regret(capsys, tmp_path: Path) -> None:
    """A lever and a copy of it, in the same study: the same runs, and exactly 0 regret between them."""
    levers = {
        "a": {},
        "copy": {},
        "worse": {"set": {"sides.blue.contingents.brigades.replacements_per_day": 0}},
    }
    path = _study(tmp_path / "twins.yaml", levers=levers, futures=4, replications=3)
    _ok(capsys, "robust", path, "--out", tmp_path / "out", "--executor", "serial", "--no-plots", "-q")
    outcomes = pd.read_parquet(tmp_path / "out" / "study_outcomes.parquet")
    a, copy = (
        outcomes[outcomes["lever"] == name].drop(columns="lever").reset_index(drop=True)
        for name in ("a", "copy")
    )
    pd.testing.assert_frame_equal(a, copy)
    per_future = pd.read_parquet(tmp_path / "out" / "per_future.parquet")
    twins = per_future[per_future["lever"].isin(["a", "copy"])]
    for measure in ("held_mid_oct", "held_at_end"):
        pair = twins.pivot(index="future", columns="lever", values=f"{measure}_regret")
        assert (pair["a"] == pair["copy"]).all()
    pairs = pd.read_parquet(tmp_path / "out" / "pairs.parquet")
    same = pairs[(pairs["lever"] == "a") & (pairs["other"] == "copy")]
    assert (same["difference"] == 0).all() and same["within_noise"].all()


def test_the_command_prints_the_answer_and_writes_the_folder(study: Path) -> None:
    summary = json.loads((study / "study.json").read_text(encoding="utf-8"))
    assert summary["kind"] == "study" and summary["runs"] == 96 and summary["ranked_by"] == "satisficing"
    assert summary["answer"].startswith("By the share of futures meeting every goal")
    assert [lever["name"] for lever in summary["levers"]] == ["no_change", "more_replacements", "no_strikes"]
    assert summary["levers"][2]["changes"] == ["sides.blue.strikes"]
    failures = json.loads((study / "failures.json").read_text(encoding="utf-8"))
    assert [f["lever"] for f in failures] == ["no_change", "more_replacements", "no_strikes"]
    ranking = pd.read_parquet(study / "ranking.parquet")
    first = ranking[ranking["metric"] == "satisficing"].iloc[0]
    assert first["best"] and first["position"] == 1


# ---------------------------------------------------------------------------- resume and executors
def test_ctrl_c_then_resume_gives_identical_bytes(capsys, monkeypatch, tmp_path: Path, study: Path) -> None:
    """Interrupted after two chunks (exit 130, the resume command), then resumed: the same bytes as a study
    that ran through (chunks of another size)."""
    from sim.results.store import RunStore

    original = RunStore.write_chunk
    written: list[int] = []

    def interrupting(self: RunStore, *args: Any, **kwargs: Any) -> Any:
        if len(written) == 2:
            raise KeyboardInterrupt
        written.append(1)
        return original(self, *args, **kwargs)

    out = tmp_path / "interrupted"
    monkeypatch.setattr(RunStore, "write_chunk", interrupting)
    result = sim_in_process(
        capsys, "robust", STUDY, "--out", out, "--executor", "serial", "--chunk", "3", "-q"
    )
    monkeypatch.setattr(RunStore, "write_chunk", original)
    assert result.returncode == 130, result
    assert f"sim robust --resume {out}" in result.stderr
    assert not (out / "study.json").exists()
    _ok(capsys, "robust", "--resume", out, "--executor", "serial", "--no-plots", "-q")
    assert _bytes(out) == _bytes(study)
    again = sim_in_process(capsys, "robust", "--resume", out)
    assert again.returncode == 2 and "already complete" in again.stderr


def test_a_process_pool_gives_the_same_bytes(capsys, tmp_path: Path, study: Path) -> None:
    out = tmp_path / "pool"
    _ok(capsys, "robust", STUDY, "--out", out, "--executor", "process", "--workers", "2", "--no-plots", "-q")
    assert _bytes(out) == _bytes(study)


@pytest.mark.skipif(
    __import__("importlib").util.find_spec("distributed") is None, reason="needs the distributed extra"
)
@pytest.mark.slow
def test_a_dask_cluster_gives_the_same_bytes(capsys, tmp_path: Path, study: Path) -> None:
    out = tmp_path / "dask"
    _ok(
        capsys,
        "robust",
        STUDY,
        "--out",
        out,
        "--executor",
        "dask",
        "--workers",
        "2",
        "--chunk",
        "4",
        "--no-plots",
        "-q",
    )
    assert _bytes(out) == _bytes(study)


# ---------------------------------------------------------------------------- a wrong study file
def _numbered(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize(
    "edit,needle,field,message",
    [
        (lambda d: d.update(replicatons=5), "replicatons", "replicatons", "did you mean 'replications'"),
        (lambda d: d["levers"]["no_change"].update(sett={}), "sett", "levers.no_change.sett", "unknown key"),
        (
            lambda d: d["goals"]["hold_250"].update(outcome="held"),
            "outcome: held",
            "goals.hold_250.outcome",
            "no outcome 'held'",
        ),
        (
            lambda d: d["outcomes"]["held_at_end"].update(column="area_km2_on_2024-10-16"),
            "2024-10-16",
            "outcomes.held_at_end.column",
            "did you mean",
        ),
        (
            lambda d: d["uncertainties"].update({"sides.red.attack.advance_kmm": {"low": 1, "high": 2}}),
            "advance_kmm",
            "uncertainties.sides.red.attack.advance_kmm",
            "unknown key",
        ),
        (
            lambda d: d["uncertainties"].update({"sides.red.attack.advance_km": {"low": -1, "high": 2}}),
            "advance_km:",
            "uncertainties.sides.red.attack.advance_km",
            "must be >= 0",
        ),
        (
            lambda d: d["uncertainties"].update({"sides.red.attack.advance_km": {"low": 2, "high": 1}}),
            "advance_km:",
            "uncertainties.sides.red.attack.advance_km",
            "low < high",
        ),
        (
            lambda d: d["uncertainties"].update({"engagement.kill_rate": {"dist": "fixed", "value": 0.1}}),
            "kill_rate",
            "uncertainties.engagement.kill_rate",
            "not uncertain",
        ),
        (
            lambda d: d["levers"]["more_replacements"]["set"].update(
                {"sides.blue.contingents.brigades.replacements_per_day": -4}
            ),
            "replacements_per_day: -4",
            "sides.blue.contingents.brigades.replacements_per_day",
            "must be >= 0",
        ),
        (
            lambda d: d["levers"]["more_replacements"]["set"].update({"sides.red.attack.advance_km": 1}),
            "advance_km: 1",
            "levers.more_replacements.set.sides.red.attack.advance_km",
            "is an uncertainty",
        ),
        (lambda d: d.update(design="sobol", futures=10), "futures: 10", "futures", "power of 2"),
        (
            lambda d: d.update(replications=100_000, futures=4096),
            "replications: 100000",
            "replications",
            "more than",
        ),
        (lambda d: d.update(rank_by="max_regret:nope"), "rank_by", "rank_by", "is not a metric"),
        (
            lambda d: d["levers"]["no_strikes"].update(scenario="missing.yaml"),
            "missing.yaml",
            "levers.no_strikes.scenario",
            "no such scenario file",
        ),
    ],
    ids=[
        "typo",
        "lever-key",
        "goal-outcome",
        "outcome-column",
        "uncertainty-path",
        "uncertainty-bound",
        "uncertainty-range",
        "fixed-uncertainty",
        "lever-value",
        "lever-sets-uncertainty",
        "sobol-futures",
        "too-many",
        "rank-by",
        "lever-file",
    ],
)
def test_a_wrong_study_file_is_one_line_naming_file_line_and_field(
    capsys, tmp_path: Path, edit: Any, needle: str | None, field: str | None, message: str
) -> None:
    document = yaml.safe_load(_study(tmp_path / "base.yaml").read_text(encoding="utf-8"))
    edit(document)
    path = tmp_path / "wrong.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    result = sim_in_process(capsys, "robust", path, "--out", out, "--executor", "serial", "-q")
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.stderr, lines
    assert message in lines[0]
    if needle is not None:
        line = _numbered(path.read_text(encoding="utf-8"), needle)
        assert f"{path}:{line}: {field}: " in lines[0], lines[0]
    assert not out.exists(), "nothing is written for a wrong study"


def test_a_wrong_command_line_is_one_line(capsys, tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text("# nothing yet\n", encoding="utf-8")
    (tmp_path / "list.yaml").write_text("- a\n- b\n", encoding="utf-8")
    for args, message in (
        (("robust",), "missing STUDY"),
        (("robust", tmp_path / "nope.yaml"), "nope.yaml: no such study file"),
        (("robust", tmp_path / "empty.yaml"), "empty.yaml: the study file is empty"),
        (("robust", tmp_path / "list.yaml"), "list.yaml:1: a study file must be a mapping"),
        (("robust", tmp_path), "is a folder, not a study file"),
        (("robust", STUDY.parent.parent / "small.yaml"), "is a scenario file, not a study file"),
        (("robust", STUDY, "--futures", "1"), "1 is not in the range"),
        (("robust", "--resume", tmp_path), "no manifest.json"),
        (("robust", STUDY, "--resume", tmp_path), "--resume takes everything"),
        (("robust", STUDY, "--daily", "full"), "'full' is not one of"),
    ):
        result = sim_in_process(capsys, *args)
        assert result.returncode == 2, (args, result)
        assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr, (
            args,
            result.stderr,
        )


def test_robust_help() -> None:
    from click.testing import CliRunner

    from sim.cli import cli

    text = CliRunner().invoke(cli, ["robust", "--help"]).output
    for option in ("--replications", "--futures", "--seed", "--out", "--executor", "--resume", "--daily"):
        assert option in text


# ---------------------------------------------------------------------------- schema and shipped studies
def test_the_shipped_study_schema_is_what_sim_schema_writes_now() -> None:
    from sim.experiments.study_schema import schema_text

    assert STUDY_SCHEMA.read_text(encoding="utf-8") == schema_text(), (
        "scenarios/studies/study.schema.json is stale: run  sim schema --study  and commit the file"
    )


@pytest.mark.parametrize("path", [KURSK_STUDY, STUDY], ids=["kursk", "small"])
def test_shipped_studies_validate_against_the_schema_and_load(path: Path) -> None:
    schema = json.loads(STUDY_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    errors = [error.message for error in jsonschema.Draft7Validator(schema).iter_errors(document)]
    assert errors == []
    study = load_study(path)
    assert len(study.futures) == study.spec.futures and study.futures.shape[1] == len(
        study.spec.uncertainties
    )
    for j, dist in enumerate(study.spec.uncertainties.values()):
        low, high = dist.support()
        assert ((study.futures[:, j] >= low) & (study.futures[:, j] <= high)).all()


def test_the_schema_refuses_what_the_loader_refuses() -> None:
    validator = jsonschema.Draft7Validator(json.loads(STUDY_SCHEMA.read_text(encoding="utf-8")))
    document = yaml.safe_load(STUDY.read_text(encoding="utf-8"))
    document["levers"]["no_change"]["sett"] = {}
    assert list(validator.iter_errors(document))


def test_the_futures_are_a_latin_hypercube_repeatable_by_seed() -> None:
    study = load_study(STUDY)
    again = load_study(STUDY)
    assert np.array_equal(study.futures, again.futures)
    other = load_study(STUDY, {"seed": 2})
    assert not np.array_equal(study.futures, other.futures)
    # One future in each eighth of the advance's range (a Latin hypercube's strata).
    strata = np.floor((study.futures[:, 0] - 0.5) / 1.0 * 8).astype(int)
    assert sorted(strata) == list(range(8))


def test_futures_and_points_tables(study: Path) -> None:
    points = pq.read_table(study / "points.parquet").to_pandas()
    assert list(points["lever"].unique()) == ["no_change", "more_replacements", "no_strikes"]
    assert len(points) == 24 and list(points["point"]) == list(range(24))


def test_shipped_studies_name_their_schema_on_the_first_line() -> None:
    from sim.scenario.json_schema import MODELINE

    first = KURSK_STUDY.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(MODELINE)
    assert (KURSK_STUDY.parent / first.removeprefix(MODELINE)).resolve() == STUDY_SCHEMA


def test_plot_discover_and_open_read_a_study_folder(capsys, study: Path, tmp_path: Path) -> None:
    from sim import api

    printed = _ok(capsys, "plot", study)
    assert [Path(line).name for line in printed.split()] == [
        "robust_regret.png", "robust_tradeoff.png", "robust_satisficing.png", "robust_failures.png",
    ]  # fmt: skip
    result = sim_in_process(capsys, "plot", study, "--at", "2024-10-01")
    assert result.returncode == 2 and "apply to run folders, not to a study" in result.stderr
    condition = "final_area_km2 > 150"
    out = tmp_path / "discovery"
    found = _ok(
        capsys, "discover", study, "--condition", condition, "--no-scores", "--no-plots", "-q", "--out", out
    )
    assert "(study, 24 points, 2 varied" in found
    opened = api.open_study(study)
    assert opened.answer == json.loads((study / "study.json").read_text(encoding="utf-8"))["answer"]
    assert len(opened.per_future) == 24 and set(opened.ranking["metric"]) >= {"satisficing", "max_regret"}
    text = _ok(capsys, "schema", "--study", "--out", "-")
    assert json.loads(text)["title"] == "conflict-sim study"


def test_without_the_discover_extra_the_study_is_finished_with_a_note(
    monkeypatch: pytest.MonkeyPatch, study: Path, tmp_path: Path
) -> None:
    import importlib.util
    import shutil

    from sim.experiments.robust_finish import finish_study

    copy = tmp_path / "study"
    shutil.copytree(study, copy)
    (copy / "study.json").unlink()
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "ema_workbench" else real(name, *a)
    )
    result = finish_study(copy)
    assert result.failures is None
    assert json.loads((copy / "failures.json").read_text(encoding="utf-8")) is None
    assert any("pip install 'conflict-sim[discover]'" in note for note in result.notes)
    summary = json.loads((copy / "study.json").read_text(encoding="utf-8"))
    assert summary["failures"] is None and summary["answer"]
