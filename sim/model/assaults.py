"""The assault and strike processes of a replication (docs/model.md, "Assaults").

One assault process per attacking side and sector: a Poisson process whose rate follows the side's
forces and the sector's front, read afresh at each own assault, each day's start and whenever it may have
risen (``_wake``), and thinned when it fell in between; each event resolves one assault
(``sim.model.combat``). One strike process per side with long-range strikes.
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
from sim.model.forces import SideState
from sim.model.plans import AttackPlan
from sim.model.state import COMBAT_STREAM, STRIKE_STREAM, Process, ReplicationState
from sim.scenario.schema import Scenario

DAY_OFFSET = 1e-6
"""Assault processes re-read their rate this long after each day starts (after the daily command)."""


@mypyc_attr(allow_interpreted_subclasses=True)
class AssaultProcesses(ReplicationState):
    """A replication's state with its assault and strike processes."""

    def __init__(
        self,
        scenario: Scenario,
        seed: np.random.SeedSequence,
        trace: bool = False,
        parameters: dict[str, float] | None = None,
    ) -> None:
        super().__init__(scenario, seed, trace, parameters)
        # Assault processes by side index x sectors + sector, and those waiting (which ``_wake`` may wake).
        self._assault_processes: dict[int, simpy.Process] = {}
        self._sleeping: set[int] = set()
        for side in self.sides:
            side.on_reinforced = self._reinforced(side.index)

    def _start_attacks(self) -> None:
        """Start every attacking side's assault process in each sector, and its strike process."""
        env = self.env
        for side in self.sides:
            plan = side.plan.attack
            if plan is not None and plan.max_rate_per_km > 0:
                for sector in range(len(self.ground)):
                    if self.ground.frontage0[sector] > 0:
                        key = side.index * len(self.ground) + sector
                        self._assault_processes[key] = env.process(self._assaults(side, sector, plan))
            if side.plan.strikes is not None:
                env.process(self._strikes(side))

    def _reinforced(self, side_index: int) -> Callable[[int], None]:
        def wake(sector: int) -> None:
            self._wake(side_index, sector)

        return wake

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
        weather = self.params.weather_tempo
        if weather:
            tempo *= weather[min(int(self.env.now), len(weather) - 1)]
        return laws.assault_rate(plan.max_rate_per_km, front, side.supply, tempo)

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
            depth = self.params.weather_depth
            scale = depth[min(int(env.now), len(depth) - 1)] if depth else 1.0
            result = resolve_assault(side, enemy, holder, self.ground, sector, plan, engagement, draws, scale)
            if result is None:
                continue
            side.sector_assaults[sector] += 1
            self._after_losses(sector)
            if self.ground.reached:
                self._log_lines()
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
            # The supply cut goes on as before (the numbers do not change), but once the holder has no
            # ground the contest is over and the trace no longer lists strikes that decide nothing.
            if self.trace and not self.holder.withdrawn and max(self.ground.area) > 0.0:
                self._log(None, "strike", side.name, target.name, cut=cut, recovery_days=recovery)
