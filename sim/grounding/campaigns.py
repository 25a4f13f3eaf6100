"""The campaign suite: CDB90 engagement sequences written as scenarios, their record as window observations.

A CDB90 campaign is a sequence of dated engagements, each a window of one to six days with the attacking
formation, its front, both sides' strengths and the km the attacker advanced. Each sequence below becomes
a scenario: one ``line`` sector per attacking formation (its front as in its first window), the
attacker's and the defender's forces as in their first window, the defender's posture then as its
fortification and the ground as its terrain (Dupuy's factors), and every window of the main side's
attacks as an ``advance_km`` observation from its start to its end. What the scenario knows of the
campaign before it starts is all it uses; the windows are the record it is scored on (``sim suite``
calibrates each on the first third of its windows and forecasts the rest).

The campaign dynamics the scenarios use are those that did not make these forecasts worse in a first
ablation on four of the campaigns (Okinawa's two sectors, Rome, the British Volturno; docs/validation.md):
fires (the attacker's firepower edge, calibrated on the defender's recorded losses), prepared lines and
falling back to them, and the season. Left out: operational pauses (a window is an engagement, so a pause
inside one cannot be right; every campaign forecast better without them), culmination (its tempo fell to
nothing under the losses the record implies; three of four forecast better without it) and posture's
protection (CDB90 shows none; slightly worse with it).

Run ``python -m sim.grounding.campaigns --write scenarios/campaigns`` to write the files again.

Data: CDB90, tidied by Jeffrey B. Arnold (github.com/jrnold/CDB90), ODC-BY.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sim.grounding.cdb90_data import CREDIT, _rows, default_directory


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


MUD = {"tempo": 0.7, "depth": 0.7}
"""The advance in the mud months (March, April, October, November) is x0.49 (95% 0.28-0.85) that of May to
September at the same force ratio and posture (``sim.grounding.seasons``: CDB90, 20th century, European
and Italian theatres); split evenly between how often and how deep assaults go (0.7 x 0.7)."""

WINTER = {"tempo": 0.75, "depth": 0.75}
"""Winter (December to February) advances x0.57 (0.30-1.09) of summer's (``sim.grounding.seasons``); split
evenly. Wet weather shows no effect there (x1.20, 0.75-1.91), so no scenario has one."""

SEQUENCES: tuple[CampaignSequence, ...] = (
    CampaignSequence(
        "okinawa_7th",
        "OKINAWA (US 7TH INF DIV SECTOR)",
        "US 7th Infantry Division against the Japanese 32nd Army, east sector of the Shuri line, "
        "April-June 1945.",
        (521, 522, 523, 524, 525, 526, 527, 529, 530, 532, 533, 534, 535, 536, 537),
        note="The two Japanese counter-attacks (528, 531) are not the main side's attacks and are left out.",
    ),
    CampaignSequence(
        "okinawa_96th",
        "OKINAWA (US 96TH INF DIV SECTOR)",
        "US 96th Infantry Division against the Japanese 32nd Army, centre-east of the Shuri line, "
        "April-June 1945.",
        (538, 539, 540, 541, 542, 543, 544, 545, 546, 547, 548),
    ),
    CampaignSequence(
        "rome_ii_corps",
        "ROME",
        "US II Corps (85th and 88th Infantry Divisions) from the Garigliano toward Rome, May 1944.",
        (434, 435, 436, 437, 438, 439, 440, 441, 446),
        sector_of={"85TH": "us_85th", "88TH": "us_88th"},
    ),
    CampaignSequence(
        "volturno_british",
        "VOLTURNO",
        "British X Corps (7th Armoured, 46th and 56th Infantry Divisions) across the Volturno and toward "
        "the Winter Line, October-December 1943.",
        (403, 405, 406, 410, 411, 412, 413, 415, 420, 421),
        sector_of={"7TH": "br_7th_armd", "46TH": "br_46th", "56TH": "br_56th"},
        seasons=({"months": [10, 11], **MUD, "label": "autumn mud"},),
        note="The German counter-attack (418) is left out.",
    ),
    CampaignSequence(
        "volturno_us",
        "VOLTURNO",
        "US VI Corps (3rd, 34th, 45th and 36th Infantry Divisions) across the Volturno and toward the "
        "Winter Line, October-December 1943.",
        (404, 407, 408, 409, 414, 416, 417, 419, 422),
        sector_of={"3RD": "us_3rd", "34TH": "us_34th", "45TH": "us_45th", "36TH": "us_36th"},
        seasons=({"months": [10, 11], **MUD, "label": "autumn mud"},),
    ),
    CampaignSequence(
        "saar_4th_armored",
        "SAAR (LORRAINE)",
        "US 4th Armored Division in the Lorraine offensive, November-December 1944.",
        (471, 472, 476, 477, 478, 480, 482),
        seasons=({"months": [11], **MUD, "label": "autumn mud"},),
        note="Combat Command A's parallel engagement of 14-15 November (474) is left out: the sector is the "
        "division's, one engagement at a time.",
    ),
    CampaignSequence(
        "anzio_german",
        "ANZIO",
        "The German counter-offensive against the Anzio beachhead, January-February 1944.",
        (424, 426, 427, 428, 429, 431, 432, 433),
        sector_of={"BR": "british_sector", "US": "american_sector"},
        by_defender=True,
        seasons=({"months": [1, 2], **WINTER, "label": "winter"},),
        note="The Allied counter-attack (430) is left out.",
    ),
)
"""The suite's sequences (the choice and the windows follow the CDB90 notes in docs/validation.md)."""

