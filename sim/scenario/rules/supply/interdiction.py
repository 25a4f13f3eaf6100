"""Interdiction of the holder's supply corridor: capacity collapses once the road is within enemy fire.

A salient is supplied along roads through its base. While the flanks hold, the road lies beyond the
reach of the enemy's artillery and drones; as the flank sectors fall, the base narrows (a flank sector
shrinking in proportion keeps its shape, so its width scales with the square root of its area), and
once the road is within reach, convoys are struck on the move. Capacity is then cut, more the deeper the
road lies inside the reach, down to ``interdicted_share`` when the enemy's line is within half its reach
of the road (where artillery and drones can cover it densely):

    distance = corridor_half_width_km x mean over the flanks of sqrt(held area / area at the start)
    cut = clip((reach - distance) / (reach / 2), 0, 1)
    factor = 1 - (1 - interdicted_share) x cut

Not a linear penalty of the area lost: nothing happens until the road is within reach, then supply
falls within a few km of further loss.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from sim.scenario import limits
from sim.scenario.distributions import Fraction, NonNegative, limit
from sim.scenario.rules.fields import Field
from sim.scenario.rules.supply.base import SupplyContext, SupplyEffect, register


def corridor_distance(half_width_km: float, flank_shares: list[float]) -> float:
    """Return the road's distance to the enemy: the half-width scaled by the flanks' mean sqrt(held share)."""
    if not flank_shares:
        return half_width_km
    # Plain additions from the left, not ``sum``, which compensates from Python 3.12 on: the figures of
    # Python 3.11 in either build and on every Python (sim.model.sums says more).
    total = 0.0
    for share in flank_shares:
        total += math.sqrt(max(0.0, share))
    return half_width_km * total / len(flank_shares)


def interdiction_factor(distance_km: float, reach_km: float, interdicted_share: float) -> float:
    """Return the share of capacity left with the road ``distance_km`` from the enemy's line.

    1 while the road is beyond ``reach_km``; falls linearly to ``interdicted_share`` as the enemy closes to
    half its reach, and stays there.
    """
    if reach_km <= 0.0 or distance_km >= reach_km:
        return 1.0
    cut = min(1.0, (reach_km - distance_km) / (0.5 * reach_km))
    return 1.0 - (1.0 - interdicted_share) * cut


class Interdiction(SupplyEffect):
    """The holder's corridor under enemy fire (other sides are not affected)."""

    name: ClassVar[str] = "interdiction"
    order: ClassVar[int] = 20
    fields: ClassVar[dict[str, tuple[Any, Any]]] = {
        "corridor_half_width_km": (
            Annotated[NonNegative, limit(limits.FRONTAGE_KM)] | None,
            Field(
                None,
                description="Distance from the holder's supply road to the enemy's line on the flanks at "
                "the start, km (absent: the corridor is never interdicted; at most 10,000).",
            ),
        ),
        "corridor_flanks": (
            tuple[Annotated[str, Field(max_length=64)], ...],
            Field(
                (),
                max_length=limits.SECTORS,
                description="The sectors on the corridor's flanks, whose loss narrows it (absent: every "
                "sector).",
            ),
        ),
        "corridor_fire_reach_km": (
            Annotated[NonNegative, limit(limits.ASSAULT_KM)],
            Field(
                15.0,
                description="How far from its line the enemy's artillery and drones strike traffic on the "
                "road, km (at most 100).",
            ),
        ),
        "interdicted_share": (
            Fraction,
            Field(
                0.3,
                description="Share of capacity left once the enemy's line is within half its fire reach of "
                "the road.",
            ),
        ),
    }

    def __init__(self, half_width: float, flanks: tuple[str, ...], reach: float, share: float) -> None:
        self.half_width = half_width
        self.flanks = flanks
        self.reach = reach
        self.share = share
        # The flanks' places among the sectors, found once for the sectors seen (the same every day).
        self._sectors: tuple[str, ...] | None = None
        self._flank_indices: list[int] = []

    @classmethod
    def configure(cls, values: Mapping[str, Any]) -> Interdiction | None:
        """Return the effect, or None when ``corridor_half_width_km`` is absent."""
        half_width = values["corridor_half_width_km"]
        if half_width is None:
            return None
        return cls(
            float(half_width),
            tuple(values["corridor_flanks"]),
            float(values["corridor_fire_reach_km"]),
            float(values["interdicted_share"]),
        )

    def factor(self, context: SupplyContext) -> float:
        """Return the interdiction factor for the holder, 1 for the other side."""
        if not context.holds_ground:
            return 1.0
        if context.sectors != self._sectors:
            chosen = self.flanks or context.sectors
            self._flank_indices = [k for k, name in enumerate(context.sectors) if name in chosen]
            self._sectors = context.sectors
        area, area0 = context.sector_area_km2, context.sector_area0_km2
        shares = [area[k] / area0[k] for k in self._flank_indices if area0[k] > 0.0]
        return interdiction_factor(corridor_distance(self.half_width, shares), self.reach, self.share)


register(Interdiction)
