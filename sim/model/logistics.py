"""Supply: capacity against demand each day, cut by strikes and scaled by the supply effects."""

from __future__ import annotations

from sim.model import laws
from sim.model.forces import SideState
from sim.model.ground import Ground
from sim.scenario.rules.supply import SupplyContext


def update_supply(sides: list[SideState], ground: Ground, now: float) -> None:
    """Set each side's supply factor for the day.

    Capacity is the side's ``logistics.capacity``, less the cut of every strike still in effect,
    times every supply effect's factor; demand is every soldier in theatre times the need per
    soldier (``present``, counted at the day's record). A side with no logistics block is fully
    supplied.
    """
    area = ground.total_area()
    sector_area: tuple[float, ...] | None = None  # made once for the day, if an effect is to see it
    for side in sides:
        logistics = side.plan.logistics
        if logistics is None:
            side.supply = 1.0
            continue
        if side.strike_cuts:
            side.strike_cuts = [(end, cut) for end, cut in side.strike_cuts if end > now]
        capacity = logistics.capacity
        for _, cut in side.strike_cuts:
            capacity *= 1.0 - cut
        if logistics.effects:
            if sector_area is None:
                sector_area = tuple([sector.area for sector in ground.sectors])
            context = SupplyContext(
                side.plan.holds_ground,
                area,
                ground.total_area0,
                now,
                ground.name_tuple,
                sector_area,
                ground.area0_tuple,
            )
            for effect in logistics.effects:
                capacity *= effect.factor(context)
        demand = side.present * logistics.demand_per_soldier
        side.supply = laws.supply_factor(capacity, demand)
