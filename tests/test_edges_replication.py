"""Edges of one replication's own processes (``sim.model.replication``), each with a number by hand.

The starting density of each line (also on a front under a km), when a wave of arrivals counts as
ready (at once only when it is there at the start with no training; half a day's training is half a
day; a wave with none is in the line before the day's fires), that the day-0 record is the state
before anything happens, that nothing after the last day's record is run, how a fall back is told and
that a sector can fall back again once a fall back is over, and that a run without a trace keeps no
events.

Scenarios are tiny and deterministic (``engagement.noise: false``) unless a test says otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_mechanisms import date, events, run, scenario

from sim.batch.seeding import replication_seed
from sim.model import BUILD
from sim.model.draws import Draws
from sim.model.replication import Replication, run_replication

# Red attacks a 10 km line taking no ground and killing nobody: its rate changes only as a test makes it.
STEADY = {"max_rate_per_km": 0.1, "half_rate_density": 0.0, "advance_km": 0.0}
# Red's line (2 x 1,500 at quality 0.9 on 10 km) has 270 of combat power a km: at this reference density
# its fires take exactly loss_share_per_day of Blue's line a day.
FIRES = {"loss_share_per_day": 0.01, "reference_density": 270}


# ----------------------------------------------------------------------------------- starting density
def test_the_starting_density_is_the_line_per_km_also_on_a_front_under_a_km() -> None:
    """A 0.5 km front: Blue's 2,000 in the line are 4,000 a km, Red's 3,000 are 6,000 a km."""
    replication, _ = run(scenario(2, sectors={"only": {"area_km2": 200, "frontage_km": 0.5}}))
    assert [side.start_density for side in replication.sides] == [[4000.0], [6000.0]]


def test_a_sector_without_a_front_has_no_starting_density_and_does_not_stop_the_run() -> None:
    """A 0 km sector next to a 10 km one: the run goes on; Blue's two units hold one sector each, so its
    10 km line has 1,000 on it, 100 a km."""
    sectors = {"only": {"area_km2": 200, "frontage_km": 10}, "rear": {"area_km2": 50, "frontage_km": 0}}
    replication, trajectory = run(scenario(2, sectors=sectors))
    assert replication.holder.line_strength == [1000.0, 1000.0]
    assert replication.holder.start_density[0] == pytest.approx(100.0)
    np.testing.assert_allclose(trajectory.area_km2, [250.0, 250.0, 250.0])


# ----------------------------------------------------------------------------------------- arrivals
def test_a_wave_is_ready_at_once_only_when_it_is_there_at_the_start_without_training() -> None:
    """Half a day's training from day 0 ends at 0.5; a wave with none arriving at 0.5 is ready then."""
    scen = scenario(
        2,
        sides__blue__contingents__trained={
            "unit_size": 100,
            "quality": 1.0,
            "readiness_days": 0.5,
            "echelons": [{"units": 1, "day": 0}],
        },
        sides__blue__contingents__late={
            "unit_size": 10,
            "quality": 1.0,
            "echelons": [{"units": 1, "day": 0.5}],
        },
    )
    _, trajectory = run(scen)
    times = {(e.kind, e.subject): e.day for e in trajectory.events if e.kind in ("arrival", "ready")}
    assert times == {
        ("arrival", "trained"): 0.0,
        ("ready", "trained"): 0.5,
        ("arrival", "late"): 0.5,
        ("ready", "late"): 0.5,
    }
    # In theatre from arrival, trained or not: 2,000 + 100 at the day-0 record, the 10 from day 1's on.
    np.testing.assert_allclose(trajectory.strength[0], [2100.0, 2110.0, 2110.0])


def test_a_wave_without_training_arriving_on_a_day_is_in_the_line_before_that_days_fires() -> None:
    """Red's fires take 1% of Blue's line a day; Blue's 1,000 arriving on day 2 are under fire that day."""
    scen = scenario(
        3,
        sides__red__fires=FIRES,
        sides__blue__contingents__late={
            "unit_size": 1000,
            "quality": 1.0,
            "echelons": [{"units": 1, "day": 2}],
        },
    )
    _, trajectory = run(scen)
    # Day 0: 1% of 2,000 = 20; day 1: 1% of 1,980 = 19.8; day 2: 1% of 1,960.2 + 1,000 = 29.602.
    np.testing.assert_allclose(trajectory.casualties[0], [0.0, 20.0, 39.8, 69.402])


# ------------------------------------------------------------------------------- the run's first and last
class FirstGapZero(Draws):
    """A stream whose first exponential draw is 0 (a draw a real stream can give, if rarely)."""

    def __init__(self, inner: Draws) -> None:
        super().__init__(np.random.default_rng(3))
        self.inner = inner
        self.first = True

    def exponential(self) -> float:
        if self.first:
            self.first = False
            return 0.0
        return self.inner.exponential()

    def uniform(self) -> float:
        return self.inner.uniform()


class ZeroGapReplication(Replication):
    def _stream(self, *key: int) -> Any:
        draws = super()._stream(*key)
        return FirstGapZero(draws) if draws is not None else None


