"""One replication: a SimPy environment with the processes of DESIGN.md's model.

Processes:
    * ``_tick``: once a day records the state, then updates supply and fortification and runs
      each side's command (replacements, rotation, allocation, withdrawal rules).
    * ``_assaults``: one per attacking side and sector, a Poisson process (thinned by supply
      and the minimum force ratio) whose events resolve one assault each.
    * ``_echelon``: one per arrival wave: arrival, training, then readiness.
    * ``_strikes``: one per side with long-range strikes, a Poisson process from its start date.
    * ``_withdrawal``: the holder's fighting withdrawal, once a rule fires.

Every random draw comes from a stream spawned from the replication's seed: one stream per
assault process and per strike process, so processes do not disturb each other's draws.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import simpy

from sim.model import laws
from sim.model.policies import ALLOCATION_POLICIES, WithdrawalMonitor, WithdrawalRules
from sim.model.trajectory import Event, Trajectory
from sim.scenario.distributions import value_of
from sim.scenario.parameters import resolve, sample_parameters
from sim.scenario.schema import Attack, Contingent, Scenario, Side

COMBAT_STREAM = 1
STRIKE_STREAM = 2

EN_ROUTE, TRAINING, RESERVE, LINE, REFIT = range(5)
STATUS_NAMES = ("en route", "training", "reserve", "in line", "refitting")


class Unit:
    """A brigade, regiment or battalion: the entity committed, worn down, rotated and refitted."""

    __slots__ = ("name", "contingent", "full_size", "strength", "quality", "status", "sector")

    def __init__(self, name: str, contingent: str, full_size: float, quality: float) -> None:
        self.name = name
        self.contingent = contingent
        self.full_size = full_size
        self.strength = full_size
        self.quality = quality
        self.status = EN_ROUTE
        self.sector = -1


class _SideState:
    """Mutable state of one side within a replication."""

    def __init__(self, name: str, index: int, side: Side, sector_count: int) -> None:
        self.name = name
        self.index = index
        self.spec = side
        self.units: list[Unit] = []
        self.line: list[list[Unit]] = [[] for _ in range(sector_count)]
        self.casualties = 0.0
        self.supply = 1.0
        self.strike_cuts: list[tuple[float, float]] = []
        self.replacement_pool: dict[str, float] = {}
        self.withdrawing = False
        self.withdrawn = False

    def sector_strength(self, sector: int) -> float:
        return sum(unit.strength for unit in self.line[sector])

    def sector_power(self, sector: int) -> float:
        """Strength x quality of units in the line in a sector (before supply and posture)."""
        return sum(unit.strength * unit.quality for unit in self.line[sector])

    def in_theatre(self) -> float:
        return sum(unit.strength for unit in self.units if unit.status != EN_ROUTE)


class Replication:
    """Builds and runs one replication of a scenario.

    Args:
        scenario: The validated scenario (distributions are sampled here, once).
        seed: The replication's seed sequence (child i of the run's root seed).
        trace: Keep a full, readable event list (slower; for ``sim trace``).
        parameters: Values for the scenario's distributions; sampled from ``seed`` when None.
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: np.random.SeedSequence,
        trace: bool = False,
        parameters: dict[str, float] | None = None,
    ) -> None:
        self.parameters = sample_parameters(scenario, seed) if parameters is None else parameters
        self.scenario = resolve(scenario, self.parameters)
        self.seed = seed
        self.trace = trace
        self.env = simpy.Environment()
        self.events: list[Event] = []
        sc = self.scenario
        self.noise = sc.engagement.noise
        self.sector_names = list(sc.sectors)
        sectors = list(sc.sectors.values())
        self.area0 = [value_of(s.area_km2) for s in sectors]
        self.area = list(self.area0)
        self.frontage0 = [value_of(s.frontage_km) for s in sectors]
        self.terrain = [value_of(s.terrain) for s in sectors]
        self.fortification = [value_of(s.fortification.initial) for s in sectors]
        self.total_area0 = sum(self.area0)
        self.horizon = sc.horizon_days
        self.kill_rate = value_of(sc.engagement.kill_rate)
        self.exponents = sc.engagement.law.exponents()
        dispersion = sc.engagement.dispersion
        self.dispersion = None if dispersion is None or not self.noise else value_of(dispersion)

        side_names = list(sc.sides)
        self.sides = [_SideState(name, i, sc.sides[name], len(sectors)) for i, name in enumerate(side_names)]
        self.holder = next(s for s in self.sides if s.spec.holds_ground)
        self.opponent = next(s for s in self.sides if not s.spec.holds_ground)
        command = self.holder.spec.command
        self.monitor = (
            WithdrawalMonitor(
                WithdrawalRules(
                    area_below_km2=_opt(command.withdrawal.area_below_km2),
                    force_ratio_above=_opt(command.withdrawal.force_ratio_above),
                    force_ratio_days=command.withdrawal.force_ratio_days,
                    supply_below=_opt(command.withdrawal.supply_below),
                    supply_days=command.withdrawal.supply_days,
                    losses_above=_opt(command.withdrawal.losses_above),
                )
            )
            if command.withdrawal is not None
            else None
        )
        self.withdrawal_day: float | None = None
        self.withdrawal_reason: str | None = None
        self.moved_back = [False] * len(sectors)

        days = self.horizon + 1
        self._area = np.zeros(days)
        self._sector_area = np.zeros((days, len(sectors)))
        self._strength = np.zeros((2, days))
        self._casualties = np.zeros((2, days))
        self._supply = np.ones((2, days))

    # ----------------------------------------------------------------- set-up and run
    def run(self) -> Trajectory:
        """Run to the scenario's end date and return the daily record."""
        env = self.env
        for side in self.sides:
            for contingent_name, contingent in side.spec.contingents.items():
                side.replacement_pool[contingent_name] = 0.0
                for echelon_index, echelon in enumerate(contingent.echelons):
                    base = (
                        self.scenario.day_of(echelon.date) if echelon.date else value_of(echelon.day or 0.0)
                    )
                    arrival = max(0.0, base + value_of(echelon.jitter_days))
                    units = [
                        Unit(
                            f"{contingent_name}-{echelon_index + 1}.{i + 1}",
                            contingent_name,
                            value_of(contingent.unit_size),
                            value_of(contingent.quality),
                        )
                        for i in range(echelon.units)
                    ]
                    side.units.extend(units)
                    readiness = value_of(contingent.readiness_days)
                    if arrival <= 0.0 and readiness <= 0.0:
                        for unit in units:
                            unit.status = RESERVE
                    else:
                        env.process(self._echelon(side, contingent_name, units, arrival, readiness))
            self._allocate(side)
        for side in self.sides:
            if side.spec.attack is not None:
                for sector in range(len(self.sector_names)):
                    env.process(self._assaults(side, sector, side.spec.attack))
            if side.spec.strikes is not None:
                env.process(self._strikes(side))
        env.process(self._tick())
        # The last daily record is taken at time == horizon; run just past it.
        env.run(until=self.horizon + 1e-9)
        return Trajectory(
            area_km2=self._area,
            sector_area_km2=self._sector_area,
            strength=self._strength,
            casualties=self._casualties,
            supply=self._supply,
            withdrawal_day=self.withdrawal_day,
            withdrawal_reason=self.withdrawal_reason,
            events=self.events,
            parameters=self.parameters,
        )

    def _stream(self, *key: int) -> np.random.Generator | None:
        if not self.noise:
            return None
        seed = np.random.SeedSequence(self.seed.entropy, spawn_key=(*self.seed.spawn_key, *key))
        return np.random.Generator(np.random.PCG64(seed))

    def _log(self, sector: int | None, kind: str, text: Callable[[], str], **numbers: float) -> None:
        if self.trace:
            name = "" if sector is None else self.sector_names[sector]
            self.events.append(Event(self.env.now, name, kind, text(), numbers))

    # ----------------------------------------------------------------- processes
    def _tick(self):  # noqa: ANN202 - a SimPy process
        env = self.env
        for day in range(self.horizon + 1):
            if env.now < day:
                yield env.timeout(day - env.now)
            self._record(day)
            self._update_supply()
            self._grow_fortification()
            for side in self.sides:
                self._command(side)
            if self.monitor is not None and not self.holder.withdrawing:
                self._check_withdrawal()

    def _echelon(
        self, side: _SideState, contingent: str, units: list[Unit], arrival: float, readiness: float
    ):  # noqa: ANN202
        env = self.env
        if arrival > env.now:
            yield env.timeout(arrival - env.now)
        for unit in units:
            unit.status = TRAINING
        strength = sum(u.strength for u in units)
        self._log(
            None,
            "arrival",
            lambda: (
                f"{side.name}: {len(units)} {contingent} units ({strength:,.0f}) arrive; "
                f"ready in {readiness:.0f} days"
            ),
            units=len(units),
            personnel=strength,
        )
        if readiness > 0:
            yield env.timeout(readiness)
        for unit in units:
            if unit.status == TRAINING:
                unit.status = RESERVE
        self._log(None, "ready", lambda: f"{side.name}: {len(units)} {contingent} units ready")
        self._allocate(side)

    def _assaults(self, side: _SideState, sector: int, attack: Attack):  # noqa: ANN202
        env = self.env
        rng = self._stream(COMBAT_STREAM, side.index, sector)
        rate = value_of(attack.rate_per_day)
        if rate <= 0:
            return
        start = self.scenario.day_of(attack.start) if attack.start else 0.0
        if start > env.now:
            yield env.timeout(start - env.now)
        accumulated = 0.0
        while True:
            gap = rng.exponential(1.0 / rate) if rng is not None else 1.0 / rate
            yield env.timeout(gap)
            if side.withdrawing or self.holder.withdrawn or self.area[sector] <= 0.0:
                if self.holder.withdrawn or all(a <= 0.0 for a in self.area):
                    return
                continue
            # Thinning: an assault goes in with probability equal to the supply factor.
            if rng is not None:
                if rng.random() >= side.supply:
                    continue
            else:
                accumulated += side.supply
                if accumulated < 1.0:
                    continue
                accumulated -= 1.0
            self._resolve_assault(side, sector, attack, rng)

    def _strikes(self, side: _SideState):  # noqa: ANN202
        env = self.env
        strikes = side.spec.strikes
        assert strikes is not None
        rng = self._stream(STRIKE_STREAM, side.index)
        rate = value_of(strikes.rate_per_day)
        if rate <= 0:
            return
        start = self.scenario.day_of(strikes.start)
        if start > env.now:
            yield env.timeout(start - env.now)
        target = self.opponent if side is self.holder else self.holder
        cut = value_of(strikes.capacity_cut)
        recovery = value_of(strikes.recovery_days)
        while True:
            yield env.timeout(rng.exponential(1.0 / rate) if rng is not None else 1.0 / rate)
            target.strike_cuts.append((env.now + recovery, cut))
            self._log(
                None,
                "strike",
                lambda: (
                    f"{side.name} long-range strike on {target.name} supply: "
                    f"capacity -{cut:.0%} for {recovery:.0f} days"
                ),
                cut=cut,
                recovery_days=recovery,
            )

    def _withdrawal(self, duration: float):  # noqa: ANN202
        env = self.env
        holder = self.holder
        start_area = list(self.area)
        days = max(1, math.ceil(duration))
        for step in range(1, days + 1):
            yield env.timeout(duration / days)
            remaining = 1.0 - step / days
            for k in range(len(self.area)):
                self.area[k] = min(self.area[k], start_area[k] * remaining)
        holder.withdrawn = True
        for k in range(len(self.area)):
            self.area[k] = 0.0
            for unit in holder.line[k]:
                unit.status, unit.sector = RESERVE, -1
            holder.line[k] = []
        self._log(None, "withdrawn", lambda: f"{holder.name} completes its withdrawal; no ground held")

    # ----------------------------------------------------------------- combat
    def _effectiveness(self, side: _SideState, sector: int, defending: bool) -> float:
        """Supply x posture multiplier: a holder defending its sector has terrain and fortification."""
        if defending and side is self.holder:
            return side.supply * self.terrain[sector] * (1.0 + self.fortification[sector])
        if defending:
            return side.supply * self.terrain[sector]
        return side.supply

    def _resolve_assault(
        self, attacker: _SideState, sector: int, attack: Attack, rng: np.random.Generator | None
    ) -> None:
        defender = self.opponent if attacker is self.holder else self.holder
        attacker_line = attacker.sector_strength(sector)
        if attacker_line <= 0.0:
            return
        defender_line = defender.sector_strength(sector)
        attacking = attacker_line * value_of(attack.engaged_share)
        defending = defender_line * value_of(attack.defender_engaged_share)
        attacker_quality = attacker.sector_power(sector) / attacker_line
        defender_quality = defender.sector_power(sector) / defender_line if defender_line > 0 else 1.0
        attacker_eff = attacker_quality * self._effectiveness(attacker, sector, False)
        defender_eff = defender_quality * self._effectiveness(defender, sector, True)
        duration = value_of(attack.duration_days)
        attacker_mean = laws.expected_losses(
            attacking, defending, defender_eff, self.kill_rate, self.exponents, duration
        )
        defender_mean = laws.expected_losses(
            defending, attacking, attacker_eff, self.kill_rate, self.exponents, duration
        )
        attacker_losses = laws.draw_losses(attacker_mean, attacking, self.dispersion, rng)
        defender_losses = laws.draw_losses(defender_mean, defending, self.dispersion, rng)
        self._apply_losses(attacker, sector, attacker_losses)
        self._apply_losses(defender, sector, defender_losses)

        attacker_power = attacking * attacker_eff
        defender_power = defending * defender_eff
        ratio = attacker_power / defender_power if defender_power > 0 else math.inf
        curve = self.scenario.engagement.success
        fortified = (
            defender is self.holder and self.fortification[sector] >= self.scenario.engagement.fortified_at
        )
        probability = laws.success_probability(
            ratio, curve.intercept, curve.slope, curve.fortified_offset if fortified else 0.0
        )
        succeeded = (rng.random() < probability) if rng is not None else probability >= 0.5
        moved = 0.0
        if succeeded:
            median_depth = value_of(attack.advance_km)
            sigma = value_of(attack.advance_sigma)
            depth = (
                median_depth * math.exp(sigma * rng.standard_normal()) if rng is not None else median_depth
            )
            front = laws.frontage_km(self.frontage0[sector], self.area0[sector], self.area[sector])
            gained = laws.area_gained(depth, value_of(attack.frontage_km), front)
            before = self.area[sector]
            if attacker is self.holder:
                self.area[sector] = min(self.area0[sector], before + gained)
            else:
                self.area[sector] = max(0.0, before - gained)
                if self.area[sector] < before:
                    self.moved_back[sector] = True
                    kept = value_of(
                        self.scenario.sectors[self.sector_names[sector]].fortification.kept_on_retreat
                    )
                    self.fortification[sector] *= kept
            moved = self.area[sector] - before
            if self.area[sector] <= 0.0:
                self._sector_lost(sector)
        self._log(
            sector,
            "assault",
            lambda: (
                f"{attacker.name} assault, ratio {ratio:.2f}, p(success) {probability:.2f}: "
                f"{'succeeds' if succeeded else 'fails'}; losses {attacker.name} {attacker_losses:,.0f}, "
                f"{defender.name} {defender_losses:,.0f}; area {moved:+.1f} km2 -> {self.area[sector]:.1f}"
            ),
            ratio=ratio,
            success_probability=probability,
            attacker_losses=attacker_losses,
            defender_losses=defender_losses,
            attacker_present=attacking,
            defender_present=defending,
            area_change_km2=moved,
        )

    def _apply_losses(self, side: _SideState, sector: int, losses: float) -> None:
        if losses <= 0.0:
            return
        units = side.line[sector]
        total = sum(unit.strength for unit in units)
        if total <= 0.0:
            return
        share = min(1.0, losses / total)
        for unit in units:
            unit.strength -= unit.strength * share
        side.casualties += min(losses, total)

    def _sector_lost(self, sector: int) -> None:
        holder = self.holder
        for unit in holder.line[sector]:
            unit.status, unit.sector = RESERVE, -1
        holder.line[sector] = []
        for unit in self.opponent.line[sector]:
            unit.status, unit.sector = RESERVE, -1
        self.opponent.line[sector] = []
        self._log(sector, "sector_lost", lambda: f"{holder.name} loses the last of the sector")
        self._allocate(holder)
        self._allocate(self.opponent)

    # ----------------------------------------------------------------- daily command
    def _record(self, day: int) -> None:
        self._sector_area[day] = self.area
        self._area[day] = sum(self.area)
        for side in self.sides:
            self._strength[side.index, day] = side.in_theatre()
            self._casualties[side.index, day] = side.casualties
            self._supply[side.index, day] = side.supply

    def _update_supply(self) -> None:
        now = self.env.now
        for side in self.sides:
            logistics = side.spec.logistics
            if logistics is None:
                side.supply = 1.0
                continue
            side.strike_cuts = [(end, cut) for end, cut in side.strike_cuts if end > now]
            capacity = value_of(logistics.capacity)
            for _, cut in side.strike_cuts:
                capacity *= 1.0 - cut
            if side is self.holder:
                capacity *= laws.corridor_factor(
                    value_of(logistics.corridor_exposure), sum(self.area), self.total_area0
                )
            demand = side.in_theatre() * value_of(logistics.demand_per_soldier)
            side.supply = laws.supply_factor(capacity, demand)

    def _grow_fortification(self) -> None:
        for k, name in enumerate(self.sector_names):
            if not self.moved_back[k] and self.area[k] > 0:
                spec = self.scenario.sectors[name].fortification
                self.fortification[k] = min(
                    value_of(spec.maximum), self.fortification[k] + value_of(spec.growth_per_day)
                )
            self.moved_back[k] = False

    def _command(self, side: _SideState) -> None:
        if side.withdrawn:
            return
        spec = side.spec
        now = self.env.now
        for name, contingent in spec.contingents.items():
            self._replace(side, name, contingent, now)
        threshold = value_of(spec.command.rotation_threshold)
        back = value_of(spec.command.return_threshold)
        for unit in side.units:
            if unit.status == REFIT and unit.strength >= back * unit.full_size:
                unit.status = RESERVE
        for k in range(len(self.area)):
            line = side.line[k]
            worn = [u for u in line if u.strength < threshold * u.full_size]
            for unit in worn:
                if len(line) <= 1 and not self._has_reserve(side):
                    break
                line.remove(unit)
                unit.status, unit.sector = REFIT, -1
                self._log(
                    k,
                    "rotate",
                    lambda u=unit: (
                        f"{side.name}: {u.name} pulled out to refit "
                        f"at {u.strength / u.full_size:.0%} strength"
                    ),
                )
        if not side.withdrawing:
            self._allocate(side)

    def _replace(self, side: _SideState, name: str, contingent: Contingent, now: float) -> None:
        per_day = value_of(contingent.replacements_per_day)
        if per_day <= 0:
            return
        if contingent.replacements_from is not None and now < self.scenario.day_of(
            contingent.replacements_from
        ):
            return
        pool = side.replacement_pool[name] + per_day
        units = [
            u
            for u in side.units
            if u.contingent == name and u.status != EN_ROUTE and u.strength < u.full_size
        ]
        units.sort(key=lambda u: u.strength / u.full_size)
        for unit in units:
            if pool <= 0:
                break
            added = min(pool, unit.full_size - unit.strength)
            unit.strength += added
            pool -= added
        # Replacements that find no gap wait, but no more than a day's worth piles up.
        side.replacement_pool[name] = min(pool, per_day)

    def _has_reserve(self, side: _SideState) -> bool:
        return any(unit.status == RESERVE for unit in side.units)

    def _allocate(self, side: _SideState) -> None:
        """Commit ready reserves to open sectors by the side's policy, keeping its reserve share."""
        if side.withdrawing or side.withdrawn:
            return
        open_sectors = [k for k in range(len(self.area)) if self.area[k] > 0.0]
        if not open_sectors:
            return
        policy = ALLOCATION_POLICIES[side.spec.command.policy]
        enemy = self.opponent if side is self.holder else self.holder
        for name, contingent in side.spec.contingents.items():
            reserve = [u for u in side.units if u.contingent == name and u.status == RESERVE]
            if not reserve:
                continue
            ready = sum(
                u.strength for u in side.units if u.contingent == name and u.status in (RESERVE, LINE)
            )
            keep = value_of(contingent.reserve_share) * ready
            held = sum(u.strength for u in reserve)
            reserve.sort(key=lambda u: -u.strength)
            for unit in reserve:
                if held - unit.strength < keep - 1e-9:
                    continue
                frontage = [
                    laws.frontage_km(self.frontage0[k], self.area0[k], self.area[k]) for k in open_sectors
                ]
                own = [side.sector_power(k) for k in open_sectors]
                hostile = [enemy.sector_power(k) for k in open_sectors]
                count = [len(side.line[k]) for k in open_sectors]
                sector = open_sectors[policy(own, hostile, count, frontage)]
                unit.status, unit.sector = LINE, sector
                side.line[sector].append(unit)
                held -= unit.strength
                self._log(
                    sector, "commit", lambda u=unit: f"{side.name}: {u.name} ({u.strength:,.0f}) committed"
                )

    def _check_withdrawal(self) -> None:
        holder, opponent = self.holder, self.opponent
        spec = holder.spec.command.withdrawal
        assert spec is not None and self.monitor is not None
        if spec.not_before is not None and self.env.now < self.scenario.day_of(spec.not_before):
            return
        own = sum(holder.sector_power(k) for k in range(len(self.area))) * holder.supply
        hostile = sum(opponent.sector_power(k) for k in range(len(self.area))) * opponent.supply
        ratio = hostile / own if own > 0 else math.inf
        reason = self.monitor.check(sum(self.area), ratio, holder.supply, holder.casualties)
        if reason is None:
            return
        holder.withdrawing = True
        self.withdrawal_day = self.env.now
        self.withdrawal_reason = reason
        duration = value_of(spec.duration_days)
        self._log(
            None,
            "withdrawal",
            lambda: (
                f"{holder.name} begins a fighting withdrawal ({reason.replace('_', ' ')}): "
                f"area {sum(self.area):.0f} km2, force ratio {ratio:.2f}, supply {holder.supply:.2f}, "
                f"casualties {holder.casualties:,.0f}; {duration:.0f} days"
            ),
            area_km2=sum(self.area),
            force_ratio=ratio,
        )
        self.env.process(self._withdrawal(duration))


def _opt(value: float | None | object) -> float | None:
    return None if value is None else value_of(value)  # type: ignore[arg-type]


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
