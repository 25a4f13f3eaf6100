"""What a supply effect is, what it sees, and the registry of effects.

Each day a side's supply capacity is its ``logistics.capacity``, cut by the strikes it suffers, then
multiplied by the factor of every supply effect in ``order``; the supply factor is capacity over
demand, within [0, 1].
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar, NamedTuple

from mypy_extensions import mypyc_attr

from sim.scenario.rules.discovery import add_in_order


class SupplyContext(NamedTuple):
    """A side's situation when its supply capacity is worked out for the day.

    Attributes:
        holds_ground: Whether the side holds the sectors.
        area_km2: Total area held (by the holder).
        initial_area_km2: Total area held at the start.
        day: Days since the scenario start.
        sectors: The sectors' names, in order.
        sector_area_km2: Each sector's held area now.
        sector_area0_km2: Each sector's held area at the start.
    """

    # A named tuple, not a frozen dataclass: one is made per sector and day, and a frozen dataclass
    # sets each field through object.__setattr__.

    holds_ground: bool
    area_km2: float
    initial_area_km2: float
    day: float
    sectors: tuple[str, ...] = ()
    sector_area_km2: tuple[float, ...] = ()
    sector_area0_km2: tuple[float, ...] = ()


# Compiled where the install can (setup.py); rules written elsewhere subclass it as Python classes.
@mypyc_attr(allow_interpreted_subclasses=True)
class SupplyEffect(ABC):
    """Something that scales a side's supply capacity each day.

    Class attributes:
        name: The effect's name.
        order: Position among the effects (they multiply, so order matters only to rounding).
        fields: Schema fields the effect adds to a side's ``logistics`` block, as ``name: (type,
            pydantic Field)``.
    """

    name: ClassVar[str]
    order: ClassVar[int]
    fields: ClassVar[dict[str, tuple[Any, Any]]]

    @classmethod
    @abstractmethod
    def configure(cls, values: Mapping[str, Any]) -> SupplyEffect | None:
        """Return the effect set up for one replication from its fields' values (None: no effect)."""

    @abstractmethod
    def factor(self, context: SupplyContext) -> float:
        """Return the share of capacity left on this day (1 leaves it as it is)."""


EFFECTS: dict[str, type[SupplyEffect]] = {}
"""Every supply effect by name, in ``order``."""


def register(effect: type[SupplyEffect]) -> type[SupplyEffect]:
    """Add an effect to the registry: a class decorator, or a call after the class.

    The built-in effects call it after the class: mypyc compiles a decorated class as a Python class.
    """
    return add_in_order(EFFECTS, effect, "supply effects")