@pytest.mark.pure_model  # subclasses the stream: compiled classes cannot be subclassed from Python
@pytest.mark.skipif(BUILD == "compiled", reason="run on the pure build by tests/test_builds.py")
def test_the_day_0_record_is_the_state_before_an_assault_due_at_time_0() -> None:
    """Red's first assault is drawn at gap 0: it comes after the day-0 record, and counts from day 1."""
    scen = scenario(
        2,
        sides__red__attack=STEADY,
        sectors__only__shape="line",
        engagement={"kill_rate": 0.01, "noise": True, "dispersion": None, "success": {"intercept": 50.0}},
    )
    replication = ZeroGapReplication(scen, replication_seed(0, 0), trace=True)
    trajectory = replication.run()
    assert events(trajectory, "assault", "red")[0].day == 0.0
    np.testing.assert_array_equal(trajectory.casualties[:, 0], [0.0, 0.0])
    assert (trajectory.casualties[:, 1] > 0.0).all()


def attacking_from_day_2(gap: float) -> Any:
    """Red's loop starts on day 2 of 3 and draws its first assault ``gap`` days later (rate 1 / gap)."""
    attack = {**STEADY, "start": date(2), "max_rate_per_km": 0.1 / gap}  # x 10 km = 1 / gap a day
    return scenario(3, sides__red__attack=attack, sectors__only__shape="line", engagement__kill_rate=0.0)


def test_nothing_due_after_the_last_days_record_is_run() -> None:
    """An assault due at the last day's time is resolved; one due 1.5 ns after it is not."""
    _, on_time = run(attacking_from_day_2(1.0))
    assert [e.day for e in events(on_time, "assault", "red")] == [3.0]
    _, after = run(attacking_from_day_2(1.0 + 1.5e-9))  # due at 3 + 1.5e-9
    assert events(after, "assault", "red") == []


def test_the_weather_is_an_event_only_on_the_days_it_changes() -> None:
    """Fair on day 0 (no event), tempo 0.5 on days 2-3, fair again from day 4."""
    weather = [{"start": date(2), "end": date(3), "tempo": 0.5}]
    _, trajectory = run(scenario(6, weather=weather))
    changes = [(e.day, e.numbers["tempo"], e.numbers["depth"]) for e in events(trajectory, "weather")]
    assert changes == [(2.0, 0.5, 1.0), (4.0, 1.0, 1.0)]


def test_weather_from_the_first_day_is_an_event_on_day_0() -> None:
    weather = [{"start": date(0), "end": date(0), "tempo": 2.0, "depth": 0.5}]
    _, trajectory = run(scenario(3, weather=weather))
    changes = [(e.day, e.numbers["tempo"], e.numbers["depth"]) for e in events(trajectory, "weather")]
    assert changes == [(0.0, 2.0, 0.5), (1.0, 1.0, 1.0)]


# ---------------------------------------------------------------------------------------- falls back
def fall_back_scenario(lines: list[dict[str, float]]) -> Any:
    """Red's fires take 3% of Blue's line a day; Blue falls back after 2 days above 2%, over 1 day."""
    return scenario(
        10,
        sides__red__fires={"loss_share_per_day": 0.03, "reference_density": 270},
        sides__blue__command__fall_back={"loss_rate_above": 0.02, "days": 2, "duration_days": 1},
        sectors={"only": {"area_km2": 200, "frontage_km": 10, "prepared_lines": lines}},
    )


def test_a_fall_back_to_a_line_of_one_km2_is_to_a_line_not_giving_the_sector_up() -> None:
    _, trajectory = run(fall_back_scenario([{"area_km2": 1, "fortification": 0.2}]))
    (went,) = events(trajectory, "fall_back", "blue")
    assert went.subject == "falls back to its next prepared line" and went.numbers["to_area_km2"] == 1.0
    assert trajectory.area_km2[-1] == 1.0 and events(trajectory, "sector_lost") == []


def test_a_sector_falls_back_again_once_its_fall_back_is_over() -> None:
    """Days 0-1 above 2%: to 150 on day 1 (done at 2); days 3-4 above 2% again: to 100 on day 4."""
    lines = [{"area_km2": 150, "fortification": 0.2}, {"area_km2": 100, "fortification": 0.3}]
    _, trajectory = run(fall_back_scenario(lines))
    went = events(trajectory, "fall_back", "blue")
    assert [(e.day, e.numbers["to_area_km2"]) for e in went] == [(1.0, 150.0), (4.0, 100.0)]
    # Each step comes after the record of the day it ends on.
    np.testing.assert_allclose(trajectory.area_km2[:7], [200.0, 200.0, 200.0, 150.0, 150.0, 150.0, 100.0])


# --------------------------------------------------------------------------------------------- tracing
def test_a_replication_without_a_trace_keeps_no_events() -> None:
    """Red's fires hit Blue every day (1% of its line), yet untraced runs list nothing."""
    scen = scenario(3, sides__red__fires=FIRES, sides__red__attack=STEADY, engagement__kill_rate=0.01)
    seed = replication_seed(0, 0)
    untraced = Replication(scen, seed).run()
    assert untraced.casualties[0, -1] > 0.0 and untraced.events == []
    assert run_replication(scen, seed).events == []
    traced = run_replication(scen, seed, trace=True)
    assert events(traced, "fires", "red") and events(traced, "assault", "red")
