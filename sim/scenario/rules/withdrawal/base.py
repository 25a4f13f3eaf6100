"""What a withdrawal rule is, what it sees, and the registry of rules.

The holder's command checks every rule once a day from the withdrawal block's ``not_before`` date;
the first rule (in ``order``) that fires starts a fighting withdrawal, and its ``name`` is the
run's ``withdrawal_reason``. Every rule sees every day, even after another would have fired, so
rules that count consecutive days count them the same whatever the others do.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, NamedTuple

from mypy_extensions import mypyc_attr

from sim.scenario.rules.discovery import add_in_order


class HolderState(NamedTuple):
    """The holder's situation on one day, as its command sees it.

    Attributes:
        day: Days since the scenario start.
        area_km2: Total area held.
        initial_area_km2: Total area held at the start.
        force_ratio: The enemy's combat power in the line over the holder's (inf with nobody in line).
        supply: The holder's supply factor, 0-1.
        casualties: The holder's cumulative casualties.
        strength: The holder's personnel in theatre.
    """

    # A named tuple, not a frozen dataclass: one is made each day, and a frozen dataclass sets each
    # field through object.__setattr__.

    day: float
    area_km2: float
    initial_area_km2: float
    force_ratio: float
    supply: float
    casualties: float
    strength: float


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

    @classmethod
    @abstractmethod
    def summary(cls, values: Mapping[str, Any], show: Callable[[Any], str]) -> str | None:
        """Say what the rule is set to ("area < 150-350 km2"), with ``show`` for numbers; None if off."""

    @abstractmethod
    def observe(self, state: HolderState) -> bool:
        """Take in one day's state and return whether the rule fires on it."""

    @abstractmethod
    def explain(self, state: HolderState) -> str:
        """Say, with the numbers, why the rule fired on ``state`` (e.g. "held area 288 km² < 300 km²")."""


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
