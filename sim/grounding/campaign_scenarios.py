"""A campaign sequence written as a scenario: sectors and forces as first met, every window an observation.

One ``line`` sector per attacking formation (its front as in its first window), the attacker's and the
defender's forces as in their first window, the defender's posture known by the origin as its
fortification and the ground as its terrain (Dupuy's factors), and every window of the main side's
attacks as an ``advance_km`` observation (and both sides' ``losses``) from its start to its end.
``sim.grounding.campaigns`` names the sequences and writes the files.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

from sim.grounding.campaign_record import (
    CampaignSequence,
    Window,
    known_windows,
    load_windows,
    main_posture,
    replacement_rates,
    sector_of,
)
from sim.grounding.cdb90_data import CREDIT

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
    # Fires take their share at the attacker's combat power per km at the start, on the widest front.
    widest = max((window.front_km or 3.0) for window in first.values())
    reference_density = round(sum(w.attacker_strength for w in first.values()) / widest / len(first), 1)
    sectors, attackers, defenders = _sectors(sequence, first, known_windows(windows))
    return {
        "name": sequence.name,
        "description": sequence.description,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "sides": _sides(attackers, defenders, reference_density),
        "sectors": sectors,
        "engagement": {
            "law": {"type": "general", "own_exponent": 1.0, "enemy_exponent": 0.5},
            "kill_rate": KILL_PRIOR,
            "dispersion": 2.0,
        },
        **({"weather": list(sequence.seasons)} if sequence.seasons else {}),
        "observations": _observations(sequence, windows),
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


def _sectors(
    sequence: CampaignSequence, first: dict[str, Window], known: list[Window]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Return each sector, and the attacker's and the defender's contingent in it, from its first window.

    The defence's posture and both sides' replacements are those of the sector's windows known at the
    origin (its first window if none is).
    """
    sectors: dict[str, Any] = {}
    attackers: dict[str, Any] = {}
    defenders: dict[str, Any] = {}
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
    return sectors, attackers, defenders


def _sides(attackers: dict[str, Any], defenders: dict[str, Any], reference_density: float) -> dict[str, Any]:
    """Return the scenario's two sides: the attacker with the initiative, the defender holding the ground."""
    return {
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
    }


def _observations(sequence: CampaignSequence, windows: list[Window]) -> list[dict[str, Any]]:
    """Return every window as an ``advance_km`` observation and both sides' ``losses`` in it."""
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
    return observations


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
