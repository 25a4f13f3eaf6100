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
from collections.abc import Sequence
from pathlib import Path

from sim.grounding.campaign_record import CampaignSequence, load_windows
from sim.grounding.campaign_scenarios import scenario_text

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
