"""Edges of the holder's fighting withdrawal (``sim.model.withdrawal``), with numbers by hand."""

from __future__ import annotations

import numpy as np
from test_mechanisms import events, run, scenario


def test_a_withdrawal_of_one_day_is_one_step_at_its_end() -> None:
    """Begun on day 0 over 1 day: all 200 km2 are held until the step at day 1 (after that day's record)."""
    scen = scenario(4, sides__blue__command__withdrawal={"area_below_km2": 1e6, "duration_days": 1.0})
    _, trajectory = run(scen)
    assert trajectory.withdrawal_day == 0.0
    assert [e.day for e in events(trajectory, "withdrawn")] == [1.0]
    # One step of 1 day: nothing given up before it (two steps would leave 100 km2 at the day-1 record).
    np.testing.assert_allclose(trajectory.area_km2, [200.0, 200.0, 0.0, 0.0, 0.0])
