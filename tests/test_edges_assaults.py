"""Edges of the assault loops and strike processes (``sim.model.assaults``), each with a number by hand.

When an assault loop reads its rate (at its start, a microsecond after each day's command, when woken,
and never again for a day's list it has left), how an assault drawn before the rate fell is thinned,
how a wait from a day's start keeps its own time to the bit, which sectors get a loop and find it again
to wake it, what an assault that moved no ground wakes, when a sector counts as lost, the weather of
the last day, and when a strike counts in the day's supply and in the trace.

Scenarios are tiny and deterministic (``engagement.noise: false``) unless a test says otherwise; a few
replace the assault rate with a scripted one to drive a loop through an exact sequence of rates.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_mechanisms import date, events, scenario

from sim.batch.seeding import replication_seed
from sim.model import BUILD
from sim.model.draws import Draws
from sim.model.plans import AttackPlan
from sim.model.replication import Replication

# Red attacks a 10 km line taking no ground and killing nobody: its rate changes only as a test makes it.
STEADY = {"max_rate_per_km": 0.1, "half_rate_density": 0.0, "advance_km": 0.0}
MICRO = 1e-6  # how long after a day's start a loop waiting for it reads its rate


def steady(horizon: int, **paths: Any) -> Any:
    values: dict[str, Any] = {
        "sides__red__attack": STEADY,
        "sectors__only__shape": "line",
        "engagement__kill_rate": 0.0,
    }
    return scenario(horizon, **{**values, **paths})


class RateReads(Replication):
    """A replication that notes each time a side reads its assault rate, with the sector."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reads: list[tuple[str, int, float]] = []

    def _assault_rate(self, side: Any, sector: int, plan: AttackPlan) -> float:
        self.reads.append((side.name, sector, self.env.now))
        return super()._assault_rate(side, sector, plan)

    def read_days(self, side: str, sector: int = 0) -> list[float]:
        return [day for name, k, day in self.reads if name == side and k == sector]


def traced(scen: Any, kind: type[Replication] = Replication) -> tuple[Any, Any]:
    replication = kind(scen, replication_seed(0, 0), trace=True)
    return replication, replication.run()


def assault_days(trajectory: Any, side: str = "red") -> list[float]:
    return [e.day for e in events(trajectory, "assault", side)]


# ================================================================================ when a loop reads its rate
def _wave(day: float, max_rate_per_km: float = 0.06) -> Any:
    """Red's rate: 0.06 a km x 10 km x tempo 0.5 (2 units, 270 a km at half-rate density 270) = 0.3 a day."""
    return steady(
        5,
        sides__red__attack={**STEADY, "max_rate_per_km": max_rate_per_km, "half_rate_density": 270.0},
        sides__red__contingents__main__echelons=[{"units": 2, "day": 0}, {"units": 1, "day": day}],
    )


def test_a_loop_waiting_for_a_day_re_reads_its_rate_a_microsecond_after_the_days_start() -> None:
    """0.3 a day: the first assault is 3.3 days off, so the loop waits for each day's start.

    It reads its rate at 0, then at 1 + 1e-6 and 2 + 1e-6 (just after each day's command), and, woken
    by the wave at 3 (one unit more: tempo 4,050 / (4,050 + 2,700) = 0.6, 0.36 a day), at 3. By then it
    has 0.3 x 3 = 0.9 of an assault: the first comes 0.1 / 0.36 day later. The day's list, which comes
    a microsecond later, finds the loop gone from it and leaves it alone.
    """
    replication, trajectory = traced(_wave(3), RateReads)
    first = assault_days(trajectory)[0]
    assert first == pytest.approx(3 + 0.1 / 0.36, abs=1e-9)
    before = [day for day in replication.read_days("red") if day < first]
    assert before == pytest.approx([0.0, 1 + MICRO, 2 + MICRO, 3.0], abs=1e-12)


