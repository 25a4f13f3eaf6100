"""An exposed supply corridor: the holder's capacity falls as its salient shrinks.

The corridor into a shrinking salient is ever closer to enemy fire: at exposure ``e``, the
holder's capacity falls linearly to ``1 - e`` as its held area falls to nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from sim.scenario.distributions import Fraction
from sim.scenario.rules.fields import Field
from sim.scenario.rules.supply.base import SupplyContext, SupplyEffect, register


def corridor_factor(exposure: float, area_km2: float, initial_area_km2: float) -> float:
    """Return the share of capacity left: ``1 - exposure * (1 - area / initial area)``."""
    if initial_area_km2 <= 0.0:
        return 1.0
    share_held = max(0.0, min(1.0, area_km2 / initial_area_km2))
    return 1.0 - exposure * (1.0 - share_held)


class Corridor(SupplyEffect):
    """The holder's corridor exposure (other sides are not affected)."""

    name: ClassVar[str] = "corridor"
    order: ClassVar[int] = 10
    fields: ClassVar[dict[str, tuple[Any, Any]]] = {
        "corridor_exposure": (
            Fraction,
            Field(
                0.0,
                description="Share of capacity lost as the held area shrinks to nothing (holder only; "
                "ignored for the opponent).",
            ),
        ),
    }

    def __init__(self, exposure: float) -> None:
        self.exposure = exposure

    @classmethod
    def configure(cls, values: Mapping[str, Any]) -> Corridor:
        """Return the effect with its exposure."""
        return cls(float(values["corridor_exposure"]))

    def factor(self, context: SupplyContext) -> float:
        """Return the corridor factor for the holder, 1 for the other side."""
        if not context.holds_ground:
            return 1.0
        return corridor_factor(self.exposure, context.area_km2, context.initial_area_km2)


register(Corridor)
