"""The assault and strike processes of a replication (docs/model.md, "Assaults").

One assault loop (``AssaultLoop``) per attacking side and sector: a Poisson process whose rate follows
the side's forces and the sector's front, read afresh at each own assault, each day's start and whenever
it may have risen (``_wake``), and thinned when it fell in between; each event resolves one assault
(``sim.model.combat``). The loops run on SimPy event callbacks, not generator processes. One strike
process per side with long-range strikes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final

import numpy as np
from mypy_extensions import mypyc_attr
from simpy.events import NORMAL, URGENT

from sim.model import laws
from sim.model.combat import resolve_assault
from sim.model.draws import Draws
from sim.model.engine import Wake
from sim.model.forces import SideState
from sim.model.plans import AttackPlan
from sim.model.state import COMBAT_STREAM, STRIKE_STREAM, Process, ReplicationState
from sim.scenario.schema import Scenario

DAY_OFFSET: Final = 1e-6
"""Assault processes re-read their rate this long after each day starts (after the daily command)."""


IDLE: Final = 0
DAY: Final = 1
GAP: Final = 2
START: Final = 3
"""What an assault loop waits for: a day at rate 0, the next day's start, its next assault, its start."""


def _soon(model: AssaultProcesses, callback: Callable[[Wake], None]) -> Wake:
    """Schedule ``callback`` now, before the events due at this time (as SimPy starts and interrupts)."""
    return model._schedule(callback, 0.0, URGENT)


