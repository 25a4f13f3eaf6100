"""SimPy's event loop, ``Environment.run(until=...)``, written out so the compiled build runs it natively.

SimPy's ``run`` calls ``step`` once per event, and both are Python: at the model's few microseconds of
work an event, the loop itself was a tenth of a replication. ``run_until`` is the same loop over the
same queue (``Environment._queue``), event for event: it pops the next ``(time, priority, number,
event)`` entry, sets the clock, hands the event to its callbacks, and stops where ``run`` would (its
stop event raises SimPy's ``StopSimulation``), so processes, timeouts, the order of events and the clock
are SimPy's own. What it leaves behind is also ``run``'s: the clock at the stop and the stop event
queued again. The one difference: ``until`` is taken as a float, where ``run`` keeps an int an int.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any, cast

import simpy
from simpy.core import StopSimulation
from simpy.events import URGENT


class Wake:
    """An event on SimPy's queue with only what ``Environment.step`` reads of one: its callbacks and ``_ok``.

    The assault loops schedule one per wait instead of a ``simpy.Timeout`` (``ReplicationState._schedule``),
    at the same time, priority and place in the order a timeout would take, so the run is the same event
    for event; the daily tick yields one to wait for the next day. It never fails, and ``run_until``
    reads it natively.

    Args:
        callback: Called with the event when it is processed (None: a process yields it and adds its own).
        value: What the callback reads as ``event.value``.
        at: When it is due: the clock when its callback runs (SimPy sets the clock to the time queued).
    """

    __slots__ = ("callbacks", "_ok", "_value", "at")

    def __init__(self, callback: Callable[[Wake], None] | None, value: int = 0, at: float = 0.0) -> None:
        self.callbacks: list[Callable[[Wake], None]] | None = [callback] if callback is not None else []
        self._ok = True
        self._value = value
        self.at = at

    @property
    def value(self) -> int:
        """The value given when it was made."""
        return self._value


def run_until(env: simpy.Environment, until: float) -> None:
    """Run ``env``'s events up to ``until``: what ``env.run(until=until)`` does with a number.

    Args:
        env: The environment.
        until: The time to stop at: the events due before it run, and of those due at it only urgent
            ones queued before the stop (SimPy queues its stop event as urgent).

    Raises:
        ValueError: ``until`` is not after the clock (as ``run``).
    """
    simulation = cast(Any, env)
    queue: list[Any] = simulation._queue
    next_number = simulation._eid.__next__
    now = simulation._now
    at = float(until)  # SimPy keeps an int ``until`` an int; the model's is a float
    if at <= now:
        raise ValueError(f"until ({at}) must be greater than the current simulation time")
    stop = simpy.Event(env)
    stop._ok = True
    stop._value = None
    stop.callbacks.append(StopSimulation.callback)
    heappush(queue, (now + (at - now), URGENT, next_number(), stop))
    # The clock set in the environment's dictionary: compiled, setting an attribute of a Python object
    # goes through the generic look-up of its type, a few times the cost of the dictionary's store.
    attributes: dict[str, Any] = simulation.__dict__
    pop = heappop
    # The stop event is on the queue until it is reached, so the queue never runs empty before it (with a
    # number for ``until``, ``run``'s error for an empty queue cannot happen either).
    while True:
        when, _priority, _number, event = cast(tuple[Any, Any, Any, Any], pop(queue))
        attributes["_now"] = when
        if isinstance(event, Wake):
            # The model's own events, read natively; a Wake never fails.
            callbacks = cast(list[Callable[[Wake], None]], event.callbacks)
            event.callbacks = None
            for call in callbacks:
                call(event)
            continue
        callbacks_of_event = event.callbacks
        event.callbacks = None
        try:
            for callback in callbacks_of_event:
                callback(event)
        except StopSimulation:
            # As SimPy's step: the event keeps the callbacks not yet called and is queued again at once,
            # ahead of everything; the run ends (this run's stop event, or one an earlier run left).
            event.callbacks = callbacks_of_event[callbacks_of_event.index(callback) + 1 :]
            heappush(queue, (when, -1, next_number(), event))
            return
        if not event._ok and not hasattr(event, "_defused"):
            # A failed event nobody handled crashes the run, with a copy of its exception (as SimPy).
            failure = event._value
            error = type(failure)(*failure.args)
            error.__cause__ = failure
            raise error
