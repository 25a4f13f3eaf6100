"""Send a unit where the side's power per km of front is lowest, so density follows frontage."""

from __future__ import annotations

from collections.abc import Sequence

from sim.scenario.rules.allocation.base import register


@register("proportional_frontage")
def proportional_frontage(
    own_power: Sequence[float],
    enemy_power: Sequence[float],
    unit_count: Sequence[int],
    frontage: Sequence[float],
) -> int:
    """Return the sector with the least own power per km of front (sectors with no front last)."""
    return min(
        range(len(frontage)), key=lambda k: own_power[k] / frontage[k] if frontage[k] > 0 else float("inf")
    )
