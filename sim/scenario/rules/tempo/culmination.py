"""Culmination: the attacker's tempo adapts to its own attrition (Epstein's adaptive attacker).

Epstein's attacker (The Calculus of Conventional War, 1985; analysed by Sedaghat, SIAM Review 44(1),
2002) presses at a prosecution rate it adjusts each day to the attrition it suffered the day before,
toward the rate it will bear: above its threshold it slows, below it presses harder. Here the adjusted
quantity is the share of the side's tempo it uses in a sector, ``m`` in [0, 1], in additive form:

    m(t) = clip(m(t-1) - adaptation * (a(t) / tolerable_loss_rate - 1), 0, 1)

with ``a(t)`` the side's daily losses in the sector as a share of its line there, averaged over
``memory_days`` (an exponential moving average). An attacker bleeding twice as fast as it will bear
loses ``adaptation`` of its tempo each day; one suffering nothing regains as much. Losses that do not
come from its own assaults (fires, counter-attacks) count too, so an attacker whose losses under fire
alone exceed what it bears stops attacking there, as Epstein's does under air attrition.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Annotated, Any, ClassVar

from sim.scenario import limits
from sim.scenario.distributions import Fraction, NonNegative, Positive, limit
from sim.scenario.rules.fields import Field
from sim.scenario.rules.tempo.base import TempoContext, TempoRule, register


def adapted_tempo(tempo: float, loss_rate: float, tolerable_loss_rate: float, adaptation: float) -> float:
    """Return the next day's share of tempo: ``tempo - adaptation x (loss_rate / tolerable - 1)``, in [0, 1].

    Args:
        tempo: The share of its tempo the attacker used the day before.
        loss_rate: Its recent daily losses as a share of its line.
        tolerable_loss_rate: The daily loss rate it will bear (above 0).
        adaptation: How much of its tempo it gives up (or regains) a day per unit of relative overshoot.
    """
    change = adaptation * (loss_rate / tolerable_loss_rate - 1.0)
    return max(0.0, min(1.0, tempo - change))


def smoothed(average: float, value: float, memory_days: float) -> float:
    """Return an exponential moving average after one more day (``memory_days`` its time constant)."""
    weight = 1.0 - math.exp(-1.0 / memory_days) if memory_days > 0 else 1.0
    return average + weight * (value - average)


class Culmination(TempoRule):
    """Epstein's adaptive attacker, sector by sector."""

    name: ClassVar[str] = "culmination"
    block: ClassVar[str] = "culmination"
    order: ClassVar[int] = 10
    description: ClassVar[str] = (
        "The attacker's tempo in each sector adapts to its own attrition there (Epstein's adaptive "
        "attacker): it slows while its daily losses exceed what it bears and recovers below it "
        "(absent: the tempo ignores losses)."
    )
    fields: ClassVar[dict[str, tuple[Any, Any]]] = {
        "tolerable_loss_rate": (
            Annotated[Positive, limit(1.0)],
            Field(
                description="Daily losses, as a share of the side's line in the sector, that it bears "
                "without slowing (above 0, at most 1)."
            ),
        ),
        "adaptation": (
            Annotated[NonNegative, limit(limits.SPREAD)],
            Field(
                0.2,
                description="Share of its tempo the side gives up (or regains) a day for each multiple of "
                "the tolerable rate its losses exceed (or fall short of) (at most 10).",
            ),
        ),
        "memory_days": (
            Annotated[NonNegative, limit(limits.DAYS)],
            Field(
                3.0,
                description="Time constant, days, of the moving average of the loss rate the side "
                "reacts to; 0 reacts to the last day alone (at most 3,660).",
            ),
        ),
        "initial_tempo": (
            Fraction,
            Field(1.0, description="Share of its tempo the side uses on the first day of its attack."),
        ),
    }

    def __init__(
        self, sectors: int, tolerable: float, adaptation: float, memory_days: float, initial: float
    ) -> None:
        self.tolerable = tolerable
        self.adaptation = adaptation
        self.memory_days = memory_days
        self.tempo = [initial] * sectors
        self.loss_rate = [0.0] * sectors
        self.crossed: list[tuple[str, dict[str, float]] | None] = [None] * sectors

    @classmethod
    def configure(cls, values: Mapping[str, Any], sectors: int) -> Culmination:
        """Return the rule with its threshold, adaptation, memory and starting tempo."""
        return cls(
            sectors,
            float(values["tolerable_loss_rate"]),
            float(values["adaptation"]),
            float(values["memory_days"]),
            float(values["initial_tempo"]),
        )

    @classmethod
    def summary(cls, values: Mapping[str, Any], show: Callable[[Any], str]) -> str:
        """Say the threshold and the adaptation."""
        return (
            f"tempo adapts to losses above {show(values['tolerable_loss_rate'])} of the line a day "
            f"(adaptation {show(values['adaptation'])} a day)"
        )

    def daily(self, context: TempoContext) -> float:
        """Update the sector's loss rate and tempo from the day before; return the tempo."""
        k = context.sector
        self.crossed[k] = None
        if not context.attacking or context.line_strength <= 0.0:
            return self.tempo[k]
        rate = context.losses / (context.line_strength + context.losses)
        self.loss_rate[k] = smoothed(self.loss_rate[k], rate, self.memory_days)
        before = self.tempo[k]
        after = adapted_tempo(before, self.loss_rate[k], self.tolerable, self.adaptation)
        self.tempo[k] = after
        # A trace event each time the tempo crosses a quarter mark, so a reader sees it culminate.
        if math.floor(before * 4.0) != math.floor(after * 4.0):
            subject = "slows under its losses" if after < before else "presses harder as its losses ease"
            self.crossed[k] = (
                subject,
                {"tempo": after, "loss_rate": self.loss_rate[k], "tolerable": self.tolerable},
            )
        return after

    def explain(self, sector: int) -> tuple[str, dict[str, float]] | None:
        """Return the crossing of a quarter mark on the last day, if any."""
        return self.crossed[sector]


register(Culmination)
