"""Fires outside assaults: each day, a side's artillery and drones wear down the enemy's line.

The law is ``laws.fire_losses`` (area fire, in proportion to the firing side's combat power per km and
its supply); losses are drawn with the engagement's loss noise from the side's own stream, and units
that fall leave the line (the replication covers the gap).
"""

from __future__ import annotations

from sim.model import laws
from sim.model.draws import Draws
from sim.model.forces import SideState
from sim.model.ground import Ground


def lay_fires(
    side: SideState, enemy: SideState, ground: Ground, dispersion: float | None, draws: Draws | None
) -> list[tuple[int, float]]:
    """Apply one day of the side's fires to the enemy's line in every open sector.

    Args:
        side: The firing side (its plan has ``fires``).
        enemy: The side fired on.
        ground: The sectors.
        dispersion: The engagement's gamma shape of loss noise (None: the mean itself).
        draws: The side's fires stream (None without noise).

    Returns:
        (sector, losses) for each sector where the enemy lost anyone.
    """
    fires = side.plan.fires
    assert fires is not None
    hit = []
    for k in range(len(ground)):
        front = ground.frontage(k)
        if ground.sectors[k].area <= 0.0 or front <= 0.0:
            continue
        present = enemy.sectors[k].line_strength
        density = side.sectors[k].line_power / front
        mean = laws.fire_losses(
            present, density, fires.loss_share_per_day, fires.reference_density, side.supply
        )
        losses = laws.draw_losses(mean, present, dispersion, draws)
        if losses > 0.0:
            enemy.take_losses(k, losses)
            hit.append((k, losses))
    return hit
