"""conflict-sim: discrete-event Monte Carlo simulation of a contested salient."""

__version__ = "0.1.0"
