"""Edges of a side's daily command (``sim.model.command``), each against a number worked by hand.

Replacements under one soldier a day, units smaller than one soldier filled once each, no allocation
while the side withdraws, and the reserve share met up to its tolerance of 1e-9 soldiers: a unit goes
when what stays in reserve is exactly 1e-9 short of the share, not when it is 1.5e-9 short (the
tolerance absorbs float rounding of share x full sizes, far smaller, and nothing more).

Blue (the side commanded) has units of 1,000 at quality 1.2, one salient sector, rotation below half
strength, return from refit at 0.9.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_mechanisms import Forces, scenario

from sim.model import BUILD
from sim.model.command import allocate, daily_command, releasable, replace
from sim.model.forces import LINE, RESERVE, SideState, Unit


def _command(**paths: Any) -> Forces:
    return Forces(
        scenario(sides__blue__command={"rotation_threshold": 0.5, "return_threshold": 0.9}, **paths)
    )


# ----------------------------------------------------------------------------------------- replacements
def test_replacements_of_half_a_soldier_a_day_still_reach_the_weakest_unit() -> None:
    forces = _command(sides__blue__contingents__main__replacements_per_day=0.5)
    (unit,) = forces.units(forces.blue, 1, 700.0, 0)
    daily_command(forces.blue, forces.red, forces.ground, 1.0, None)
    assert unit.strength == 700.5
    assert forces.blue.line_strength[0] == pytest.approx(700.5)


@pytest.mark.pure_model  # watches SideState.add_strength on the instance: compiled classes take no attributes
@pytest.mark.skipif(BUILD == "compiled", reason="run on the pure build by tests/test_builds.py")
def test_replacements_fill_each_unit_once_even_units_smaller_than_one_soldier() -> None:
    """Units of half a soldier at 0.1 and 0.3, a pool of 1: 0.4 then 0.2 fill both, 0.4 waits.

    A filled unit counts as full (share 1) and gets nothing more; every fill adds something.
    """
    forces = _command(sides__blue__contingents__main__unit_size=0.5)
    blue = forces.blue
    low, high = forces.units(blue, 1, 0.1) + forces.units(blue, 1, 0.3)
    fills: list[tuple[str, float]] = []

    def add_strength(unit: Unit, amount: float) -> None:
        assert amount > 0.0, f"a fill of {amount} for {unit.name}, a unit already full"
        fills.append((unit.name, amount))
        SideState.add_strength(blue, unit, amount)

    blue.add_strength = add_strength  # type: ignore[method-assign]
    replace(blue, "main", 1.0)
    assert fills == [(low.name, pytest.approx(0.4)), (high.name, pytest.approx(0.2))]
    assert (low.strength, high.strength) == (0.5, 0.5)
    assert blue.replacement_pool["main"] == pytest.approx(0.4)


# ----------------------------------------------------------------------------------------- withdrawing
def test_a_withdrawing_side_commits_no_reserve_even_to_an_empty_sector() -> None:
    forces = _command()
    waiting = forces.units(forces.blue, 2)
    forces.blue.withdrawing = True
    allocate(forces.blue, forces.red, forces.ground, forces.record)
    assert forces.blue.line[0] == [] and forces.blue.reserve["main"] == waiting
    assert forces.log == []


# -------------------------------------------------------------------------------- the reserve's tolerance
# Five ready units of full size 1,000 (one already in the sector's line, so nothing covers it first) and
# a reserve share of 0.6: the reserve keeps 0.6 x 5,000 = 3,000 (exactly, in floating point).
KEEP = 3000.0
EDGE = KEEP - 1e-9  # what may stay in reserve: the share up to the tolerance
SHORT = KEEP - 1.5e-9  # short of the share by more than the tolerance


def _reserve(*strengths: float) -> tuple[Forces, list[Unit]]:
    """Blue with a unit in the line and reserve units of these strengths, in this order."""
    forces = _command(sides__blue__contingents__main__reserve_share=0.6)
    forces.units(forces.blue, 1, 1000.0, 0)
    waiting = [forces.units(forces.blue, 1, strength)[0] for strength in strengths]
    assert forces.blue.reserve_share["main"] * forces.blue.ready_full["main"] == KEEP
    return forces, waiting


@pytest.mark.parametrize(("stays", "goes"), [(EDGE, "full"), (SHORT, "worn")])
def test_relief_is_the_strongest_unit_whose_going_leaves_the_share_up_to_1e_9(
    stays: float, goes: str
) -> None:
    """Three units of 1,000 and a worn one of ``stays`` - 2,000 (just under 1,000): 3,000 + that held.

    A full unit going leaves exactly ``stays`` (all sums are exact here): enough at the edge (the
    strongest, the first full unit, is the relief), not 1.5e-9 short (then only the worn unit may go,
    leaving 3,000).
    """
    forces, (full, _, _, worn) = _reserve(1000.0, 1000.0, 1000.0, stays - 2000.0)
    held = sum(unit.strength for unit in forces.blue.reserve["main"])
    assert held - 1000.0 == stays and held - worn.strength == KEEP
    assert releasable(forces.blue) is (full if goes == "full" else worn)


@pytest.mark.parametrize(("stays", "goes"), [(EDGE, "full"), (SHORT, "worn")])
def test_allocation_commits_a_unit_when_what_stays_meets_the_share_up_to_1e_9(
    stays: float, goes: str
) -> None:
    """The same reserve: at the edge the first full unit goes (then nothing more can); 1.5e-9 short, no
    full unit may go, only the worn one (leaving 3,000)."""
    forces, (full, _, _, worn) = _reserve(1000.0, 1000.0, 1000.0, stays - 2000.0)
    allocate(forces.blue, forces.red, forces.ground, None)
    committed = forces.blue.line[0][1:]
    assert committed == [full if goes == "full" else worn]
    assert committed[0].status == LINE


def test_the_weakest_reserve_unit_goes_when_what_stays_is_exactly_the_share_up_to_1e_9() -> None:
    """Reserve 1,000 + 1,000 + (3,000 - 1e-9 - 2,000) + 500: only the 500 may go, leaving 3,000 - 1e-9.

    The check that even the weakest unit may go must pass at that edge too, or nothing is committed.
    """
    forces, (_, _, _, weakest) = _reserve(1000.0, 1000.0, EDGE - 2000.0, 500.0)
    held = sum(unit.strength for unit in forces.blue.reserve["main"])
    assert held - 500.0 == EDGE
    allocate(forces.blue, forces.red, forces.ground, None)
    assert forces.blue.line[0][1:] == [weakest]
    assert all(unit.status == RESERVE for unit in forces.blue.reserve["main"])
