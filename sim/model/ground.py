"""The contested ground: each sector's held area, front length and fortification.

A salient sector shrinks keeping its shape, so its front scales with the square root of its area; a
line sector's front keeps its length while any ground is held. The holder's fortification grows each
day it loses no ground, and keeps only a share of itself when the line moves back.
"""

from __future__ import annotations

from sim.model import laws
from sim.model.plans import SectorPlan


class SectorGround:
    """One sector's ground (``Ground.sectors``): its geometry, what is held and how it is fortified.

    Plain fields rather than one list per figure across the sectors: compiled, a field is read and
    written natively, where a list of floats boxes each number it holds.

    Attributes:
        area: Area the holder holds now, km².
        area0: Area at the start, km².
        frontage0: Front length at the start, km.
        is_line: A line sector (its front keeps its length while any ground is held), not a salient one.
        terrain: Factor on the defender's effectiveness.
        fortification: The holder's fortification now.
        fortification_growth: Its growth on a day the line does not move back.
        fortification_max: The most it grows to (a prepared line's may be higher).
        fortification_kept: The share of it kept when the line moves back.
        moved_back: Whether the line moved back since the day's growth.
        next_line: Index of the next prepared line behind the holder (their count once all are behind).
    """

    __slots__ = (
        "area",
        "area0",
        "frontage0",
        "is_line",
        "terrain",
        "fortification",
        "fortification_growth",
        "fortification_max",
        "fortification_kept",
        "moved_back",
        "next_line",
    )

    def __init__(self, plan: SectorPlan) -> None:
        self.area0 = plan.area_km2
        self.area = plan.area_km2
        self.frontage0 = plan.frontage_km
        self.is_line = plan.is_line
        self.terrain = plan.terrain
        self.fortification = plan.fortification_initial
        self.fortification_growth = plan.fortification_growth
        self.fortification_max = plan.fortification_max
        self.fortification_kept = plan.fortification_kept
        self.moved_back = False
        self.next_line = 0


class Ground:
    """The sectors' state within a replication.

    ``sectors`` holds each sector's ground (``SectorGround``); ``area``, ``fortification`` and the other
    per-sector lists are copies, for reading.

    Args:
        sectors: The sectors' parameters, in order.
    """

    def __init__(self, sectors: tuple[SectorPlan, ...]) -> None:
        self.names = [s.name for s in sectors]
        self.sectors = [SectorGround(s) for s in sectors]
        # The names and the areas at the start as the supply effects' daily context holds them, made once.
        self.name_tuple = tuple(self.names)
        self.area0_tuple = tuple([s.area_km2 for s in sectors])
        self.total_area0 = self.total_area()  # all held at the start
        self.lines = [s.prepared_lines for s in sectors]
        # Sectors that reached a prepared line, with its fortification, since last read (for trace events).
        self.reached: list[tuple[int, float]] = []
        for k in range(len(sectors)):
            self._stand_on_lines(k)  # a line at or beyond the start is where the holder stands
        self.reached.clear()

    def __len__(self) -> int:
        return len(self.sectors)

    @property
    def area(self) -> list[float]:
        """Area held in each sector now, km² (a copy)."""
        return [sector.area for sector in self.sectors]

    @property
    def area0(self) -> list[float]:
        """Area of each sector at the start, km² (a copy)."""
        return [sector.area0 for sector in self.sectors]

    @property
    def frontage0(self) -> list[float]:
        """Front length of each sector at the start, km (a copy)."""
        return [sector.frontage0 for sector in self.sectors]

    @property
    def is_line(self) -> list[bool]:
        """Whether each sector is a line sector (a copy)."""
        return [sector.is_line for sector in self.sectors]

    @property
    def terrain(self) -> list[float]:
        """Each sector's terrain factor (a copy)."""
        return [sector.terrain for sector in self.sectors]

    @property
    def fortification(self) -> list[float]:
        """The holder's fortification in each sector now (a copy)."""
        return [sector.fortification for sector in self.sectors]

    @property
    def next_line(self) -> list[int]:
        """Index of each sector's next prepared line behind the holder (a copy)."""
        return [sector.next_line for sector in self.sectors]

    def frontage(self, sector: int) -> float:
        """Return a sector's front length now (0 once it is lost)."""
        ground = self.sectors[sector]
        if ground.is_line:
            return ground.frontage0 if ground.area > 0.0 else 0.0
        return laws.frontage_km(ground.frontage0, ground.area0, ground.area)

    def open_sectors(self) -> list[int]:
        """Return the sectors where the holder still holds ground."""
        return [k for k, sector in enumerate(self.sectors) if sector.area > 0.0]

    def held(self) -> bool:
        """Return whether the holder holds ground in any sector (``max(area) > 0`` where no area is NaN)."""
        return any(sector.area > 0.0 for sector in self.sectors)

    def total_area(self) -> float:
        """Return the total area held, added sector by sector from the left (as ``sums.float_sum`` adds)."""
        total = 0.0
        for sector in self.sectors:
            total += sector.area
        return total

    def set_area(self, sector: int, km2: float) -> None:
        """Set a sector's held area outright (a withdrawal's schedule); fortification and lines stay."""
        self.sectors[sector].area = km2

    def lose(self, sector: int, km2: float) -> float:
        """The holder loses up to ``km2`` of a sector; return the change.

        Moving back costs the fortification its unkept share, unless the holder is now on a prepared line,
        whose fortification it takes (if higher).
        """
        ground = self.sectors[sector]
        before = ground.area
        ground.area = max(0.0, before - km2)
        if ground.area < before:
            ground.moved_back = True
            ground.fortification = ground.fortification * ground.fortification_kept
            self._stand_on_lines(sector)
        return ground.area - before

    def _stand_on_lines(self, sector: int) -> None:
        lines = self.lines[sector]
        ground = self.sectors[sector]
        area = ground.area
        while ground.next_line < len(lines) and area <= lines[ground.next_line][0]:
            fortification = lines[ground.next_line][1]
            ground.next_line += 1
            if area > 0.0 and fortification > ground.fortification:
                ground.fortification = fortification
                self.reached.append((sector, fortification))

    def next_line_area(self, sector: int) -> float | None:
        """Return the area held on the sector's next prepared line behind the holder, or None."""
        index = self.sectors[sector].next_line
        lines = self.lines[sector]
        return lines[index][0] if index < len(lines) else None

    def regain(self, sector: int, km2: float) -> float:
        """The holder wins back up to ``km2``, never beyond the sector's original area; return the change."""
        ground = self.sectors[sector]
        before = ground.area
        ground.area = laws.regained_area(before, km2, ground.area0)
        return ground.area - before

    def grow_fortification(self) -> None:
        """Once a day: fortification grows where the line did not move back, up to its maximum."""
        for ground in self.sectors:
            if not ground.moved_back and ground.area > 0:
                # Growth stops at the maximum; a prepared line's higher fortification is kept.
                grown = min(ground.fortification_max, ground.fortification + ground.fortification_growth)
                ground.fortification = max(ground.fortification, grown)
            ground.moved_back = False
