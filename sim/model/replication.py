"""One replication: a SimPy environment with the processes of the model (docs/model.md).

Processes:
    * ``_tick``: once a day records the state, then updates supply and fortification and runs
      each side's command (replacements, rotation, allocation, withdrawal rules).
    * ``_assaults``: one per attacking side and sector, a Poisson process (thinned by supply)
      whose events resolve one assault each, unless the local force ratio is below the side's
      minimum.
    * ``_echelon``: one per arrival wave: arrival, training, then readiness.
    * ``_strikes``: one per side with long-range strikes, a Poisson process from its start date.
    * ``_withdrawal``: the holder's fighting withdrawal, once a rule fires.

Every random draw comes from a stream spawned from the replication's seed: one stream per
assault process and per strike process, so processes do not disturb each other's draws.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from sim.model import laws
from sim.model.policies import ALLOCATION_POLICIES, WithdrawalMonitor, WithdrawalRules
from sim.model.trajectory import Event, Trajectory
from sim.scenario.distributions import value_of
from sim.scenario.parameters import resolve, sample_parameters
from sim.scenario.schema import Attack, Scenario, Side

COMBAT_STREAM = 1
STRIKE_STREAM = 2

EN_ROUTE, TRAINING, RESERVE, LINE, REFIT = range(5)
STATUS_NAMES = ("en route", "training", "reserve", "in line", "refitting")

Process = Generator[simpy.Event, Any, None]


class Draws:
    """Random draws from one stream, generated in blocks: a scalar numpy call costs as much as a block.

    Args:
        rng: The stream's generator.
        block: Draws generated per refill.
    """

    __slots__ = (
        "_rng",
        "_block",
        "_uniform",
        "_u",
        "_exponential",
        "_e",
        "_normal",
        "_n",
        "_shape",
        "_gamma",
        "_g",
    )

    def __init__(self, rng: np.random.Generator, block: int = 128, gamma_shape: float | None = None) -> None:
        self._rng = rng
        self._block = block
        self._shape = gamma_shape
        self._gamma = rng.standard_gamma(gamma_shape, block) if gamma_shape else np.zeros(0)
        self._g = 0
        self._uniform = rng.random(block)
        self._u = 0
        self._exponential = rng.standard_exponential(block)
        self._e = 0
        self._normal = rng.standard_normal(block)
        self._n = 0

    def uniform(self) -> float:
        """Return a uniform draw in [0, 1)."""
        if self._u == self._block:
            self._uniform = self._rng.random(self._block)
            self._u = 0
        self._u += 1
        return float(self._uniform[self._u - 1])

    def exponential(self) -> float:
        """Return a standard exponential draw (mean 1)."""
        if self._e == self._block:
            self._exponential = self._rng.standard_exponential(self._block)
            self._e = 0
        self._e += 1
        return float(self._exponential[self._e - 1])

    def normal(self) -> float:
        """Return a standard normal draw."""
        if self._n == self._block:
            self._normal = self._rng.standard_normal(self._block)
            self._n = 0
        self._n += 1
        return float(self._normal[self._n - 1])

    def gamma(self, shape: float, scale: float) -> float:
        """Return a gamma draw; buffered when ``shape`` is the one given at construction."""
        if shape != self._shape:
            return float(self._rng.gamma(shape, scale))
        if self._g == self._block:
            self._gamma = self._rng.standard_gamma(shape, self._block)
            self._g = 0
        self._g += 1
        return float(self._gamma[self._g - 1]) * scale

    def poisson(self, mean: float) -> float:
        """Return a Poisson draw (not buffered: its mean changes with every call)."""
        return float(self._rng.poisson(mean))


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


@dataclass(frozen=True)
class _AttackPlan:
    """A side's attack parameters as plain floats (resolved once per replication)."""

    start: float
    rate: float
    min_force_ratio: float
    engaged_share: float
    defender_engaged_share: float
    duration: float
    frontage_km: float
    advance_km: float
    advance_sigma: float

    @classmethod
    def of(cls, attack: Attack, scenario: Scenario) -> _AttackPlan:
        return cls(
            start=scenario.day_of(attack.start) if attack.start else 0.0,
            rate=value_of(attack.rate_per_day),
            min_force_ratio=value_of(attack.min_force_ratio),
            engaged_share=value_of(attack.engaged_share),
            defender_engaged_share=value_of(attack.defender_engaged_share),
            duration=value_of(attack.duration_days),
            frontage_km=value_of(attack.frontage_km),
            advance_km=value_of(attack.advance_km),
            advance_sigma=value_of(attack.advance_sigma),
        )


