"""Withdrawal rules, one module each (``base`` defines what a rule is)."""

from sim.scenario.rules.discovery import import_all
from sim.scenario.rules.withdrawal.base import RULES, HolderState, WithdrawalRule, label_of, register

import_all(__name__, __path__)

__all__ = ["RULES", "HolderState", "WithdrawalRule", "label_of", "register"]
