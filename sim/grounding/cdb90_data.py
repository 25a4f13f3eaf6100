"""Reading the CDB90 battles (``sim/data/cdb90``): one ``Battle`` per engagement, with its credit."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

CREDIT = "CDB90, tidied by Jeffrey B. Arnold (github.com/jrnold/CDB90)"
"""Attribution line the ODC-BY licence asks for wherever the data are used."""

LICENCE = "Open Data Commons Attribution License (ODC-BY)"
"""Licence of the tidied tables (the original CDB90 data are public domain)."""

POSTURES: tuple[str, ...] = ("HD", "PD", "FD", "DL", "WD")
"""Defender posture codes of ``battles.post1``: hasty, prepared, fortified defence, delay, withdrawal."""

FITTED_POSTURES: tuple[str, ...] = ("HD", "PD", "FD")
"""Postures in the success curve; hasty defence (``HD``) is the baseline."""

_WINA: dict[str, bool | None] = {"1": True, "0": None, "-1": False, "": False}
"""``wina`` code to ``attacker_won``; blank is the blanked ``-1`` (attacker lost)."""


@dataclass(frozen=True)
class Battle:
    """One CDB90 battle, reduced to what the engagement law needs.

    Attributes:
        isqno: CDB90 battle sequence number.
        attacker_strength: Attacker's total personnel strength (``belligerents.str``).
        defender_strength: Defender's total personnel strength.
        posture: Defender's primary posture (``battles.post1``): ``HD`` hasty, ``PD`` prepared,
            ``FD`` fortified defence, ``DL`` delaying action, ``WD`` withdrawal; ``None`` if not coded.
        attacker_won: ``True`` if the attacker won, ``False`` if it lost, ``None`` for a draw.
        km_advanced: Distance the attacker advanced in km (``kmda``), ``None`` if blank. Blank also
            hides retreats (negative values) in the tidy file, so trust it only when the attacker won.
        duration_days: Calendar days the battle touched, at least 1; ``None`` if dates are missing.
        front_width_km: Attacker's front width at the start of the battle in km (``front_widths.wofa``
            of front 1), ``None`` if not recorded.
        name: Battle name.
        year: Year the battle started (or its recorded mid-point or end if the start is missing).
    """

    isqno: int
    attacker_strength: float
    defender_strength: float
    posture: str | None
    attacker_won: bool | None
    km_advanced: float | None
    duration_days: float | None
    front_width_km: float | None = None
    name: str = ""
    year: int | None = None

    @property
    def force_ratio(self) -> float:
        """Attacker strength divided by defender strength."""
        return self.attacker_strength / self.defender_strength

    @property
    def advance_km_per_day(self) -> float | None:
        """``km_advanced / duration_days``, or ``None`` if either is missing."""
        if self.km_advanced is None or self.duration_days is None or self.duration_days <= 0:
            return None
        return self.km_advanced / self.duration_days


def default_directory() -> Traversable:
    """Directory of the CDB90 files shipped with the package (``sim/data/cdb90``)."""
    return resources.files("sim") / "data" / "cdb90"


def _rows(directory: Path | Traversable, name: str) -> Iterator[dict[str, str]]:
    """Yield the rows of ``directory/name`` as dictionaries of strings."""
    text = (directory / name).read_text(encoding="utf-8")
    yield from csv.DictReader(io.StringIO(text, newline=""))


def _float_or_none(text: str) -> float | None:
    """Parse a CSV cell as a float; blank becomes ``None``."""
    text = text.strip()
    return float(text) if text else None


def calendar_days(start: datetime, end: datetime) -> float:
    """Number of calendar days a battle from ``start`` to ``end`` touched, at least 1.

    A battle fought within one day counts 1 day; a battle from 08:30 on the 16th to 14:00 on the 19th
    counts 4. The tidy file writes a battle known only by dates as midnight of its first day to
    midnight after its last, which this counts correctly (an end exactly at midnight is exclusive).

    Args:
        start: Start of the battle.
        end: End of the battle, not before ``start``.

    Returns:
        Whole number of days, as a float.

    Raises:
        ValueError: If ``end`` is before ``start``.
    """
    if end < start:
        raise ValueError(f"battle ends ({end}) before it starts ({start})")
    first = datetime(start.year, start.month, start.day)
    last = datetime(end.year, end.month, end.day)
    if end > last:
        last += timedelta(days=1)
    return float(max(1, (last - first).days))


def _parse_datetime(text: str) -> datetime | None:
    """Parse an ISO date-time cell; blank becomes ``None``."""
    text = text.strip()
    return datetime.fromisoformat(text) if text else None


def load_battles(directory: Path | None = None) -> list[Battle]:
    """Read the CDB90 battles with both sides' strengths.

    Attacker and defender come from ``belligerents.csv`` (``attacker`` 1/0, strength ``str``);
    battles with a missing or zero strength on either side are skipped (only isqno 657 in the
    shipped data). A blank ``wina`` is read as an attacker loss (see the module docstring), ``0`` as
    a draw (``attacker_won is None``).

    Args:
        directory: Folder holding ``battles.csv``, ``belligerents.csv``, ``battle_durations.csv`` and
            ``front_widths.csv``; defaults to the copy shipped in ``sim/data/cdb90``.

    Returns:
        Battles sorted by ``isqno``.

    Raises:
        ValueError: If a ``wina`` code or ``attacker`` flag is not one the data dictionary defines.
    """
    folder: Path | Traversable = default_directory() if directory is None else directory

    strengths: dict[int, dict[bool, float | None]] = {}
    for row in _rows(folder, "belligerents.csv"):
        flag = row["attacker"].strip()
        if flag not in ("0", "1"):
            raise ValueError(f"belligerents.csv: isqno {row['isqno']}: attacker flag {flag!r}")
        strengths.setdefault(int(row["isqno"]), {})[flag == "1"] = _float_or_none(row["str"])

    durations: dict[int, float | None] = {}
    years: dict[int, int] = {}
    for row in _rows(folder, "battle_durations.csv"):
        isqno = int(row["isqno"])
        start = _parse_datetime(row["datetime_min"])
        end = _parse_datetime(row["datetime_max"])
        durations[isqno] = calendar_days(start, end) if start and end else None
        known = start or _parse_datetime(row["datetime"]) or end
        if known is not None:
            years[isqno] = known.year

    fronts: dict[int, float] = {}
    for row in _rows(folder, "front_widths.csv"):
        width = _float_or_none(row["wofa"])
        if row["front_number"].strip() == "1" and width is not None and width > 0:
            fronts[int(row["isqno"])] = width

    battles: list[Battle] = []
    for row in _rows(folder, "battles.csv"):
        isqno = int(row["isqno"])
        sides = strengths.get(isqno, {})
        attacker, defender = sides.get(True), sides.get(False)
        if not attacker or not defender or attacker <= 0 or defender <= 0:
            continue
        wina = row["wina"].strip()
        if wina not in _WINA:
            raise ValueError(f"battles.csv: isqno {isqno}: unknown wina code {wina!r}")
        posture = row["post1"].strip() or None
        battles.append(
            Battle(
                isqno=isqno,
                attacker_strength=attacker,
                defender_strength=defender,
                posture=posture,
                attacker_won=_WINA[wina],
                km_advanced=_float_or_none(row["kmda"]),
                duration_days=durations.get(isqno),
                front_width_km=fronts.get(isqno),
                name=row["name"].strip(),
                year=years.get(isqno),
            )
        )
    battles.sort(key=lambda battle: battle.isqno)
    return battles