POSTURE_BONUS = {"HD": 0.3, "PD": 0.5, "FD": 0.6, "DL": 0.2, "WD": 0.15}
"""Fortification bonus by the defender's posture: Dupuy's posture factors (hasty 1.3, prepared 1.5,
fortified 1.6, delay 1.2, withdrawal 1.15; Numbers, Predictions and War, 1979) less the attack's 1."""

TERRAIN = {
    ("G", "W"): 1.5,
    ("G", "M"): 1.55,
    ("G", "B"): 1.45,
    ("R", "W"): 1.35,
    ("R", "M"): 1.3,
    ("R", "B"): 1.2,
    ("F", "W"): 1.1,
    ("F", "M"): 1.2,
    ("F", "B"): 1.05,
    ("F", "D"): 1.18,
}
"""Dupuy's defence-position terrain factors (NPW p. 228) by CDB90 ``terra1`` and ``terra2``."""

DEPTH_KM = 60.0
"""Depth of ground behind each sector's front: more than any sequence advances."""

DEPTH_PRIOR = {"dist": "triangular", "low": 0.05, "mode": 0.3, "high": 5.0}
"""Depth of a successful assault, km: from a bite of 100 m into a fortified line to a breakthrough of a few
km, most likely a few hundred metres; wide, since campaigns differ by orders of magnitude (CDB90's
sequences advance 0.3 to 16 km a day per window)."""

RATE_PRIOR = {"dist": "triangular", "low": 0.2, "mode": 1.0, "high": 6.0}
"""Assaults per km of front a day."""

KILL_PRIOR = {"dist": "triangular", "low": 0.0001, "mode": 0.001, "high": 0.01}
"""Attrition coefficient of the general law (1, 0.5) per day."""

LINE_SPACING_KM = 3.0
"""Distance between the successive positions of a prepared or fortified defence in depth [judgement:
doctrine's defensive belts a few km apart; no campaign's own positions are used]."""


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


def _window_sd(km: float) -> float:
    """Return a recorded advance's uncertainty: 0.25 km plus a fifth of it.

    A judgement: CDB90 gives advances to 0.1-1 km, and a front's position is itself uncertain.
    """
    return round(0.25 + 0.2 * km, 3)


