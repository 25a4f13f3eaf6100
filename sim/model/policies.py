"""Command policies: where a ready unit goes, and when a holding side withdraws.

Each policy is a small function or class over plain numbers, tested on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

AllocationPolicy = Callable[[Sequence[float], Sequence[float], Sequence[int], Sequence[float]], int]
"""(own power, enemy power, own unit count, frontage) per open sector -> index of the chosen sector."""


def proportional_frontage(
    own_power: Sequence[float],
    enemy_power: Sequence[float],
    unit_count: Sequence[int],
    frontage: Sequence[float],
) -> int:
    """Send the unit where own power per km of front is lowest, so density follows frontage."""
    return min(
        range(len(frontage)), key=lambda k: own_power[k] / frontage[k] if frontage[k] > 0 else float("inf")
    )


def weakest_first(
    own_power: Sequence[float],
    enemy_power: Sequence[float],
    unit_count: Sequence[int],
    frontage: Sequence[float],
) -> int:
    """Send the unit where own power against enemy power is lowest.

    Sectors the enemy has not entered tie at an infinite ratio; among ties the sector with the
    least own power per km of front wins, so an unopposed front is still covered evenly.
    """

    def key(k: int) -> tuple[float, float]:
        ratio = own_power[k] / enemy_power[k] if enemy_power[k] > 0 else float("inf")
        density = own_power[k] / frontage[k] if frontage[k] > 0 else float("inf")
        return (ratio, density)

    return min(range(len(frontage)), key=key)


def even(
    own_power: Sequence[float],
    enemy_power: Sequence[float],
    unit_count: Sequence[int],
    frontage: Sequence[float],
) -> int:
    """Send the unit to the sector with the fewest units."""
    return min(range(len(frontage)), key=lambda k: unit_count[k])


ALLOCATION_POLICIES: dict[str, AllocationPolicy] = {
    "proportional_frontage": proportional_frontage,
    "weakest_first": weakest_first,
    "even": even,
}


@dataclass
class WithdrawalRules:
    """The thresholds of a withdrawal decision; None switches a rule off.

    Attributes:
        area_below_km2: Withdraw once total held area is below this.
        force_ratio_above: Withdraw once the enemy's force ratio has been above this ...
        force_ratio_days: ... on this many consecutive days.
        supply_below: Withdraw once supply has been below this ...
        supply_days: ... on this many consecutive days.
        losses_above: Withdraw once cumulative casualties exceed this.
    """

    area_below_km2: float | None = None
    force_ratio_above: float | None = None
    force_ratio_days: int = 14
    supply_below: float | None = None
    supply_days: int = 7
    losses_above: float | None = None


class WithdrawalMonitor:
    """Checks a holding side's withdrawal rules once a day, counting consecutive days."""

    def __init__(self, rules: WithdrawalRules) -> None:
        self.rules = rules
        self._ratio_days = 0
        self._supply_days = 0

    def check(self, area_km2: float, force_ratio: float, supply: float, casualties: float) -> str | None:
        """Record one day's state and return the reason to withdraw, or None to hold.

        Args:
            area_km2: Total area held.
            force_ratio: Enemy combat power over own, over the whole front.
            supply: Own supply factor.
            casualties: Own cumulative casualties.

        Returns:
            The name of the first rule that fires, or None.
        """
        rules = self.rules
        if rules.force_ratio_above is not None:
            self._ratio_days = self._ratio_days + 1 if force_ratio > rules.force_ratio_above else 0
        if rules.supply_below is not None:
            self._supply_days = self._supply_days + 1 if supply < rules.supply_below else 0
        if rules.area_below_km2 is not None and area_km2 < rules.area_below_km2:
            return "area_below"
        if rules.force_ratio_above is not None and self._ratio_days >= rules.force_ratio_days:
            return "force_ratio_above"
        if rules.supply_below is not None and self._supply_days >= rules.supply_days:
            return "supply_below"
        if rules.losses_above is not None and casualties > rules.losses_above:
            return "losses_above"
        return None
