"""Edges of the contested ground (sim.model.ground): sectors held by less than one square km, and lost ones.

A sector holding half a square km is still open, still takes a prepared line's fortification when the
holder stands on one there, and still grows its fortification; a sector lost outright passes its
prepared lines without standing on any (no fortification taken, no line reached to report).
"""

from __future__ import annotations

import pytest

from sim.model.ground import Ground
from sim.model.plans import SectorPlan


def _sector(
    area_km2: float,
    lines: tuple[tuple[float, float], ...] = (),
    initial: float = 0.0,
    growth: float = 0.0,
    kept: float = 1.0,
) -> SectorPlan:
    return SectorPlan(
        name=f"s{area_km2:g}",
        is_line=False,
        area_km2=area_km2,
        frontage_km=10.0,
        terrain=1.0,
        fortification_initial=initial,
        fortification_growth=growth,
        fortification_max=1.0,
        fortification_kept=kept,
        prepared_lines=lines,
    )


def test_a_sector_holding_less_than_one_square_km_is_still_open() -> None:
    ground = Ground((_sector(0.5), _sector(100.0), _sector(10.0)))
    ground.lose(1, 100.0)
    assert ground.open_sectors() == [0, 2]


def test_a_sector_lost_outright_stands_on_none_of_the_prepared_lines_it_passes() -> None:
    # Fortification 0.2, half kept on moving back: 0.1 once the whole sector is lost, not the 1.0 of the
    # line at 50 km2 it passed on the way, and no line reached (no trace event for a lost sector).
    ground = Ground((_sector(100.0, lines=((50.0, 1.0),), initial=0.2, kept=0.5),))
    ground.lose(0, 100.0)
    assert ground.area == [0.0]
    assert ground.fortification[0] == pytest.approx(0.1)
    assert ground.reached == []
    assert ground.next_line_area(0) is None  # the line is behind the holder all the same


def test_a_prepared_line_holding_less_than_one_square_km_gives_its_fortification() -> None:
    ground = Ground((_sector(100.0, lines=((0.5, 0.8),)),))
    ground.lose(0, 99.5)  # onto the line, half a km2 held
    assert ground.area == [0.5]
    assert ground.fortification[0] == 0.8
    assert ground.reached == [(0, 0.8)]


def test_fortification_grows_on_a_sector_holding_less_than_one_square_km() -> None:
    ground = Ground((_sector(0.5, growth=0.1), _sector(100.0, growth=0.1)))
    ground.lose(1, 100.0)
    ground.grow_fortification()
    # Held half a km2, the line did not move: 0 + 0.1. Lost this day: no growth (and none once lost).
    assert ground.fortification == [0.1, 0.0]
    ground.grow_fortification()
    assert ground.fortification == [0.2, 0.0]


def test_ground_is_held_while_any_sector_holds_more_than_nothing() -> None:
    ground = Ground((_sector(100.0), _sector(50.0)))
    assert ground.held()
    ground.sectors[0].area = 0.0
    assert ground.held()
    ground.sectors[1].area = 1e-300
    assert ground.held()
    ground.sectors[1].area = 0.0
    assert not ground.held()


def test_each_sector_starts_with_its_plans_figures_and_the_lists_are_copies() -> None:
    plan = SectorPlan(
        name="north",
        is_line=True,
        area_km2=120.0,
        frontage_km=15.0,
        terrain=1.3,
        fortification_initial=0.2,
        fortification_growth=0.01,
        fortification_max=0.6,
        fortification_kept=0.5,
    )
    ground = Ground((plan, _sector(40.0)))
    north = ground.sectors[0]
    assert (north.area, north.area0, north.frontage0, north.is_line, north.terrain) == (
        120.0,
        120.0,
        15.0,
        True,
        1.3,
    )
    assert (north.fortification, north.fortification_growth, north.fortification_max) == (0.2, 0.01, 0.6)
    assert (north.fortification_kept, north.moved_back, north.next_line) == (0.5, False, 0)
    assert ground.area == [120.0, 40.0] and ground.area0 == [120.0, 40.0] and ground.total_area0 == 160.0
    assert (
        ground.frontage0 == [15.0, 10.0] and ground.is_line == [True, False] and ground.terrain == [1.3, 1.0]
    )
    assert ground.fortification == [0.2, 0.0] and ground.next_line == [0, 0]
    assert ground.name_tuple == ("north", "s40") and ground.area0_tuple == (120.0, 40.0)
    areas = ground.area
    areas[0] = 0.0  # a copy: the sector keeps its ground
    assert ground.sectors[0].area == 120.0 and ground.held() and ground.total_area() == 160.0


def test_setting_an_area_outright_leaves_fortification_and_lines_alone() -> None:
    ground = Ground((_sector(100.0, lines=((50.0, 0.8),), initial=0.3, kept=0.5),))
    ground.set_area(0, 40.0)
    assert ground.area == [40.0] and ground.fortification == [0.3] and ground.next_line == [0]
    assert ground.total_area() == 40.0 and ground.frontage(0) == pytest.approx(10.0 * (40.0 / 100.0) ** 0.5)
