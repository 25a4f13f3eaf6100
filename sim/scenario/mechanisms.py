"""The model's switchable mechanisms: where each lives in a scenario, and how to switch it off.

Every campaign-dynamics mechanism is a block (or a field) a scenario may leave out. ``switch_off``
returns the changes that remove one from a given scenario, as ``path: value`` pairs that an
``extends:`` overlay or ``--set`` applies, so an ablation (``sim suite --ablation``, ``sim run --without``)
runs the same scenario with the mechanism gone and nothing else changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Mechanism:
    """One switchable mechanism.

    Attributes:
        name: Its name (``--without NAME``).
        label: What it does, in a few words, for tables.
        paths: Returns the paths of a scenario where the mechanism is on, with the value that switches
            it off there (empty: the scenario does not use it).
    """

    name: str
    label: str
    paths: Callable[[Scenario], list[tuple[str, Any]]]


def _attack_block(block: str) -> Callable[[Scenario], list[tuple[str, Any]]]:
    def paths(scenario: Scenario) -> list[tuple[str, Any]]:
        return [
            (f"sides.{name}.attack.{block}", None)
            for name, side in scenario.sides.items()
            if side.attack is not None and getattr(side.attack, block) is not None
        ]

    return paths


def _fires(scenario: Scenario) -> list[tuple[str, Any]]:
    return [(f"sides.{name}.fires", None) for name, side in scenario.sides.items() if side.fires is not None]


def _interdiction(scenario: Scenario) -> list[tuple[str, Any]]:
    return [
        (f"sides.{name}.logistics.corridor_half_width_km", None)
        for name, side in scenario.sides.items()
        if getattr(side.logistics, "corridor_half_width_km", None) is not None
    ]


def _corridor(scenario: Scenario) -> list[tuple[str, Any]]:
    return [
        (f"sides.{name}.logistics.corridor_exposure", 0.0)
        for name, side in scenario.sides.items()
        if getattr(side.logistics, "corridor_exposure", 0.0) != 0.0
    ]


def _prepared_lines(scenario: Scenario) -> list[tuple[str, Any]]:
    return [
        (f"sectors.{name}.prepared_lines", [])
        for name, sector in scenario.sectors.items()
        if sector.prepared_lines
    ]


def _fall_back(scenario: Scenario) -> list[tuple[str, Any]]:
    return [
        (f"sides.{name}.command.fall_back", None)
        for name, side in scenario.sides.items()
        if side.command.fall_back is not None
    ]


def _posture(scenario: Scenario) -> list[tuple[str, Any]]:
    protection = scenario.engagement.posture_protection
    return [] if protection == 0.0 else [("engagement.posture_protection", 0.0)]


def _weather(scenario: Scenario) -> list[tuple[str, Any]]:
    return [("weather", [])] if scenario.weather else []


MECHANISMS: dict[str, Mechanism] = {
    mechanism.name: mechanism
    for mechanism in (
        Mechanism("culmination", "attacker's tempo adapts to its losses", _attack_block("culmination")),
        Mechanism("pauses", "operational pauses of the attack", _attack_block("pauses")),
        Mechanism("fires", "fires outside assaults", _fires),
        Mechanism("interdiction", "supply corridor under fire", _interdiction),
        Mechanism("corridor", "supply falls with the area lost (linear)", _corridor),
        Mechanism("prepared_lines", "prepared lines behind the front", _prepared_lines),
        Mechanism("fall_back", "the holder falls back when bleeding", _fall_back),
        Mechanism("posture", "fortification protects the holder", _posture),
        Mechanism("weather", "weather and season", _weather),
    )
}
"""Every switchable mechanism, by name."""


def switch_off(scenario: Scenario, name: str) -> list[tuple[str, Any]]:
    """Return the ``path: value`` changes that switch mechanism ``name`` off in ``scenario``.

    Raises:
        KeyError: For an unknown mechanism.
    """
    return MECHANISMS[name].paths(scenario)


def used(scenario: Scenario) -> list[str]:
    """Return the mechanisms the scenario switches on, in registry order."""
    return [name for name, mechanism in MECHANISMS.items() if mechanism.paths(scenario)]


def without_judgement(scenario: Scenario) -> Scenario | None:
    """Return the scenario without the holder's withdrawal rules (the dynamics alone); None if it has none.

    Withdrawal rules are judgement ("hold while militarily appropriate" made concrete); without them the
    holder gives ground up only as the fighting takes it (or as its fall-back rule and prepared lines
    say, which are part of the dynamics).
    """
    holder = scenario.sides[scenario.holder]
    if holder.command.withdrawal is None:
        return None
    document = scenario.model_dump(mode="json", by_alias=True)
    document["sides"][scenario.holder]["command"]["withdrawal"] = None
    document["name"] = scenario.name
    return Scenario.model_validate(document)
