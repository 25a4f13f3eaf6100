"""Withdraw once the total held area falls below a limit."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, ClassVar

from sim.scenario import limits
from sim.scenario.distributions import NonNegative, limit
from sim.scenario.rules.fields import Field
from sim.scenario.rules.withdrawal.base import HolderState, WithdrawalRule, register


class AreaBelow(WithdrawalRule):
    """Fires on the first day the held area is below ``area_below_km2``."""

    name: ClassVar[str] = "area_below"
    order: ClassVar[int] = 10
    fields: ClassVar[dict[str, tuple[Any, Any]]] = {
        "area_below_km2": (
            Annotated[NonNegative, limit(limits.AREA_KM2)] | None,
            Field(
                None,
                description="Withdraw once total held area is below this (at most 1,000,000 km²; "
                "absent: off).",
            ),
        ),
    }
    label: ClassVar[str] = "held area fell below its limit"

    def __init__(self, limit_km2: float) -> None:
        self.limit_km2 = limit_km2

    @classmethod
    def configure(cls, values: Mapping[str, Any]) -> AreaBelow | None:
        """Return the rule with its limit, or None when ``area_below_km2`` is null."""
        limit = values["area_below_km2"]
        return None if limit is None else cls(float(limit))

    @classmethod
    def summary(cls, values: Mapping[str, Any], show: Callable[[Any], str]) -> str | None:
        """Say the limit (None when the rule is off)."""
        limit = values["area_below_km2"]
        return None if limit is None else f"area < {show(limit)} km2"

    def observe(self, state: HolderState) -> bool:
        """Fire when the area is below the limit."""
        return state.area_km2 < self.limit_km2

    def explain(self, state: HolderState) -> str:
        """Say the area and the limit."""
        return f"held area {state.area_km2:,.0f} km² below the limit of {self.limit_km2:,.0f} km²"


register(AreaBelow)