def _losses_sd(losses: float) -> float:
    """Return a recorded loss's uncertainty: a third of it plus 20.

    A judgement: casualty returns are rounded, late and disputed; a division's loss in a window is known to a
    few tens of percent.
    """
    return round(20.0 + losses / 3.0, 1)


def scenario_document(sequence: CampaignSequence) -> dict[str, Any]:
    """Return the scenario of one sequence as a YAML-ready mapping."""
    windows = load_windows(sequence.windows)
    first: dict[str, Window] = {}
    for window in sorted(windows, key=lambda w: (w.start, w.isqno)):
        first.setdefault(sector_of(sequence, window), window)
    start = min(window.start for window in windows)
    end = max(window.end for window in windows) + dt.timedelta(days=1)
    sectors: dict[str, Any] = {}
    # Fires take their share at the attacker's combat power per km at the start, on the widest front.
    widest = max((window.front_km or 3.0) for window in first.values())
    reference_density = round(sum(w.attacker_strength for w in first.values()) / widest / len(first), 1)
    attackers: dict[str, Any] = {}
    defenders: dict[str, Any] = {}
    known = known_windows(windows)
    for sector, window in first.items():
        front = window.front_km or 3.0
        mine = [w for w in known if sector_of(sequence, w) == sector] or [window]
        posture_code = main_posture(mine)
        attacker_flow, defender_flow = replacement_rates(mine)
        posture = POSTURE_BONUS.get(posture_code, 0.3)
        sectors[sector] = {
            "description": f"{window.attacker} against {window.defender} ({window.name}); "
            f"defence {posture_code} as known by the origin.",
            "shape": "line",
            "area_km2": round(front * DEPTH_KM, 3),
            "frontage_km": front,
            "terrain": TERRAIN.get(window.terrain, 1.2),
            "fortification": {
                "initial": posture,
                "growth_per_day": 0.02,
                "maximum": max(posture, 0.6),
                "kept_on_retreat": 0.5,
            },
        }
        if posture_code in ("PD", "FD"):
            sectors[sector]["prepared_lines"] = [
                {"area_km2": round(front * (DEPTH_KM - depth), 3), "fortification": posture}
                for depth in (LINE_SPACING_KM * step for step in range(1, int(DEPTH_KM / LINE_SPACING_KM)))
            ]
        attackers[sector] = {
            "description": f"{window.attacker} ({window.attacker_strength:,.0f} on {window.start}).",
            "unit_size": round(window.attacker_strength / 9.0, 1),
            "echelons": [{"units": 9, "day": 0}],
            "readiness_days": 0,
            "reserve_share": 0.1,
            "replacements_per_day": attacker_flow,
        }
        defenders[sector] = {
            "description": f"{window.defender} ({window.defender_strength:,.0f} on {window.start}).",
            "unit_size": round(window.defender_strength / 3.0, 1),
            "echelons": [{"units": 3, "day": 0}],
            "readiness_days": 0,
            "replacements_per_day": defender_flow,
        }
    observations = []
    for window in windows:
        where = {"sector": sector_of(sequence, window)} if sequence.sector_of else {}
        span = {"since": window.start.isoformat(), "date": window.end.isoformat()}
        source = f"CDB90 {window.isqno} {window.name}: {window.attacker} against {window.defender}"
        source += f", {window.posture}"
        observations.append(
            {
                **span,
                "metric": "advance_km",
                **where,
                "value": window.km,
                "sd": _window_sd(window.km),
                "source": source,
            }
        )
        for side, losses in (("attacker", window.attacker_losses), ("defender", window.defender_losses)):
            observations.append(
                {
                    **span,
                    "metric": "losses",
                    "side": side,
                    **where,
                    "value": losses,
                    "sd": _losses_sd(losses),
                    "source": source,
                }
            )
    return {
        "name": sequence.name,
        "description": sequence.description,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "sides": {
            "attacker": {
                "description": "The side with the initiative in the sequence.",
                "holds_ground": False,
                "contingents": attackers,
                "attack": {
                    "max_rate_per_km": RATE_PRIOR,
                    "half_rate_density": 0.0,
                    "engaged_share": 0.5,
                    "defender_engaged_share": 0.5,
                    "defender_reach_km": 1.0,
                    "frontage_km": 1.0,
                    "advance_km": DEPTH_PRIOR,
                    "advance_sigma": 0.5,
                    "fortified_depth_factor": 0.75,
                },
                "command": {"policy": "proportional_frontage", "rotation_threshold": 0.6},
                # The attacker's artillery, naval gunfire and air, its firepower edge: calibrated on the
                # defender's recorded losses (CDB90 defenders lost 0.3-4% a day, up to 15-35% holding out).
                "fires": {
                    "loss_share_per_day": {"dist": "uniform", "low": 0.0, "high": 0.2},
                    "reference_density": reference_density,
                },
            },
            "defender": {
                "description": "The side holding the ground.",
                "holds_ground": True,
                "contingents": defenders,
                "command": {
                    "policy": "weakest_first",
                    "rotation_threshold": 0.3,
                    # Epstein's defender withdraws once its attrition passes what it bears (5% a day in his
                    # worked example); CDB90 defenders lost 0.3-4% a day, up to 15-35% holding to the last.
                    "fall_back": {"loss_rate_above": 0.1, "days": 2, "duration_days": 1},
                },
                "fires": {"loss_share_per_day": 0.002, "reference_density": reference_density},
            },
        },
        "sectors": sectors,
        "engagement": {
            "law": {"type": "general", "own_exponent": 1.0, "enemy_exponent": 0.5},
            "kill_rate": KILL_PRIOR,
            "dispersion": 2.0,
        },
        **({"weather": list(sequence.seasons)} if sequence.seasons else {}),
        "observations": observations,
        "calibrate": {
            "parameters": {
                "sides.attacker.attack.advance_km": DEPTH_PRIOR,
                "sides.attacker.attack.max_rate_per_km": RATE_PRIOR,
                "engagement.kill_rate": KILL_PRIOR,
                "sides.attacker.fires.loss_share_per_day": {"dist": "uniform", "low": 0.0, "high": 0.2},
            },
            "population": 400,
            "generations": 6,
            "min_epsilon": "auto",
            "max_minutes": 5,
        },
    }


