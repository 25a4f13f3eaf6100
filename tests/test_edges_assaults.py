"""Edges of the assault loops and strike processes (``sim.model.assaults``), each with a number by hand.

When an assault loop reads its rate (at its start, a microsecond after each day's command, when woken,
and never again for a day's list it has left), how an assault drawn before the rate fell is thinned,
how a wait from a day's start keeps its own time to the bit, which sectors get a loop and find it again
to wake it, what an assault that moved no ground wakes, when a sector counts as lost, the weather of
the last day, and when a strike counts in the day's supply and in the trace.

Scenarios are tiny and deterministic (``engagement.noise: false``) unless a test says otherwise; a few
replace the assault rate with a scripted one to drive a loop through an exact sequence of rates.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_mechanisms import date, events, run, scenario

from sim.batch.seeding import replication_seed
from sim.model import BUILD
from sim.model.draws import Draws
from sim.model.plans import AttackPlan
from sim.model.replication import Replication

# Red attacks a 10 km line taking no ground and killing nobody: its rate changes only as a test makes it.
STEADY = {"max_rate_per_km": 0.1, "half_rate_density": 0.0, "advance_km": 0.0}
MICRO = 1e-6  # how long after a day's start a loop waiting for it reads its rate


def steady(horizon: int, **paths: Any) -> Any:
    values: dict[str, Any] = {
        "sides__red__attack": STEADY,
        "sectors__only__shape": "line",
        "engagement__kill_rate": 0.0,
    }
    return scenario(horizon, **{**values, **paths})


class RateReads(Replication):
    """A replication that notes each time a side reads its assault rate, with the sector."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reads: list[tuple[str, int, float]] = []

    def _assault_rate(self, side: Any, sector: int, plan: AttackPlan) -> float:
        self.reads.append((side.name, sector, self.env.now))
        return super()._assault_rate(side, sector, plan)

    def read_days(self, side: str, sector: int = 0) -> list[float]:
        return [day for name, k, day in self.reads if name == side and k == sector]


def traced(scen: Any, kind: type[Replication] = Replication) -> tuple[Any, Any]:
    replication = kind(scen, replication_seed(0, 0), trace=True)
    return replication, replication.run()


def assault_days(trajectory: Any, side: str = "red") -> list[float]:
    return [e.day for e in events(trajectory, "assault", side)]


# ================================================================================ when a loop reads its rate
def _wave(day: float) -> Any:
    """Red's rate: 0.06 a km x 10 km x tempo 0.5 (2 units, 270 a km at half-rate density 270) = 0.3 a day."""
    return steady(
        5,
        sides__red__attack={**STEADY, "max_rate_per_km": 0.06, "half_rate_density": 270.0},
        sides__red__contingents__main__echelons=[{"units": 2, "day": 0}, {"units": 1, "day": day}],
    )


def test_a_loop_waiting_for_a_day_re_reads_its_rate_a_microsecond_after_the_days_start() -> None:
    """0.3 a day: the first assault is 3.3 days off, so the loop waits for each day's start.

    It reads its rate at 0, then at 1 + 1e-6 and 2 + 1e-6 (just after each day's command), and, woken
    by the wave at 3 (one unit more: tempo 4,050 / (4,050 + 2,700) = 0.6, 0.36 a day), at 3. By then it
    has 0.3 x 3 = 0.9 of an assault: the first comes 0.1 / 0.36 day later. The day's list, which comes
    a microsecond later, finds the loop gone from it and leaves it alone.
    """
    replication, trajectory = traced(_wave(3), RateReads)
    first = assault_days(trajectory)[0]
    assert first == pytest.approx(3 + 0.1 / 0.36, abs=1e-9)
    before = [day for day in replication.read_days("red") if day < first]
    assert before == pytest.approx([0.0, 1 + MICRO, 2 + MICRO, 3.0], abs=1e-12)


def test_a_loop_woken_at_a_days_start_and_back_waiting_for_the_next_is_not_woken_by_the_days_list() -> None:
    """Woken by the wave at 2 with 0.3 x 2 = 0.6 of an assault, at 0.36 a day the loop still needs 1.1
    days: it waits for day 3 again and reads its rate at 3 + 1e-6, not at 2 + 1e-6 as well. With
    0.6 + 0.36 x 1 = 0.96 at day 3, the first assault comes 0.04 / 0.36 day after it (2 + 0.4 / 0.36).
    """
    replication, trajectory = traced(_wave(2), RateReads)
    first = assault_days(trajectory)[0]
    assert first == pytest.approx(2 + 0.4 / 0.36, abs=1e-9)
    before = [day for day in replication.read_days("red") if day < first]
    assert before == pytest.approx([0.0, 1 + MICRO, 2.0, 3 + MICRO], abs=1e-12)