def test_a_loop_woken_at_a_days_start_and_back_waiting_for_the_next_is_not_woken_by_the_days_list() -> None:
    """Woken by the wave at 2 with 0.3 x 2 = 0.6 of an assault, at 0.36 a day the loop still needs 1.1
    days: it waits for day 3 again and reads its rate at 3 + 1e-6, not at 2 + 1e-6 as well. With
    0.6 + 0.36 x 1 = 0.96 at day 3, the first assault comes 0.04 / 0.36 day after it (2 + 0.4 / 0.36).
    """
    replication, trajectory = traced(_wave(2), RateReads)
    first = assault_days(trajectory)[0]
    assert first == pytest.approx(2 + 0.4 / 0.36, abs=1e-9)
    before = [day for day in replication.read_days("red") if day < first]
    assert before == pytest.approx([0.0, 1 + MICRO, 2.0, 3 + MICRO], abs=1e-12)


def test_an_attack_from_the_first_day_reads_its_first_rate_before_that_days_supply() -> None:
    """The loop starts at once at 0, before day 0's command sets red's supply to 1,500 / 3,000 = 0.5.

    0.08 a km on 10 km: 0.8 a day at the starting supply 1, 0.4 from day 0's command on. Day 0 runs at
    0.8 (the rate read at the start), day 1 at 0.4: 0.8 x (1 + 1e-6) + 0.4 x 0.5 = 1 at 1.5.
    """
    scen = steady(
        4, sides__red__attack={**STEADY, "max_rate_per_km": 0.08}, sides__red__logistics={"capacity": 1500}
    )
    _, trajectory = traced(scen)
    assert assault_days(trajectory)[0] == pytest.approx(1.5, abs=1e-5)


def test_an_assault_due_exactly_at_the_next_days_re_read_waits_for_it_and_goes_in_at_the_new_rate() -> None:
    """Weather stops red on day 0 (tempo 0) and halves it from day 2; day 1 runs at 1 a day.

    Read at 1 + 1e-6 with nothing owed, the assault is 1 day off: exactly at the next day's re-read
    (2 + 1e-6), which is not before it, so the loop waits for that day, comes with a whole assault owed,
    and launches it at once at the day's rate 0.5 (not thinning it as a drawn assault would be).
    """
    weather = [
        {"start": date(0), "end": date(0), "tempo": 0.0},
        {"start": date(2), "end": date(6), "tempo": 0.5},
    ]
    _, trajectory = traced(steady(6, weather=weather))
    assert assault_days(trajectory)[0] == pytest.approx(2 + MICRO, abs=1e-9)


# ======================================================================================= thinning
class Scripted(Replication):
    """A replication whose red assault rate follows ``script(now)``; assaults are noted, not fought."""

    script: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.launched: list[float] = []

    def _assault_rate(self, side: Any, sector: int, plan: AttackPlan) -> float:
        return 0.0 if side is self.holder else float(self.script(self.env.now))

    def _assault(self, side: Any, enemy: Any, sector: int, plan: AttackPlan, draws: Any) -> None:
        self.launched.append(self.env.now)


def scripted(script: Any, horizon: int = 4, noise: bool = False, draws: Draws | None = None) -> list[float]:
    class Run(Scripted):
        def _start_attacks(self) -> None:
            super()._start_attacks()
            if draws is not None:
                for loop in self._assault_loops.values():
                    loop.draws = draws

    Run.script = staticmethod(script)
    replication = Run(steady(horizon, engagement__noise=noise), replication_seed(0, 0))
    replication.run()
    return replication.launched


def test_a_deterministic_assault_thinned_at_a_fallen_rate_keeps_the_share_accrued_at_the_rate_now() -> None:
    """2 a day at the start, 1 a day after: drawn 0.5 day off, the assault finds the rate halved.

    Over those 0.5 days only 1 x 0.5 = 0.5 of an assault accrued at the rate now; the other half takes
    0.5 / 1 day more: the first assault is at 1.0, not at once at 0.5.
    """
    launched = scripted(lambda now: 2.0 if now == 0.0 else 1.0)
    assert launched[0] == pytest.approx(1.0, abs=1e-12)


