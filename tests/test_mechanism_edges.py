"""Behaviour tests for the edges of the mechanisms that only the golden files used to notice.

Each test names the mechanism and holds a number worked by hand, so a one-line change to it (a flipped
comparison, a factor left out) fails here with the mechanism's name rather than as "stored X, now Y":
the assault rate's supply factor, the minimum force ratio at which an assault is still launched, the
attacker's supply in the force ratio, the holder's supply in the ratio its withdrawal rules read, the
holder's counter-attacks only where it has lost ground, the cap on ground won back, the first day
*below* a threshold, the replication seeds, and when an assault loop runs (not before its attack's
start, not while its side withdraws, woken mid-wait when its line grows or ground is won back).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
from test_mechanisms import Forces, date, events, run, scenario

from sim.batch.seeding import replication_seed
from sim.model import BUILD, laws, plans
from sim.model.combat import resolve_assault
from sim.model.draws import Draws
from sim.model.forces import LINE
from sim.model.ground import Ground
from sim.model.replication import Replication
from sim.model.trajectory import Trajectory
from sim.model.withdrawal import holder_state

# Red attacks on a 10 km line at 0.1 assault a km a day (1 a day), tempo 1 (half_rate_density 0), taking
# no ground and killing nobody, so its line, demand and supply never change.
STEADY = {"max_rate_per_km": 0.1, "half_rate_density": 0.0, "advance_km": 0.0}


def steady(horizon: int, **paths: Any) -> Any:
    return scenario(
        horizon,
        sides__red__attack=STEADY,
        sectors__only__shape="line",
        engagement__kill_rate=0.0,
        **paths,
    )


# ------------------------------------------------------------------------------- laws with worked numbers
def test_assault_rate_is_max_rate_times_front_supply_and_tempo() -> None:
    assert laws.assault_rate(0.5, 12.0, 0.8, 0.25) == pytest.approx(1.2)  # 0.5 x 12 x 0.8 x 0.25
    assert laws.assault_rate(0.5, 12.0, 0.0, 1.0) == 0.0


def test_an_assault_is_launched_at_exactly_the_minimum_force_ratio_and_not_below() -> None:
    assert laws.launched(1.5, 1.5)
    assert laws.launched(2.0, 1.5)
    assert not laws.launched(1.4999, 1.5)


def test_the_force_ratio_puts_each_side_at_its_supply() -> None:
    # Enemy 6,000 at supply 0.5 against 2,000 at supply 0.75: 3,000 / 1,500 = 2.
    assert laws.force_ratio(2000.0, 0.75, 6000.0, 0.5) == pytest.approx(2.0)
    assert laws.force_ratio(0.0, 1.0, 10.0, 1.0) == float("inf")


def test_ground_won_back_never_exceeds_the_original_area() -> None:
    assert laws.regained_area(150.0, 30.0, 200.0) == pytest.approx(180.0)
    assert laws.regained_area(190.0, 30.0, 200.0) == pytest.approx(200.0)


# ------------------------------------------------------------------------------------- the assault rate
def test_assault_rate_halves_with_the_attackers_supply() -> None:
    """Red's 3,000 need 3,000 a day; a capacity of 1,500 gives supply 0.5 and half the assaults."""
    full = events(run(steady(10))[1], "assault", "red")
    halved = events(run(steady(10, sides__red__logistics={"capacity": 1500}))[1], "assault", "red")
    assert len(full) == 10  # 1 a day, the first after a whole day's share has accumulated
    assert len(halved) == 5


def test_the_holder_counter_attacks_only_where_it_has_lost_ground() -> None:
    """Blue (the holder) has an attack but has lost nothing: it launches no assault at all."""
    counter = {**STEADY, "max_rate_per_km": 0.3}
    _, trajectory = run(scenario(10, sides__blue__attack=counter, sectors__only__shape="line"))
    assert events(trajectory, "assault", "blue") == []
    # Red's assaults (0.75 a day, so never at a day's start) succeed (intercept 3) and take ground: now
    # blue counter-attacks.
    taking = {**STEADY, "max_rate_per_km": 0.075, "advance_km": 0.1}
    _, trajectory = run(
        scenario(
            10,
            sides__blue__attack=counter,
            sides__red__attack=taking,
            sectors__only__shape="line",
            engagement__success={"intercept": 3.0, "slope": 0.358},
        )
    )
    first_loss = events(trajectory, "assault", "red")[0].day
    counters = events(trajectory, "assault", "blue")
    assert counters and all(event.day > first_loss for event in counters)
    # Woken by the first ground lost, not at the next day's start: 3 counter-attacks a day (0.3 a km on
    # 10 km), so the first comes a third of a day after the loss.
    assert counters[0].day == pytest.approx(first_loss + 1 / 3)


