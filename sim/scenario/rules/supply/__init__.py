"""Supply effects, one module each (``base`` defines what an effect is)."""

from sim.scenario.rules.discovery import import_all
from sim.scenario.rules.supply.base import EFFECTS, SupplyContext, SupplyEffect, register

import_all(__name__, __path__)

__all__ = ["EFFECTS", "SupplyContext", "SupplyEffect", "register"]
