"""The model's event loop (``sim.model.engine.run_until``) runs SimPy's events as ``Environment.run`` does.

Each test runs the same processes twice, once under ``env.run(until=...)`` and once under ``run_until``,
and compares what they saw (the order of events, the clock, what is left queued) or what they raised.
The sums of ``sim.model.sums`` and ``sim.model.forces`` are plain additions from the left, tested on
numbers where any other order or a compensated sum gives another answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import simpy
from simpy.core import StopSimulation
from simpy.events import NORMAL, URGENT

from sim.model.engine import Wake, run_until
from sim.model.forces import Unit, total_full_size, total_strength
from sim.model.sums import float_sum

Runner = Callable[[simpy.Environment, float], object]
Log = list[tuple[str, object]]


def simpy_run(env: simpy.Environment, until: float) -> object:
    return env.run(until=until)


RUNNERS = [pytest.param(simpy_run, id="env.run"), pytest.param(run_until, id="run_until")]


def push_wake(
    env: simpy.Environment, log: list[tuple[str, object]], name: str, at: float, priority: int
) -> Wake:
    """Queue a Wake as the assault loops do: SimPy's entry, the next event number, a callback."""
    wake = Wake(lambda event: log.append((name, env.now)), at=at)
    queue: Any = env._queue
    queue.append((at, priority, next(env._eid), wake))
    queue.sort()
    return wake


def a_day_of_events(env: simpy.Environment, log: list[tuple[str, object]]) -> None:
    """Processes, timeouts, urgent events and Wakes, several due at the same times, one due at 2.0."""

    def process(name: str, delays: list[float]) -> Any:
        for delay in delays:
            yield env.timeout(delay)
            log.append((name, env.now))

    def urgent_at_one(_: object) -> None:
        event = simpy.Event(env)
        event.callbacks.append(lambda _: log.append(("urgent", env.now)))
        event._ok, event._value = True, None
        env.schedule(event, URGENT)

    env.process(process("first", [0.5, 0.5, 0.25]))
    env.process(process("second", [1.0, 0.0, 1.0]))
    simpy.Timeout(env, 1.0).callbacks.append(urgent_at_one)
    push_wake(env, log, "wake at 1", 1.0, NORMAL)
    push_wake(env, log, "wake at 0.75", 0.75, NORMAL)
    push_wake(env, log, "urgent wake at 1", 1.0, URGENT)
    push_wake(env, log, "wake at 1.5", 1.5, NORMAL)
    push_wake(env, log, "wake at 2", 2.0, NORMAL)


def run_a_day(
    runner: Runner, until: float
) -> tuple[list[tuple[str, object]], object, list[tuple[Any, ...]], int]:
    env = simpy.Environment()
    log: list[tuple[str, object]] = []
    a_day_of_events(env, log)
    runner(env, until)
    queue = env._queue
    left = sorted((entry[0], entry[1], type(entry[3]).__name__) for entry in queue)
    return log, env.now, left, next(env._eid)


@pytest.mark.parametrize("until", [2.0, 1.0, 1.5 + 1e-9, 0.75])
def test_the_loop_runs_the_events_in_simpy_s_order_and_stops_where_run_stops(until: float) -> None:
    theirs = run_a_day(simpy_run, until)
    ours = run_a_day(run_until, until)
    assert ours == theirs
    log, now, _, _ = ours
    assert now == until
    # Due at ``until``: the urgent events queued before the stop come before it, the rest after.
    assert [name for name, at in log if at == until] == (["urgent wake at 1"] if until == 1.0 else [])


def test_the_loop_runs_events_in_the_order_simpy_gives_them() -> None:
    log, _, left, _ = run_a_day(run_until, 2.0 + 1e-9)
    assert log == [
        ("first", 0.5),
        ("wake at 0.75", 0.75),
        ("urgent wake at 1", 1.0),  # urgent first among those due at 1
        ("urgent", 1.0),  # queued urgent by a timeout due at 1 that was queued before the rest
        ("wake at 1", 1.0),  # then by number: the Wakes were queued before the processes started
        ("second", 1.0),
        ("first", 1.0),
        ("second", 1.0),  # a timeout of 0 comes after those already due
        ("first", 1.25),
        ("wake at 1.5", 1.5),
        ("wake at 2", 2.0),
        ("second", 2.0),
    ]
    # The stop event is queued again ahead of everything, as SimPy leaves it after StopSimulation.
    assert left[0][1] == -1 and left[0][2] == "Event"


def test_a_run_can_go_on_after_the_loop_stopped_as_after_run() -> None:
    logs = []
    for runner in (simpy_run, run_until):
        env = simpy.Environment()
        log: list[tuple[str, object]] = []
        a_day_of_events(env, log)
        runner(env, 1.0)
        runner(env, 3.0)
        logs.append((log, env.now))
    assert logs[0] == logs[1]
    assert len(logs[0][0]) == 12


