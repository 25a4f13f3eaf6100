"""The Python interface: the examples of docs/api.md run as written, and the API's own contracts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from sim import api
from sim.errors import InputError

REPO = Path(__file__).resolve().parent.parent
API_PAGE = REPO / "docs" / "api.md"


def python_blocks(markdown: str) -> list[str]:
    """The fenced ```python blocks of a Markdown page, in order."""
    return re.findall(r"```python\n(.*?)```", markdown, flags=re.DOTALL)


@pytest.mark.slow
def test_the_api_page_runs_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every Python block of docs/api.md, run in order in one namespace from the repository root."""
    blocks = python_blocks(API_PAGE.read_text(encoding="utf-8"))
    assert len(blocks) >= 4, "docs/api.md lost its examples"
    monkeypatch.chdir(REPO)
    namespace: dict[str, object] = {"__name__": "api_page"}
    for number, block in enumerate(blocks, start=1):
        try:
            exec(compile(block, f"docs/api.md block {number}", "exec"), namespace)
        except Exception as error:  # pragma: no cover - the message is the point
            raise AssertionError(f"docs/api.md block {number} failed: {error!r}\n{block}") from error
    run = namespace["run"]
    assert isinstance(run, api.Folder)
    assert isinstance(namespace["outcomes"], pd.DataFrame)


def test_load_applies_overrides_and_refuses_unknown_paths() -> None:
    """An override changes the scenario; a path that is not in the schema is refused, naming it."""
    base = api.load(REPO / "scenarios" / "kursk_2024.yaml")
    changed = api.load(REPO / "scenarios" / "kursk_2024.yaml", set={"sides.russia.attack.advance_km": 0.61})
    assert changed.sides["russia"].attack.advance_km == pytest.approx(0.61)
    assert base.sides["russia"].attack.advance_km != pytest.approx(0.61)
    with pytest.raises(InputError, match="no_such_field"):
        api.load(REPO / "scenarios" / "kursk_2024.yaml", set={"sides.russia.no_such_field": 1})


def test_run_folder_tables_agree_with_each_other(tmp_path: Path) -> None:
    """Outcomes and experiments have one row per replication, keyed alike; reopening reads the same."""
    scenario = REPO / "tests" / "scenarios" / "small.yaml"
    run = api.run(scenario, replications=6, seed=3, out=tmp_path / "run", executor="serial", plots=False)
    assert list(run.outcomes["replication"]) == list(range(6))
    assert list(run.experiments["replication"]) == list(range(6))
    sampled = [column for column in run.experiments.columns if column != "replication"]
    assert sampled, "a run with sampled inputs should list them"
    reopened = api.open_folder(run.path)
    pd.testing.assert_frame_equal(reopened.outcomes, run.outcomes)
    again = api.run(scenario, replications=6, seed=3, out=tmp_path / "again", executor="serial", plots=False)
    pd.testing.assert_frame_equal(again.outcomes, run.outcomes)


def test_open_refuses_a_folder_that_is_not_a_result(tmp_path: Path) -> None:
    """Opening an empty folder is bad input, not a traceback."""
    with pytest.raises(InputError, match="holds no run, sweep, study, calibration, backtest or comparison"):
        api.open_folder(tmp_path)


def test_open_is_open_folder_under_its_old_name_and_says_so(tmp_path: Path) -> None:
    """``open`` shadowed the builtin: it is now ``open_folder``; the old name still works, with a warning."""
    with pytest.warns(DeprecationWarning, match="open_folder"), pytest.raises(InputError):
        api.open(tmp_path)


def test_every_kind_of_folder_opens_with_its_tables_and_record(tmp_path: Path) -> None:
    """Once refused: calibration, comparison and backtest folders. Each opens with its tables by name."""
    frame = pd.DataFrame({"a": [1.0, 2.0]})
    made = {
        "calibration": ({"diagnostics.json": {"scenario": "x"}}, ["posterior.parquet", "diagnostics.csv"]),
        "backtest": ({"backtest.json": {"scenario": "x", "rows": []}}, ["backtest.csv"]),
        "comparison": ({"compare.json": {"kind": "compare"}}, ["compare.parquet"]),
    }
    for kind, (records, tables) in made.items():
        folder = tmp_path / kind
        folder.mkdir()
        for name, record in records.items():
            (folder / name).write_text(json.dumps(record), encoding="utf-8")
        for name in tables:
            frame.to_parquet(folder / name) if name.endswith(".parquet") else frame.to_csv(
                folder / name, index=False
            )
        opened = api.open_folder(folder)
        assert opened.kind == kind and opened.scenario is None
        assert opened.summary == next(iter(records.values()))
        assert opened.tables == [name.split(".")[0] for name in tables]
        for name in opened.tables:
            pd.testing.assert_frame_equal(opened.table(name), frame)
        with pytest.raises(InputError, match=f"the {kind} has no 'outcomes' table; its tables: "):
            opened.table("outcomes")


def test_a_sobol_sweep_through_the_api_writes_what_the_command_writes(tmp_path: Path) -> None:
    """Once a gap: api.sweep wrote no summary.json and no sensitivity indices (only the command did)."""
    pytest.importorskip("SALib")
    scenario = REPO / "tests" / "scenarios" / "small.yaml"
    vary = {"sides.red.attack.advance_km": {"low": 0.5, "high": 1.5}, "engagement.fortified_at": "5:10"}
    sweep = api.sweep(
        scenario, vary, design="sobol", samples=2, replications=2, out=tmp_path / "s", executor="serial"
    )
    assert (sweep.path / "summary.json").is_file() and (sweep.path / "sensitivity.json").is_file()
    assert sweep.summary["design"] == "sobol" and sweep.summary["points"] == 2 * (2 + 2)
    indices = sweep.summary["indices"]["final_area_km2"]
    assert {row["input"] for row in indices} == set(vary)
    # Reopened, the sweep has what api.sweep returned: its indices, and the sensitivity table by name.
    reopened = api.open_folder(sweep.path)
    assert reopened.kind == "sweep" and reopened.summary["indices"] == sweep.summary["indices"]
    assert reopened.tables == ["outcomes", "points", "point_summary", "sensitivity"]
    sensitivity = reopened.table("sensitivity")
    assert set(sensitivity["input"]) == set(vary)
    assert len(sensitivity) == sum(len(rows) for rows in reopened.summary["indices"].values())
    with pytest.raises(InputError, match="no 'daily' table .*--daily none.*its tables: outcomes, points"):
        reopened.table("daily")


def _recorded(folder: Path) -> dict[str, object]:
    """A run folder's manifest without what differs between two runs of the same inputs: times and the
    seal over them, and the folder's own path."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for key in ("started", "finished", "seal"):
        manifest.pop(key, None)
    return json.loads(json.dumps(manifest).replace(str(folder), "RUN"))


def test_sim_run_and_api_run_write_the_same_manifest_and_summary(tmp_path: Path) -> None:
    """``sim run`` calls ``api.run``: with the same inputs both record the same run (the scenario file
    included) and the same summary, and so does their dynamics-only companion."""
    from click.testing import CliRunner

    from sim.cli import cli

    scenario = str(REPO / "scenarios" / "kursk_2024.yaml")
    change = "sides.russia.attack.advance_km=0.7"
    by_command, by_api = tmp_path / "command", tmp_path / "api"
    options = ["-n", "4", "--seed", "5", "--chunk", "3", "--executor", "serial", "--daily", "total"]
    result = CliRunner().invoke(
        cli, ["run", scenario, *options, "--set", change, "--out", str(by_command), "--no-plots", "-q"]
    )
    assert result.exit_code == 0, result.output
    folder = api.run(
        scenario, replications=4, seed=5, chunk=3, executor="serial", daily="total", out=by_api, set=[change]
    )
    assert folder.path == by_api
    assert _recorded(by_command) == _recorded(by_api)
    assert _recorded(by_api)["scenario_file"] == scenario
    companion = "dynamics_only"
    assert _recorded(by_command / companion) == _recorded(by_api / companion)
    summaries = [json.loads((run / "summary.json").read_text("utf-8")) for run in (by_command, by_api)]
    for summary in summaries:
        assert summary.pop("seconds") >= 0
    assert summaries[0] == summaries[1]
