"""A CDB90 campaign's record: its engagement windows, read from the CDB90 files shipped with the package.

A campaign sequence (``CampaignSequence``) names the main side's engagements; each is a window of one to
six days with the attacking formation, its front, both sides' strengths and losses, and the km the
attacker advanced. What a scenario may know of the campaign before its origin is the first third of the
windows (``known_windows``): the posture the defender mostly held and the losses each side replaced.

Data: CDB90, tidied by Jeffrey B. Arnold (github.com/jrnold/CDB90), ODC-BY.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sim.grounding.cdb90_data import _rows, default_directory


@dataclass(frozen=True)
class CampaignSequence:
    """One engagement sequence of the suite.

    Attributes:
        name: The scenario's name.
        campaign: CDB90's ``campgn``.
        description: What the sequence is.
        windows: The main side's engagements (``isqno``), in any order.
        sector_of: Maps a word of the attacking (or, with ``by_defender``, defending) formation's name to
            the sector it fights in; one sector when empty.
        by_defender: Sectors are told apart by the defender's name (the attacker changes, the front not).
        seasons: Weather periods the campaign's season brings (climatology known beforehand), as scenario
            ``weather`` entries.
        note: Why windows were left out, or anything else a reader needs.
    """

    name: str
    campaign: str
    description: str
    windows: tuple[int, ...]
    sector_of: dict[str, str] = field(default_factory=dict)
    by_defender: bool = False
    seasons: tuple[dict[str, Any], ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Window:
    """One engagement of a sequence, as the scenario uses it."""

    isqno: int
    name: str
    start: dt.date
    end: dt.date
    attacker: str
    defender: str
    attacker_strength: float
    defender_strength: float
    attacker_losses: float
    defender_losses: float
    km: float
    front_km: float | None
    posture: str
    terrain: tuple[str, str]


def _date_window(start: str, end: str) -> tuple[dt.date, dt.date]:
    """Return (first day, the day after the last) of an engagement from its start and end times.

    Two engagements (429, 435) lost their start in the tidy files (hour 2400 in the source): they began
    at the end of the day before their end, so their window is their last day.
    """
    last = dt.datetime.fromisoformat(end)
    first = dt.datetime.fromisoformat(start) if start else dt.datetime.combine(last.date(), dt.time())
    after = last.date() if last.time() == dt.time() else last.date() + dt.timedelta(days=1)
    return first.date(), max(after, first.date() + dt.timedelta(days=1))


def load_windows(isqnos: Sequence[int]) -> list[Window]:
    """Read the engagements ``isqnos`` from the CDB90 files shipped with the package, in date order."""
    directory = default_directory()
    wanted = {str(number) for number in isqnos}
    battles = {row["isqno"]: row for row in _rows(directory, "battles.csv") if row["isqno"] in wanted}
    durations = {
        row["isqno"]: row for row in _rows(directory, "battle_durations.csv") if row["isqno"] in wanted
    }
    sides: dict[str, dict[str, dict[str, str]]] = {}
    for row in _rows(directory, "belligerents.csv"):
        if row["isqno"] in wanted:
            sides.setdefault(row["isqno"], {})[row["attacker"]] = row
    fronts = {}
    for row in _rows(directory, "front_widths.csv"):
        if row["isqno"] in wanted and row["front_number"] == "1":
            fronts[row["isqno"]] = row
    terrain = {}
    for row in _rows(directory, "terrain.csv"):
        if row["isqno"] in wanted and row["isqno"] not in terrain:
            terrain[row["isqno"]] = (row["terra1"], row["terra2"])
    windows = []
    for number in wanted:
        battle, timing = battles[number], durations[number]
        start, end = _date_window(timing["datetime_min"], timing["datetime_max"])
        front = fronts.get(number, {}).get("wofa") or ""
        windows.append(
            Window(
                isqno=int(number),
                name=battle["name"].title(),
                start=start,
                end=end,
                attacker=sides[number]["1"]["nam"],
                defender=sides[number]["0"]["nam"],
                attacker_strength=float(sides[number]["1"]["str"]),
                defender_strength=float(sides[number]["0"]["str"]),
                attacker_losses=float(sides[number]["1"]["cas"]),
                defender_losses=float(sides[number]["0"]["cas"]),
                km=float(battle["kmda"]),
                front_km=float(front) if front else None,
                posture=battle["post1"],
                terrain=terrain.get(number, ("R", "M")),
            )
        )
    return sorted(windows, key=lambda window: (window.end, window.start, window.isqno))


def known_windows(windows: Sequence[Window]) -> list[Window]:
    """Return the windows of the first third (by end date): what the suite calibrates on."""
    ends = sorted(window.end for window in windows)
    origin = ends[max(0, -(-len(ends) // 3) - 1)]
    return [window for window in windows if window.end <= origin]


def replacement_rates(windows: Sequence[Window]) -> tuple[float, float]:
    """Return the attacker's and the defender's replacements a day: their losses a day in ``windows``.

    Both sides kept their fronts manned, the defender often by feeding in fresh units (Okinawa's sectors
    met five Japanese formations in turn): the losses they replaced in the windows known at the origin
    are the flow the scenario assumes from then on.
    """
    days = sum(max((window.end - window.start).days, 1) for window in windows)
    attacker = sum(window.attacker_losses for window in windows) / days
    defender = sum(window.defender_losses for window in windows) / days
    return round(attacker, 1), round(defender, 1)


def main_posture(windows: Sequence[Window]) -> str:
    """Return the defender's most frequent posture in ``windows`` (the latest on a tie).

    The posture of the defence the attacker will meet, as known by the origin: the first engagement is
    often a delaying screen (DL) in front of the main, fortified position.
    """
    counts: dict[str, int] = {}
    for window in windows:
        counts[window.posture] = counts.get(window.posture, 0) + 1
    return max(reversed([window.posture for window in windows]), key=lambda code: counts[code])


def sector_of(sequence: CampaignSequence, window: Window) -> str:
    """Return the sector a window belongs to."""
    if not sequence.sector_of:
        return "front"
    name = window.defender if sequence.by_defender else window.attacker
    for word, sector in sequence.sector_of.items():
        if word in name.split() or name.startswith(word):
            return sector
    raise ValueError(f"{sequence.name}: no sector for {name!r} (engagement {window.isqno})")
