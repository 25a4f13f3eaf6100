"""What a withdrawal rule is, what it sees, and the registry of rules.

The holder's command checks every rule once a day from the withdrawal block's ``not_before`` date;
the first rule (in ``order``) that fires starts a fighting withdrawal, and its ``name`` is the
run's ``withdrawal_reason``. Every rule sees every day, even after another would have fired, so
rules that count consecutive days count them the same whatever the others do.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from mypy_extensions import mypyc_attr

from sim.scenario.rules.discovery import add_in_order


class HolderState:
    """The holder's situation on one day, as its command sees it (read it; rules do not change it).

    Args:
        day: Days since the scenario start.
        area_km2: Total area held.
        initial_area_km2: Total area held at the start.
        force_ratio: The enemy's combat power in the line over the holder's (inf with nobody in line).
        supply: The holder's supply factor, 0-1.
        casualties: The holder's cumulative casualties.
        strength: The holder's personnel in theatre.
    """

    # A plain class (native where the rules are compiled), as TempoContext: made each day without
    # boxing its figures or going through tuple.__new__.
    __slots__ = ("day", "area_km2", "initial_area_km2", "force_ratio", "supply", "casualties", "strength")

    def __init__(
        self,
        day: float,
        area_km2: float,
        initial_area_km2: float,
        force_ratio: float,
        supply: float,
        casualties: float,
        strength: float,
    ) -> None:
        self.day = day
        self.area_km2 = area_km2
        self.initial_area_km2 = initial_area_km2
        self.force_ratio = force_ratio
        self.supply = supply
        self.casualties = casualties
        self.strength = strength

    def figures(self) -> tuple[float, float, float, float, float, float, float]:
        """Return the figures in the order of the arguments."""
        return (
            self.day,
            self.area_km2,
            self.initial_area_km2,
            self.force_ratio,
            self.supply,
            self.casualties,
            self.strength,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HolderState) and self.figures() == other.figures()

    def __repr__(self) -> str:
        names = ("day", "area_km2", "initial_area_km2", "force_ratio", "supply", "casualties", "strength")
        shown = ", ".join(f"{name}={value!r}" for name, value in zip(names, self.figures(), strict=True))
        return f"HolderState({shown})"


# Compiled where the install can (setup.py); rules written elsewhere subclass it as Python classes.
@mypyc_attr(allow_interpreted_subclasses=True)
class WithdrawalRule(ABC):
    """One rule of "hold while militarily appropriate": a threshold on the holder's situation.

    Class attributes:
        name: The rule's name, as ``withdrawal_reason`` records it.
        order: Position among the rules (the first that fires gives the reason).
        fields: Schema fields the rule adds to a side's ``command.withdrawal`` block, as
            ``name: (type, pydantic Field)``; the rule is off when its first field is null.
        label: What firing means, in words for a reader ("held area fell below its limit").
    """

    name: ClassVar[str]
    order: ClassVar[int]
    fields: ClassVar[dict[str, tuple[Any, Any]]]
    label: ClassVar[str]

    @classmethod
    @abstractmethod
    def configure(cls, values: Mapping[str, Any]) -> WithdrawalRule | None:
        """Return the rule set up for one replication from its fields' values, or None if it is off."""
        # Compiled, the base does not refuse a subclass without it: say so if it is called.
        raise NotImplementedError("a withdrawal rule defines configure")

    @classmethod
    @abstractmethod
    def summary(cls, values: Mapping[str, Any], show: Callable[[Any], str]) -> str | None:
        """Say what the rule is set to ("area < 150-350 km2"), with ``show`` for numbers; None if off."""
        # Compiled, the base does not refuse a subclass without it: say so if it is called.
        raise NotImplementedError("a withdrawal rule defines summary")

    @abstractmethod
    def observe(self, state: HolderState) -> bool:
        """Take in one day's state and return whether the rule fires on it."""
        # Compiled, the base does not refuse a subclass without it: say so if it is called.
        raise NotImplementedError("a withdrawal rule defines observe")

    @abstractmethod
    def explain(self, state: HolderState) -> str:
        """Say, with the numbers, why the rule fired on ``state`` (e.g. "held area 288 km² < 300 km²")."""
        # Compiled, the base does not refuse a subclass without it: say so if it is called.
        raise NotImplementedError("a withdrawal rule defines explain")


RULES: dict[str, type[WithdrawalRule]] = {}
"""Every withdrawal rule by name, in ``order``."""


def register(rule: type[WithdrawalRule]) -> type[WithdrawalRule]:
    """Add a rule to the registry: a class decorator, or a call after the class.

    The built-in rules call it after the class: mypyc compiles a decorated class as a Python class.
    """
    return add_in_order(RULES, rule, "withdrawal rules")


def label_of(reason: str) -> str:
    """Return a reader's phrase for a ``withdrawal_reason`` (the name itself if unknown)."""
    rule = RULES.get(reason)
    return rule.label if rule is not None else reason.replace("_", " ")