def test_a_deterministic_assault_whose_rate_fell_to_zero_keeps_what_was_owed_before_it_was_drawn() -> None:
    """0.5 a day until 0.5, then 2, then 0 from 1.1 to 2, then 1.

    Waiting for day 1, the loop owes 0.5 x (1 + 1e-6) at 1 + 1e-6; at 2 a day the rest comes 0.25 day
    later, at 1.25, where the rate is 0: nothing launched, and the half owed is kept. From 2 + 1e-6 at
    1 a day, the other half takes 0.5 day: the first assault is at 2.5.
    """

    def script(now: float) -> float:
        return 0.5 if now < 0.5 else 2.0 if now < 1.1 else 0.0 if now < 2.0 else 1.0

    assert scripted(script)[0] == pytest.approx(2.5, abs=1e-5)


class FixedDraws(Draws):
    """A combat stream whose every exponential is 1 and every uniform 0.5."""

    def __init__(self) -> None:
        super().__init__(np.random.default_rng(0))

    def exponential(self) -> float:
        return 1.0

    def uniform(self) -> float:
        return 0.5


@pytest.mark.pure_model  # subclasses the stream: compiled classes cannot be subclassed from Python
@pytest.mark.skipif(BUILD == "compiled", reason="run on the pure build by tests/test_builds.py")
def test_a_drawn_assault_is_kept_only_while_the_uniform_draw_is_below_rate_now_over_rate_then() -> None:
    """2.5 a day at the start, 1.25 after: the assault drawn 1 / 2.5 day off is kept with probability 1 / 2.

    A uniform of exactly 0.5 is not below 1 / 2: the assault at 0.4 is dropped, and the next, drawn
    1 / 1.25 = 0.8 day off from 0.4, is past day 1's re-read; drawn again from 1 + 1e-6, it is at 1.8 + 1e-6.
    """
    launched = scripted(lambda now: 2.5 if now == 0.0 else 1.25, noise=True, draws=FixedDraws())
    assert launched[0] == pytest.approx(1.8 + MICRO, abs=1e-9)


# ======================================================================== which sectors, which loop
def test_a_sector_with_a_one_km_front_is_attacked() -> None:
    """1 a km a day on a 1 km line: one assault a day, at 1, 2 and 3."""
    scen = steady(
        3,
        sides__red__attack={**STEADY, "max_rate_per_km": 1.0},
        sectors__only__frontage_km=1.0,
    )
    _, trajectory = traced(scen)
    assert assault_days(trajectory) == pytest.approx([1.0, 2.0, 3.0], abs=1e-12)


TWO_LINES = {
    "a": {"area_km2": 200, "frontage_km": 10, "shape": "line"},
    "b": {"area_km2": 200, "frontage_km": 20, "shape": "line"},
}


def test_a_loop_in_the_second_of_two_sectors_is_found_and_woken_when_its_line_grows() -> None:
    """Red holds one unit in each of two sectors; a wave joins the longer second one at 2.5 and wakes its
    loop there (and not the first sector's), which reads its rate at once."""
    scen = steady(
        4,
        sectors=TWO_LINES,
        sides__red__attack={**STEADY, "max_rate_per_km": 0.03, "half_rate_density": 270.0},
        sides__red__contingents__main__echelons=[{"units": 2, "day": 0}, {"units": 1, "day": 2.5}],
        sides__red__command__policy="proportional_frontage",
    )
    replication, _ = traced(scen, RateReads)
    joined = [unit.sector for unit in replication.opponent.by_contingent["main"][2:]]
    assert joined == [1]
    assert 2.5 in replication.read_days("red", 1)
    assert 2.5 not in replication.read_days("red", 0)


# ================================================================ what an assault's outcome wakes
def test_an_assault_that_moves_no_ground_wakes_nobody() -> None:
    """Red's assaults (1 a day, at 1, 2, 3) all succeed but take nothing: blue, which counter-attacks only
    ground it has lost, has lost none and reads its rate only at the start and each day's re-read."""
    scen = steady(
        3,
        sides__blue__attack={**STEADY, "max_rate_per_km": 0.3},
        engagement__success={"intercept": 50.0},
    )
    replication, trajectory = traced(scen, RateReads)
    assert assault_days(trajectory) == pytest.approx([1.0, 2.0, 3.0], abs=1e-12)
    assert all(e.numbers["succeeded"] == 1.0 for e in events(trajectory, "assault", "red"))
    assert replication.read_days("blue") == pytest.approx([0.0, 1 + MICRO, 2 + MICRO], abs=1e-12)


