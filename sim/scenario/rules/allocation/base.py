"""What an allocation policy is, and the registry of policies.

A policy decides where one ready unit goes: given, for each open sector, the side's own combat
power there, the enemy's, the side's unit count and the front length, it returns the index of the
chosen sector. The daily command calls it once per unit committed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

AllocationPolicy = Callable[[Sequence[float], Sequence[float], Sequence[int], Sequence[float]], int]
"""(own power, enemy power, own unit count, frontage) per open sector -> index of the chosen sector."""

POLICIES: dict[str, AllocationPolicy] = {}
"""Every allocation policy by name."""


def register(name: str) -> Callable[[AllocationPolicy], AllocationPolicy]:
    """Add a policy to the registry under ``name`` (a function decorator)."""

    def add(policy: AllocationPolicy) -> AllocationPolicy:
        if name in POLICIES:
            raise ValueError(f"two allocation policies are named {name!r}")
        POLICIES[name] = policy
        return policy

    return add
