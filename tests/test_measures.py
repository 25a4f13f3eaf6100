"""Measures on a trajectory use the geometry the replication sampled, not the scenario's medians."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import TESTS

from sim.batch.seeding import replication_seed
from sim.measures.observables import advance_m_per_day, attack_window, frontages
from sim.model.replication import Replication
from sim.scenario import load_scenario

SCENARIOS = TESTS.parent / "scenarios"
DONETSK = SCENARIOS / "donetsk_2024.yaml"
UNCERTAIN_FRONT = "sectors.east.frontage_km={dist: uniform, low: 4, high: 20}"


def test_advance_uses_the_sampled_front_of_a_line_sector() -> None:
    scenario = load_scenario(DONETSK, [UNCERTAIN_FRONT])
    trajectory = Replication(scenario, replication_seed(0, 3)).run()
    sampled = trajectory.parameters["sectors.east.frontage_km"]
    k = list(scenario.sectors).index("east")
    assert trajectory.sector_frontage0_km[k] == sampled
    assert sampled != pytest.approx(12.0, abs=0.5)  # the median: this replication must differ from it
    first, last = attack_window(scenario, trajectory)
    areas = trajectory.sector_area_km2[:, k]
    held = areas[first : last + 1] > 0
    mean_front = float(np.where(held, sampled, 0.0).mean())
    by_hand = (areas[first] - areas[last]) / mean_front / (last - first) * 1000.0
    assert advance_m_per_day(scenario, trajectory, first, last, "east") == pytest.approx(by_hand)


def test_salient_fronts_scale_with_the_square_root_of_the_sampled_area() -> None:
    scenario = load_scenario(
        SCENARIOS / "kursk_2024.yaml", ["sectors.sudzha.area_km2={dist: uniform, low: 300, high: 600}"]
    )
    trajectory = Replication(scenario, replication_seed(0, 1)).run()
    k = list(scenario.sectors).index("sudzha")
    area0 = trajectory.parameters["sectors.sudzha.area_km2"]
    fronts = frontages(trajectory, trajectory.sector_area_km2)
    day = 60
    expected = 25.0 * np.sqrt(trajectory.sector_area_km2[day, k] / area0)
    assert fronts[day, k] == pytest.approx(expected)
