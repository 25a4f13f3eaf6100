"""Option names mean one thing in every command, and what one command or function takes, its peers take.

``--threshold`` is an area in ``sim plot`` and ``sim report``; ``sim discover``'s box density is
``--min-density``. ``--outcome`` is an outcome column in ``sim sweep``; ``sim discover``'s condition is
``--condition`` (the old names are refused with the new ones: tests/test_discover.py). ``sim backtest``
takes ``--set`` as ``sim run`` and ``sim calibrate`` do, and ``api.run`` and ``api.backtest`` take ``set=``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from conftest import SMALL, sim_in_process

from sim import api
from sim.cli.discover import discover
from sim.cli.plot import plot
from sim.cli.sweep import sweep
from sim.errors import InputError

ADVANCE = "sides.red.attack.advance_km"


def _options(command: Any) -> dict[str, str]:
    """The command's options as ``--help`` lists them (hidden ones, the refused old names, left out)."""
    shown = [p for p in command.params if isinstance(p, click.Option) and not p.hidden]
    return {name: option.help or "" for option in shown for name in option.opts}


def test_each_option_name_has_one_meaning() -> None:
    assert "--threshold" in _options(plot) and "km²" in _options(plot)["--threshold"]
    assert "--threshold" not in _options(discover) and "density" in _options(discover)["--min-density"]
    assert "--outcome" in _options(sweep) and "--outcome" not in _options(discover)
    assert "condition" in _options(discover)["--condition"].lower()


def test_api_run_takes_overrides_like_run_set(tmp_path: Path) -> None:
    run = api.run(
        SMALL, replications=2, out=tmp_path / "run", executor="serial", dynamics=False, set={ADVANCE: 0.7}
    )
    assert run.scenario is not None and run.scenario.sides["red"].attack.advance_km == pytest.approx(0.7)
    with pytest.raises(InputError, match="set= applies to a scenario file"):
        api.run(api.load(SMALL), replications=2, out=tmp_path / "again", set={ADVANCE: 0.7})


def _calibrated(folder: Path) -> Path:
    document = {
        "extends": str(SMALL),
        "observations": [
            {"date": "2024-09-20", "value": 440, "low": 400, "high": 480, "source": "early"},
            {"date": "2024-10-20", "value": 300, "low": 250, "high": 350, "source": "late"},
        ],
        "calibrate": {
            "parameters": {ADVANCE: {"dist": "uniform", "low": 0.3, "high": 2.0}},
            "population": 12,
        },
    }
    path = folder / "calibrated.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def test_backtest_takes_set_and_passes_it_to_every_origin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("pyabc")
    import sim.experiments.backtest as backtests

    scenario = _calibrated(tmp_path)
    monkeypatch.setenv("SIM_ALLOW_OUTSIDE_FILES", "1")  # it extends the small scenario in tests/
    bad = sim_in_process(capsys, "backtest", scenario, "--origin", "2024-10-01", "--set", f"{ADVANCE}=-1")
    assert bad.returncode == 2 and f"--set {ADVANCE}=-1" in bad.stderr
    seen: list[tuple[str, ...]] = []

    def stop(*args: Any, overrides: tuple[str, ...] = (), **kwargs: Any) -> Any:
        seen.append(tuple(overrides))
        raise InputError("stopped before calibrating")

    monkeypatch.setattr(backtests, "run_backtest", stop)
    out = tmp_path / "bt"
    stopped = sim_in_process(
        capsys, "backtest", scenario, "--origin", "2024-10-01", "--set", f"{ADVANCE}=0.9", "--out", out
    )
    assert stopped.returncode == 2 and "stopped before calibrating" in stopped.stderr, stopped.stderr
    assert seen == [(f"{ADVANCE}=0.9",)]
    with pytest.raises(InputError, match="stopped before calibrating"):
        api.backtest(scenario, [dt.date(2024, 10, 1)], set={ADVANCE: 0.9}, out=tmp_path / "bt2")
    assert seen[-1] == (f"{ADVANCE}=0.9",)
