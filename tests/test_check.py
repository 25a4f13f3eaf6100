"""sim check says what a scenario holds: sector shapes, fortification, whose each observation is."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TESTS, sim_in_process

SCENARIOS = TESTS.parent / "scenarios"


def test_check_shows_shapes_fortification_and_each_observation_in_full(
    capsys: pytest.CaptureFixture[str],
) -> None:
    donetsk = sim_in_process(capsys, "check", SCENARIOS / "donetsk_2024.yaml")
    assert donetsk.returncode == 0
    assert "north: 144 km2, front 12 km (a line: its front keeps its length)" in donetsk.stdout
    assert "fortification 0.2 growing 0.01/day to 0.6, 0.5 kept when the line moves back" in donetsk.stdout
    assert "advance_m_per_day from 2024-11-01 = 250 (95% range 200-300;" in donetsk.stdout
    kursk = sim_in_process(capsys, "check", SCENARIOS / "kursk_2024.yaml")
    assert "(a salient: front ~ sqrt(area))" in kursk.stdout
    assert "2024-11-23 strength of russia = 70000 (sd 10500;" in kursk.stdout
    assert "2024-10-14 area_km2 = 1080 (95% range 960-1180;" in kursk.stdout


def test_check_of_a_missing_file_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = sim_in_process(capsys, "check", tmp_path / "none.yaml")
    assert result.returncode == 2 and result.stderr.count("\n") == 1
