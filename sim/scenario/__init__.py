"""Scenarios: schema, YAML loading with line numbers, distributions and overrides."""

from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

__all__ = ["Scenario", "load_scenario"]
