"""Edges of fires outside assaults (``sim.model.fires.lay_fires``), each against a number worked by hand.

Fires reach a sector however small while it has a front, skip a sector with no front even where ground
is held, take losses under one soldier, and report only the sectors where the enemy lost someone.

Red fires on blue: each day blue's line in a sector loses loss_share x blue's line x (red's combat power
per km there / reference_density) x red's supply. Red's units are 1,500 at quality 0.9 (power 1,350),
blue's 1,000 (deterministic: no loss noise).
"""

from __future__ import annotations

from typing import Any

import pytest
from test_mechanisms import Forces, scenario

from sim.model.fires import lay_fires


def _forces(loss_share: float, sectors: dict[str, Any]) -> Forces:
    fires = {"loss_share_per_day": loss_share, "reference_density": 1350.0}
    return Forces(scenario(5, sides__red__fires=fires, sectors=sectors))


def _fire(forces: Forces) -> list[tuple[int, float]]:
    return lay_fires(forces.red, forces.blue, forces.ground, None, None)


def test_fires_reach_a_sector_of_one_km_of_front_and_one_km2_held() -> None:
    """Red's 1,350 of power on a 1 km front: density 1,350 = the reference, so blue loses 0.1 x 1,000."""
    forces = _forces(0.1, {"small": {"area_km2": 1, "frontage_km": 1, "shape": "line"}})
    forces.units(forces.red, 1, sector=0)
    (unit,) = forces.units(forces.blue, 1, sector=0)
    assert _fire(forces) == [(0, pytest.approx(100.0))]
    assert unit.strength == pytest.approx(900.0)


def test_fires_skip_a_sector_with_no_front_even_where_ground_is_held() -> None:
    """A line sector of zero length holds 10 km2 but has no front to spread fire along: no losses there.

    In the 10 km sector beside it, red's 1,350 on 10 km is a tenth of the reference: 0.1 x 0.1 x 1,000.
    """
    sectors = {
        "open": {"area_km2": 100, "frontage_km": 10},
        "none": {"area_km2": 10, "frontage_km": 0, "shape": "line"},
    }
    forces = _forces(0.1, sectors)
    for k in (0, 1):
        forces.units(forces.red, 1, sector=k)
        forces.units(forces.blue, 1, sector=k)
    assert _fire(forces) == [(0, pytest.approx(10.0))]
    assert forces.blue.line_strength == [pytest.approx(990.0), 1000.0]


def test_a_loss_under_one_soldier_from_fires_is_still_taken() -> None:
    """A loss share of 0.0005 at the reference density: 0.0005 x 1,000 = 0.5 of a soldier."""
    forces = _forces(0.0005, {"small": {"area_km2": 1, "frontage_km": 1, "shape": "line"}})
    forces.units(forces.red, 1, sector=0)
    (unit,) = forces.units(forces.blue, 1, sector=0)
    assert _fire(forces) == [(0, pytest.approx(0.5))]
    assert unit.strength == pytest.approx(999.5)
    assert forces.blue.casualties == pytest.approx(0.5)


def test_fires_report_only_the_sectors_where_the_enemy_lost_someone() -> None:
    """Red fires in both sectors; blue stands only in the first, so nothing is reported for the second."""
    sectors = {name: {"area_km2": 100, "frontage_km": 10} for name in ("a", "b")}
    forces = _forces(0.1, sectors)
    forces.units(forces.red, 1, sector=0)
    forces.units(forces.red, 1, sector=1)
    forces.units(forces.blue, 1, sector=0)
    assert _fire(forces) == [(0, pytest.approx(10.0))]
    assert forces.blue.sector_losses == [pytest.approx(10.0), 0.0]