def _tiny(horizon: int = 8, **paths: Any) -> Any:
    """A 0.5 km² line sector; red (0.032 a km: 0.32 a day) takes 0.3 km² (0.3 km x 1 km) an assault."""
    values: dict[str, Any] = {
        "sectors__only__area_km2": 0.5,
        "sides__red__attack": {**STEADY, "max_rate_per_km": 0.032, "frontage_km": 1.0, "advance_km": 0.3},
        "engagement__success": {"intercept": 50.0},
        "sides__red__strikes": {
            "start": date(0),
            "rate_per_day": 1.0,
            "capacity_cut": 0.1,
            "recovery_days": 1,
        },
    }
    return steady(horizon, **{**values, **paths})


def test_a_sector_under_one_km2_is_attacked_and_lost_only_once_nothing_is_left() -> None:
    """The first assault (at 1 / 0.32 = 3.125) leaves 0.2 km², still held; the second (6.25) takes it."""
    _, trajectory = traced(_tiny())
    assaults = events(trajectory, "assault", "red")
    assert [e.day for e in assaults] == pytest.approx([3.125, 6.25], abs=1e-5)
    assert [e.numbers["area_km2"] for e in assaults] == pytest.approx([0.2, 0.0], abs=1e-12)
    assert [e.day for e in events(trajectory, "sector_lost")] == pytest.approx([6.25], abs=1e-5)


def test_strikes_are_listed_while_the_holder_holds_any_ground_however_little_and_not_after() -> None:
    """Red strikes once a day (1, 2, ..., 8); the last 0.2 km² falls at 6.25: strikes 1-6 are listed."""
    _, trajectory = traced(_tiny())
    assert [e.day for e in events(trajectory, "strike")] == pytest.approx([1, 2, 3, 4, 5, 6], abs=1e-12)


def test_a_replication_not_asked_to_trace_keeps_no_events_strikes_included() -> None:
    replication = Replication(_tiny(), replication_seed(0, 0))
    trajectory = replication.run()
    assert trajectory.events == []
    assert trajectory.area_km2[-1] == 0.0  # it ran: the sector fell


def test_a_strike_due_at_a_days_start_counts_in_that_days_supply() -> None:
    """Red's strikes (1 a day from day 0) fall at 1, 2, ... just before each day's supply is set.

    Blue's 2,000 need 2,000 a day against a capacity of 2,000; each strike cuts it by half for 10 days.
    Recorded at the start of each day (before that day's supply): day 1 shows 1 (no strike yet), day 2
    the strike at 1 (0.5), day 3 the strikes at 1 and 2 (0.25).
    """
    scen = steady(
        3,
        sides__red__strikes={"start": date(0), "rate_per_day": 1.0, "capacity_cut": 0.5, "recovery_days": 10},
        sides__blue__logistics={"capacity": 2000},
    )
    _, trajectory = traced(scen)
    assert trajectory.supply[0].tolist() == pytest.approx([1.0, 1.0, 0.5, 0.25], abs=1e-12)


def test_strikes_at_a_rate_of_zero_never_fall_and_the_run_goes_on() -> None:
    """A rate of 0 a day is valid (a distribution can draw it): no strike, full supply, no division by 0."""
    scen = steady(
        3,
        sides__red__strikes={"start": date(0), "rate_per_day": 0.0, "capacity_cut": 0.5, "recovery_days": 10},
        sides__blue__logistics={"capacity": 2000},
    )
    _, trajectory = traced(scen)
    assert events(trajectory, "strike") == []
    assert trajectory.supply[0].tolist() == [1.0, 1.0, 1.0, 1.0]


