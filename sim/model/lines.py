"""Falling back to prepared lines: the holder trades a sector's ground for time when it bleeds too fast.

Epstein's defender (The Calculus of Conventional War, 1985) withdraws once its attrition exceeds what it
will bear. Here the holder watches its daily losses in each sector as a share of its line there; once
they stay above ``fall_back.loss_rate_above`` for ``fall_back.days`` days in a row, it falls back to the
sector's next prepared line over ``fall_back.duration_days`` (``Ground.lose`` gives it the line's
fortification when it gets there), or, with no line left and ``give_up_sector``, gives the sector up.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import simpy

from sim.model.forces import SideState
from sim.model.ground import Ground
from sim.model.plans import FallBackPlan


class FallBackMonitor:
    """Counts, sector by sector, the days in a row the holder's losses exceed what it bears there.

    Args:
        plan: The holder's fall-back rule.
        sectors: Number of sectors.
    """

    def __init__(self, plan: FallBackPlan, sectors: int) -> None:
        self.plan = plan
        self.streak = [0] * sectors
        self.falling_back = [False] * sectors

    def check(self, holder: SideState, ground: Ground) -> list[tuple[int, float, float]]:
        """Take in the day's losses; return (sector, loss rate, area to fall back to) for each that goes.

        Call once a day before the holder's loss counts are reset.
        """
        going = []
        for k in range(len(ground)):
            figures = holder.sectors[k]
            line, lost = figures.line_strength, figures.losses
            if ground.sectors[k].area <= 0.0 or self.falling_back[k] or line + lost <= 0.0:
                self.streak[k] = 0
                continue
            rate = lost / (line + lost)
            self.streak[k] = self.streak[k] + 1 if rate > self.plan.loss_rate_above else 0
            if self.streak[k] < self.plan.days:
                continue
            target = ground.next_line_area(k)
            if target is None and not self.plan.give_up_sector:
                continue
            self.streak[k] = 0
            self.falling_back[k] = True
            going.append((k, rate, 0.0 if target is None else target))
        return going


def fall_back(
    env: simpy.Environment, ground: Ground, sector: int, target_km2: float, duration: float
) -> Generator[simpy.Event, Any, None]:
    """Give a sector's ground up evenly down to ``target_km2`` over ``duration`` days (in daily steps)."""
    start_area = ground.sectors[sector].area
    days = max(1, math.ceil(duration))
    for step in range(1, days + 1):
        yield env.timeout(duration / days)
        wanted = start_area - (start_area - target_km2) * step / days
        held = ground.sectors[sector].area
        if held > wanted:
            ground.lose(sector, held - wanted)
