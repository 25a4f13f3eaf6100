"""The holder's decision to withdraw ("hold while militarily appropriate"), and the withdrawal itself.

Each day from the rules' ``not_before`` date, every withdrawal rule (``sim.scenario.rules.withdrawal``)
sees the holder's situation; the first that fires starts a fighting withdrawal: over its duration the
held area of every sector shrinks evenly to nothing (ground can still be lost faster by assault).
"""

from __future__ import annotations

import math
from collections.abc import Generator, Sequence
from typing import Any

import simpy

from sim.model import laws
from sim.model.forces import SideState
from sim.model.ground import Ground
from sim.model.plans import WithdrawalPlan
from sim.scenario.rules.withdrawal import HolderState, WithdrawalRule


class WithdrawalMonitor:
    """Shows the holder's rules each day's state and names the first that fires.

    Args:
        plan: The holder's withdrawal rules and their values.
    """

    def __init__(self, plan: WithdrawalPlan) -> None:
        self.plan = plan
        self.rules: list[WithdrawalRule] = plan.rules()
        self.fired: WithdrawalRule | None = None

    def check(self, state: HolderState) -> WithdrawalRule | None:
        """Record one day's state and return the first rule that fires, or None to hold.

        Every rule sees the day, so those that count consecutive days keep counting.
        """
        if self.plan.not_before_day is not None and state.day < self.plan.not_before_day:
            return None
        fired = [rule for rule in self.rules if rule.observe(state)]
        self.fired = fired[0] if fired else None
        return self.fired


def holder_state(holder: SideState, opponent: SideState, ground: Ground, day: float) -> HolderState:
    """Return the holder's situation: area, overall force ratio, supply, casualties, strength."""
    ratio = laws.force_ratio(
        holder.total_line_power(), holder.supply, opponent.total_line_power(), opponent.supply
    )
    return HolderState(
        day, ground.total_area(), ground.total_area0, ratio, holder.supply, holder.casualties, holder.present
    )


def fighting_withdrawal(
    env: simpy.Environment, holder: SideState, ground: Ground, duration: float
) -> Generator[simpy.Event, Any, Sequence[int]]:
    """Give the ground up evenly over ``duration`` days, then clear every sector; return the sectors."""
    start_area = list(ground.area)
    days = max(1, math.ceil(duration))
    for step in range(1, days + 1):
        yield env.timeout(duration / days)
        remaining = 1.0 - step / days
        for k in range(len(ground)):
            ground.set_area(k, min(ground.sectors[k].area, start_area[k] * remaining))
    holder.withdrawn = True
    for k in range(len(ground)):
        ground.set_area(k, 0.0)
        holder.clear_sector(k)
    return range(len(ground))
