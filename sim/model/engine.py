"""SimPy's event loop, ``Environment.run(until=...)``, written out so the compiled build runs it natively.

SimPy's ``run`` calls ``step`` once per event, and both are Python: at the model's few microseconds of
work an event, the loop itself was a tenth of a replication. ``run_until`` is the same loop over the
same queue (``Environment._queue``), event for event: it pops the next ``(time, priority, number,
event)`` entry, sets the clock, hands the event to its callbacks, and stops where ``run`` would, so
processes, timeouts, the order of events and the clock are SimPy's own. What it leaves behind is also
``run``'s: the clock at ``until`` and the stop event queued again, as SimPy queues it on
``StopSimulation``.
"""

from __future__ import annotations

from heapq import heappop, heappush
from typing import Any, cast

import simpy
from simpy.events import URGENT


def run_until(env: simpy.Environment, until: float) -> None:
    """Run ``env``'s events up to ``until``: what ``env.run(until=until)`` does with a number.

    Args:
        env: The environment.
        until: The time to stop at, after the events due before it (events due at it come after it,
            as SimPy schedules its stop event first among them).

    Raises:
        ValueError: ``until`` is not after the clock (as ``run``).
        RuntimeError: The queue ran empty before ``until`` (as ``run``).
    """
    simulation = cast(Any, env)
    queue: list[Any] = simulation._queue
    next_number = simulation._eid.__next__
    now = simulation._now
    at: Any = until if isinstance(until, int) else float(until)
    if at <= now:
        raise ValueError(f"until ({at}) must be greater than the current simulation time")
    stop = simpy.Event(env)
    stop._ok = True
    stop._value = None
    heappush(queue, (now + (at - now), URGENT, next_number(), stop))
    while queue:
        when, _priority, _number, event = cast(tuple[Any, Any, Any, Any], heappop(queue))
        simulation._now = when
        if event is stop:
            # Queued again at once ahead of everything, with no callbacks: what SimPy's step does with
            # the stop event when its callback raises ``StopSimulation``.
            stop.callbacks = []
            heappush(queue, (when, -1, next_number(), stop))
            return
        callbacks = event.callbacks
        event.callbacks = None
        for callback in callbacks:
            callback(event)
        if not event._ok and not hasattr(event, "_defused"):
            # A failed event nobody handled crashes the run, with a copy of its exception (as SimPy).
            failure = event._value
            error = type(failure)(*failure.args)
            error.__cause__ = failure
            raise error
    raise RuntimeError(f'No scheduled events left but "until" event was not triggered: {stop}')
