"""Allocation policies, one module each (``base`` defines what a policy is)."""

from sim.scenario.rules.allocation.base import POLICIES, AllocationPolicy, register
from sim.scenario.rules.discovery import import_all

import_all(__name__, __path__)

__all__ = ["POLICIES", "AllocationPolicy", "register"]