# ============================================================================ the last day's weather
@pytest.mark.parametrize("factor", ["tempo", "depth"])
def test_an_assault_on_the_last_day_feels_that_days_weather(factor: str) -> None:
    """Red (1 a day, taking 0.1 km x 1 km) assaults at 1, 2, 3 and 4 = the last day, whose weather halves
    its tempo (the assault at 4, drawn at 1 a day, is thinned at 0.5: none) or stops its depth (it takes
    nothing)."""
    scen = steady(
        4,
        sides__red__attack={**STEADY, "frontage_km": 1.0, "advance_km": 0.1},
        engagement__success={"intercept": 50.0},
        weather=[{"start": date(4), "end": date(4), factor: 0.5 if factor == "tempo" else 0.0}],
    )
    _, trajectory = traced(scen)
    assaults = events(trajectory, "assault", "red")
    if factor == "tempo":
        assert [e.day for e in assaults] == pytest.approx([1.0, 2.0, 3.0], abs=1e-12)
    else:
        assert [e.day for e in assaults] == pytest.approx([1.0, 2.0, 3.0, 4.0], abs=1e-12)
        moved = [e.numbers["area_change_km2"] for e in assaults]
        assert moved == pytest.approx([-0.1, -0.1, -0.1, 0.0], abs=1e-12)


# ====================================================================== a day's start, to the bit
def test_an_assault_drawn_at_a_days_start_comes_at_the_loops_own_time_plus_the_gap_to_the_bit() -> None:
    """A loop woken 3 x 2^-53 day after the start works out its own day-1 start as 1.000001 + 1 ulp, one
    ulp past the day's event (set from 0); the assault it draws there comes at its own time + gap.

    0.5 a day (0.1 a km, tempo 0.5) until the wave, 0.6 after: woken, the loop owes 0.5 x eps and needs
    (1 - owed) / 0.6 > 1 day, so it waits for day 1; there it owes 0.6 x (start - eps) more, and the
    rest comes (1 - owed) / 0.6 day after its own start, not after the day's event.
    """
    eps = 3 * 2.0**-53
    _, trajectory = traced(_wave(eps, max_rate_per_km=0.1))
    own_start = eps + ((1 + MICRO) - eps)  # what the woken loop works out
    assert own_start == 1 + MICRO + 2.0**-52
    owed = 0.5 * eps + 0.6 * (own_start - eps)
    assert assault_days(trajectory)[0] == own_start + (1 - owed) / 0.6


# ================================================================================ waking twice at once
def test_a_loop_woken_twice_at_once_steps_at_its_first_wake_so_loops_keep_their_order() -> None:
    """Red assaults two equal lines at 1 a day each (tempo 1 whoever is there): both due at 1.

    A wave of 3 joins at 0.5 one by one, evenly: the first sector, the second, the first again. Each
    loop steps once, in the order of its first wake; both owe 0.5 and come 0.5 later, at 1.0, the
    first sector's first, as they were drawn.
    """
    lines = {name: {**line, "frontage_km": 10} for name, line in TWO_LINES.items()}
    scen = steady(
        1,
        sectors=lines,
        sides__red__contingents__main__echelons=[{"units": 2, "day": 0}, {"units": 3, "day": 0.5}],
        sides__red__command__policy="even",
    )
    replication, trajectory = traced(scen)
    joined = [unit.sector for unit in replication.opponent.by_contingent["main"][2:]]
    assert joined == [0, 1, 0]
    assaults = events(trajectory, "assault", "red")
    assert [(e.day, e.sector) for e in assaults] == [(1.0, "a"), (1.0, "b")]


# ============================================================================ a front that underflows
def test_a_salient_whose_front_rounds_to_nothing_has_no_assault_rate() -> None:
    """A salient with the smallest positive frontage (5e-324 km) shrinks by withdrawal, 25 km² a day.

    At 50 of 200 km² its front, 5e-324 x sqrt(1/4), rounds to 0: red's rate there is 0 (no division by
    the zero front), so it launches nothing before the holder is gone.
    """
    scen = steady(
        9,
        sectors__only__shape="salient",
        sectors__only__frontage_km=5e-324,
        sides__blue__command__withdrawal={"area_below_km2": 201.0, "duration_days": 8},
    )
    _, trajectory = traced(scen)
    assert trajectory.sector_area_km2[7, 0] == pytest.approx(50.0)  # recorded before that day's step
    assert events(trajectory, "assault") == []
    assert [e.day for e in events(trajectory, "withdrawn")] == pytest.approx([8.0])