class AssaultLoop:
    """A side's assaults on one sector: a Poisson process whose rate follows forces and front.

    The rate (``AssaultProcesses._assault_rate``) is read afresh at each of the side's assaults in the
    sector, at each day's start, and whenever it may have risen: a unit joins the side's line there, or
    the enemy gives back ground (``wake``). Between those moments it can only fall (losses, a shrinking
    front), so the next assault is drawn at the rate last read and kept with probability (rate now /
    rate then) when it comes: thinning, which keeps the process exact for a rate that changes at any time.

    It runs on SimPy's events directly, as a chain of callbacks rather than a generator process: a wait
    for the next assault is one event on SimPy's queue (a ``Wake``, queued where a timeout of that delay
    would be) whose callback takes the next step; a wait for the next day's start joins that day's list,
    which one event serves for every loop (``AssaultProcesses._day_starts``), each at the time its own
    timeout would have come; a wake replaces the wait with an event due at once (a replaced wait still
    comes, and is ignored), which is what SimPy's interrupt of a process does.

    Args:
        model: The replication.
        side: The attacking side.
        sector: The sector attacked.
        plan: The side's assault parameters.
    """

    __slots__ = (
        "model",
        "side",
        "enemy",
        "sector",
        "plan",
        "draws",
        "pending",
        "waiting",
        "waits",
        "interruptible",
        "began",
        "rate",
        "owed",
        "due",
    )

    def __init__(self, model: AssaultProcesses, side: SideState, sector: int, plan: AttackPlan) -> None:
        self.model = model
        self.side = side
        self.enemy = model._enemy(side)
        self.sector = sector
        self.plan = plan
        self.draws = model._stream(COMBAT_STREAM, side.index, sector)
        self.waiting = START
        self.waits = 0  # counts waits, so a day's list can tell a wait since ended by a wake
        self.interruptible = False
        self.began = 0.0
        self.rate = 0.0
        self.owed = 0.0  # without noise: the share of an assault accumulated at the rates so far
        self.due: Callable[[Wake], None] = self._due  # one bound method for every wait, not one each
        self.pending: Wake | None = _soon(model, self._started)

    def _started(self, event: Wake) -> None:
        now = event.at
        if self.plan.start > now:
            self._wait(self.plan.start - now, START, False, now)
        else:
            self._step(now, now)

    def _wait(self, delay: float, waiting: int, interruptible: bool, clock: float) -> None:
        self.pending = self.model._schedule_from(clock, self.due, delay)
        self.waiting = waiting
        self.waits += 1
        self.interruptible = interruptible

    def wake(self) -> None:
        """End the current wait now (if it may be ended): the rate may have risen."""
        if self.interruptible:
            self.interruptible = False
            self.waits += 1
            self.pending = _soon(self.model, self._woken)

    def _due(self, event: Wake) -> None:
        if event is not self.pending:
            return  # a wait a wake replaced
        self.pending = None
        self.interruptible = False
        # The event's time is the clock's: read from it, not through the environment's attribute.
        if self.waiting == GAP:
            self._assault(event.at)
        else:
            self._step(event.at, event.at)

    def day_started(self, now: float, clock: float) -> None:
        """The next day's start, at the time ``now`` this loop's own timeout to it would have come.

        Args:
            now: That time.
            clock: The clock's time (the day's event's), which may differ from ``now`` in the last bit.
        """
        self.interruptible = False
        if self.waiting == DAY:
            self.owed += self.rate * (now - self.began)
        self._step(now, clock)

    def _woken(self, event: Wake) -> None:
        if event is not self.pending:
            return
        self.pending = None
        now = event.at
        if self.waiting != IDLE:
            self.owed += self.rate * (now - self.began)
        self._step(now, now)

    def _step(self, now: float, clock: float) -> None:
        """Read the rate and wait for the next assault, or to the next day's start if it comes later.

        Args:
            now: The time of this step: the clock's, or (at a day's start) the time this loop's own
                timeout would have come, which may differ from the clock in the last bit.
            clock: The clock's time.
        """
        model = self.model
        if model.holder.withdrawn or not model.ground.held():
            return
        rate = model._assault_rate(self.side, self.sector, self.plan)
        # Wake just after the day's command has run, so the rate sees the day's supply and units.
        day = math.floor(now) + 1
        next_day = day + DAY_OFFSET
        waiting = IDLE
        if rate > 0.0:
            self.began = now
            self.rate = rate
            draws = self.draws
            gap = draws.exponential() / rate if draws is not None else max(0.0, 1.0 - self.owed) / rate
            if now + gap < next_day:
                # From a day's start the clock may stand a bit away from ``now``; both are past one day,
                # so the difference is exact and the timeout comes at now + gap to the bit.
                self._wait(gap if clock == now else (now + gap) - clock, GAP, True, clock)
                return
            waiting = DAY
        self.pending = None
        self.waiting = waiting
        self.waits += 1
        self.interruptible = True
        model._wait_for_day(self, day, now + (next_day - now), clock)

    def _assault(self, now: float) -> None:
        """The drawn assault is due (``now``): thin it if the rate fell meanwhile, else resolve it."""
        model = self.model
        rate = self.rate
        rate_now = model._assault_rate(self.side, self.sector, self.plan)
        if rate_now < rate:
            # The rate fell while the assault was coming: keep it with probability rate_now / rate.
            draws = self.draws
            if draws is not None:
                if draws.uniform() * rate >= rate_now:
                    self._step(now, now)
                    return
            else:
                if rate_now > 0.0:
                    self.owed = rate_now / rate
                self._step(now, now)
                return
        self.owed = 0.0
        model._assault(self.side, self.enemy, self.sector, self.plan, self.draws)
        self._step(now, now)


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
        # Assault loops by side index x sectors + sector.
        self._assault_loops: dict[int, AssaultLoop] = {}
        # Loops waiting for a day's start, by day: (loop, its wait's number, when its timeout would come).
        self._day_starts: dict[int, list[tuple[AssaultLoop, int, float]]] = {}
        for side in self.sides:
            side.on_reinforced = self._reinforced(side.index)

    def _start_attacks(self) -> None:
        """Start every attacking side's assault loop in each sector, and its strike process."""
        env = self.env
        for side in self.sides:
            plan = side.plan.attack
            if plan is not None and plan.max_rate_per_km > 0:
                for sector in range(len(self.ground)):
                    if self.ground.sectors[sector].frontage0 > 0:
                        key = side.index * len(self.ground) + sector
                        self._assault_loops[key] = AssaultLoop(self, side, sector, plan)
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
        held = ground.sectors[sector]
        if side.withdrawing or held.area <= 0.0:
            return 0.0
        if side is self.holder and held.area >= held.area0:
            return 0.0
        front = ground.frontage(sector)
        if front <= 0.0:
            return 0.0
        figures = side.sectors[sector]
        density = figures.line_power / front
        tempo = laws.tempo(density, plan.half_rate_density) * figures.tempo_factor
        weather = self.params.weather_tempo
        if weather:
            tempo *= weather[min(int(self._clock()), len(weather) - 1)]
        return laws.assault_rate(plan.max_rate_per_km, front, side.supply, tempo)

    def _wait_for_day(self, loop: AssaultLoop, day: int, at: float, clock: float) -> None:
        """Put a loop on the list of those woken at a day's start (one event per day serves them all).

        Args:
            loop: The loop.
            day: The day whose start it waits for.
            at: When its own timeout to that start would come.
            clock: The clock's time.
        """
        waiting = self._day_starts.get(day)
        if waiting is None:
            waiting = self._day_starts[day] = []
            self._schedule_from(clock, self._day_started, at - clock, NORMAL, day)
        waiting.append((loop, loop.waits, at))

    def _day_started(self, event: Wake) -> None:
        """Wake every loop still waiting for this day's start, each at its own timeout's time."""
        day = event.value
        for loop, wait, at in self._day_starts.pop(day):
            if loop.waits == wait:
                loop.day_started(at, event.at)

    def _wake(self, side_index: int, sector: int) -> None:
        """Wake a side's assault loop on a sector from its wait, so it reads its rate afresh."""
        loop = self._assault_loops.get(side_index * len(self.ground) + sector)
        if loop is not None:
            loop.wake()

    def _assault(
        self, side: SideState, enemy: SideState, sector: int, plan: AttackPlan, draws: Draws | None
    ) -> None:
        """Resolve one assault that went in, and what follows from it (losses, lost sectors, wakes)."""
        held = self.ground.sectors[sector]
        holder = self.holder
        depth = self.params.weather_depth
        scale = depth[min(int(self._clock()), len(depth) - 1)] if depth else 1.0
        result = resolve_assault(
            side, enemy, holder, self.ground, sector, plan, self.params.engagement, draws, scale
        )
        if result is None:
            return
        side.sectors[sector].assaults += 1
        self._after_losses(sector)
        if self.ground.reached:
            self._log_lines()
        if result.succeeded:
            if held.area <= 0.0:
                self._sector_lost(sector)
            elif result.moved_km2 > 0.0:
                self._wake(enemy.index, sector)  # ground won back: the enemy's front grew
            elif result.moved_km2 < 0.0 and held.area - result.moved_km2 >= held.area0:
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
                area_km2=held.area,
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
            if self.trace and not self.holder.withdrawn and self.ground.held():
                self._log(None, "strike", side.name, target.name, cut=cut, recovery_days=recovery)
