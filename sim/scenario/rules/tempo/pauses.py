"""Operational pauses: after a spell of continuous assault, or once worn thin, a sector's attack stops.

An offensive does not press every day for months: after some days of continuous assault its units are
exhausted and it pauses to rest, refit and bring up supplies, for "several days to two weeks" (Soviet
military encyclopaedic dictionary, 1986, "operational pause"); Dupuy's QJM limits an engagement to five
days and lets exhaustion recover only out of combat. Here a side's attack in a sector pauses once it has
launched assaults there on ``after_days`` days in a row, or once its units there are worn below
``below_strength_share`` of their full size; it resumes ``length_days`` later if they are back above that
share (else it waits for rotation, refits and replacements, day by day).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from sim.scenario.distributions import DayCount, Duration, Fraction
from sim.scenario.rules.fields import Field
from sim.scenario.rules.tempo.base import TempoContext, TempoRule, register


class Pauses(TempoRule):
    """Pauses of a side's attack, sector by sector."""

    name: ClassVar[str] = "pauses"
    block: ClassVar[str] = "pauses"
    order: ClassVar[int] = 20
    description: ClassVar[str] = (
        "The side's attack in a sector pauses after a spell of continuous assault or once worn thin, "
        "and resumes when rested and refilled (absent: it never pauses)."
    )
    fields: ClassVar[dict[str, tuple[Any, Any]]] = {
        "after_days": (
            DayCount | None,
            Field(
                None,
                description="Pause after assaulting the sector on this many days in a row (a whole number, "
                "1-3,660; a distribution's draws count as the next whole day; absent: no limit).",
            ),
        ),
        "below_strength_share": (
            Fraction | None,
            Field(
                None,
                description="Pause while the side's units in the sector's line are below this share of "
                "their full size (absent: no floor).",
            ),
        ),
        "length_days": (
            Duration,
            Field(7.0, description="Shortest pause, days (at most 3,660)."),
        ),
    }

    def __init__(self, sectors: int, after_days: float | None, floor: float | None, length: float) -> None:
        self.after_days = after_days
        self.floor = floor
        self.length = length
        self.streak = [0] * sectors
        self.paused_until: list[float | None] = [None] * sectors
        self.changed: list[tuple[str, dict[str, float]] | None] = [None] * sectors

    @classmethod
    def configure(cls, values: Mapping[str, Any], sectors: int) -> Pauses:
        """Return the rule with its spell, floor and length."""
        after = values["after_days"]
        floor = values["below_strength_share"]
        return cls(
            sectors,
            None if after is None else float(after),
            None if floor is None else float(floor),
            float(values["length_days"]),
        )

    @classmethod
    def summary(cls, values: Mapping[str, Any], show: Callable[[Any], str]) -> str:
        """Say when the side pauses and for how long."""
        when = []
        if values["after_days"] is not None:
            when.append(f"after {show(values['after_days'])} days of assault")
        if values["below_strength_share"] is not None:
            when.append(f"below {show(values['below_strength_share'])} of full strength")
        return f"pauses {' or '.join(when) or 'never'} for at least {show(values['length_days'])} days"

    def _worn(self, context: TempoContext) -> bool:
        return self.floor is not None and context.strength_share < self.floor

    def daily(self, context: TempoContext) -> float:
        """Count the sector's spell of assault, start or end its pause; return 0 while paused, else 1."""
        k = context.sector
        self.changed[k] = None
        until = self.paused_until[k]
        if until is not None:
            if context.day < until or self._worn(context):
                return 0.0
            self.paused_until[k] = None
            self.streak[k] = 0
            self.changed[k] = ("resumes its attack", {"strength_share": context.strength_share})
            return 1.0
        if not context.attacking or context.line_strength <= 0.0:
            self.streak[k] = 0
            return 1.0
        self.streak[k] = self.streak[k] + 1 if context.assaults > 0 else 0
        spent = self.after_days is not None and self.streak[k] >= self.after_days
        if spent or self._worn(context):
            self.paused_until[k] = context.day + self.length
            why = "after a spell of continuous assault" if spent else "worn below its strength floor"
            self.changed[k] = (
                f"pauses {why}",
                {
                    "days_of_assault": float(self.streak[k]),
                    "strength_share": context.strength_share,
                    "length_days": self.length,
                },
            )
            return 0.0
        return 1.0

    def explain(self, sector: int) -> tuple[str, dict[str, float]] | None:
        """Return the pause begun or ended on the last day, if any."""
        return self.changed[sector]


register(Pauses)
