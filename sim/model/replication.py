"""One replication: a SimPy environment with the processes of the model (docs/model.md).

Processes:
    * ``_tick``: once a day records the state, lays each side's fires, updates supply, fortification and
      the attackers' tempo rules, lets the holder fall back to prepared lines, and runs each side's
      command (replacements, rotation, allocation) and the holder's withdrawal rules.
    * ``AssaultLoop`` (``sim.model.assaults``): one per attacking side and sector, a Poisson process
      whose events resolve one assault each (``sim.model.combat``); it runs on SimPy event callbacks,
      and one event a day wakes every loop waiting for the day's start.
    * ``_echelon``: one per arrival wave: arrival, training, then readiness.
    * ``_strikes`` (``sim.model.assaults``): one per side with long-range strikes, a Poisson process.
    * the holder's falls back (``sim.model.lines``) and fighting withdrawal (``sim.model.withdrawal``).

Every random draw comes from a stream spawned from the replication's seed: one stream per
assault loop, per strike process and per side's fires, so processes do not disturb each other's draws.
"""

from __future__ import annotations

import numpy as np
from mypy_extensions import mypyc_attr

from sim.model.assaults import AssaultProcesses
from sim.model.command import allocate, daily_command
from sim.model.engine import run_until
from sim.model.fires import lay_fires
from sim.model.forces import TRAINING, SideState, Unit, total_strength
from sim.model.lines import fall_back
from sim.model.logistics import update_supply
from sim.model.plans import ContingentPlan
from sim.model.state import Process
from sim.model.sums import float_sum
from sim.model.tempo import update_tempo
from sim.model.trajectory import Trajectory
from sim.model.withdrawal import fighting_withdrawal, holder_state
from sim.scenario.schema import Scenario


@mypyc_attr(allow_interpreted_subclasses=True)
class Replication(AssaultProcesses):
    """Builds and runs one replication of a scenario.

    Args:
        scenario: The validated scenario (distributions are sampled here, once).
        seed: The replication's seed sequence (child i of the run's root seed).
        trace: Keep a full event list (slower; for ``sim trace``).
        parameters: Values for the scenario's distributions; sampled from ``seed`` when None.
    """

    def run(self) -> Trajectory:
        """Run to the scenario's end date and return the daily record."""
        env = self.env
        for side in self.sides:
            for contingent in side.plan.contingents:
                self._deploy(side, contingent)
            allocate(side, self._enemy(side), self.ground, self._logger())
        for side in self.sides:
            for figures, sector in zip(side.sectors, self.ground.sectors, strict=True):
                front = sector.frontage0
                figures.start_density = figures.line_strength / front if front > 0 else 0.0
        self._start_attacks()
        env.process(self._tick())
        # The last daily record is taken at time == horizon; run just past it.
        run_until(env, self.params.horizon_days + 1e-9)
        ground = self.ground
        record = self.daily_record()
        return Trajectory(
            area_km2=record["area_km2"],
            sector_area_km2=record["sector_area_km2"],
            strength=record["strength"],
            casualties=record["casualties"],
            sector_casualties=record["sector_casualties"],
            supply=record["supply"],
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

    def _tick(self) -> Process:
        log = self._logger()
        for day in range(self.params.horizon_days + 1):
            if self._clock() < day:
                yield self._until(float(day))
            now = self._clock()
            self._record(day)
            if self.trace:
                self._log_weather(day)
            self._fires(day)
            update_supply(self.sides, self.ground, now)
            self.ground.grow_fortification()
            for side in self.sides:
                rules = self.tempo_rules[side.index]
                if rules:
                    update_tempo(side, rules, self.ground, now, log)
            if self.fall_back is not None and not self.holder.withdrawing:
                for sector, rate, target in self.fall_back.check(self.holder, self.ground):
                    self._start_fall_back(sector, rate, target)
            for side in self.sides:
                side.new_day()
            for side in self.sides:
                daily_command(side, self._enemy(side), self.ground, now, log)
            if self.monitor is not None and not self.holder.withdrawing:
                self._check_withdrawal(day)

    def _fires(self, day: int) -> None:
        """Lay each side's fires of the day on the enemy's line (from their start date)."""
        dispersion = self.params.engagement.dispersion
        for side in self.sides:
            fires = side.plan.fires
            if fires is None or day < fires.start_day or side.withdrawn or self._enemy(side).withdrawn:
                continue
            hit = lay_fires(side, self._enemy(side), self.ground, dispersion, self._fire_draws[side.index])
            for sector, _ in hit:
                self._after_losses(sector)
            if self.trace and hit:
                self._log(
                    None, "fires", side.name, self._enemy(side).name, losses=float_sum([n for _, n in hit])
                )

    def _log_weather(self, day: int) -> None:
        factors = self.params.weather_tempo, self.params.weather_depth
        if not factors[0]:
            return
        now = (factors[0][day], factors[1][day])
        before = (1.0, 1.0) if day == 0 else (factors[0][day - 1], factors[1][day - 1])
        if now != before:
            self._log(None, "weather", "", "", tempo=now[0], depth=now[1])

    def _start_fall_back(self, sector: int, loss_rate: float, target: float) -> None:
        plan = self.fall_back
        assert plan is not None
        if self.trace:
            self._log(
                sector,
                "fall_back",
                self.holder.name,
                "gives the sector up" if target <= 0.0 else "falls back to its next prepared line",
                loss_rate=loss_rate,
                area_km2=self.ground.sectors[sector].area,
                to_area_km2=target,
                duration_days=plan.plan.duration_days,
            )
        self.env.process(self._fall_back(sector, target, plan.plan.duration_days))

    def _fall_back(self, sector: int, target: float, duration: float) -> Process:
        yield from fall_back(self.env, self.ground, sector, target, duration)
        self._log_lines()
        assert self.fall_back is not None
        self.fall_back.falling_back[sector] = False
        if self.ground.sectors[sector].area <= 0.0 and not self.holder.withdrawn:
            self._sector_lost(sector)

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
            strength = total_strength(units)
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

    def _check_withdrawal(self, day: int) -> None:
        assert self.monitor is not None
        holder = self.holder
        state = holder_state(holder, self.opponent, self.ground, self._clock())
        rule = self.monitor.check(state)
        if rule is None:
            return
        holder.withdrawing = True
        self.withdrawal_day = day  # the day's number, an int, as the clock at whole days once was
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
