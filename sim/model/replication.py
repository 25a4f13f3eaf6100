"""One replication: a SimPy environment with the processes of the model (docs/model.md).

Processes:
    * ``_tick``: once a day records the state, then updates supply and fortification and runs
      each side's command (replacements, rotation, allocation) and the holder's withdrawal rules.
    * ``_assaults``: one per attacking side and sector, a Poisson process (thinned by supply)
      whose events resolve one assault each (``sim.model.combat``).
    * ``_echelon``: one per arrival wave: arrival, training, then readiness.
    * ``_strikes``: one per side with long-range strikes, a Poisson process from its start date.
    * the holder's fighting withdrawal (``sim.model.withdrawal``), once a rule fires.

Every random draw comes from a stream spawned from the replication's seed: one stream per
assault process and per strike process, so processes do not disturb each other's draws.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import simpy
from mypy_extensions import mypyc_attr

from sim.model import laws
from sim.model.combat import resolve_assault
from sim.model.command import allocate, cover_empty_sectors, daily_command
from sim.model.draws import Draws
from sim.model.events import Event
from sim.model.forces import TRAINING, SideState, Unit
from sim.model.ground import Ground
from sim.model.logistics import update_supply
from sim.model.params import AttackPlan, ContingentPlan, Parameters, build_parameters
from sim.model.tempo import update_tempo
from sim.model.trajectory import Trajectory
from sim.model.withdrawal import WithdrawalMonitor, fighting_withdrawal, holder_state
from sim.scenario.parameters import sample_parameters
from sim.scenario.schema import Scenario

COMBAT_STREAM = 1
STRIKE_STREAM = 2
DAY_OFFSET = 1e-6
"""Assault processes re-read their rate this long after each day starts (after the daily command)."""

Process = Generator[simpy.Event, Any, None]


# Tests (and analysts) subclass a replication to watch its internals; compiled, that needs leave.
@mypyc_attr(allow_interpreted_subclasses=True)
class Replication:
    """Builds and runs one replication of a scenario.

    Args:
        scenario: The validated scenario (distributions are sampled here, once).
        seed: The replication's seed sequence (child i of the run's root seed).
        trace: Keep a full event list (slower; for ``sim trace``).
        parameters: Values for the scenario's distributions; sampled from ``seed`` when None.
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: np.random.SeedSequence,
        trace: bool = False,
        parameters: dict[str, float] | None = None,
    ) -> None:
        values = sample_parameters(scenario, seed) if parameters is None else parameters
        self.params: Parameters = build_parameters(scenario, values)
        self.seed = seed
        self.trace = trace
        self.env = simpy.Environment()
        self.events: list[Event] = []
        self.ground = Ground(self.params.sectors)
        count = len(self.ground)
        self.sides = [SideState(plan, count) for plan in self.params.sides]
        self.tempo_rules = [
            side.plan.attack.rules(count) if side.plan.attack is not None else [] for side in self.sides
        ]
        self.holder = next(s for s in self.sides if s.plan.holds_ground)
        self.opponent = next(s for s in self.sides if not s.plan.holds_ground)
        withdrawal = self.holder.plan.command.withdrawal
        self.monitor = WithdrawalMonitor(withdrawal) if withdrawal is not None else None
        self.withdrawal_day: float | None = None
        self.withdrawal_reason: str | None = None
        # Assault processes by side index x sectors + sector, and those waiting (which ``_wake`` may wake).
        self._assault_processes: dict[int, simpy.Process] = {}
        self._sleeping: set[int] = set()
        for side in self.sides:
            side.on_reinforced = self._reinforced(side.index)

        days = self.params.horizon_days + 1
        self._area = np.zeros(days)
        self._sector_area = np.zeros((days, count))
        self._strength = np.zeros((2, days))
        self._casualties = np.zeros((2, days))
        self._supply = np.ones((2, days))

    # ----------------------------------------------------------------- set-up and run
    def run(self) -> Trajectory:
        """Run to the scenario's end date and return the daily record."""
        env = self.env
        for side in self.sides:
            for contingent in side.plan.contingents:
                self._deploy(side, contingent)
            allocate(side, self._enemy(side), self.ground, self._logger())
        for side in self.sides:
            side.start_density = [
                side.line_strength[k] / front if front > 0 else 0.0
                for k, front in enumerate(self.ground.frontage0)
            ]
        for side in self.sides:
            plan = side.plan.attack
            if plan is not None and plan.max_rate_per_km > 0:
                for sector in range(len(self.ground)):
                    if self.ground.frontage0[sector] > 0:
                        key = side.index * len(self.ground) + sector
                        self._assault_processes[key] = env.process(self._assaults(side, sector, plan))
            if side.plan.strikes is not None:
                env.process(self._strikes(side))
        env.process(self._tick())
        # The last daily record is taken at time == horizon; run just past it.
        env.run(until=self.params.horizon_days + 1e-9)
        ground = self.ground
        return Trajectory(
            area_km2=self._area,
            sector_area_km2=self._sector_area,
            strength=self._strength,
            casualties=self._casualties,
            supply=self._supply,
            withdrawal_day=self.withdrawal_day,
            withdrawal_reason=self.withdrawal_reason,
            events=self.events,
            parameters=dict(self.params.sampled),
            sector_area0_km2=np.asarray(ground.area0, dtype=float),
            sector_frontage0_km=np.asarray(ground.frontage0, dtype=float),
            sector_is_line=np.asarray(ground.is_line, dtype=bool),
        )

    def _deploy(self, side: SideState, contingent: ContingentPlan) -> None:
        """Create a contingent's units, wave by wave; waves at day 0 with no training are ready now."""
        for echelon_index, echelon in enumerate(contingent.echelons):
            units = [
                Unit(
                    f"{contingent.name}-{echelon_index + 1}.{i + 1}",
                    contingent.name,
                    contingent.unit_size,
                    contingent.quality,
                )
                for i in range(echelon.units)
            ]
            side.units.extend(units)
            side.by_contingent[contingent.name].extend(units)
            readiness = contingent.readiness_days
            if echelon.arrival_day <= 0.0 and readiness <= 0.0:
                side.arrive(units)
                for unit in units:
                    side.make_ready(unit)
            else:
                self.env.process(self._echelon(side, contingent.name, units, echelon.arrival_day, readiness))

    def _reinforced(self, side_index: int) -> Callable[[int], None]:
        def wake(sector: int) -> None:
            self._wake(side_index, sector)

        return wake

    def _enemy(self, side: SideState) -> SideState:
        return self.opponent if side is self.holder else self.holder

    def _stream(self, *key: int) -> Draws | None:
        if not self.params.engagement.noise:
            return None
        seed = np.random.SeedSequence(self.seed.entropy, spawn_key=(*self.seed.spawn_key, *key))
        return Draws(
            np.random.Generator(np.random.PCG64(seed)), gamma_shape=self.params.engagement.dispersion or None
        )

    def _log(
        self, sector: int | None, kind: str, side: str = "", subject: str = "", **numbers: float
    ) -> None:
        """Keep an event (callers check ``self.trace`` first, or get the logger only when tracing)."""
        name = "" if sector is None else self.ground.names[sector]
        self.events.append(Event(float(self.env.now), name, kind, side, subject, numbers))

    def _logger(self) -> Any:
        return self._log if self.trace else None

    # ----------------------------------------------------------------- processes
    def _tick(self) -> Process:
        env = self.env
        log = self._logger()
        for day in range(self.params.horizon_days + 1):
            if env.now < day:
                yield env.timeout(day - env.now)
            self._record(day)
            update_supply(self.sides, self.ground, env.now)
            self.ground.grow_fortification()
            for side in self.sides:
                rules = self.tempo_rules[side.index]
                if rules:
                    update_tempo(side, rules, self.ground, env.now, log)
                side.new_day()
            for side in self.sides:
                daily_command(side, self._enemy(side), self.ground, env.now, log)
            if self.monitor is not None and not self.holder.withdrawing:
                self._check_withdrawal()

    def _echelon(
        self, side: SideState, contingent: str, units: list[Unit], arrival: float, readiness: float
    ) -> Process:
        env = self.env
        if arrival > env.now:
            yield env.timeout(arrival - env.now)
        for unit in units:
            unit.status = TRAINING
        side.arrive(units)
        if self.trace:
            strength = sum(u.strength for u in units)
            self._log(
                None,
                "arrival",
                side.name,
                contingent,
                units=len(units),
                personnel=strength,
                ready_in_days=readiness,
            )
        if readiness > 0:
            yield env.timeout(readiness)
        for unit in units:
            if unit.status == TRAINING:
                side.make_ready(unit)
        if self.trace:
            self._log(None, "ready", side.name, contingent, units=len(units))
        allocate(side, self._enemy(side), self.ground, self._logger())

    def _assault_rate(self, side: SideState, sector: int, plan: AttackPlan) -> float:
        """Return a side's assault rate on a sector now: ``max_rate_per_km x front x supply x tempo``.

        Zero while the side withdraws, once the sector is lost, and for the holder while it has lost no
        ground there (counter-attacks win ground back; with none lost there is nothing to attack for).
        """
        ground = self.ground
        if side.withdrawing or ground.area[sector] <= 0.0:
            return 0.0
        if side is self.holder and ground.area[sector] >= ground.area0[sector]:
            return 0.0
        front = ground.frontage(sector)
        if front <= 0.0:
            return 0.0
        density = side.line_power[sector] / front
        tempo = laws.tempo(density, plan.half_rate_density) * side.tempo_factor[sector]
        return plan.max_rate_per_km * front * side.supply * tempo

    def _sleep(self, key: int, delay: float) -> Generator[simpy.Event, Any, bool]:
        """Wait ``delay`` days; return True if woken early (``_wake``) because the rate may have risen."""
        self._sleeping.add(key)
        try:
            yield self.env.timeout(delay)
        except simpy.Interrupt:
            return True
        finally:
            self._sleeping.discard(key)
        return False

    def _wake(self, side_index: int, sector: int) -> None:
        """Wake a side's assault process on a sector from its wait, so it reads its rate afresh."""
        key = side_index * len(self.ground) + sector
        if key in self._sleeping:
            process = self._assault_processes[key]
            if process is not self.env.active_process:
                self._sleeping.discard(key)
                process.interrupt()

    def _assaults(self, side: SideState, sector: int, plan: AttackPlan) -> Process:
        """A side's assaults on one sector: a Poisson process whose rate follows forces and front.

        The rate (``_assault_rate``) is read afresh at each of the side's assaults in the sector, at each
        day's start, and whenever it may have risen: a unit joins the side's line there, or the enemy
        gives back ground (``_wake``). Between those moments it can only fall (losses, a shrinking front),
        so the next assault is drawn at the rate last read and kept with probability (rate now / rate
        then) when it comes: thinning, which keeps the process exact for a rate that changes at any time.
        """
        env = self.env
        draws = self._stream(COMBAT_STREAM, side.index, sector)
        if plan.start > env.now:
            yield env.timeout(plan.start - env.now)
        holder = self.holder
        enemy = self._enemy(side)
        area = self.ground.area
        engagement = self.params.engagement
        key = side.index * len(self.ground) + sector
        owed = 0.0  # without noise: the share of an assault accumulated at the rates so far
        while True:
            if holder.withdrawn or max(area) <= 0.0:
                return
            rate = self._assault_rate(side, sector, plan)
            # Wake just after the day's command has run, so the rate sees the day's supply and units.
            next_day = math.floor(env.now) + 1.0 + DAY_OFFSET
            if rate <= 0.0:
                yield from self._sleep(key, next_day - env.now)
                continue
            began = env.now
            gap = draws.exponential() / rate if draws is not None else max(0.0, 1.0 - owed) / rate
            if began + gap >= next_day:
                yield from self._sleep(key, next_day - began)
                owed += rate * (env.now - began)
                continue
            woken = yield from self._sleep(key, gap)
            if woken:
                owed += rate * (env.now - began)
                continue
            rate_now = self._assault_rate(side, sector, plan)
            if rate_now < rate:
                # The rate fell while the assault was coming: keep it with probability rate_now / rate.
                if draws is not None:
                    if draws.uniform() * rate >= rate_now:
                        continue
                elif rate_now > 0.0:
                    owed = rate_now / rate
                    continue
                else:
                    continue
            owed = 0.0
            result = resolve_assault(side, enemy, holder, self.ground, sector, plan, engagement, draws)
            if result is None:
                continue
            side.sector_assaults[sector] += 1
            self._after_losses(sector)
            if result.succeeded:
                if area[sector] <= 0.0:
                    self._sector_lost(sector)
                elif result.moved_km2 > 0.0:
                    self._wake(enemy.index, sector)  # ground won back: the enemy's front grew
                elif result.moved_km2 < 0.0 and area[sector] - result.moved_km2 >= self.ground.area0[sector]:
                    self._wake(holder.index, sector)  # the first ground lost: the holder may counter-attack
            if self.trace:
                self._log(
                    sector,
                    "assault",
                    side.name,
                    enemy.name,
                    ratio=result.ratio,
                    success_probability=result.probability,
                    succeeded=float(result.succeeded),
                    attacker_losses=result.attacker_losses,
                    defender_losses=result.defender_losses,
                    attacker_present=result.attacking,
                    defender_present=result.defending,
                    area_change_km2=result.moved_km2,
                    area_km2=area[sector],
                )

    def _after_losses(self, sector: int) -> None:
        """Units that fell in a sector leave its line at once; a line left empty is covered again."""
        log = self._logger()
        for side in self.sides:
            fallen = side.fallen(sector)
            if not fallen:
                continue
            if log is not None:
                for unit in fallen:
                    log(sector, "fallen", side.name, unit.name, strength=unit.strength)
            if not side.line[sector] and not side.withdrawing and not side.withdrawn:
                cover_empty_sectors(side, self.ground, log)

    def _strikes(self, side: SideState) -> Process:
        env = self.env
        strikes = side.plan.strikes
        assert strikes is not None
        draws = self._stream(STRIKE_STREAM, side.index)
        rate = strikes.rate
        if rate <= 0:
            return
        start = strikes.start_day
        if start > env.now:
            yield env.timeout(start - env.now)
        target = self._enemy(side)
        cut, recovery = strikes.capacity_cut, strikes.recovery_days
        while True:
            yield env.timeout(draws.exponential() / rate if draws is not None else 1.0 / rate)
            target.strike_cuts.append((env.now + recovery, cut))
            if self.trace:
                self._log(None, "strike", side.name, target.name, cut=cut, recovery_days=recovery)

    def _sector_lost(self, sector: int) -> None:
        holder = self.holder
        holder.clear_sector(sector)
        self.opponent.clear_sector(sector)
        if self.trace:
            self._log(sector, "sector_lost", holder.name)
        log = self._logger()
        allocate(holder, self.opponent, self.ground, log)
        allocate(self.opponent, holder, self.ground, log)

    # ----------------------------------------------------------------- daily record and withdrawal
    def _record(self, day: int) -> None:
        self._sector_area[day] = self.ground.area
        self._area[day] = sum(self.ground.area)
        for side in self.sides:
            side.present = side.in_theatre()
            self._strength[side.index, day] = side.present
            self._casualties[side.index, day] = side.casualties
            self._supply[side.index, day] = side.supply

    def _check_withdrawal(self) -> None:
        assert self.monitor is not None
        holder = self.holder
        state = holder_state(holder, self.opponent, self.ground, self.env.now)
        rule = self.monitor.check(state)
        if rule is None:
            return
        holder.withdrawing = True
        self.withdrawal_day = self.env.now
        self.withdrawal_reason = rule.name
        duration = self.monitor.plan.duration_days
        if self.trace:
            self._log(
                None,
                "withdrawal",
                holder.name,
                rule.explain(state),
                area_km2=state.area_km2,
                force_ratio=state.force_ratio,
                supply=state.supply,
                casualties=state.casualties,
                duration_days=duration,
            )
        self.env.process(self._withdraw(duration))

    def _withdraw(self, duration: float) -> Process:
        yield from fighting_withdrawal(self.env, self.holder, self.ground, duration)
        if self.trace:
            self._log(None, "withdrawn", self.holder.name)


def run_replication(scenario: Scenario, seed: np.random.SeedSequence, trace: bool = False) -> Trajectory:
    """Run one replication of ``scenario`` with the streams of ``seed``.

    Args:
        scenario: The validated scenario.
        seed: The replication's seed sequence.
        trace: Keep the full event list.

    Returns:
        The replication's trajectory.
    """
    return Replication(scenario, seed, trace=trace).run()