class _SideState:
    """Mutable state of one side within a replication.

    ``line_strength`` and ``line_power`` hold, per sector, the sum of strength and of
    strength x quality over the side's units in the line there; they change only through
    ``enter_line``, ``pull_out``, ``clear_sector``, ``take_losses`` and ``add_strength``. ``reserve`` (per
    contingent) and ``refitting`` list the units in those states; units change state only through
    the methods here, so the lists stay true without scanning every unit each day.
    """

    def __init__(self, name: str, index: int, side: Side, sector_count: int, scenario: Scenario) -> None:
        self.name = name
        self.index = index
        self.spec = side
        self.units: list[Unit] = []
        self.arrived: list[Unit] = []
        self.arrived_by_contingent: dict[str, list[Unit]] = {name: [] for name in side.contingents}
        self.by_contingent: dict[str, list[Unit]] = {name: [] for name in side.contingents}
        self.line: list[list[Unit]] = [[] for _ in range(sector_count)]
        self.line_strength = [0.0] * sector_count
        self.line_power = [0.0] * sector_count
        self.reserve: dict[str, list[Unit]] = {name: [] for name in side.contingents}
        self.refitting: list[Unit] = []
        # Nominal (full-size) strength of each contingent's units that have become ready.
        self.ready_full: dict[str, float] = dict.fromkeys(side.contingents, 0.0)
        self.casualties = 0.0
        self.supply = 1.0
        self.strike_cuts: list[tuple[float, float]] = []
        self.replacement_pool: dict[str, float] = dict.fromkeys(side.contingents, 0.0)
        self.withdrawing = False
        self.withdrawn = False
        self.present = 0.0
        self.rotation_threshold = value_of(side.command.rotation_threshold)
        self.return_threshold = value_of(side.command.return_threshold)
        # Per contingent: replacements per day, the day they start, reserve share.
        self.contingent_plans = {
            name: (
                value_of(c.replacements_per_day),
                scenario.day_of(c.replacements_from) if c.replacements_from else 0.0,
                value_of(c.reserve_share),
            )
            for name, c in side.contingents.items()
        }

    def arrive(self, units: list[Unit]) -> None:
        """Units reach the theatre (they count in its strength from now on)."""
        self.arrived.extend(units)
        for unit in units:
            self.arrived_by_contingent[unit.contingent].append(unit)

    def make_ready(self, unit: Unit) -> None:
        """A unit that arrived and trained joins the reserve, ready to be committed."""
        unit.status = RESERVE
        self.reserve[unit.contingent].append(unit)
        self.ready_full[unit.contingent] += unit.full_size

    def back_from_refit(self, unit: Unit) -> None:
        self.refitting.remove(unit)
        unit.status = RESERVE
        self.reserve[unit.contingent].append(unit)

    def enter_line(self, unit: Unit, sector: int) -> None:
        if unit.status == RESERVE:
            self.reserve[unit.contingent].remove(unit)
        unit.status, unit.sector = LINE, sector
        self.line[sector].append(unit)
        self.line_strength[sector] += unit.strength
        self.line_power[sector] += unit.strength * unit.quality

    def pull_out(self, unit: Unit) -> None:
        """Take a worn unit out of the line to refit."""
        sector = unit.sector
        self.line[sector].remove(unit)
        unit.status, unit.sector = REFIT, -1
        self.refitting.append(unit)
        self._recount(sector)

    def clear_sector(self, sector: int) -> None:
        """Move every unit in a sector's line back to the reserve."""
        for unit in self.line[sector]:
            unit.status, unit.sector = RESERVE, -1
            self.reserve[unit.contingent].append(unit)
        self.line[sector] = []
        self._recount(sector)

    def take_losses(self, sector: int, losses: float) -> None:
        """Spread losses over the units in a sector's line in proportion to their strength."""
        total = self.line_strength[sector]
        if total <= 0.0:
            return
        taken = min(losses, total)
        factor = 1.0 - taken / total
        for unit in self.line[sector]:
            unit.strength *= factor
        self.line_strength[sector] *= factor
        self.line_power[sector] *= factor
        self.casualties += taken

    def add_strength(self, unit: Unit, amount: float) -> None:
        unit.strength += amount
        if unit.status == LINE:
            self.line_strength[unit.sector] += amount
            self.line_power[unit.sector] += amount * unit.quality

    def _recount(self, sector: int) -> None:
        units = self.line[sector]
        self.line_strength[sector] = sum(u.strength for u in units)
        self.line_power[sector] = sum(u.strength * u.quality for u in units)

    def in_theatre(self) -> float:
        return sum([unit.strength for unit in self.arrived])


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
        self.scenario = sc = resolve(scenario, self.parameters)
        self.seed = seed
        self.trace = trace
        self.env = simpy.Environment()
        self.events: list[Event] = []
        self.noise = sc.engagement.noise
        self.sector_names = list(sc.sectors)
        sectors = list(sc.sectors.values())
        self.area0 = [value_of(s.area_km2) for s in sectors]
        self.area = list(self.area0)
        self.frontage0 = [value_of(s.frontage_km) for s in sectors]
        self.is_line = [s.shape == "line" for s in sectors]
        self.terrain = [value_of(s.terrain) for s in sectors]
        self.fortification = [value_of(s.fortification.initial) for s in sectors]
        self.fortification_growth = [value_of(s.fortification.growth_per_day) for s in sectors]
        # The bonus never falls below where it started just because growth has a lower ceiling.
        self.fortification_max = [
            max(value_of(s.fortification.maximum), value_of(s.fortification.initial)) for s in sectors
        ]
        self.fortification_kept = [value_of(s.fortification.kept_on_retreat) for s in sectors]
        self.total_area0 = sum(self.area0)
        self.horizon = sc.horizon_days
        self.kill_rate = value_of(sc.engagement.kill_rate)
        self.exponents = sc.engagement.law.exponents()
        dispersion = sc.engagement.dispersion
        self.dispersion = None if dispersion is None or not self.noise else value_of(dispersion)
        curve = sc.engagement.success
        self.success_curve = (curve.intercept, curve.slope, curve.fortified_offset)
        self.fortified_at = sc.engagement.fortified_at

        self.sides = [
            _SideState(name, i, sc.sides[name], len(sectors), sc) for i, name in enumerate(sc.sides)
        ]
        self.holder = next(s for s in self.sides if s.spec.holds_ground)
        self.opponent = next(s for s in self.sides if not s.spec.holds_ground)
        self.plans = {s.index: _AttackPlan.of(s.spec.attack, sc) for s in self.sides if s.spec.attack}
        withdrawal = self.holder.spec.command.withdrawal
        self.monitor = (
            WithdrawalMonitor(
                WithdrawalRules(
                    area_below_km2=_optional(withdrawal.area_below_km2),
                    force_ratio_above=_optional(withdrawal.force_ratio_above),
                    force_ratio_days=withdrawal.force_ratio_days,
                    supply_below=_optional(withdrawal.supply_below),
                    supply_days=withdrawal.supply_days,
                    losses_above=_optional(withdrawal.losses_above),
                )
            )
            if withdrawal is not None
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
                    side.by_contingent[contingent_name].extend(units)
                    readiness = value_of(contingent.readiness_days)
                    if arrival <= 0.0 and readiness <= 0.0:
                        side.arrive(units)
                        for unit in units:
                            side.make_ready(unit)
                    else:
                        env.process(self._echelon(side, contingent_name, units, arrival, readiness))
            self._allocate(side)
        for side in self.sides:
            plan = self.plans.get(side.index)
            if plan is not None and plan.rate > 0:
                for sector in range(len(self.sector_names)):
                    env.process(self._assaults(side, sector, plan))
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

    def _stream(self, *key: int) -> Draws | None:
        if not self.noise:
            return None
        seed = np.random.SeedSequence(self.seed.entropy, spawn_key=(*self.seed.spawn_key, *key))
        return Draws(np.random.Generator(np.random.PCG64(seed)), gamma_shape=self.dispersion or None)

    def _log(self, sector: int | None, kind: str, text: Callable[[], str], **numbers: float) -> None:
        """Keep an event when tracing (callers check ``self.trace`` first on hot paths)."""
        if self.trace:
            name = "" if sector is None else self.sector_names[sector]
            self.events.append(Event(self.env.now, name, kind, text(), numbers))

    # ----------------------------------------------------------------- processes
    def _tick(self) -> Process:
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
    ) -> Process:
        env = self.env
        if arrival > env.now:
            yield env.timeout(arrival - env.now)
        for unit in units:
            unit.status = TRAINING
        side.arrive(units)
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
                side.make_ready(unit)
        self._log(None, "ready", lambda: f"{side.name}: {len(units)} {contingent} units ready")
        self._allocate(side)

    def _assaults(self, side: _SideState, sector: int, plan: _AttackPlan) -> Process:
        env = self.env
        draws = self._stream(COMBAT_STREAM, side.index, sector)
        mean_gap = 1.0 / plan.rate
        if plan.start > env.now:
            yield env.timeout(plan.start - env.now)
        holder = self.holder
        area = self.area
        accumulated = 0.0
        while True:
            yield env.timeout(draws.exponential() * mean_gap if draws is not None else mean_gap)
            if side.withdrawing or holder.withdrawn or area[sector] <= 0.0:
                if holder.withdrawn or not any(a > 0.0 for a in area):
                    return
                continue
            if side is holder and area[sector] >= self.area0[sector]:
                # Counter-attacks win ground back; with none lost there is nothing to attack for.
                continue
            # Thinning: an assault goes in with probability equal to the supply factor.
            if draws is not None:
                if draws.uniform() >= side.supply:
                    continue
            else:
                accumulated += side.supply
                if accumulated < 1.0:
                    continue
                accumulated -= 1.0
            self._resolve_assault(side, sector, plan, draws)

    def _strikes(self, side: _SideState) -> Process:
        env = self.env
        strikes = side.spec.strikes
        assert strikes is not None
        draws = self._stream(STRIKE_STREAM, side.index)
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
            yield env.timeout(draws.exponential() / rate if draws is not None else 1.0 / rate)
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

    def _withdrawal(self, duration: float) -> Process:
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
            holder.clear_sector(k)
        self._log(None, "withdrawn", lambda: f"{holder.name} completes its withdrawal; no ground held")

    # ----------------------------------------------------------------- combat
    def _resolve_assault(
        self, attacker: _SideState, sector: int, plan: _AttackPlan, draws: Draws | None
    ) -> None:
        holder = self.holder
        defender = self.opponent if attacker is holder else holder
        attacker_line = attacker.line_strength[sector]
        if attacker_line <= 0.0:
            return
        defender_line = defender.line_strength[sector]
        attacking = attacker_line * plan.engaged_share
        defending = defender_line * plan.defender_engaged_share
        attacker_quality = attacker.line_power[sector] / attacker_line
        defender_quality = defender.line_power[sector] / defender_line if defender_line > 0 else 1.0
        # Posture: the attacker fights at its supply; the defender also has the ground, and the
        # holder its fortification.
        attacker_eff = attacker_quality * attacker.supply
        defender_eff = defender_quality * defender.supply * self.terrain[sector]
        if defender is holder:
            defender_eff *= 1.0 + self.fortification[sector]
        attacker_power = attacking * attacker_eff
        defender_power = defending * defender_eff
        ratio = attacker_power / defender_power if defender_power > 0 else math.inf
        if ratio < plan.min_force_ratio:
            return
        kill_rate, exponents, dispersion = self.kill_rate, self.exponents, self.dispersion
        attacker_mean = laws.expected_losses(
            attacking, defending, defender_eff, kill_rate, exponents, plan.duration
        )
        defender_mean = laws.expected_losses(
            defending, attacking, attacker_eff, kill_rate, exponents, plan.duration
        )
        attacker_losses = laws.draw_losses(attacker_mean, attacking, dispersion, draws)
        defender_losses = laws.draw_losses(defender_mean, defending, dispersion, draws)
        if attacker_losses > 0.0:
            attacker.take_losses(sector, attacker_losses)
        if defender_losses > 0.0:
            defender.take_losses(sector, defender_losses)

        fortified = defender is holder and self.fortification[sector] >= self.fortified_at
        intercept, slope, fortified_offset = self.success_curve
        probability = laws.success_probability(
            ratio, intercept, slope, fortified_offset if fortified else 0.0
        )
        succeeded = (draws.uniform() < probability) if draws is not None else probability >= 0.5
        moved = 0.0
        if succeeded:
            depth = plan.advance_km
            if draws is not None and plan.advance_sigma > 0:
                depth *= math.exp(plan.advance_sigma * draws.normal())
            front = self._frontage(sector)
            gained = laws.area_gained(depth, plan.frontage_km, front)
            before = self.area[sector]
            if attacker is holder:
                self.area[sector] = min(self.area0[sector], before + gained)
            else:
                self.area[sector] = max(0.0, before - gained)
                if self.area[sector] < before:
                    self.moved_back[sector] = True
                    self.fortification[sector] *= self.fortification_kept[sector]
            moved = self.area[sector] - before
            if self.area[sector] <= 0.0:
                self._sector_lost(sector)
        if self.trace:
            self._log(
                sector,
                "assault",
                lambda: (
                    f"{attacker.name} assault, ratio {ratio:.2f}, p(success) {probability:.2f}: "
                    f"{'succeeds' if succeeded else 'fails'}; losses {attacker.name} {attacker_losses:,.0f}, "
                    f"{defender.name} {defender_losses:,.0f}; "
                    f"area {moved:+.1f} km2 -> {self.area[sector]:.1f}"
                ),
                ratio=ratio,
                success_probability=probability,
                attacker_losses=attacker_losses,
                defender_losses=defender_losses,
                attacker_present=attacking,
                defender_present=defending,
                area_change_km2=moved,
            )

    def _frontage(self, sector: int) -> float:
        if self.is_line[sector]:
            return self.frontage0[sector] if self.area[sector] > 0.0 else 0.0
        return laws.frontage_km(self.frontage0[sector], self.area0[sector], self.area[sector])

    def _sector_lost(self, sector: int) -> None:
        holder = self.holder
        holder.clear_sector(sector)
        self.opponent.clear_sector(sector)
        self._log(sector, "sector_lost", lambda: f"{holder.name} loses the last of the sector")
        self._allocate(holder)
        self._allocate(self.opponent)

    # ----------------------------------------------------------------- daily command
    def _record(self, day: int) -> None:
        self._sector_area[day] = self.area
        self._area[day] = sum(self.area)
        for side in self.sides:
            side.present = side.in_theatre()
            self._strength[side.index, day] = side.present
            self._casualties[side.index, day] = side.casualties
            self._supply[side.index, day] = side.supply

    def _update_supply(self) -> None:
        now = self.env.now
        for side in self.sides:
            logistics = side.spec.logistics
            if logistics is None:
                side.supply = 1.0
                continue
            if side.strike_cuts:
                side.strike_cuts = [(end, cut) for end, cut in side.strike_cuts if end > now]
            capacity = value_of(logistics.capacity)
            for _, cut in side.strike_cuts:
                capacity *= 1.0 - cut
            if side is self.holder:
                capacity *= laws.corridor_factor(
                    value_of(logistics.corridor_exposure), sum(self.area), self.total_area0
                )
            demand = side.present * value_of(logistics.demand_per_soldier)
            side.supply = laws.supply_factor(capacity, demand)

    def _grow_fortification(self) -> None:
        for k in range(len(self.area)):
            if not self.moved_back[k] and self.area[k] > 0:
                self.fortification[k] = min(
                    self.fortification_max[k], self.fortification[k] + self.fortification_growth[k]
                )
            self.moved_back[k] = False

    def _command(self, side: _SideState) -> None:
        if side.withdrawn:
            return
        now = self.env.now
        for name, (per_day, from_day, _) in side.contingent_plans.items():
            if per_day > 0 and now >= from_day:
                self._replace(side, name, per_day)
        threshold = side.rotation_threshold
        back = side.return_threshold
        for unit in [u for u in side.refitting if u.strength >= back * u.full_size]:
            side.back_from_refit(unit)
        has_reserve = any(side.reserve.values())
        for k, line in enumerate(side.line):
            worn = [u for u in line if u.strength < threshold * u.full_size]
            for unit in worn:
                if len(line) <= 1 and not has_reserve:
                    break
                side.pull_out(unit)
                if self.trace:
                    self._log(
                        k,
                        "rotate",
                        lambda u=unit: (
                            f"{side.name}: {u.name} pulled out to refit "
                            f"at {u.strength / u.full_size:.0%} strength"
                        ),
                    )
        if has_reserve and not side.withdrawing:
            self._allocate(side)

    def _replace(self, side: _SideState, name: str, per_day: float) -> None:
        """Send the day's replacements to the contingent's weakest units first."""
        pool = side.replacement_pool[name] + per_day
        units = side.arrived_by_contingent[name]
        while pool > 0.0 and units:
            # A list of shares and C-level min/index: far cheaper than min() with a key function.
            shares = [unit.strength / unit.full_size for unit in units]
            lowest = min(shares)
            if lowest >= 1.0:
                break
            weakest = units[shares.index(lowest)]
            added = min(pool, weakest.full_size - weakest.strength)
            side.add_strength(weakest, added)
            pool -= added
        # Replacements that find no gap wait, but no more than a day's worth piles up.
        side.replacement_pool[name] = min(pool, per_day)

    def _allocate(self, side: _SideState) -> None:
        """Commit ready reserves to open sectors by the side's policy, keeping its reserve share."""
        if side.withdrawing or side.withdrawn:
            return
        open_sectors: list[int] | None = None
        for name, waiting in side.reserve.items():
            if not waiting:
                continue
            held = sum([u.strength for u in waiting])
            keep = side.contingent_plans[name][2] * side.ready_full[name]
            if held - min([u.strength for u in waiting]) < keep - 1e-9:
                continue
            if open_sectors is None:
                open_sectors = [k for k in range(len(self.area)) if self.area[k] > 0.0]
                policy = ALLOCATION_POLICIES[side.spec.command.policy]
                enemy = self.opponent if side is self.holder else self.holder
            if not open_sectors:
                return
            reserve = sorted(waiting, key=lambda u: -u.strength)
            frontage = [self._frontage(k) for k in open_sectors]
            hostile = [enemy.line_power[k] for k in open_sectors]
            for unit in reserve:
                if held - unit.strength < keep - 1e-9:
                    continue
                own = [side.line_power[k] for k in open_sectors]
                count = [len(side.line[k]) for k in open_sectors]
                sector = open_sectors[policy(own, hostile, count, frontage)]
                side.enter_line(unit, sector)
                held -= unit.strength
                if self.trace:
                    self._log(
                        sector,
                        "commit",
                        lambda u=unit: f"{side.name}: {u.name} ({u.strength:,.0f}) committed",
                    )

    def _check_withdrawal(self) -> None:
        holder, opponent = self.holder, self.opponent
        spec = holder.spec.command.withdrawal
        assert spec is not None and self.monitor is not None
        if spec.not_before is not None and self.env.now < self.scenario.day_of(spec.not_before):
            return
        own = sum(holder.line_power) * holder.supply
        hostile = sum(opponent.line_power) * opponent.supply
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


def _optional(value: float | None | object) -> float | None:
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