# ------------------------------------------------------------------------------ force ratios and supply
def _one_on_one(attacker_supply: float, min_force_ratio: float = 0.0) -> Any:
    forces = Forces(scenario(5, sides__red__attack=STEADY))
    forces.units(forces.red, 2, sector=0)
    forces.units(forces.blue, 2, sector=0)
    forces.red.supply = attacker_supply
    plan = dataclasses.replace(forces.params.sides[1].attack, min_force_ratio=min_force_ratio)
    engagement = forces.params.engagement
    return resolve_assault(forces.red, forces.blue, forces.blue, forces.ground, 0, plan, engagement, None)


def test_the_attackers_supply_scales_its_force_ratio_and_what_it_inflicts() -> None:
    """Red at supply 0.5 fights at half its effectiveness: half the ratio, half the defender's losses."""
    full, half = _one_on_one(1.0), _one_on_one(0.5)
    assert half.ratio == pytest.approx(full.ratio / 2, rel=1e-12)
    assert half.defender_losses == pytest.approx(full.defender_losses / 2, rel=1e-12)
    assert half.attacker_losses == pytest.approx(full.attacker_losses, rel=1e-12)


def test_an_assault_at_exactly_its_minimum_force_ratio_is_launched() -> None:
    ratio = _one_on_one(1.0).ratio
    assert _one_on_one(1.0, min_force_ratio=ratio) is not None
    assert _one_on_one(1.0, min_force_ratio=ratio * (1 + 1e-9)) is None


def test_the_withdrawal_rules_read_the_holders_force_ratio_at_both_sides_supply() -> None:
    forces = Forces(scenario(5))
    forces.units(forces.red, 2, sector=0)  # 2 x 1,500 at quality 0.9: power 2,700
    forces.units(forces.blue, 2, sector=0)  # 2 x 1,000 at quality 1.2: power 2,400
    forces.blue.supply, forces.red.supply = 0.5, 0.8
    state = holder_state(forces.blue, forces.red, forces.ground, 3.0)
    assert state.force_ratio == pytest.approx(2700 * 0.8 / (2400 * 0.5))  # 1.8
    assert state.supply == 0.5


# ---------------------------------------------------------------------------------------- ground, days
def test_ground_regained_by_the_holder_stops_at_the_sectors_original_area() -> None:
    ground = Ground(Forces(scenario(5)).params.sectors)
    ground.lose(0, 30.0)
    assert ground.regain(0, 20.0) == pytest.approx(20.0)
    assert ground.regain(0, 50.0) == pytest.approx(10.0)  # only the 10 km2 still missing
    assert ground.area[0] == pytest.approx(200.0)


def test_the_first_day_below_a_threshold_does_not_count_a_day_exactly_on_it() -> None:
    area = np.array([300.0, 250.0, 250.0, 249.9, 100.0])
    flat = np.zeros((2, area.size))
    trajectory = Trajectory(area, area[None, :], flat, flat, flat)
    assert trajectory.first_day_below(250.0) == 3
    assert trajectory.first_day_below(100.0) is None


def test_replication_i_is_child_i_of_the_root_seed() -> None:
    """Any worker can make replication i's seed directly: the i-th child SeedSequence(root).spawn gives."""
    children = np.random.SeedSequence(2024).spawn(4)
    for i, child in enumerate(children):
        mine = replication_seed(2024, i)
        assert mine.spawn_key == child.spawn_key == (i,)
        assert mine.generate_state(4).tolist() == child.generate_state(4).tolist()
    assert replication_seed(2024, 1).generate_state(2).tolist() != children[0].generate_state(2).tolist()


