"""Withdraw once the holder has lost more than a share of everyone who served in theatre.

Historical defenders rarely held on past heavy losses: in Helmbold's study of battles (1971) about
nine in ten defenders broke off before losing 40% of their strength, and doctrine calls a unit that has
lost 30% combat ineffective. The share counted here is cumulative casualties over casualties plus the
personnel still in theatre (replacements included), so it is the share of all who served that was lost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from sim.scenario.distributions import Fraction
from sim.scenario.rules.fields import Field
from sim.scenario.rules.withdrawal.base import HolderState, WithdrawalRule, register


def loss_share(casualties: float, strength: float) -> float:
    """Return casualties over everyone who served (casualties plus those still in theatre); 0 if none."""
    served = casualties + strength
    return casualties / served if served > 0.0 else 0.0


class LossShareAbove(WithdrawalRule):
    """Fires on the first day the share of the holder's force lost exceeds ``loss_share_above``."""

    name: ClassVar[str] = "loss_share_above"
    order: ClassVar[int] = 50
    fields: ClassVar[dict[str, tuple[Any, Any]]] = {
        "loss_share_above": (
            Fraction | None,
            Field(
                None,
                description="Withdraw once casualties exceed this share of everyone who served: casualties "
                "plus those in theatre (0-1; absent: off).",
            ),
        ),
    }
    label: ClassVar[str] = "the share of its force lost passed its limit"

    def __init__(self, limit: float) -> None:
        self.limit = limit

    @classmethod
    def configure(cls, values: Mapping[str, Any]) -> LossShareAbove | None:
        """Return the rule with its limit, or None when ``loss_share_above`` is null."""
        limit = values["loss_share_above"]
        return None if limit is None else cls(float(limit))

    @classmethod
    def summary(cls, values: Mapping[str, Any], show: Callable[[Any], str]) -> str | None:
        """Say the limit (None when the rule is off)."""
        limit = values["loss_share_above"]
        return None if limit is None else f"share of force lost > {show(limit)}"

    def observe(self, state: HolderState) -> bool:
        """Fire when the share lost is above the limit."""
        return loss_share(state.casualties, state.strength) > self.limit

    def explain(self, state: HolderState) -> str:
        """Say the share lost and the limit."""
        share = loss_share(state.casualties, state.strength)
        return f"{share:.0%} of the force lost ({state.casualties:,.0f}), above the limit of {self.limit:.0%}"


register(LossShareAbove)
