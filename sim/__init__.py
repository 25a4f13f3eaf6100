"""conflict-sim: discrete-event Monte Carlo simulation of a contested salient."""

from sim import _build as _build  # first: it decides whether compiled modules or their Python sources load

__version__ = "0.1.0"
