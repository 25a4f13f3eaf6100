"""What one replication produces: daily state arrays and an event list."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Event:
    """One thing that happened in a replication.

    Attributes:
        day: Time in days from the scenario start.
        sector: The sector concerned, or "" for theatre-wide events.
        kind: A short code: assault, arrival, ready, commit, rotate, strike, withdrawal, ...
        text: What happened, in words.
        numbers: The figures behind it.
    """

    day: float
    sector: str
    kind: str
    text: str
    numbers: dict[str, float] = field(default_factory=dict)


@dataclass
class Trajectory:
    """The daily record of one replication (index 0 is the start date, the last the end date).

    Attributes:
        area_km2: Total held area per day.
        sector_area_km2: Held area per day and sector, shape (days, sectors).
        strength: Personnel in theatre per side and day, shape (sides, days).
        casualties: Cumulative casualties per side and day, shape (sides, days).
        supply: Supply factor per side and day, shape (sides, days).
        withdrawal_day: Day a withdrawal began, or None.
        withdrawal_reason: The rule that triggered it, or None.
        events: The event list (only filled in full when tracing).
        parameters: The value of every sampled number, by dotted path.
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

    def first_day_below(self, threshold_km2: float) -> int | None:
        """Return the first recorded day the held area is below ``threshold_km2``, or None."""
        below = np.flatnonzero(self.area_km2 < threshold_km2)
        return int(below[0]) if below.size else None
