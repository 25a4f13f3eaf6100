"""The model: forces, ground, combat, logistics, command and withdrawal, and one replication.

The model knows nothing of files, the command line or executors: ``run_replication(scenario, seed)``
returns a ``Trajectory``.
"""

from sim.model.events import Event
from sim.model.replication import run_replication
from sim.model.trajectory import Trajectory

__all__ = ["Event", "Trajectory", "run_replication"]
