"""What happened in a replication, as structured records (their wording is the command line's)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.scenario.rules.tempo import RULES as TEMPO_RULES


@dataclass(frozen=True)
class Event:
    """One thing that happened in a replication.

    Attributes:
        day: Time in days from the scenario start.
        sector: The sector concerned, or "" for theatre-wide events.
        kind: What happened: assault, arrival, ready, commit, rotate, shift, fallen, strike, withdrawal,
            withdrawn, sector_lost.
        side: The side that acted (the attacker of an assault, the side whose units arrive, ...).
        subject: What it concerns, by kind: a unit's name (commit, rotate), a contingent (arrival,
            ready), the side struck (strike), the rule that fired and why (withdrawal).
        numbers: The figures behind it.
    """

    day: float
    sector: str
    kind: str
    side: str = ""
    subject: str = ""
    numbers: dict[str, float] = field(default_factory=dict)


EVENT_KINDS = (
    "assault",
    "arrival",
    "ready",
    "commit",
    "rotate",
    "shift",
    "fallen",
    "strike",
    "withdrawal",
    "withdrawn",
    "sector_lost",
    "fires",
    "fall_back",
    "prepared_line",
    "weather",
    *TEMPO_RULES,
)
"""Every kind of event, in the order ``sim trace --help`` lists them."""
