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
    ground.area[0] = 0.0
    assert ground.held()
    ground.area[1] = 1e-300
    assert ground.held()
    ground.area[1] = 0.0
    assert not ground.held()
