"""What a tempo rule is, what it sees, and the registry of rules.

An attacking side's assault rate in a sector is ``max_rate_per_km x front x supply x tempo(density)``,
times the factor of every tempo rule the side's ``attack`` block switches on. Each rule is a block of
that ``attack`` block (named by the rule's ``block``; absent or null: off) and sees, once a day for
each sector, what the attacker did and suffered there the day before; the factor it returns holds for
the day. Rules keep their own state from day to day (one rule object per side and replication).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from mypy_extensions import mypyc_attr

from sim.scenario.rules.discovery import add_in_order


class TempoContext:
    """An attacking side's situation in one sector at the start of a day (read it; rules do not change it).

    Args:
        day: Days since the scenario start.
        sector: The sector's index.
        attacking: Whether the side's attack has begun (its ``start``) and the sector is still open.
        line_strength: The side's personnel in the sector's line now.
        losses: The side's losses in the sector over the day before (assaults and fires).
        assaults: The side's assaults launched in the sector over the day before.
        strength_share: The side's units in the sector's line, their strength as a share of their full
            size (1 with nobody there).
    """

    # A plain class, not a named tuple or a frozen dataclass: one is made per sector and day. Compiled
    # with the rules, it is a native class, made and read without boxing a number (a named tuple held
    # each figure as a Python object, and was made through tuple.__new__).
    __slots__ = ("day", "sector", "attacking", "line_strength", "losses", "assaults", "strength_share")

    def __init__(
        self,
        day: float,
        sector: int,
        attacking: bool,
        line_strength: float,
        losses: float,
        assaults: int,
        strength_share: float,
    ) -> None:
        self.day = day
        self.sector = sector
        self.attacking = attacking
        self.line_strength = line_strength
        self.losses = losses
        self.assaults = assaults
        self.strength_share = strength_share

    def __repr__(self) -> str:
        return (
            f"TempoContext(day={self.day!r}, sector={self.sector!r}, attacking={self.attacking!r}, "
            f"line_strength={self.line_strength!r}, losses={self.losses!r}, assaults={self.assaults!r}, "
            f"strength_share={self.strength_share!r})"
        )


# Compiled where the install can (setup.py); rules written elsewhere subclass it as Python classes.
@mypyc_attr(allow_interpreted_subclasses=True)
class TempoRule(ABC):
    """A rule that scales an attacking side's assault rate, sector by sector, day by day.

    Class attributes:
        name: The rule's name (trace events and docs name it).
        block: The key of its block in a side's ``attack`` block.
        order: Position among the rules (their factors multiply).
        fields: Schema fields of its block, as ``name: (type, pydantic Field)``.
        description: What the block switches on, for the schema and the parameter reference.
    """

    name: ClassVar[str]
    block: ClassVar[str]
    order: ClassVar[int]
    fields: ClassVar[dict[str, tuple[Any, Any]]]
    description: ClassVar[str]

    @classmethod
    @abstractmethod
    def configure(cls, values: Mapping[str, Any], sectors: int) -> TempoRule:
        """Return the rule set up for one replication from its block's values, with a state per sector."""
        # Compiled, the base does not refuse a subclass without it: say so if it is called.
        raise NotImplementedError("a tempo rule defines configure")

    @classmethod
    @abstractmethod
    def summary(cls, values: Mapping[str, Any], show: Callable[[Any], str]) -> str:
        """Say what the rule is set to, with ``show`` for numbers."""
        # Compiled, the base does not refuse a subclass without it: say so if it is called.
        raise NotImplementedError("a tempo rule defines summary")

    @abstractmethod
    def daily(self, context: TempoContext) -> float:
        """Take in one sector's day and return the factor on the assault rate there for the coming day."""
        # Compiled, the base does not refuse a subclass without it: say so if it is called.
        raise NotImplementedError("a tempo rule defines daily")

    @abstractmethod
    def explain(self, sector: int) -> tuple[str, dict[str, float]] | None:
        """Return what changed in a sector on the last ``daily`` call, worth a trace event, or None.

        The event is ``(subject, numbers)``: what happened in words a reader can follow ("pauses: 12
        days of assault in a row") and the figures behind it.
        """
        # Compiled, the base does not refuse a subclass without it: say so if it is called.
        raise NotImplementedError("a tempo rule defines explain")


RULES: dict[str, type[TempoRule]] = {}
"""Every tempo rule by name, in ``order``."""


def register(rule: type[TempoRule]) -> type[TempoRule]:
    """Add a rule to the registry: a class decorator, or a call after the class.

    The built-in rules call it after the class: mypyc compiles a decorated class as a Python class.
    """
    return add_in_order(RULES, rule, "tempo rules")
