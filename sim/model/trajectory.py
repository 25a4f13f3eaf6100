"""What one replication produces: daily state arrays, its sampled geometry and an event list."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.model.events import Event


@dataclass
class Trajectory:
    """The daily record of one replication (index 0 is the start date, the last the end date).

    Attributes:
        area_km2: Total held area per day.
        sector_area_km2: Held area per day and sector, shape (days, sectors).
        strength: Personnel in theatre per side and day, shape (sides, days).
        casualties: Cumulative casualties per side and day, shape (sides, days).
        sector_casualties: Cumulative casualties per side, day and sector, shape (sides, days, sectors)
            (empty when not recorded).
        supply: Supply factor per side and day, shape (sides, days).
        withdrawal_day: Day a withdrawal began, or None.
        withdrawal_reason: The rule that triggered it, or None.
        events: The event list (only filled in full when tracing).
        parameters: The value of every sampled number, by dotted path.
        sector_area0_km2: Each sector's area at the start, as sampled (what measures compare with).
        sector_frontage0_km: Each sector's front at the start, as sampled.
        sector_is_line: Whether each sector is a line (front keeps its length) or a salient.
    """

    area_km2: np.ndarray
    sector_area_km2: np.ndarray
    strength: np.ndarray
    casualties: np.ndarray
    supply: np.ndarray
    withdrawal_day: float | None = None
    withdrawal_reason: str | None = None
    events: list[Event] = field(default_factory=list)
    parameters: dict[str, float] = field(default_factory=dict)
    sector_area0_km2: np.ndarray = field(default_factory=lambda: np.zeros(0))
    sector_frontage0_km: np.ndarray = field(default_factory=lambda: np.zeros(0))
    sector_is_line: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    sector_casualties: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))

    def first_day_below(self, threshold_km2: float) -> int | None:
        """Return the first recorded day the held area is below ``threshold_km2``, or None."""
        below = np.flatnonzero(self.area_km2 < threshold_km2)
        return int(below[0]) if below.size else None
