"""The attacker's tempo rules, applied once a day: culmination, pauses (``sim.scenario.rules.tempo``).

Each attacking side with tempo rules has one rule object per rule, holding a state per sector. At each
day's start every rule sees what the side did and suffered in each sector the day before and returns a
factor for the day; the side's ``tempo_factor`` in the sector, their product, multiplies its assault
rate there until the next day.
"""

from __future__ import annotations

from sim.model.command import Log
from sim.model.forces import SideState, total_full_size
from sim.model.ground import Ground
from sim.scenario.rules.tempo import TempoContext, TempoRule


def update_tempo(
    side: SideState, rules: list[TempoRule], ground: Ground, now: float, log: Log | None
) -> None:
    """Set the side's tempo factor in every sector for the day from its rules (trace events when tracing).

    Args:
        side: The attacking side.
        rules: Its tempo rules for this replication.
        ground: The sectors.
        now: The day (the day's start).
        log: Records an event when tracing, else None.
    """
    plan = side.plan.attack
    begun = plan is not None and now >= plan.start and not side.withdrawing
    for k in range(len(ground)):
        units = side.line[k]
        figures = side.sectors[k]
        full = total_full_size(units)
        context = TempoContext(
            now,
            k,
            begun and ground.sectors[k].area > 0.0,
            figures.line_strength,
            figures.losses,
            figures.assaults,
            figures.line_strength / full if units else 1.0,
        )
        factor = 1.0
        for rule in rules:
            factor *= rule.daily(context)
            if log is not None:
                change = rule.explain(k)
                if change is not None:
                    subject, numbers = change
                    log(k, rule.name, side.name, subject, **numbers)
        figures.tempo_factor = factor
