"""What the attacker's tempo rules see each day (``sim.model.tempo.update_tempo``).

Each rule is handed one ``TempoContext`` per sector and day. These tests record the contexts and pin
each field at its edges: whether the side counts as attacking (its start, its withdrawal, a lost
sector) and the strength share of a sector it has left empty. Each fails with a one-line change to the
way ``update_tempo`` builds the context.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import pytest
from test_dynamics import ATTACK
from test_mechanisms import Forces, date, scenario

from sim.model.tempo import update_tempo
from sim.scenario.rules.tempo.base import TempoContext, TempoRule
from sim.scenario.rules.tempo.pauses import Pauses


class Seen(TempoRule):
    """A rule that keeps every context it is shown and leaves the tempo alone."""

    name = "seen"
    block = "seen"
    order = 0
    fields: ClassVar[dict[str, tuple[Any, Any]]] = {}
    description = "records what it sees"

    def __init__(self) -> None:
        self.contexts: list[TempoContext] = []

    @classmethod
    def configure(cls, values: Mapping[str, Any], sectors: int) -> Seen:
        return cls()

    @classmethod
    def summary(cls, values: Mapping[str, Any], show: Callable[[Any], str]) -> str:
        return "records"

    def daily(self, context: TempoContext) -> float:
        self.contexts.append(context)
        return 1.0

    def explain(self, sector: int) -> tuple[str, dict[str, float]] | None:
        return None


def two_sectors(**attack: Any) -> Forces:
    """Red attacks two sectors of 100 km² each (``attack`` adds to its attack block)."""
    sectors = {
        "north": {"area_km2": 100, "frontage_km": 10},
        "south": {"area_km2": 100, "frontage_km": 10},
    }
    return Forces(scenario(sides__red__attack={**ATTACK, **attack}, sectors=sectors))


def seen_on(forces: Forces, day: float) -> list[TempoContext]:
    rule = Seen()
    update_tempo(forces.red, [rule], forces.ground, day, None)
    return rule.contexts


def test_a_side_is_not_attacking_before_its_start_and_is_from_its_start_day() -> None:
    forces = two_sectors(start=date(3))
    forces.units(forces.red, 1, sector=0)
    assert [c.attacking for c in seen_on(forces, 2.0)] == [False, False]
    assert [c.attacking for c in seen_on(forces, 3.0)] == [True, True]


def test_a_withdrawing_side_is_not_attacking() -> None:
    forces = two_sectors()
    forces.units(forces.red, 1, sector=0)
    assert [c.attacking for c in seen_on(forces, 1.0)] == [True, True]
    forces.red.withdrawing = True
    assert [c.attacking for c in seen_on(forces, 1.0)] == [False, False]


def test_a_lost_sector_is_not_attacked_and_one_with_any_ground_left_is() -> None:
    forces = two_sectors()
    forces.ground.sectors[0].area = 0.0
    forces.ground.sectors[1].area = 0.5  # half a km² left: still held, still attacked
    assert [c.attacking for c in seen_on(forces, 1.0)] == [False, True]


def test_the_strength_share_is_of_full_size_and_one_in_a_sector_the_side_has_left_empty() -> None:
    forces = two_sectors()
    (unit,) = forces.units(forces.red, 1, sector=0)
    unit.strength = 900.0  # of 1,500
    forces.red.sectors[0].line_strength = 900.0
    north, south = seen_on(forces, 1.0)
    assert north.strength_share == pytest.approx(900.0 / 1500.0)
    assert south.strength_share == 1.0  # nobody there: not worn (and no division by zero)
    assert (north.line_strength, south.line_strength) == (900.0, 0.0)


def test_a_pause_in_a_sector_the_side_has_left_ends_when_due_and_says_it_is_at_full_share() -> None:
    # Red paused in the south on day 1 for 2 days; by day 3 it has no units there. The pause ends on
    # its day (an empty sector is not worn thin) and the trace's resume names the share of an empty
    # line, 1.
    forces = two_sectors()
    forces.units(forces.red, 1, sector=0)
    rule = Pauses(2, after_days=None, floor=0.5, length=2.0)
    rule.paused_until[1] = 3.0
    update_tempo(forces.red, [rule], forces.ground, 3.0, forces.record)
    assert forces.red.tempo_factor == [1.0, 1.0]
    resumed = [entry for entry in forces.log if entry[3] == "resumes its attack"]
    assert [(entry[0], entry[-1]["strength_share"]) for entry in resumed] == [(1, 1.0)]


def test_a_context_is_made_by_keyword_and_says_what_it_holds() -> None:
    context = TempoContext(
        day=3.0, sector=1, attacking=True, line_strength=900.0, losses=12.5, assaults=2, strength_share=0.6
    )
    assert (context.day, context.sector, context.attacking) == (3.0, 1, True)
    assert (context.line_strength, context.losses, context.assaults, context.strength_share) == (
        900.0,
        12.5,
        2,
        0.6,
    )
    assert repr(context) == (
        "TempoContext(day=3.0, sector=1, attacking=True, line_strength=900.0, losses=12.5, assaults=2, "
        "strength_share=0.6)"
    )
