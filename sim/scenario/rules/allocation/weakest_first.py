"""Send a unit where the side's power against the enemy's is lowest."""

from __future__ import annotations

from collections.abc import Sequence

from sim.scenario.rules.allocation.base import register


@register("weakest_first")
def weakest_first(
    own_power: Sequence[float],
    enemy_power: Sequence[float],
    unit_count: Sequence[int],
    frontage: Sequence[float],
) -> int:
    """Return the sector with the lowest own-to-enemy power ratio.

    Sectors the enemy has not entered tie at an infinite ratio; among ties the sector with the
    least own power per km of front wins, so an unopposed front is still covered evenly.
    """

    def key(k: int) -> tuple[float, float]:
        ratio = own_power[k] / enemy_power[k] if enemy_power[k] > 0 else float("inf")
        density = own_power[k] / frontage[k] if frontage[k] > 0 else float("inf")
        return (ratio, density)

    return min(range(len(frontage)), key=key)
