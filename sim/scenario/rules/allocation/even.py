"""Send a unit to the sector with the fewest units."""

from __future__ import annotations

from collections.abc import Sequence

from sim.scenario.rules.allocation.base import register


@register("even")
def even(
    own_power: Sequence[float],
    enemy_power: Sequence[float],
    unit_count: Sequence[int],
    frontage: Sequence[float],
) -> int:
    """Return the sector with the fewest of the side's units (the first on a tie)."""
    return min(range(len(frontage)), key=lambda k: unit_count[k])