# ------------------------------------------------------------------------------------------ depth noise
class CountingDraws(Draws):
    """A combat stream that counts its normal draws (the depth noise of a successful assault)."""

    def __init__(self) -> None:
        super().__init__(np.random.default_rng(5))
        self.normals = 0

    def normal(self) -> float:
        self.normals += 1
        return super().normal()


@pytest.mark.pure_model  # subclasses the stream: compiled classes cannot be subclassed from Python
@pytest.mark.skipif(BUILD == "compiled", reason="run on the pure build by tests/test_builds.py")
@pytest.mark.parametrize(("sigma", "normals"), [(0.0, 0), (0.3, 1)])
def test_depth_noise_draws_only_when_it_has_a_spread(sigma: float, normals: int) -> None:
    """A zero ``advance_sigma`` takes nothing from the stream, so it leaves every later draw as it was."""
    forces = Forces(scenario(5, sides__red__attack=STEADY, engagement__success={"intercept": 50.0}))
    forces.units(forces.red, 2, sector=0)
    forces.units(forces.blue, 2, sector=0)
    plan = dataclasses.replace(forces.params.sides[1].attack, advance_sigma=sigma, advance_km=0.5)
    draws = CountingDraws()
    result = resolve_assault(
        forces.red, forces.blue, forces.blue, forces.ground, 0, plan, forces.params.engagement, draws
    )
    assert result is not None and result.succeeded
    assert draws.normals == normals


# ------------------------------------------------------------------------------- streams, records, plans
def test_a_stream_hands_out_its_generators_blocks_in_order_from_the_first_draw() -> None:
    draws = Draws(np.random.default_rng(9), block=4)
    reference = np.random.default_rng(9)
    uniforms = reference.random(4).tolist()
    exponentials = reference.standard_exponential(4).tolist()
    normals = reference.standard_normal(4).tolist()
    assert [draws.uniform() for _ in range(4)] == uniforms
    assert [draws.exponential() for _ in range(4)] == exponentials
    assert [draws.normal() for _ in range(4)] == normals
    assert draws.uniform() == reference.random(4).tolist()[0]  # the next block, once one is used up


def test_reaching_a_prepared_line_no_stronger_than_the_fortification_held_is_not_an_event() -> None:
    lines = [{"area_km2": 150, "fortification": 0.1}, {"area_km2": 100, "fortification": 0.5}]
    sectors = {"only": {"area_km2": 200, "frontage_km": 10, "prepared_lines": lines}}
    scen = scenario(5, sectors=sectors, sectors__only__fortification={"initial": 0.1, "kept_on_retreat": 1.0})
    ground = Ground(Forces(scen).params.sectors)
    ground.lose(0, 60.0)  # onto the first line, as strong as what it holds
    assert ground.reached == [] and ground.fortification[0] == pytest.approx(0.1)
    ground.lose(0, 40.0)  # onto the second, stronger
    assert ground.reached == [(0, 0.5)] and ground.fortification[0] == pytest.approx(0.5)


def test_a_replications_record_has_one_row_per_side_and_one_column_per_day() -> None:
    _, trajectory = run(steady(10))
    for record in (trajectory.strength, trajectory.casualties, trajectory.supply):
        assert record.shape == (2, 11)
    assert trajectory.area_km2.shape == (11,)


def test_the_plans_a_replication_reads_cannot_be_changed_while_it_runs() -> None:
    plan = Forces(steady(3)).params.sides[1].attack
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.max_rate_per_km = 1.0  # type: ignore[misc]
    kinds = [
        kind
        for kind in vars(plans).values()
        if dataclasses.is_dataclass(kind) and kind.__module__ == plans.__name__
    ]
    assert len(kinds) >= 10
    assert all(kind.__dataclass_params__.frozen for kind in kinds), [k.__name__ for k in kinds]  # type: ignore[attr-defined]


def test_a_force_ratio_against_less_than_one_unit_of_power_is_still_finite() -> None:
    assert laws.force_ratio(0.5, 1.0, 2.0, 1.0) == pytest.approx(4.0)


