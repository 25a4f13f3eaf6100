"""Withdraw once the enemy's force ratio has stayed above a limit for some consecutive days."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, ClassVar

from sim.scenario import limits
from sim.scenario.distributions import DayCount, NonNegative, limit
from sim.scenario.rules.fields import Field
from sim.scenario.rules.withdrawal.base import HolderState, WithdrawalRule, register


class ForceRatioAbove(WithdrawalRule):
    """Fires once the ratio has been above ``force_ratio_above`` on ``force_ratio_days`` days in a row."""

    name: ClassVar[str] = "force_ratio_above"
    order: ClassVar[int] = 20
    fields: ClassVar[dict[str, tuple[Any, Any]]] = {
        "force_ratio_above": (
            Annotated[NonNegative, limit(limits.RATIO)] | None,
            Field(
                None,
                description="Withdraw once the enemy's theatre-wide force ratio stays above this "
                "(at most 1,000; absent: off) ...",
            ),
        ),
        "force_ratio_days": (
            DayCount,
            Field(
                14.0,
                description="... for this many consecutive days (a whole number, 1-3,660; a distribution's "
                "draws count as the next whole day).",
            ),
        ),
    }
    label: ClassVar[str] = "the enemy's force ratio stayed above its limit"

    def __init__(self, limit: float, days: float) -> None:
        self.limit = limit
        self.days = days
        self.streak = 0

    @classmethod
    def configure(cls, values: Mapping[str, Any]) -> ForceRatioAbove | None:
        """Return the rule with its limit and day count, or None when ``force_ratio_above`` is null."""
        limit = values["force_ratio_above"]
        return None if limit is None else cls(float(limit), float(values["force_ratio_days"]))

    @classmethod
    def summary(cls, values: Mapping[str, Any], show: Callable[[Any], str]) -> str | None:
        """Say the limit (None when the rule is off)."""
        limit = values["force_ratio_above"]
        return (
            None
            if limit is None
            else f"force ratio > {show(limit)} for {show(values['force_ratio_days'])} days"
        )

    def observe(self, state: HolderState) -> bool:
        """Count the day if the ratio is above the limit (else restart); fire once the count is reached."""
        self.streak = self.streak + 1 if state.force_ratio > self.limit else 0
        return self.streak >= self.days

    def explain(self, state: HolderState) -> str:
        """Say the ratio, the limit and for how long."""
        ratio = (
            "no defenders left in the line"
            if state.force_ratio == float("inf")
            else f"{state.force_ratio:.1f}:1"
        )
        return f"enemy force ratio {ratio}, above {self.limit:g}:1 for {self.streak} days in a row"


register(ForceRatioAbove)