def test_a_wake_is_handed_to_its_callbacks_once_and_left_processed() -> None:
    env = simpy.Environment()
    seen: list[Wake] = []
    wake = Wake(seen.append, 7, 0.5)
    queue: list[Any] = env._queue
    queue.append((0.5, NORMAL, next(env._eid), wake))
    run_until(env, 1.0)
    assert seen == [wake] and wake.callbacks is None and wake.value == 7


@pytest.mark.parametrize("runner", RUNNERS)
def test_until_must_be_after_the_clock(runner: Runner) -> None:
    env = simpy.Environment(initial_time=2.0)
    with pytest.raises(ValueError, match=r"until \(2.0\) must be greater than the current simulation time"):
        runner(env, 2.0)


def failing(env: simpy.Environment) -> Any:
    yield env.timeout(1.0)
    raise KeyError("a sector nobody named")


@pytest.mark.parametrize("runner", RUNNERS)
def test_a_process_that_fails_unhandled_crashes_the_run_with_a_copy_of_its_error(runner: Runner) -> None:
    env = simpy.Environment()
    env.process(failing(env))
    with pytest.raises(KeyError, match="a sector nobody named") as raised:
        runner(env, 5.0)
    assert isinstance(raised.value.__cause__, KeyError) and raised.value.__cause__ is not raised.value
    assert env.now == 1.0


@pytest.mark.parametrize("runner", RUNNERS)
def test_a_failure_a_process_handles_does_not_crash_the_run(runner: Runner) -> None:
    env = simpy.Environment()
    caught: list[str] = []

    def waiting() -> Any:
        try:
            yield env.process(failing(env))
        except KeyError as error:
            caught.append(str(error))

    env.process(waiting())
    runner(env, 5.0)
    assert caught == ["'a sector nobody named'"] and env.now == 5.0


@pytest.mark.parametrize("runner", RUNNERS)
def test_an_error_in_a_callback_comes_out_of_the_run_as_it_is(runner: Runner) -> None:
    env = simpy.Environment()
    error = ZeroDivisionError("no front")

    def raise_it(_: object) -> None:
        raise error

    simpy.Timeout(env, 1.0).callbacks.append(raise_it)
    with pytest.raises(ZeroDivisionError) as raised:
        runner(env, 2.0)
    assert raised.value is error


@pytest.mark.parametrize("second", RUNNERS)
@pytest.mark.parametrize("first", RUNNERS)
def test_a_run_an_error_cut_short_leaves_its_stop_for_the_next_run_as_simpy_does(
    first: Runner, second: Runner
) -> None:
    env = simpy.Environment()

    def raise_it(_: object) -> None:
        raise ZeroDivisionError("no front")

    simpy.Timeout(env, 1.0).callbacks.append(raise_it)
    simpy.Timeout(env, 3.0)
    with pytest.raises(ZeroDivisionError):
        first(env, 2.0)
    second(env, 5.0)
    assert env.now == 2.0  # the first run's stop, still queued, ends the second run where it was due


@pytest.mark.parametrize("runner", RUNNERS)
def test_an_event_that_stops_the_run_keeps_its_later_callbacks_for_the_next_run(runner: Runner) -> None:
    env = simpy.Environment()
    log: list[tuple[str, object]] = []
    event = simpy.Event(env)
    event.callbacks.append(StopSimulation.callback)
    event.callbacks.append(lambda _: log.append(("after the stop", env.now)))
    simpy.Timeout(env, 0.5).callbacks.append(lambda _: event.succeed())
    runner(env, 5.0)
    assert env.now == 0.5 and log == [] and len(event.callbacks or []) == 1
    runner(env, 5.0)
    assert env.now == 5.0 and log == [("after the stop", 0.5)]


def test_the_clock_stops_at_until_as_a_float() -> None:
    env = simpy.Environment()
    simpy.Timeout(env, 1)
    run_until(env, 3)
    assert env.now == 3.0 and type(env.now) is float


def test_a_float_sum_adds_from_the_left_without_compensation() -> None:
    assert float_sum([1e16, 1.0, -1e16]) == 0.0  # a compensated sum (Python 3.12's) gives 1.0
    assert float_sum([1.0, 1e16, -1e16]) == 0.0
    assert float_sum([-1e16, 1e16, 1.0]) == 1.0
    assert float_sum([0.1, 0.2, 0.3]) == (0.1 + 0.2) + 0.3 == 0.6000000000000001
    assert float_sum([]) == 0.0 and type(float_sum([])) is float
    assert float_sum([2.5]) == 2.5


def test_unit_sums_add_strength_and_full_size_from_the_left() -> None:
    units = [Unit(f"u{i}", "c", size, 1.0) for i, size in enumerate([1e16, 1.0, -1e16, 0.25])]
    units[1].strength = 3.0
    assert total_strength(units) == ((1e16 + 3.0) - 1e16) + 0.25 == 4.25  # math.fsum: 3.25
    assert total_full_size(units) == ((1e16 + 1.0) - 1e16) + 0.25 == 0.25  # math.fsum: 1.25
    assert total_strength([]) == 0.0 == total_full_size([])
    assert total_strength(units[1:2]) == 3.0 and total_full_size(units[1:2]) == 1.0
