"""Edges of falling back to prepared lines (sim.model.lines): the daily loss rate and the days counted.

The holder's loss rate in a sector is the day's losses over its line plus those losses (so losses larger
than the line left are still a rate, below 1); a day exactly at the rate it bears does not count; any day
below it, not watched (sector lost, already falling back, nobody there) or ending in a fall back starts
the count afresh at zero; a sector holding less than one square km, or a line of less than one soldier,
is still watched. Falling back over a day gives the ground up at the end of that day, not before.
"""

from __future__ import annotations

import simpy
from test_mechanisms import Forces, scenario

from sim.model.forces import SideState
from sim.model.ground import Ground
from sim.model.lines import FallBackMonitor, fall_back
from sim.model.plans import FallBackPlan, SectorPlan


def _ground(area_km2: float = 100.0) -> Ground:
    sector = SectorPlan(
        name="only",
        is_line=False,
        area_km2=area_km2,
        frontage_km=10.0,
        terrain=1.0,
        fortification_initial=0.0,
        fortification_growth=0.0,
        fortification_max=0.0,
        fortification_kept=1.0,
    )
    return Ground((sector,))


def _holder() -> SideState:
    return Forces(scenario(5)).blue


def _monitor(days: float, above: float = 0.2) -> FallBackMonitor:
    return FallBackMonitor(
        FallBackPlan(loss_rate_above=above, days=days, duration_days=1.0, give_up_sector=True), 1
    )


def _day(
    monitor: FallBackMonitor, holder: SideState, ground: Ground, line: float, lost: float
) -> list[tuple[int, float, float]]:
    holder.sectors[0].line_strength, holder.sectors[0].losses = line, lost
    return monitor.check(holder, ground)


def test_the_loss_rate_is_the_days_losses_over_the_line_they_came_from() -> None:
    # 10 lost from a line left at 30: 10 / (30 + 10) = 0.25 (no prepared line: the sector is given up).
    going = _day(_monitor(days=1), _holder(), _ground(), line=30.0, lost=10.0)
    assert going == [(0, 0.25, 0.0)]


def test_losses_larger_than_the_line_left_still_make_a_rate_to_fall_back_on() -> None:
    # 30 lost, 10 left: 30 / 40 = 0.75.
    going = _day(_monitor(days=1), _holder(), _ground(), line=10.0, lost=30.0)
    assert going == [(0, 0.75, 0.0)]


def test_a_day_exactly_at_the_rate_the_holder_bears_does_not_count() -> None:
    # 25 / (75 + 25) = 0.25, the limit itself.
    monitor = _monitor(days=1, above=0.25)
    assert _day(monitor, _holder(), _ground(), line=75.0, lost=25.0) == []
    assert monitor.streak == [0]


def test_a_day_below_the_rate_starts_the_count_afresh_at_zero() -> None:
    monitor, holder, ground = _monitor(days=2), _holder(), _ground()
    assert _day(monitor, holder, ground, line=50.0, lost=50.0) == []  # 0.5: one day
    assert _day(monitor, holder, ground, line=99.0, lost=1.0) == []  # 0.01: count back to 0
    assert _day(monitor, holder, ground, line=50.0, lost=50.0) == []  # one day again, not two
    assert monitor.streak == [1]


def test_a_day_with_nobody_in_the_line_starts_the_count_afresh_at_zero() -> None:
    monitor, holder, ground = _monitor(days=2), _holder(), _ground()
    assert _day(monitor, holder, ground, line=0.0, lost=0.0) == []  # not watched (and no 0 / 0)
    assert monitor.streak == [0]
    assert _day(monitor, holder, ground, line=50.0, lost=50.0) == []  # the first day counted
    assert _day(monitor, holder, ground, line=50.0, lost=50.0) == [(0, 0.5, 0.0)]


def test_the_count_starts_afresh_once_a_fall_back_is_ordered() -> None:
    monitor, holder, ground = _monitor(days=2), _holder(), _ground()
    _day(monitor, holder, ground, line=50.0, lost=50.0)
    assert _day(monitor, holder, ground, line=50.0, lost=50.0) == [(0, 0.5, 0.0)]
    assert monitor.streak == [0]
    # A fall back shorter than a day is over by the next check (the replication clears the flag then):
    # the next bad day is the first of a new count, not the third.
    monitor.falling_back[0] = False
    assert _day(monitor, holder, ground, line=50.0, lost=50.0) == []
    assert monitor.streak == [1]


def test_a_lost_sector_is_not_watched_whatever_it_lost_that_day() -> None:
    monitor, holder, ground = _monitor(days=1), _holder(), _ground()
    ground.lose(0, 100.0)
    # The day's losses came before the sector fell; its line is gone: no fall back from ground not held.
    assert _day(monitor, holder, ground, line=0.0, lost=5.0) == []


def test_a_sector_below_one_square_km_and_a_line_below_one_soldier_are_still_watched() -> None:
    # Half a km2 held, 0.5 / (0.5 + 0.5) = 0.5 lost.
    assert _day(_monitor(days=1), _holder(), _ground(0.5), line=0.5, lost=0.5) == [(0, 0.5, 0.0)]
    # Half a soldier left after losing a quarter: 0.25 / 0.75 = 1/3; nothing left, half lost: 1.
    assert _day(_monitor(days=1), _holder(), _ground(), line=0.5, lost=0.25) == [(0, 0.25 / 0.75, 0.0)]
    assert _day(_monitor(days=1), _holder(), _ground(), line=0.0, lost=0.5) == [(0, 1.0, 0.0)]


def test_falling_back_over_one_day_gives_the_ground_up_at_the_days_end() -> None:
    env, ground = simpy.Environment(), _ground()
    env.process(fall_back(env, ground, 0, 40.0, 1.0))
    env.run(until=0.75)
    assert ground.area == [100.0]  # one daily step: nothing given up half-way through the day
    env.run(until=1.5)
    assert ground.area == [40.0]


def test_falling_back_over_two_days_gives_half_the_ground_each_day() -> None:
    env, ground = simpy.Environment(), _ground()
    env.process(fall_back(env, ground, 0, 40.0, 2.0))
    env.run(until=1.5)
    assert ground.area == [70.0]  # 100 - (100 - 40) x 1 / 2
    env.run(until=2.5)
    assert ground.area == [40.0]