def scenario_text(sequence: CampaignSequence) -> str:
    """Return the scenario file of one sequence: a header saying where it comes from, then the YAML."""
    header = [
        "# yaml-language-server: $schema=../scenario.schema.json",
        f"# {sequence.description}",
        f"# Written by sim.grounding.campaigns from the CDB90 campaign {sequence.campaign!r}: engagements "
        + ", ".join(str(number) for number in sorted(sequence.windows))
        + ".",
        f"# Data: {CREDIT}, ODC-BY.",
        "# Forces, fronts, posture and terrain are the first engagement's of each sector; every engagement",
        "# of the main side is an advance_km observation. sim suite calibrates on the first third of them.",
    ]
    if sequence.note:
        header.append(f"# {sequence.note}")
    body = yaml.safe_dump(scenario_document(sequence), sort_keys=False, allow_unicode=True, width=110)
    return "\n".join(header) + "\n" + body


def main(argv: Sequence[str] | None = None) -> int:
    """Write every sequence's scenario into a folder (``--write DIR``), or list them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", metavar="DIR", help="write each sequence's scenario into DIR")
    args = parser.parse_args(argv)
    for sequence in SEQUENCES:
        if args.write:
            folder = Path(args.write)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{sequence.name}.yaml").write_text(scenario_text(sequence), encoding="utf-8")
            print(f"wrote {folder / sequence.name}.yaml")
        else:
            windows = load_windows(sequence.windows)
            print(f"{sequence.name}: {len(windows)} windows, {sum(w.km for w in windows):.1f} km")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
