"""Windows of advance, the campaign scenarios, the mechanism switches, the suite, and the dynamics alone.

* A window observation (``advance_km``) measures the km lost over the front between two records, and its
  naive forecasts go through the front's position (persistence: no advance; the line: its slope).
* The campaign scenarios shipped are what ``sim.grounding.campaigns`` writes from CDB90.
* Each mechanism can be switched off in a scenario, and only that changes.
* ``sim run`` runs the same replications without the withdrawal rules: where no rule fired the two agree
  exactly (common random numbers), and the summary gives each rule's share of endings.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from conftest import SMALL
from test_mechanisms import BASE, scenario

import sim
from sim.analysis.forecast import score_after_origin, window_forecasts
from sim.batch.seeding import replication_seed
from sim.experiments.suite import EntryScore, auto_origin, variant_file
from sim.grounding.campaign_scenarios import scenario_text
from sim.grounding.campaigns import SEQUENCES
from sim.measures.observables import measure
from sim.model.replication import Replication
from sim.plots.suite import BEGIN, END, validation_markdown, write_markdown
from sim.results.readers import read_column
from sim.scenario import load_scenario
from sim.scenario.mechanisms import MECHANISMS, switch_off, used, without_judgement
from sim.scenario.schema import Observation, Scenario

CAMPAIGNS = Path(__file__).resolve().parent.parent / "scenarios" / "campaigns"


def windows(*spans: tuple[str, str, float], **changes: Any) -> Scenario:
    data = copy.deepcopy(BASE)
    data["end"] = "2024-04-30"
    data["observations"] = [
        {"since": since, "date": until, "metric": "advance_km", "value": km, "sd": 0.5}
        for since, until, km in spans
    ]
    data.update(changes)
    return Scenario.model_validate(data)


# ======================================================================================== windows
def test_a_windows_line_goes_through_the_fronts_positions_and_persistence_does_not_move() -> None:
    scen = windows(
        ("2024-03-01", "2024-03-03", 2.0),
        ("2024-03-05", "2024-03-07", 2.0),
        ("2024-03-10", "2024-03-13", 1.0),
    )
    # Positions 0 (1 Mar), 2 (3 Mar), 4 (7 Mar): least-squares slope 12 / (168 / 9) = 0.6429 km a day.
    persistence, line, points = window_forecasts(scen, scen.observations[2], dt.date(2024, 3, 7))
    assert persistence == 0.0 and points == 3
    assert line == pytest.approx(3 * 12 / (168 / 9))
    (row,) = score_after_origin(scen, dt.date(2024, 3, 7), {2: np.array([0.5, 1.0, 1.5])})
    assert row["line_crps"] == pytest.approx(abs(line - 1.0)) and row["persistence_crps"] == 1.0


def test_a_window_measures_the_km_lost_over_the_front_between_its_two_records() -> None:
    scen = windows(
        ("2024-03-02", "2024-03-05", 1.0),
        sectors={"band": {"shape": "line", "area_km2": 100, "frontage_km": 10}},
        sides={
            **BASE["sides"],
            "red": {
                **BASE["sides"]["red"],
                "attack": {"max_rate_per_km": 1.0, "advance_km": 0.1, "advance_sigma": 0},
            },
        },
        engagement={"kill_rate": 0.0, "noise": False, "success": {"intercept": 5.0}},
    )
    trajectory = Replication(scen, replication_seed(0, 0)).run()
    lost = trajectory.area_km2[1] - trajectory.area_km2[4]  # records of 2 and 5 March
    assert lost > 0
    assert measure(scen, trajectory, scen.observations[0]) == pytest.approx(lost / 10.0)


def test_an_observation_is_flagged_only_when_the_runs_miss_its_whole_reported_range() -> None:
    from sim.cli.summary_text import observation_line

    base = {
        "metric": "area_km2",
        "date": "2024-09-06",
        "unit": "km2",
        "observed": 1340.0,
        "observed_low": 1250.0,
        "observed_high": 1376.0,
        "predicted_p10": 1376.0,
        "predicted_p50": 1376.0,
        "predicted_p90": 1376.0,
        "quantile_of_observed": 0.0,
        "outside_95": False,
    }
    assert "<-" not in observation_line(base)
    flagged = observation_line({**base, "observed_high": 1300.0, "outside_95": True})
    assert "its reported range (1,250-1,300) is below the middle 95% of runs" in flagged


# ======================================================================================== campaigns
@pytest.mark.parametrize("sequence", SEQUENCES, ids=lambda sequence: sequence.name)
def test_the_shipped_campaign_scenario_is_what_the_builder_writes_from_cdb90(sequence: Any) -> None:
    path = CAMPAIGNS / f"{sequence.name}.yaml"
    assert path.read_text(encoding="utf-8") == scenario_text(sequence)
    scen = load_scenario(path)
    assert {obs.metric for obs in scen.observations} == {"advance_km", "losses"}
    assert {"fires", "fall_back"} <= set(used(scen))  # prepared lines only behind a prepared defence
    assert not {"pauses", "culmination", "posture"} & set(used(scen))


def test_the_okinawa_record_is_cdb90s_and_its_origin_follows_the_first_third() -> None:
    scen = load_scenario(CAMPAIGNS / "okinawa_7th.yaml")
    km = [obs.value for obs in scen.observations if obs.metric == "advance_km"]
    assert len(km) == 15 and km[:3] == [10.2, 3.2, 0.3] and sum(km) == pytest.approx(23.5)
    first = [obs for obs in scen.observations if obs.date == scen.observations[0].date]
    assert [(obs.metric, obs.side, obs.value) for obs in first] == [
        ("advance_km", None, 10.2),
        ("losses", "attacker", 158.0),
        ("losses", "defender", 628.0),
    ]
    assert auto_origin(scen) == dt.date(1945, 4, 28)  # the 5th of 15 windows to end
    # The defence the attacker meets after the delaying screen is fortified: lines every 3 km behind.
    (sector,) = scen.sectors.values()
    assert sector.shape == "line" and sector.prepared_lines[0].area_km2 == pytest.approx(1.6 * 57)


# ======================================================================================== mechanisms
def test_each_mechanism_is_switched_off_by_its_own_changes_only(tmp_path: Path) -> None:
    kursk = load_scenario(Path(__file__).resolve().parent.parent / "scenarios" / "kursk_2024.yaml")
    on = used(kursk)
    assert {"culmination", "pauses", "interdiction"} <= set(on)
    for name in on:
        path = variant_file(Path("scenarios/kursk_2024.yaml"), kursk, name, tmp_path / name)
        variant = load_scenario(path)
        assert name not in used(variant), name
        assert set(used(variant)) == set(on) - {name}, name
        assert variant.sides["russia"].contingents == kursk.sides["russia"].contingents
    assert switch_off(kursk, "posture") == []  # Kursk has no posture protection to switch off


def test_every_mechanism_has_a_name_and_a_label() -> None:
    assert all(m.name == name and m.label for name, m in MECHANISMS.items())


def test_without_judgement_drops_the_withdrawal_rules_and_nothing_else() -> None:
    scen = load_scenario(SMALL)
    alone = without_judgement(scen)
    assert alone is not None and alone.sides["blue"].command.withdrawal is None
    assert alone.model_dump(exclude={"sides"}) == scen.model_dump(exclude={"sides"})
    assert without_judgement(scenario()) is None  # no rules to switch off


# ======================================================================================== dynamics alone
def test_sim_run_also_runs_the_dynamics_alone_with_the_same_numbers(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sim.cli import cli

    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["run", str(SMALL), "-n", "30", "--out", str(out), "-q", "--no-plots"])
    assert result.exit_code == 0, result.output
    assert "withdrawals begun by a withdrawal rule (judgement, not the fighting)" in result.output
    assert "the dynamics alone (withdrawal rules off, the same 30 replications)" in result.output
    summary = yaml.safe_load((out / "summary.json").read_text())
    shares = summary["endings"]
    assert sum(shares.values()) == pytest.approx(1.0)
    withdrawn = read_column(out, "outcomes", "withdrawal_day")
    assert shares["no_withdrawal"] == pytest.approx(np.mean(np.isnan(withdrawn)))
    # Replications in which no rule fired are the same replications, draw for draw, without the rules.
    final = read_column(out, "outcomes", "final_area_km2")
    alone = read_column(out / "dynamics_only", "outcomes", "final_area_km2")
    kept = np.isnan(withdrawn)
    assert kept.any() and (~kept).any()
    np.testing.assert_array_equal(final[kept], alone[kept])
    assert np.isnan(read_column(out / "dynamics_only", "outcomes", "withdrawal_day")).all()


def test_no_dynamics_runs_nothing_more_and_resume_finishes_an_unfinished_companion(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sim.cli import cli
    from sim.experiments.runs import DYNAMICS_FOLDER, start_run

    out = tmp_path / "run"
    common = ["-n", "12", "-q", "--no-plots"]
    result = CliRunner().invoke(cli, ["run", str(SMALL), "--out", str(out), "--no-dynamics", *common])
    assert result.exit_code == 0 and not (out / DYNAMICS_FOLDER).exists()
    assert "the dynamics alone" not in result.output
    # A companion interrupted before its first chunk finished (as after a Ctrl-C) is finished by --resume.
    alone = without_judgement(load_scenario(SMALL))
    assert alone is not None
    start_run(alone, out / DYNAMICS_FOLDER, 0, 12, 4, "none")
    resumed = CliRunner().invoke(cli, ["run", "--resume", str(out), "-q", "--no-plots"])
    assert resumed.exit_code == 0, resumed.output
    assert json.loads((out / DYNAMICS_FOLDER / "manifest.json").read_text())["status"] == "complete"
    assert "the dynamics alone (withdrawal rules off, the same 12 replications)" in resumed.output
    # Complete with its companion: nothing left to resume.
    again = CliRunner().invoke(cli, ["run", "--resume", str(out), "-q"])
    assert again.exit_code == 2 and "already complete" in again.output


# ======================================================================================== the suite
def score(
    entry: str, variant: str, crps: list[float], line: list[float], inside: list[bool], campaign: bool = True
) -> EntryScore:
    rows = [
        {"origin": "2024-01-01", "crps": model, "line_crps": naive, "persistence_crps": 1.0, "inside80": hit}
        for model, naive, hit in zip(crps, line, inside, strict=True)
    ]
    return EntryScore(entry, variant, "km advanced in a window", rows, campaign)


def test_skill_and_the_ablation_table_are_worked_from_the_scored_rows() -> None:
    scores = [
        score("a", "all", [0.5, 0.3], [1.0, 0.6], [True, True]),  # skill 1 - 0.4 / 0.8 = 0.5
        score("a", "without-fires", [0.8, 0.8], [1.0, 0.6], [True, False]),  # 1 - 0.8 / 0.8 = 0
        score("b", "all", [0.9], [0.6], [False]),  # -0.5
        score("kursk", "all", [30.0], [40.0], [True], campaign=False),  # 0.25
        score("kursk", "without-weather", [50.0], [40.0], [True], campaign=False),  # -0.25
    ]
    assert scores[0].skill == pytest.approx(0.5) and scores[2].skill == pytest.approx(-0.5)
    table = validation_markdown(scores, {"a": "figures/a.png"})
    assert "mean CRPS skill against the straight line +0.00 over 2 campaigns; 1 of 2 above 0" in table
    assert "inside the model's 80% band in 67% of 3 scored windows" in table
    assert "| 2024-01-01 | 30.0 | 40.0 | 1.0 | yes |" in table
    # Fires off: campaign a's skill 0, b's (no fires) unchanged: mean (0 - 0.5) / 2; Kursk not measured.
    assert "| fires (fires outside assaults) | 1 | 0.00 | -0.25 | 0.25 | – |" in table
    assert "| weather (weather and season) | 1 | 0.00 | – | 0.25 | -0.25 |" in table  # no campaign has it
    assert "![a](figures/a.png)" in table


def test_the_tables_go_between_the_documents_markers_and_nothing_else_changes(tmp_path: Path) -> None:
    page = tmp_path / "validation.md"
    page.write_text(f"# Validation\n\nWords before.\n\n{BEGIN}\nold\n{END}\n\nWords after.\n")
    write_markdown(page, "new tables")
    assert (
        page.read_text() == f"# Validation\n\nWords before.\n\n{BEGIN}\nnew tables\n{END}\n\nWords after.\n"
    )
    fresh = tmp_path / "fresh.md"
    write_markdown(fresh, "tables")
    assert fresh.read_text() == f"# Validation\n\n{BEGIN}\ntables\n{END}\n"


def test_a_suite_file_with_an_unknown_key_is_one_line_naming_it(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sim.cli import cli

    bad = tmp_path / "suite.yaml"
    bad.write_text("entries:\n  - scenario: a.yaml\n    origin: auto\n")
    result = CliRunner().invoke(cli, ["suite", str(bad), "-q"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "suite.yaml:3" in result.output and "origin" in result.output


@pytest.mark.slow
def test_sim_suite_backtests_each_variant_and_writes_the_tables_and_figures(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sim.cli import cli

    suite_file = tmp_path / "suite.yaml"
    campaign = Path(__file__).resolve().parent / "scenarios" / "campaign.yaml"
    suite_file.write_text(
        f"entries:\n  - scenario: {campaign}\npopulation: 20\ngenerations: 1\nreplications: 30\n"
    )
    docs = tmp_path / "docs" / "validation.md"
    out = tmp_path / "suite"
    args = [
        "suite",
        str(suite_file),
        "--ablation",
        "--out",
        str(out),
        "--docs",
        str(docs),
        "--executor",
        "serial",
    ]
    result = CliRunner().invoke(cli, [*args, "-q"])
    assert result.exit_code == 0, result.output
    document = json.loads((out / "suite.json").read_text())
    assert document["package_version"] == sim.__version__  # every folder says which version wrote it
    variants = [row["variant"] for row in document["scores"]]
    expected = ["all", *(f"without-{name}" for name in used(load_scenario(campaign)))]
    assert variants == expected
    assert all(row["scored"] == 4 for row in document["scores"])  # windows 3-6 after the origin of 7 May
    assert (out / "campaign_test" / "without-fires" / "campaign_test-without-fires.yaml").is_file()
    assert (docs.parent / "figures" / "validation" / "campaign_test.png").is_file()
    page = docs.read_text()
    assert BEGIN in page and "| campaign_test | km advanced in a window | 4 |" in page
    assert "![campaign_test](figures/validation/campaign_test.png)" in page


def test_losses_in_a_window_are_the_casualties_between_its_records_in_a_sector_or_all() -> None:
    scen = load_scenario(SMALL)
    trajectory = Replication(scen, replication_seed(0, 1)).run()
    window = {"since": "2024-09-10", "date": "2024-09-30", "metric": "losses", "side": "blue", "sd": 10.0}
    total = Observation.model_validate({**window, "value": 1.0})
    north = Observation.model_validate({**window, "value": 1.0, "sector": "north"})
    south = Observation.model_validate({**window, "value": 1.0, "sector": "south"})
    first, last = 9, 29  # 10 and 30 September, from the start on 1 September
    blue = trajectory.casualties[0]
    assert measure(scen, trajectory, total) == blue[last] - blue[first] > 0
    by_sector = measure(scen, trajectory, north) + measure(scen, trajectory, south)
    assert by_sector == pytest.approx(measure(scen, trajectory, total))
    assert trajectory.sector_casualties[0][-1].sum() == pytest.approx(trajectory.casualties[0][-1])


def finished_backtest(
    folder: Path, settings: Any, replications: int, origins: list[str]
) -> list[dict[str, Any]]:
    rows = [
        {
            "metric": "advance_km",
            "what": "km advanced in a window",
            "origin": origins[0],
            "crps": 0.5,
            "line_crps": 1.0,
            "inside80": 1.0,
        }
    ]
    folder.mkdir(parents=True)
    recorded = {
        "population": settings.population,
        "generations": settings.generations,
        "min_epsilon": settings.min_epsilon,
        "max_minutes": settings.max_minutes,
        "replications_per_particle": settings.replications,
        "seed": settings.seed,
        "forecast_replications": replications,
    }
    document = {"settings": recorded, "origins": [{"origin": o} for o in origins], "rows": rows}
    (folder / "backtest.json").write_text(json.dumps(document))
    return rows


def test_a_stopped_suite_reads_the_backtests_it_finished_with_the_same_settings_only(tmp_path: Path) -> None:
    from sim.experiments.calibration.problem import Settings
    from sim.experiments.suite import finished_rows

    settings = Settings(20, 2, "auto", 5.0, 1, seed=3)
    origin = dt.date(1945, 4, 28)
    rows = finished_backtest(tmp_path / "all", settings, 40, [origin.isoformat()])
    assert finished_rows(tmp_path / "all", settings, 40, [origin]) == rows
    assert finished_rows(tmp_path / "all", settings, 41, [origin]) is None  # another forecast size
    assert finished_rows(tmp_path / "all", settings, 40, [dt.date(1945, 5, 1)]) is None  # another origin
    reseeded = Settings(20, 2, "auto", 5.0, 1, seed=4)
    assert finished_rows(tmp_path / "all", reseeded, 40, [origin]) is None
    assert finished_rows(tmp_path / "none", settings, 40, [origin]) is None
    (tmp_path / "all" / "backtest.json").write_text("{not json")
    assert finished_rows(tmp_path / "all", settings, 40, [origin]) is None
    (tmp_path / "all" / "backtest.json").unlink()
    os.mkfifo(tmp_path / "all" / "backtest.json")  # read as a file, it would wait for a writer forever
    assert finished_rows(tmp_path / "all", settings, 40, [origin]) is None


def test_an_unfinished_backtest_is_set_aside_not_deleted(tmp_path: Path) -> None:
    from sim.experiments.suite import set_aside

    folder = tmp_path / "without-fires"
    (folder / "origin-1945-04-28" / "calibration").mkdir(parents=True)
    (folder / "origin-1945-04-28" / "calibration" / "abc.db").write_text("partial")
    moved = set_aside(folder)
    assert moved == tmp_path / "without-fires.unfinished" and not folder.exists()
    assert (moved / "origin-1945-04-28" / "calibration" / "abc.db").read_text() == "partial"
    (folder / "origin-1945-04-28").mkdir(parents=True)
    assert set_aside(folder) == tmp_path / "without-fires.unfinished-2"
    (folder / "variant.yaml").parent.mkdir(parents=True)
    (folder / "variant.yaml").write_text("x")  # a variant file alone: nothing begun, nothing moved
    assert set_aside(folder) is None and folder.is_dir()
