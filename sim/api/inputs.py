"""Scenarios as the Python interface takes them: a file, with ``--set``-style overrides."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.scenario import load_scenario
from sim.scenario.schema import Scenario


def overrides(values: Mapping[str, Any] | Sequence[str] | None) -> list[str]:
    """``--set`` strings from a mapping of dotted path to value (or a list of ``path=value`` strings)."""
    if values is None:
        return []
    if isinstance(values, Mapping):
        return [f"{path}={json.dumps(value)}" for path, value in values.items()]
    return list(values)


def load(path: str | Path, set: Mapping[str, Any] | Sequence[str] | None = None) -> Scenario:  # noqa: A002
    """Load and validate a scenario, with overrides like ``--set``.

    Args:
        path: The scenario YAML.
        set: Overrides: a mapping of dotted path to value (``{"sides.russia.attack.advance_km": 0.6}``;
            a value may be a distribution as a dict) or ``path=value`` strings.

    Raises:
        InputError: For any problem with the file or an override (the message names file, line, field).
    """
    return load_scenario(path, overrides(set))
