"""What a supply effect is, what it sees, and the registry of effects.

Each day a side's supply capacity is its ``logistics.capacity``, cut by the strikes it suffers, then
multiplied by the factor of every supply effect in ``order``; the supply factor is capacity over
demand, within [0, 1].
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

from mypy_extensions import mypyc_attr

from sim.scenario.rules.discovery import add_in_order


class SupplyContext:
    """A side's situation when its supply capacity is worked out for the day (read it; do not change it).

    Args:
        holds_ground: Whether the side holds the sectors.
        area_km2: Total area held (by the holder).
        initial_area_km2: Total area held at the start.
        day: Days since the scenario start.
        sectors: The sectors' names, in order.
        sector_area_km2: Each sector's held area now.
        sector_area0_km2: Each sector's held area at the start.
    """

    # A plain class (native where the rules are compiled), as TempoContext: made for each side and day
    # without boxing its figures or going through tuple.__new__.
    __slots__ = (
        "holds_ground",
        "area_km2",
        "initial_area_km2",
        "day",
        "sectors",
        "sector_area_km2",
        "sector_area0_km2",
    )

    def __init__(
        self,
        holds_ground: bool,
        area_km2: float,
        initial_area_km2: float,
        day: float,
        sectors: tuple[str, ...] = (),
        sector_area_km2: tuple[float, ...] = (),
        sector_area0_km2: tuple[float, ...] = (),
    ) -> None:
        self.holds_ground = holds_ground
        self.area_km2 = area_km2
        self.initial_area_km2 = initial_area_km2
        self.day = day
        self.sectors = sectors
        self.sector_area_km2 = sector_area_km2
        self.sector_area0_km2 = sector_area0_km2

    def __repr__(self) -> str:
        return (
            f"SupplyContext(holds_ground={self.holds_ground!r}, area_km2={self.area_km2!r}, "
            f"initial_area_km2={self.initial_area_km2!r}, day={self.day!r}, sectors={self.sectors!r}, "
            f"sector_area_km2={self.sector_area_km2!r}, sector_area0_km2={self.sector_area0_km2!r})"
        )


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
        # Compiled, the base does not refuse a subclass without it: say so if it is called.
        raise NotImplementedError("a supply effect defines configure")

    @abstractmethod
    def factor(self, context: SupplyContext) -> float:
        """Return the share of capacity left on this day (1 leaves it as it is)."""
        # Compiled, the base does not refuse a subclass without it: say so if it is called.
        raise NotImplementedError("a supply effect defines factor")


EFFECTS: dict[str, type[SupplyEffect]] = {}
"""Every supply effect by name, in ``order``."""


def register(effect: type[SupplyEffect]) -> type[SupplyEffect]:
    """Add an effect to the registry: a class decorator, or a call after the class.

    The built-in effects call it after the class: mypyc compiles a decorated class as a Python class.
    """
    return add_in_order(EFFECTS, effect, "supply effects")
