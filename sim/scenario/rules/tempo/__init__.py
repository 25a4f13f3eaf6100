"""Tempo rules of an attacking side, one module each (``base`` defines what a rule is)."""

from sim.scenario.rules.discovery import import_all
from sim.scenario.rules.tempo.base import RULES, TempoContext, TempoRule, register

import_all(__name__, __path__)

__all__ = ["RULES", "TempoContext", "TempoRule", "register"]
