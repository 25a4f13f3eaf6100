"""The model: forces, sectors, combat laws, logistics, command policies and one replication."""

from sim.model.replication import run_replication
from sim.model.trajectory import Event, Trajectory

__all__ = ["Event", "Trajectory", "run_replication"]