# ------------------------------------------------------------------------------ when assault loops run
def test_an_attack_waits_for_its_start_whatever_joins_its_line_before() -> None:
    """Red's attack starts on day 4; a wave joining its line on day 2 must not wake it early."""
    scen = scenario(
        10,
        sides__red__attack={**STEADY, "start": date(4)},
        sides__red__contingents__main__echelons=[{"units": 2, "day": 0}, {"units": 1, "day": 2}],
        sectors__only__shape="line",
        engagement__kill_rate=0.0,
    )
    replication, trajectory = run(scen)
    assert any(unit.status == LINE for unit in replication.opponent.by_contingent["main"][2:])
    assaults = events(trajectory, "assault", "red")
    assert assaults and min(event.day for event in assaults) >= 4.0


def test_a_withdrawing_holder_makes_no_more_counter_attacks() -> None:
    """Blue counter-attacks ground it lost until its withdrawal begins, and never after."""
    taking = {**STEADY, "max_rate_per_km": 0.3, "advance_km": 0.1}
    scen = scenario(
        12,
        sides__blue__attack={**STEADY, "max_rate_per_km": 0.3},
        sides__red__attack=taking,
        sectors__only__shape="line",
        engagement__kill_rate=0.0,
        engagement__success={"intercept": 3.0, "slope": 0.358},
        sides__blue__command__withdrawal={"area_below_km2": 196.0, "duration_days": 20},
    )
    replication, trajectory = run(scen)
    began = replication.withdrawal_day
    counters = events(trajectory, "assault", "blue")
    assert began is not None and counters
    assert max(event.day for event in counters) <= began


def test_a_loop_waiting_for_its_next_assault_is_woken_when_its_line_grows() -> None:
    """Red's rate rises from 1.5 to 1.8 a day when a wave joins at day 2.5, mid-wait for its next assault.

    Half-rate density 270 per km: two units (2,700 combat power on 10 km) give tempo 0.5, 1.5 assaults a
    day; the third (4,050) tempo 0.6, 1.8 a day. Woken at 2.5, red has accumulated 1.5 x 0.5 = 0.75 of
    an assault since its last one (day 2) and comes 0.25 / 1.8 of a day later, at 2.639 rather than 2.667.
    """
    scen = scenario(
        4,
        sides__red__attack={**STEADY, "max_rate_per_km": 0.3, "half_rate_density": 270.0},
        sides__red__contingents__main__echelons=[{"units": 2, "day": 0}, {"units": 1, "day": 2.5}],
        sectors__only__shape="line",
        engagement__kill_rate=0.0,
    )
    _, trajectory = run(scen)
    after = [event.day for event in events(trajectory, "assault", "red") if 2.5 < event.day < 3.0]
    assert after[0] == pytest.approx(2.5 + 0.25 / 1.8, abs=1e-4)


class RateReads(Replication):
    """A replication that notes when each side reads its assault rate."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reads: list[tuple[str, float]] = []

    def _assault_rate(self, side: Any, sector: int, plan: Any) -> float:
        self.reads.append((side.name, self.env.now))
        return super()._assault_rate(side, sector, plan)


def test_ground_won_back_wakes_the_attacker_at_once_however_little() -> None:
    """Each time blue wins back ground (here well under 1 km²), red re-reads its rate that same moment."""
    scen = scenario(
        8,
        sides__blue__attack={**STEADY, "max_rate_per_km": 0.3, "advance_km": 0.02},
        sides__red__attack={**STEADY, "max_rate_per_km": 0.075, "advance_km": 0.1},
        sectors__only__shape="line",
        engagement__kill_rate=0.0,
        engagement__success={"intercept": 3.0, "slope": 0.358},
    )
    replication = RateReads(scen, replication_seed(0, 0), trace=True)
    trajectory = replication.run()
    won_back = [e.day for e in events(trajectory, "assault", "blue") if e.numbers["area_change_km2"] > 0.0]
    assert won_back and all(e.numbers["area_change_km2"] < 1.0 for e in events(trajectory, "assault", "blue"))
    red_reads = {day for name, day in replication.reads if name == "red"}
    assert all(day in red_reads for day in won_back)
