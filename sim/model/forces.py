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


class SectorForces:
    """A side's figures in one sector (``SideState.sectors``).

    Plain float fields rather than one list per figure across the sectors: compiled, a field is read and
    written natively, where a list of floats boxes each number it holds (a new float object at every
    write, and an unboxing at every read).

    Attributes:
        line_strength: Personnel of the side's units in the sector's line.
        line_power: Their strength x quality, summed.
        losses: The side's losses in the sector since the day began (assaults and fires).
        assaults: Its assaults launched in the sector since the day began.
        casualties: Its losses in the sector since the start.
        tempo_factor: The product of its tempo rules' factors in the sector for the day (sim.model.tempo).
        start_density: Personnel per km of front in the sector's line once the first units were placed
            (0: none yet).
    """

    __slots__ = (
        "line_strength",
        "line_power",
        "losses",
        "assaults",
        "casualties",
        "tempo_factor",
        "start_density",
    )

    def __init__(self) -> None:
        self.line_strength = 0.0
        self.line_power = 0.0
        self.losses = 0.0
        self.assaults = 0
        self.casualties = 0.0
        self.tempo_factor = 1.0
        self.start_density = 0.0


class SideState:
    """Mutable state of one side within a replication.

    ``sectors`` holds the side's figures in each sector (``SectorForces``); the sums of strength and of
    strength x quality over its units in each sector's line change only through ``enter_line``,
    ``shift``, ``pull_out``, ``clear_sector``, ``take_losses`` and ``add_strength``. ``reserve`` (per
    contingent) and ``refitting`` list the units in those states. ``line_strength``, ``line_power`` and
    the other per-sector lists are copies, for reading.

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
        self.sectors = [SectorForces() for _ in range(sector_count)]
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
        # Called with a sector whenever a unit joins the side's line there (its assault rate may rise).
        self.on_reinforced: Callable[[int], None] | None = None

    @property
    def line_strength(self) -> list[float]:
        """Personnel in each sector's line (a copy)."""
        return [sector.line_strength for sector in self.sectors]

    @property
    def line_power(self) -> list[float]:
        """Strength x quality in each sector's line (a copy)."""
        return [sector.line_power for sector in self.sectors]

    @property
    def sector_losses(self) -> list[float]:
        """Losses in each sector since the day began (a copy)."""
        return [sector.losses for sector in self.sectors]

    @property
    def sector_assaults(self) -> list[int]:
        """Assaults launched on each sector since the day began (a copy)."""
        return [sector.assaults for sector in self.sectors]

    @property
    def sector_casualties(self) -> list[float]:
        """Losses in each sector since the start (a copy)."""
        return [sector.casualties for sector in self.sectors]

    @property
    def tempo_factor(self) -> list[float]:
        """The tempo rules' factor in each sector for the day (a copy)."""
        return [sector.tempo_factor for sector in self.sectors]

    @property
    def start_density(self) -> list[float]:
        """Personnel per km of front in each sector's line at the start (a copy)."""
        return [sector.start_density for sector in self.sectors]

    def total_line_power(self) -> float:
        """Return the strength x quality of the side's whole line, added sector by sector from the left."""
        total = 0.0
        for sector in self.sectors:
            total += sector.line_power
        return total

    def new_day(self) -> None:
        """Start counting the day's losses and assaults per sector afresh."""
        for sector in self.sectors:
            sector.losses = 0.0
            sector.assaults = 0

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
        figures = self.sectors[sector]
        figures.line_strength += unit.strength
        figures.line_power += unit.strength * unit.quality
        if self.on_reinforced is not None:
            self.on_reinforced(sector)

    def shift(self, unit: Unit, sector: int) -> None:
        """Move a unit in the line from its sector to another one."""
        old = unit.sector
        self.line[old].remove(unit)
        self._recount(old)
        unit.sector = sector
        self.line[sector].append(unit)
        figures = self.sectors[sector]
        figures.line_strength += unit.strength
        figures.line_power += unit.strength * unit.quality
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
        figures = self.sectors[sector]
        total = figures.line_strength
        if total <= 0.0:
            return
        taken = min(losses, total)
        factor = 1.0 - taken / total
        for unit in self.line[sector]:
            unit.strength *= factor
        figures.line_strength *= factor
        figures.line_power *= factor
        self.casualties += taken
        figures.losses += taken
        figures.casualties += taken

    def fallen(self, sector: int) -> list[Unit]:
        """Take every unit of a sector's line that has fallen below ``FALLEN`` out to refit; return them."""
        fallen = [unit for unit in self.line[sector] if unit.strength < FALLEN]
        for unit in fallen:
            self.pull_out(unit)
        return fallen

    def add_strength(self, unit: Unit, amount: float) -> None:
        """Add replacements to a unit (and to its sector's sums if it is in the line)."""
        unit.strength += amount
        if unit.status == LINE:
            figures = self.sectors[unit.sector]
            figures.line_strength += amount
            figures.line_power += amount * unit.quality

    def _recount(self, sector: int) -> None:
        # Plain additions in order, not ``sum`` (sim.model.sums says why): one pass for both sums.
        strength = 0.0
        power = 0.0
        for unit in self.line[sector]:
            strength += unit.strength
            power += unit.strength * unit.quality
        figures = self.sectors[sector]
        figures.line_strength = strength
        figures.line_power = power

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
