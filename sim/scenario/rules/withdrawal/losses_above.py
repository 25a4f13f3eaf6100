"""Withdraw once cumulative casualties exceed a limit."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, ClassVar

from sim.scenario import limits
from sim.scenario.distributions import NonNegative, limit
from sim.scenario.rules.fields import Field
from sim.scenario.rules.withdrawal.base import HolderState, WithdrawalRule, register


class LossesAbove(WithdrawalRule):
    """Fires on the first day cumulative casualties exceed ``losses_above``."""

    name: ClassVar[str] = "losses_above"
    order: ClassVar[int] = 40
    fields: ClassVar[dict[str, tuple[Any, Any]]] = {
        "losses_above": (
            Annotated[NonNegative, limit(limits.PERSONNEL)] | None,
            Field(
                None,
                description="Withdraw once cumulative casualties exceed this (at most 1e9; absent: off).",
            ),
        ),
    }
    label: ClassVar[str] = "losses exceeded their limit"

    def __init__(self, limit: float) -> None:
        self.limit = limit

    @classmethod
    def configure(cls, values: Mapping[str, Any]) -> LossesAbove | None:
        """Return the rule with its limit, or None when ``losses_above`` is null."""
        limit = values["losses_above"]
        return None if limit is None else cls(float(limit))

    @classmethod
    def summary(cls, values: Mapping[str, Any], show: Callable[[Any], str]) -> str | None:
        """Say the limit (None when the rule is off)."""
        limit = values["losses_above"]
        return None if limit is None else f"losses > {show(limit)}"

    def observe(self, state: HolderState) -> bool:
        """Fire when casualties exceed the limit."""
        return state.casualties > self.limit

    def explain(self, state: HolderState) -> str:
        """Say the casualties and the limit."""
        return f"casualties {state.casualties:,.0f}, above the limit of {self.limit:,.0f}"


register(LossesAbove)
