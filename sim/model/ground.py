"""The contested ground: each sector's held area, front length and fortification.

A salient sector shrinks keeping its shape, so its front scales with the square root of its area; a
line sector's front keeps its length while any ground is held. The holder's fortification grows each
day it loses no ground, and keeps only a share of itself when the line moves back.
"""

from __future__ import annotations

from sim.model import laws
from sim.model.plans import SectorPlan
from sim.model.sums import float_sum


class Ground:
    """The sectors' state within a replication.

    Args:
        sectors: The sectors' parameters, in order.
    """

    def __init__(self, sectors: tuple[SectorPlan, ...]) -> None:
        self.names = [s.name for s in sectors]
        self.area0 = [s.area_km2 for s in sectors]
        self.area = list(self.area0)
        self.total_area0 = float_sum(self.area0)
        self.frontage0 = [s.frontage_km for s in sectors]
        self.is_line = [s.is_line for s in sectors]
        self.terrain = [s.terrain for s in sectors]
        self.fortification = [s.fortification_initial for s in sectors]
        self.fortification_growth = [s.fortification_growth for s in sectors]
        self.fortification_max = [s.fortification_max for s in sectors]
        self.fortification_kept = [s.fortification_kept for s in sectors]
        self.moved_back = [False] * len(sectors)
        self.lines = [s.prepared_lines for s in sectors]
        # Index of each sector's next prepared line behind the holder (len(lines) once all are behind it).
        self.next_line = [0] * len(sectors)
        # Sectors that reached a prepared line, with its fortification, since last read (for trace events).
        self.reached: list[tuple[int, float]] = []
        for k in range(len(sectors)):
            self._stand_on_lines(k)  # a line at or beyond the start is where the holder stands
        self.reached.clear()

    def __len__(self) -> int:
        return len(self.area)

    def frontage(self, sector: int) -> float:
        """Return a sector's front length now (0 once it is lost)."""
        if self.is_line[sector]:
            return self.frontage0[sector] if self.area[sector] > 0.0 else 0.0
        return laws.frontage_km(self.frontage0[sector], self.area0[sector], self.area[sector])

    def open_sectors(self) -> list[int]:
        """Return the sectors where the holder still holds ground."""
        return [k for k in range(len(self.area)) if self.area[k] > 0.0]

    def held(self) -> bool:
        """Return whether the holder holds ground in any sector (``max(area) > 0`` where no area is NaN)."""
        return any(area > 0.0 for area in self.area)

    def total_area(self) -> float:
        """Return the total area held."""
        return float_sum(self.area)

    def lose(self, sector: int, km2: float) -> float:
        """The holder loses up to ``km2`` of a sector; return the change.

        Moving back costs the fortification its unkept share, unless the holder is now on a prepared line,
        whose fortification it takes (if higher).
        """
        before = self.area[sector]
        self.area[sector] = max(0.0, before - km2)
        if self.area[sector] < before:
            self.moved_back[sector] = True
            self.fortification[sector] = self.fortification[sector] * self.fortification_kept[sector]
            self._stand_on_lines(sector)
        return self.area[sector] - before

    def _stand_on_lines(self, sector: int) -> None:
        lines = self.lines[sector]
        area = self.area[sector]
        while self.next_line[sector] < len(lines) and area <= lines[self.next_line[sector]][0]:
            fortification = lines[self.next_line[sector]][1]
            self.next_line[sector] = self.next_line[sector] + 1
            if area > 0.0 and fortification > self.fortification[sector]:
                self.fortification[sector] = fortification
                self.reached.append((sector, fortification))

    def next_line_area(self, sector: int) -> float | None:
        """Return the area held on the sector's next prepared line behind the holder, or None."""
        index = self.next_line[sector]
        lines = self.lines[sector]
        return lines[index][0] if index < len(lines) else None

    def regain(self, sector: int, km2: float) -> float:
        """The holder wins back up to ``km2``, never beyond the sector's original area; return the change."""
        before = self.area[sector]
        self.area[sector] = laws.regained_area(before, km2, self.area0[sector])
        return self.area[sector] - before

    def grow_fortification(self) -> None:
        """Once a day: fortification grows where the line did not move back, up to its maximum."""
        for k in range(len(self.area)):
            if not self.moved_back[k] and self.area[k] > 0:
                # Growth stops at the maximum; a prepared line's higher fortification is kept.
                grown = min(self.fortification_max[k], self.fortification[k] + self.fortification_growth[k])
                self.fortification[k] = max(self.fortification[k], grown)
            self.moved_back[k] = False
