"""Edges of a replication's record (``sim.model.trajectory``): what a trajectory made by hand holds."""

from __future__ import annotations

import numpy as np

from sim.model.trajectory import Trajectory


def test_a_trajectory_made_without_geometry_or_sector_casualties_has_none_of_them() -> None:
    """Left out, the sampled geometry is empty (no sectors) and the sector casualties have no sides."""
    area = np.array([300.0, 250.0, 200.0])
    flat = np.zeros((2, 3))
    trajectory = Trajectory(area, area[None, :], flat, flat, flat)
    assert trajectory.sector_area0_km2.shape == (0,)
    assert trajectory.sector_frontage0_km.shape == (0,)
    assert trajectory.sector_is_line.shape == (0,) and trajectory.sector_is_line.dtype == np.bool_
    assert trajectory.sector_casualties.shape == (0, 0, 0)
    assert trajectory.events == [] and trajectory.parameters == {}
    assert trajectory.withdrawal_day is None and trajectory.withdrawal_reason is None
