"""The Python interface: the examples of docs/api.md run as written, and the API's own contracts."""

from __future__ import annotations

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
    reopened = api.open(run.path)
    pd.testing.assert_frame_equal(reopened.outcomes, run.outcomes)
    again = api.run(scenario, replications=6, seed=3, out=tmp_path / "again", executor="serial", plots=False)
    pd.testing.assert_frame_equal(again.outcomes, run.outcomes)


def test_open_refuses_a_folder_that_is_not_a_result(tmp_path: Path) -> None:
    """Opening an empty folder is bad input, not a traceback."""
    with pytest.raises(InputError):
        api.open(tmp_path)


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
