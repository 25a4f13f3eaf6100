"""sim calibrate: ABC-SMC outputs, the calibrated scenario, recovery of a known parameter, errors."""

from __future__ import annotations

import json
import math
import pickle
import sqlite3
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import SMALL, run_sim

import sim
from sim.errors import InputError
from sim.experiments.calibration import abc as cal_abc
from sim.experiments.calibration import posterior as cal_posterior
from sim.experiments.calibration import problem as cal_problem
from sim.model.replication import Replication
from sim.scenario import load_scenario
from sim.scenario.distributions import Empirical
from sim.scenario.loader import load_raw, validate

ADVANCE = "sides.red.attack.advance_km"
REPLACEMENTS = "sides.blue.contingents.brigades.replacements_per_day"


def _write(path: Path, document: dict) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def _calibrated_small(folder: Path, **block: object) -> Path:
    """A scenario that extends the small test scenario with a calibrate block."""
    settings = {
        "parameters": {
            ADVANCE: {"dist": "uniform", "low": 0.4, "high": 2.0},
            REPLACEMENTS: {"dist": "uniform", "low": 0, "high": 60},
        },
        "population": 30,
        "generations": 5,
        "replications": 1,
    }
    settings.update(block)
    return _write(folder / "small_yaml", {"extends": str(SMALL), "calibrate": settings})


