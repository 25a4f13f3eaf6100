"""Units and the state of each side: who is where, how strong, and what supply they have.

A side's units change state (en route, training, reserve, in the line, refitting) only through the
methods of ``SideState``, which keep the per-sector sums of strength and combat power true without
scanning every unit each day.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from sim.model.plans import SidePlan

# Final constants: compiled, each use is the number itself rather than a look-up in the module.
EN_ROUTE: Final = 0
TRAINING: Final = 1
RESERVE: Final = 2
LINE: Final = 3
REFIT: Final = 4
STATUS_NAMES = ("en route", "training", "reserve", "in line", "refitting")
FALLEN: Final = 1.0
"""A unit in the line with fewer personnel than this has fallen: it leaves the line at once to refit."""


class Unit:
    """A brigade, regiment or battalion: the entity committed, worn down, rotated and refitted."""

    __slots__ = ("name", "contingent", "full_size", "strength", "quality", "status", "sector")

    def __init__(self, name: str, contingent: str, full_size: float, quality: float) -> None:
        self.name = name
        self.contingent = contingent
        self.full_size = full_size
        self.strength = full_size
        self.quality = quality
        self.status = EN_ROUTE
        self.sector = -1


class SideState:
    """Mutable state of one side within a replication.

    ``line_strength`` and ``line_power`` hold, per sector, the sum of strength and of
    strength x quality over the side's units in the line there; they change only through
    ``enter_line``, ``pull_out``, ``clear_sector``, ``take_losses`` and ``add_strength``. ``reserve`` (per
    contingent) and ``refitting`` list the units in those states.

    Args:
        plan: The side's parameters.
        sector_count: Number of sectors.
    """

    def __init__(self, plan: SidePlan, sector_count: int) -> None:
        self.plan = plan
        self.name = plan.name
        self.index = plan.index
        names = [c.name for c in plan.contingents]
        self.units: list[Unit] = []
        self.arrived: list[Unit] = []
        self.arrived_by_contingent: dict[str, list[Unit]] = {name: [] for name in names}
        self.by_contingent: dict[str, list[Unit]] = {name: [] for name in names}
        self.line: list[list[Unit]] = [[] for _ in range(sector_count)]
        self.line_strength = [0.0] * sector_count
        self.line_power = [0.0] * sector_count
        # Personnel per km of front in each sector's line once the first units are placed (0: none yet).
        self.start_density = [0.0] * sector_count
        self.reserve: dict[str, list[Unit]] = {name: [] for name in names}
        self.refitting: list[Unit] = []
        # Nominal (full-size) strength of each contingent's units that have become ready.
        self.ready_full: dict[str, float] = dict.fromkeys(names, 0.0)
        self.reserve_share = {c.name: c.reserve_share for c in plan.contingents}
        self.casualties = 0.0
        self.supply = 1.0
        self.strike_cuts: list[tuple[float, float]] = []
        self.replacement_pool: dict[str, float] = dict.fromkeys(names, 0.0)
        self.withdrawing = False
        self.withdrawn = False
        self.present = 0.0
        # Losses and own assaults per sector since the day began (what the tempo rules see).
        self.sector_losses = [0.0] * sector_count
        self.sector_assaults = [0] * sector_count
        # Cumulative losses per sector since the start (what per-sector loss records compare with).
        self.sector_casualties = [0.0] * sector_count
        # The product of the side's tempo rules' factors in each sector for the day (sim.model.tempo).
        self.tempo_factor = [1.0] * sector_count
        # Called with a sector whenever a unit joins the side's line there (its assault rate may rise).
        self.on_reinforced: Callable[[int], None] | None = None

    def new_day(self) -> None:
        """Start counting the day's losses and assaults per sector afresh."""
        for k in range(len(self.sector_losses)):
            self.sector_losses[k] = 0.0
            self.sector_assaults[k] = 0

    def arrive(self, units: list[Unit]) -> None:
        """Units reach the theatre (they count in its strength from now on)."""
        self.arrived.extend(units)
        for unit in units:
            self.arrived_by_contingent[unit.contingent].append(unit)

    def make_ready(self, unit: Unit) -> None:
        """A unit that arrived and trained joins the reserve, ready to be committed."""
        unit.status = RESERVE
        self.reserve[unit.contingent].append(unit)
        self.ready_full[unit.contingent] = self.ready_full[unit.contingent] + unit.full_size

    def back_from_refit(self, unit: Unit) -> None:
        """A refitted unit rejoins the reserve."""
        self.refitting.remove(unit)
        unit.status = RESERVE
        self.reserve[unit.contingent].append(unit)

    def enter_line(self, unit: Unit, sector: int) -> None:
        """Commit a unit to a sector's line."""
        if unit.status == RESERVE:
            self.reserve[unit.contingent].remove(unit)
        unit.status, unit.sector = LINE, sector
        self.line[sector].append(unit)
        # Sums per sector written ``x[k] = x[k] + y``, here and below: compiled, ``x[k] += y`` on a list
        # is a generic in-place operation on boxed numbers, several times the cost of the float sum.
        self.line_strength[sector] = self.line_strength[sector] + unit.strength
        self.line_power[sector] = self.line_power[sector] + unit.strength * unit.quality
        if self.on_reinforced is not None:
            self.on_reinforced(sector)

    def shift(self, unit: Unit, sector: int) -> None:
        """Move a unit in the line from its sector to another one."""
        old = unit.sector
        self.line[old].remove(unit)
        self._recount(old)
        unit.sector = sector
        self.line[sector].append(unit)
        self.line_strength[sector] = self.line_strength[sector] + unit.strength
        self.line_power[sector] = self.line_power[sector] + unit.strength * unit.quality
        if self.on_reinforced is not None:
            self.on_reinforced(sector)

    def pull_out(self, unit: Unit) -> None:
        """Take a worn unit out of the line to refit."""
        sector = unit.sector
        self.line[sector].remove(unit)
        unit.status, unit.sector = REFIT, -1
        self.refitting.append(unit)
        self._recount(sector)

    def clear_sector(self, sector: int) -> None:
        """Move every unit in a sector's line back to the reserve."""
        for unit in self.line[sector]:
            unit.status, unit.sector = RESERVE, -1
            self.reserve[unit.contingent].append(unit)
        self.line[sector] = []
        self._recount(sector)

    def take_losses(self, sector: int, losses: float) -> None:
        """Spread losses over the units in a sector's line in proportion to their strength."""
        total = self.line_strength[sector]
        if total <= 0.0:
            return
        taken = min(losses, total)
        factor = 1.0 - taken / total
        for unit in self.line[sector]:
            unit.strength *= factor
        self.line_strength[sector] = self.line_strength[sector] * factor
        self.line_power[sector] = self.line_power[sector] * factor
        self.casualties += taken
        self.sector_losses[sector] = self.sector_losses[sector] + taken
        self.sector_casualties[sector] = self.sector_casualties[sector] + taken

    def fallen(self, sector: int) -> list[Unit]:
        """Take every unit of a sector's line that has fallen below ``FALLEN`` out to refit; return them."""
        line = self.line[sector]
        # Looked for before a list is made: called for both sides after every assault, and nobody has
        # fallen nearly every time.
        for unit in line:
            if unit.strength < FALLEN:
                break
        else:
            return []
        fallen = [unit for unit in line if unit.strength < FALLEN]
        for unit in fallen:
            self.pull_out(unit)
        return fallen

    def add_strength(self, unit: Unit, amount: float) -> None:
        """Add replacements to a unit (and to its sector's sums if it is in the line)."""
        unit.strength += amount
        if unit.status == LINE:
            self.line_strength[unit.sector] = self.line_strength[unit.sector] + amount
            self.line_power[unit.sector] = self.line_power[unit.sector] + amount * unit.quality

    def _recount(self, sector: int) -> None:
        # Plain additions in order, not ``sum`` (sim.model.sums says why): one pass for both sums.
        strength = 0.0
        power = 0.0
        for unit in self.line[sector]:
            strength += unit.strength
            power += unit.strength * unit.quality
        self.line_strength[sector] = strength
        self.line_power[sector] = power

    def in_theatre(self) -> float:
        """Return the personnel of every unit that has arrived."""
        return total_strength(self.arrived)


def total_strength(units: list[Unit]) -> float:
    """Return the units' personnel, added in order as ``sim.model.sums.float_sum`` adds."""
    total = 0.0
    for unit in units:
        total += unit.strength
    return total


def total_full_size(units: list[Unit]) -> float:
    """Return the units' full sizes, added in order as ``sim.model.sums.float_sum`` adds."""
    total = 0.0
    for unit in units:
        total += unit.full_size
    return total
