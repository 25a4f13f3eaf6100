"""The model: forces, ground, combat, logistics, command and withdrawal, and one replication.

The model knows nothing of files, the command line or executors: ``run_replication(scenario, seed)``
returns a ``Trajectory``. Its modules run compiled (mypyc) where the install could compile them, else
as Python; ``sim.model.BUILD`` says which (``sim._build`` chooses, on ``import sim``).
"""

from sim.model._build import BUILD
from sim.model.events import Event
from sim.model.replication import run_replication
from sim.model.trajectory import Trajectory

__all__ = ["BUILD", "Event", "Trajectory", "run_replication"]