# ------------------------------------------------------------------------------ the whole command
@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny serial calibration through the real command (population 20, 2 generations)."""
    folder = tmp_path_factory.mktemp("calibrate")
    scenario = _calibrated_small(folder)
    out = folder / "out"
    run_sim(
        "calibrate",
        scenario,
        "--out",
        out,
        "--executor",
        "serial",
        "--population",
        "20",
        "--generations",
        "2",
        "--seed",
        "3",
        "-q",
    )
    return out


@pytest.mark.slow
def test_tiny_calibration_writes_every_output(tiny: Path) -> None:
    for name in ("posterior.parquet", "abc.db", "diagnostics.json", "diagnostics.csv"):
        assert (tiny / name).is_file(), name
    for name in ("calibration_marginals.png", "calibration_pairs.png", "calibration_generations.png"):
        assert (tiny / "plots" / name).stat().st_size > 10_000, name
    assert not list(tiny.glob(".*tmp*")), "temporary files left behind"

    posterior = pq.read_table(tiny / "posterior.parquet")
    assert posterior.column_names == [ADVANCE, REPLACEMENTS, "weight"]
    assert posterior.num_rows == 20  # --population overrides the block's 30
    weights = posterior["weight"].to_numpy()
    assert np.all(weights >= 0) and math.isclose(weights.sum(), 1.0)
    advance = posterior[ADVANCE].to_numpy()
    assert np.all((advance >= 0.4) & (advance <= 2.0))

    diagnostics = json.loads((tiny / "diagnostics.json").read_text())
    assert diagnostics["package_version"] == sim.__version__  # every folder says which version wrote it
    generations = diagnostics["generations"]
    assert [g["generation"] for g in generations] == [0, 1]  # --generations overrides the block's 5
    assert diagnostics["stop_reason"] == "generations"
    for g in generations:
        assert g["particles"] == 20 and g["samples"] >= 20
        assert math.isclose(g["acceptance_rate"], g["particles"] / g["samples"])
        assert 1.0 <= g["effective_sample_size"] <= 20.0 + 1e-9
        assert g["seconds"] > 0
    assert generations[1]["epsilon"] < generations[0]["epsilon"]
    lines = (tiny / "diagnostics.csv").read_text().splitlines()
    assert lines[0].split(",")[:7] == list(cal_posterior.DIAGNOSTIC_COLUMNS[:7])
    assert "effective_sample_size" in lines[0] and "acceptance_rate" in lines[0]
    assert len(lines) == 3

    with sqlite3.connect(tiny / "abc.db") as db:
        populations = db.execute("select t, nr_samples from populations order by t").fetchall()
    assert [t for t, _ in populations][-2:] == [0, 1]


@pytest.mark.slow
def test_calibrated_scenario_validates_and_runs(tiny: Path, tmp_path: Path) -> None:
    path = tiny / "small_test_calibrated.yaml"
    document = yaml.safe_load(path.read_text())
    assert document["extends"] == "../small_yaml"
    assert document["calibrate"] is None
    assert document["sides"]["red"]["attack"]["advance_km"] == {
        "dist": "empirical",
        "file": "posterior.parquet",
        "column": ADVANCE,
        "weights": "weight",
    }
    scenario = load_scenario(path)
    assert scenario.name == "small_test_calibrated" and scenario.calibrate is None
    assert isinstance(scenario.sides["red"].attack.advance_km, Empirical)

    out = tmp_path / "run"
    run_sim("run", path, "-n", "12", "--out", out, "-q", "--no-plots", "--executor", "serial")
    outcomes = pq.read_table(out / "outcomes.parquet")
    posterior = pq.read_table(tiny / "posterior.parquet")
    rows = set(zip(posterior[ADVANCE].to_pylist(), posterior[REPLACEMENTS].to_pylist(), strict=True))
    drawn = list(zip(outcomes[ADVANCE].to_pylist(), outcomes[REPLACEMENTS].to_pylist(), strict=True))
    # Both calibrated inputs come from one posterior row per replication (the joint posterior).
    assert all(pair in rows for pair in drawn)
    assert len(set(drawn)) > 1


# ------------------------------------------------------------------------------- parts by hand
def test_distance_on_hand_made_values() -> None:
    observed = {"obs0": 10.0, "obs1": 4.0}
    scales = {"obs0": 2.0, "obs1": 1.0}
    assert cal_problem.distance({"obs0": 12.0, "obs1": 1.0}, observed, scales) == pytest.approx(
        math.sqrt(1 + 9)
    )
    assert cal_problem.distance(observed, observed, scales) == 0.0
    assert cal_problem.distance({"obs0": 10.0}, observed, scales) == math.inf
    assert cal_problem.distance({"obs0": math.nan, "obs1": 4.0}, observed, scales) == math.inf
    assert cal_problem.ScaledDistance(scales)({"obs0": 8.0, "obs1": 4.0}, observed) == pytest.approx(1.0)


def test_scales_and_observed_values_come_from_the_observations(tmp_path: Path) -> None:
    scenario = _write(
        tmp_path / "two_obs.yaml",
        {
            "extends": str(SMALL),
            "observations": [
                {"date": "2024-10-15", "value": 300, "sd": 30},
                {
                    "date": "2024-10-01",
                    "metric": "strength",
                    "side": "red",
                    "value": 17000,
                    "low": 15000,
                    "high": 19000,
                },
            ],
            "calibrate": {"parameters": {ADVANCE: {"dist": "uniform", "low": 0.5, "high": 1.5}}},
        },
    )
    problem = cal_problem.load_problem(scenario)
    assert problem.observed == {"obs0": 300.0, "obs1": 17000.0}
    assert problem.scales == pytest.approx({"obs0": 30.0, "obs1": 4000 / (2 * 1.96)})
    assert str(problem.document["end"]) == "2024-10-15"  # simulated only up to the last observation


@pytest.mark.parametrize(
    "prior",
    [
        {"dist": "uniform", "low": 0.5, "high": 2.5},
        {"dist": "normal", "mean": 1.0, "sd": 0.3},
        {"dist": "normal", "mean": 1.0, "sd": 0.5, "low": 0.2, "high": 1.4},
        {"dist": "lognormal", "median": 1.2, "sigma": 0.4},
        {"dist": "triangular", "low": 0.3, "mode": 0.9, "high": 2.0},
        {"dist": "beta", "alpha": 2.0, "beta": 5.0, "low": 0.5, "high": 3.0},
    ],
)
def test_priors_map_to_the_same_distribution_in_pyabc(prior: dict) -> None:
    from pydantic import TypeAdapter

    from sim.scenario.distributions import Distribution

    dist = TypeAdapter(Distribution).validate_python(prior)
    rv = cal_problem.prior_rv("x", dist)
    for q in (0.01, 0.1, 0.37, 0.5, 0.8, 0.99):
        assert rv.ppf(q) == pytest.approx(dist.ppf(q), rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("prior", [{"dist": "fixed", "value": 1.0}, {"dist": "choice", "values": [1.0, 2.0]}])
def test_priors_without_a_density_are_refused(prior: dict) -> None:
    from pydantic import TypeAdapter

    from sim.scenario.distributions import Distribution

    with pytest.raises(InputError, match="a prior must be one of uniform, normal"):
        cal_problem.prior_rv("x", TypeAdapter(Distribution).validate_python(prior))


def test_model_is_deterministic_per_particle_and_picklable(tmp_path: Path) -> None:
    problem = cal_problem.load_problem(_calibrated_small(tmp_path))
    model = problem.model(seed=5, replications=2)
    first = model({ADVANCE: 1.1, REPLACEMENTS: 30.0})
    assert first == model({REPLACEMENTS: 30.0, ADVANCE: 1.1})
    assert first == pickle.loads(pickle.dumps(model))({ADVANCE: 1.1, REPLACEMENTS: 30.0})
    assert first != problem.model(seed=6, replications=2)({ADVANCE: 1.1, REPLACEMENTS: 30.0})
    assert first != model({ADVANCE: 1.1000001, REPLACEMENTS: 30.0})
    # The particle's values really reach the scenario, and the document is never changed.
    scenario = model.scenario_at([1.7, 12.0])
    assert scenario.sides["red"].attack.advance_km == 1.7
    assert scenario.sides["blue"].contingents["brigades"].replacements_per_day == 12.0
    assert problem.document["sides"]["red"]["attack"]["advance_km"]["dist"] == "lognormal"


def test_particle_seeds_differ_by_values_and_replication() -> None:
    a = cal_problem.particle_seed(0, [1.0, 2.0], 0)
    assert a.entropy == 0 and len(a.spawn_key) == 5 and a.spawn_key[-1] == 0
    assert a.spawn_key == cal_problem.particle_seed(0, [1.0, 2.0], 0).spawn_key
    assert a.spawn_key != cal_problem.particle_seed(0, [2.0, 1.0], 0).spawn_key
    assert a.spawn_key[:4] == cal_problem.particle_seed(0, [1.0, 2.0], 1).spawn_key[:4]


def test_model_is_causal_so_particles_can_stop_at_the_last_observation(tmp_path: Path) -> None:
    data, origins = load_raw(SMALL)
    full = validate(dict(data), origins, str(SMALL))
    short = validate({**data, "end": "2024-10-15"}, origins, str(SMALL))
    for i in range(5):
        seed = np.random.SeedSequence(11, spawn_key=(i,))
        long_run, short_run = Replication(full, seed).run(), Replication(short, seed).run()
        days = len(short_run.area_km2)
        assert np.array_equal(long_run.sector_area_km2[:days], short_run.sector_area_km2)
        assert np.array_equal(long_run.strength[:, :days], short_run.strength)
        assert np.array_equal(long_run.casualties[:, :days], short_run.casualties)


def test_calibrated_document_replaces_a_list_whole_with_its_item_changed(tmp_path: Path) -> None:
    raw, _ = load_raw(SMALL)
    path = "sides.blue.contingents.brigades.echelons.1.jitter_days"
    document = cal_posterior.calibrated_document(raw, "base.yaml", "post.parquet", [path, ADVANCE], "x")
    echelons = document["sides"]["blue"]["contingents"]["brigades"]["echelons"]
    assert echelons[0] == {"units": 4, "day": 0}
    assert echelons[1]["units"] == 1 and echelons[1]["jitter_days"]["column"] == path
    assert raw["sides"]["blue"]["contingents"]["brigades"]["echelons"][1]["jitter_days"]["dist"] == "uniform"
    assert document["sides"]["red"]["attack"]["advance_km"]["column"] == ADVANCE


@pytest.mark.slow
def test_serial_calibration_is_repeatable(tmp_path: Path) -> None:
    problem = cal_problem.load_problem(_calibrated_small(tmp_path))
    settings = cal_problem.Settings.from_block(
        problem.block, population=15, generations=2, executor="serial", seed=4
    )
    first = cal_abc.run_calibration(problem, settings, tmp_path / "a")
    second = cal_abc.run_calibration(problem, settings, tmp_path / "b")
    assert (tmp_path / "a" / "posterior.parquet").read_bytes() == (
        tmp_path / "b" / "posterior.parquet"
    ).read_bytes()
    assert [g.epsilon for g in first.generations] == [g.epsilon for g in second.generations]
    with pytest.raises(InputError, match="already holds a calibration"):
        cal_abc.run_calibration(problem, settings, tmp_path / "a")


# -------------------------------------------------------------------------- recovery of a truth
@pytest.mark.slow
def test_posterior_moves_toward_a_known_truth(tmp_path: Path) -> None:
    """Observe the model at advance_km = 0.8, calibrate from uniform(0.4, 2.4): the posterior must find it."""
    truth, prior = 0.8, {"dist": "uniform", "low": 0.4, "high": 2.4}
    base = _write(
        tmp_path / "base.yaml", {"extends": str(SMALL), "calibrate": {"parameters": {ADVANCE: prior}}}
    )
    generator = cal_problem.load_problem(base).model(seed=99, replications=40)
    observed = generator({ADVANCE: truth})["obs0"]
    synthetic = _write(
        tmp_path / "synthetic.yaml",
        {
            "extends": str(base),
            "observations": [{"date": "2024-10-15", "value": round(observed, 3), "sd": 10}],
            "calibrate": {"population": 60, "generations": 4, "replications": 3},
        },
    )
    problem = cal_problem.load_problem(synthetic)
    settings = cal_problem.Settings.from_block(problem.block, executor="serial", seed=1)
    result = cal_abc.run_calibration(problem, settings, tmp_path / "out")
    summary = cal_posterior.parameter_summary(problem, result.posterior)[ADVANCE]
    prior_median, prior_width = 1.4, 0.8 * 2.0
    assert summary["prior_median"] == pytest.approx(prior_median)
    assert abs(summary["posterior_median"] - truth) < 0.5 * abs(prior_median - truth)
    assert summary["posterior_p90"] - summary["posterior_p10"] < 0.6 * prior_width
    assert summary["posterior_p90"] < prior_median  # the upper half of the prior is ruled out
    assert result.generations[-1].epsilon < result.generations[0].epsilon


# ------------------------------------------------------------------------------------- errors
def _fails(capsys: pytest.CaptureFixture[str], *args: str | Path) -> str:
    from sim.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["calibrate", *(str(a) for a in args)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert "Traceback" not in err
    return err


def test_scenario_without_calibrate_block_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    err = _fails(capsys, SMALL, "--out", tmp_path / "out")
    assert "calibrate" in err and "small.yaml" in err
    assert not (tmp_path / "out").exists()


def test_unknown_parameter_path_is_refused_at_its_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    scenario = _calibrated_small(
        tmp_path, parameters={"sides.red.attack.advnce_km": {"dist": "uniform", "low": 0.5, "high": 1.5}}
    )
    err = _fails(capsys, scenario, "--out", tmp_path / "out")
    assert "small_yaml:" in err and "advnce_km" in err and "did you mean 'advance_km'" in err


def test_prior_outside_what_the_field_allows_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    scenario = _calibrated_small(tmp_path, parameters={ADVANCE: {"dist": "normal", "mean": 1.0, "sd": 0.5}})
    err = _fails(capsys, scenario, "--out", tmp_path / "out")
    assert "advance_km" in err and ">= 0" in err


def test_prior_kind_without_density_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    scenario = _calibrated_small(tmp_path, parameters={ADVANCE: {"dist": "choice", "values": [1, 2]}})
    err = _fails(capsys, scenario)
    assert "a prior must be one of" in err


def test_scenario_without_observations_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    scenario = _calibrated_small(tmp_path)
    document = yaml.safe_load(scenario.read_text())
    document["observations"] = []
    _write(scenario, document)
    err = _fails(capsys, scenario)
    assert "no observations" in err


def test_scheduler_without_dask_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    err = _fails(capsys, _calibrated_small(tmp_path), "--scheduler", "tcp://localhost:1")
    assert "--scheduler" in err


@pytest.mark.slow
def test_set_changes_the_calibration_and_its_calibrated_scenario(tmp_path: Path) -> None:
    scenario = _calibrated_small(tmp_path)
    out = tmp_path / "out"
    run_sim(
        "calibrate", scenario, "--out", out, "--executor", "serial", "--population", "12",
        "--generations", "1", "-q", "--no-plots", "--set", "sides.blue.contingents.brigades.unit_size=950",
    )  # fmt: skip
    assert not (out / "plots").exists()  # --no-plots
    calibrated = out / "small_test_calibrated.yaml"
    document = yaml.safe_load(calibrated.read_text(encoding="utf-8"))
    assert document["sides"]["blue"]["contingents"]["brigades"]["unit_size"] == 950
    loaded = load_scenario(calibrated)
    assert loaded.sides["blue"].contingents["brigades"].unit_size == 950.0
    assert isinstance(loaded.sides["red"].attack.advance_km, Empirical)  # type: ignore[union-attr]
    problem = cal_problem.load_problem(scenario, overrides=["sides.blue.contingents.brigades.unit_size=950"])
    assert problem.document["sides"]["blue"]["contingents"]["brigades"]["unit_size"] == 950


def test_a_calibrated_scenario_keeps_the_editor_schema_line_re_pointed(tmp_path: Path) -> None:
    from sim.experiments.calibration.posterior import _schema_line

    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "scenario.schema.json").write_text("{}", encoding="utf-8")
    base = tmp_path / "base.yaml"
    base.write_text(
        "# yaml-language-server: $schema=schemas/scenario.schema.json\nname: x\n", encoding="utf-8"
    )
    out = tmp_path / "results" / "cal"
    out.mkdir(parents=True)
    assert _schema_line(base, out) == "# yaml-language-server: $schema=../../schemas/scenario.schema.json\n"
    base.write_text("# yaml-language-server: $schema=missing.json\nname: x\n", encoding="utf-8")
    assert _schema_line(base, out) == ""
    base.write_text("name: x\n", encoding="utf-8")
    assert _schema_line(base, out) == ""
