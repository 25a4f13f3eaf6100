"""Withdraw once supply has stayed below a limit for some consecutive days."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from sim.scenario.distributions import DayCount, Fraction
from sim.scenario.rules.fields import Field
from sim.scenario.rules.withdrawal.base import HolderState, WithdrawalRule, register


class SupplyBelow(WithdrawalRule):
    """Fires once supply has been below ``supply_below`` on ``supply_days`` days in a row."""

    name: ClassVar[str] = "supply_below"
    order: ClassVar[int] = 30
    fields: ClassVar[dict[str, tuple[Any, Any]]] = {
        "supply_below": (
            Fraction | None,
            Field(
                None, description="Withdraw once the supply factor stays below this (0-1; absent: off) ..."
            ),
        ),
        "supply_days": (
            DayCount,
            Field(
                7.0,
                description="... for this many consecutive days (a whole number, 1-3,660; a distribution's "
                "draws count as the next whole day).",
            ),
        ),
    }
    label: ClassVar[str] = "supply stayed below its limit"

    def __init__(self, limit: float, days: float) -> None:
        self.limit = limit
        self.days = days
        self.streak = 0

    @classmethod
    def configure(cls, values: Mapping[str, Any]) -> SupplyBelow | None:
        """Return the rule with its limit and day count, or None when ``supply_below`` is null."""
        limit = values["supply_below"]
        return None if limit is None else cls(float(limit), float(values["supply_days"]))

    @classmethod
    def summary(cls, values: Mapping[str, Any], show: Callable[[Any], str]) -> str | None:
        """Say the limit (None when the rule is off)."""
        limit = values["supply_below"]
        return None if limit is None else f"supply < {show(limit)} for {show(values['supply_days'])} days"

    def observe(self, state: HolderState) -> bool:
        """Count the day if supply is below the limit (else restart); fire once the count is reached."""
        self.streak = self.streak + 1 if state.supply < self.limit else 0
        return self.streak >= self.days

    def explain(self, state: HolderState) -> str:
        """Say the supply, the limit and for how long."""
        return f"supply at {state.supply:.0%} of need, below {self.limit:.0%} for {self.streak} days in a row"


register(SupplyBelow)
