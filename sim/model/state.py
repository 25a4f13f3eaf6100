"""The state of one replication: its parameters, sides, ground, daily record and event log.

``ReplicationState`` holds what every process of a replication reads and changes, and the steps they
share (queueing an event on SimPy's queue, covering a line left empty, losing a sector, recording a
day); ``sim.model.assaults`` adds the
assault and strike processes, and ``sim.model.replication`` the daily tick and the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from heapq import heappush
from typing import Any, Final, cast

import numpy as np
import simpy
from mypy_extensions import mypyc_attr
from simpy.events import NORMAL

from sim.model.command import allocate, cover_empty_sectors
from sim.model.draws import Draws
from sim.model.engine import Wake
from sim.model.events import Event
from sim.model.forces import SideState
from sim.model.ground import Ground
from sim.model.lines import FallBackMonitor
from sim.model.params import build_parameters
from sim.model.plans import Parameters
from sim.model.withdrawal import WithdrawalMonitor
from sim.scenario.parameters import sample_parameters
from sim.scenario.schema import Scenario
from sim.streams.seeds import ChildSeeds

COMBAT_STREAM: Final = 1
STRIKE_STREAM: Final = 2
FIRES_STREAM: Final = 3

Process = Generator[simpy.Event, Any, None]


# Tests (and analysts) subclass a replication to watch its internals; compiled, that needs leave.
@mypyc_attr(allow_interpreted_subclasses=True)
class ReplicationState:
    """What every process of one replication reads and changes.

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
        self.seed = seed
        self.seeds = ChildSeeds(seed)
        values = sample_parameters(scenario, self.seeds) if parameters is None else parameters
        self.params: Parameters = build_parameters(scenario, values)
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
        fall_back_plan = self.holder.plan.command.fall_back
        self.fall_back = FallBackMonitor(fall_back_plan, count) if fall_back_plan is not None else None
        self._fire_draws = [
            self._stream(FIRES_STREAM, side.index) if side.plan.fires is not None else None
            for side in self.sides
        ]
        self.withdrawal_day: float | None = None
        self.withdrawal_reason: str | None = None

        # SimPy's queue and event counter, which ``_schedule`` pushes to as ``Environment.schedule`` does
        # (the counter's ``__next__`` bound once: compiled, ``next()`` looks the builtin up at each call).
        self._queue: list[tuple[float, int, object, object]] = cast(Any, self.env)._queue
        # Typed ``object``: compiled, an ``int`` result would be unboxed and boxed again for the entry.
        self._next_eid: Callable[[], object] = cast(Any, self.env)._eid.__next__
        # heapq's push kept here too: compiled, a module global is a dictionary look-up at each use.
        self._push: Callable[
            [list[tuple[float, int, object, object]], tuple[float, int, object, object]], None
        ] = heappush
        # The daily record, a row of Python floats a day one after another in one list (numpy arrays at
        # the end: ``daily_record``), since assigning into numpy rows day by day costs a numpy call per
        # value set, and numpy reads a flat list of floats several times faster than a list of rows.
        self._recorded_days: list[int] = []
        self._rows: list[float] = []

    def _clock(self) -> float:
        """Return the simulation time, ``env.now`` read without its property's Python call."""
        return cast(float, cast(Any, self.env)._now)

    def _schedule(
        self, callback: Callable[[Wake], None], delay: float, priority: int = NORMAL, value: int = 0
    ) -> Wake:
        """Call ``callback`` ``delay`` from now, queued exactly as ``Environment.schedule`` queues an event.

        The same entry (time, priority, the next event number, event) on SimPy's own queue, so events come
        in the order a ``simpy.Timeout`` of that delay (or an urgent event) would have taken; without the
        timeout's Python ``__init__`` and the ``schedule`` call, which cost more than the rest of a wait.
        """
        return self._schedule_from(self._clock(), callback, delay, priority, value)

    def _schedule_from(
        self,
        clock: float,
        callback: Callable[[Wake], None] | None,
        delay: float,
        priority: int = NORMAL,
        value: int = 0,
    ) -> Wake:
        """``_schedule`` for a caller that has the clock's time ``clock`` already (its own event's).

        With no ``callback``, the event is one a process yields (``_until``): SimPy adds the process's own.
        """
        if delay < 0.0:
            raise ValueError(f"Negative delay {delay}")  # as simpy.Timeout
        at = clock + delay
        event = Wake(callback, value, at)
        self._push(self._queue, (at, priority, self._next_eid(), event))
        return event

    def _until(self, day: float) -> Any:
        """Return an event for a process to yield that resumes it at ``day``: ``env.timeout(day - env.now)``.

        Queued as that timeout queues itself, at ``now + (day - now)``, without the timeout's Python
        ``__init__``. ``day`` is a float, so the clock is one at whole days too: SimPy's queue compares
        entry times, and an int among floats costs every comparison it takes part in a mixed-type path.
        """
        now = self._clock()
        return self._schedule_from(now, None, day - now)

    def _enemy(self, side: SideState) -> SideState:
        return self.opponent if side is self.holder else self.holder

    def _stream(self, *key: int) -> Draws | None:
        if not self.params.engagement.noise:
            return None
        # The generator of SeedSequence(entropy, spawn_key=(*spawn_key, *key)), the shared hash done once.
        return Draws(self.seeds.generator(key), gamma_shape=self.params.engagement.dispersion or None)

    def _log(
        self, sector: int | None, kind: str, side: str = "", subject: str = "", **numbers: float
    ) -> None:
        """Keep an event (callers check ``self.trace`` first, or get the logger only when tracing)."""
        name = "" if sector is None else self.ground.names[sector]
        self.events.append(Event(float(self.env.now), name, kind, side, subject, numbers))

    def _logger(self) -> Any:
        return self._log if self.trace else None

    def _log_lines(self) -> None:
        """Name each prepared line the holder reached (trace), and forget them."""
        if self.trace:
            for sector, fortification in self.ground.reached:
                self._log(sector, "prepared_line", self.holder.name, fortification=fortification)
        self.ground.reached.clear()

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

    def _sector_lost(self, sector: int) -> None:
        holder = self.holder
        holder.clear_sector(sector)
        self.opponent.clear_sector(sector)
        if self.trace:
            self._log(sector, "sector_lost", holder.name)
        log = self._logger()
        allocate(holder, self.opponent, self.ground, log)
        allocate(self.opponent, holder, self.ground, log)

    def _record(self, day: int) -> None:
        """Keep the day's row: total and sector areas, then each side's strength, casualties and supply."""
        row = self._rows
        row.append(self.ground.total_area())
        for sector in self.ground.sectors:
            row.append(sector.area)
        for side in self.sides:
            side.present = side.in_theatre()
            row.append(side.present)
            row.append(side.casualties)
            row.append(side.supply)
            for figures in side.sectors:
                row.append(figures.casualties)
        self._recorded_days.append(day)

    def daily_record(self) -> dict[str, np.ndarray]:
        """Return the daily record as arrays: the trajectory's ``area_km2`` to ``supply``.

        A day not recorded (a replication stopped early) keeps zeros, and a supply of 1.
        """
        days = self.params.horizon_days + 1
        count = len(self.ground)
        area = np.zeros(days)
        sector_area = np.zeros((days, count))
        strength = np.zeros((2, days))
        casualties = np.zeros((2, days))
        sector_casualties = np.zeros((2, days, count))
        supply = np.ones((2, days))
        if self._rows:
            recorded = np.array(self._recorded_days, dtype=np.intp)
            # One row a day recorded, all of one length (not reshape's -1: it takes any negative length
            # for "whatever fits").
            rows = np.array(self._rows, dtype=float).reshape(len(recorded), len(self._rows) // len(recorded))
            width = 3 + count
            area[recorded] = rows[:, 0]
            sector_area[recorded] = rows[:, 1 : 1 + count]
            for position, side in enumerate(self.sides):
                first = 1 + count + position * width
                strength[side.index, recorded] = rows[:, first]
                casualties[side.index, recorded] = rows[:, first + 1]
                supply[side.index, recorded] = rows[:, first + 2]
                sector_casualties[side.index, recorded] = rows[:, first + 3 : first + width]
        return {
            "area_km2": area,
            "sector_area_km2": sector_area,
            "strength": strength,
            "casualties": casualties,
            "sector_casualties": sector_casualties,
            "supply": supply,
        }
