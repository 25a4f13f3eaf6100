"""The model's fast paths give what the plain forms they replace give (issue: speed at identical results).

Each fast path does what a builtin or a library call did, with less work per call: the assault loops'
events queued on SimPy's own queue as a ``simpy.Timeout`` would be, numpy's Poisson sampler called
without ``Generator.poisson``'s dispatch, one-pass loops for the weakest unit or share (held ground is
tested with the ground, in ``tests/test_edges_ground.py``), the named tuples of the rules' daily
contexts made without their keyword constructor, ``math.pow`` for ``**``. The fingerprints
(``tests/test_fingerprints.py``) hold whole replications to their stored digests; these tests name the
path that broke.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import simpy
from simpy.events import URGENT
from test_edges_assaults import steady

from sim.batch.seeding import replication_seed
from sim.model import BUILD, _build, draws, laws
from sim.model._build import agrees_with_numpy
from sim.model.command import weakest_share, weakest_strength
from sim.model.draws import Draws
from sim.model.engine import Wake
from sim.model.forces import Unit
from sim.model.replication import Replication
from sim.model.withdrawal import holder_state
from sim.scenario.rules.withdrawal import HolderState


def _model() -> Any:
    """A replication not yet run: its environment at time 0 with an empty queue."""
    return Replication(steady(5), replication_seed(0, 0))


def test_a_wake_comes_where_a_timeout_of_the_same_delay_would_among_timeouts() -> None:
    model = _model()
    env = model.env
    order: list[str] = []

    def timeout(name: str, delay: float) -> None:
        simpy.Timeout(env, delay).callbacks.append(lambda _: order.append(name))

    def wake(name: str, delay: float, priority: int = 1) -> None:
        model._schedule(lambda _: order.append(name), delay, priority)

    timeout("timeout at 1, first", 1.0)
    wake("wake at 1, second", 1.0)
    timeout("timeout at 1, third", 1.0)
    wake("wake at 0.5", 0.5)
    wake("urgent wake at 1", 1.0, URGENT)
    env.run()
    assert order == [
        "wake at 0.5",
        "urgent wake at 1",
        "timeout at 1, first",
        "wake at 1, second",
        "timeout at 1, third",
    ]
    assert env.now == 1.0


def test_a_wake_scheduled_from_a_later_clock_comes_its_delay_after_it_and_carries_its_value() -> None:
    model = _model()
    env = model.env
    seen: list[tuple[float, float, int]] = []
    simpy.Timeout(env, 2.5).callbacks.append(
        lambda _: model._schedule(lambda event: seen.append((env.now, event.at, event.value)), 0.25, 1, 7)
    )
    env.run()
    assert seen == [(2.75, 2.75, 7)]  # the time it carries is the clock's when it comes
    assert model._clock() == 2.75


def test_a_wake_scheduled_from_a_given_clock_is_due_that_clock_plus_its_delay() -> None:
    model = _model()
    env = model.env
    seen: list[tuple[float, float]] = []
    simpy.Timeout(env, 0.1).callbacks.append(
        lambda _: model._schedule_from(0.1, lambda event: seen.append((env.now, event.at)), 0.2)
    )
    env.run()
    assert seen == [(0.1 + 0.2, 0.1 + 0.2)]  # 0.30000000000000004: the sum as the clock makes it
    with pytest.raises(ValueError, match="Negative delay"):
        model._schedule_from(env.now, lambda _: None, -1e-12)


def test_a_process_yielding_until_a_day_resumes_where_a_timeout_to_it_would_with_the_clock_a_float() -> None:
    model = _model()
    env = model.env
    order: list[tuple[str, object]] = []

    def process(name: str, wait: Callable[[float], object]) -> Any:
        yield wait(1.0)
        order.append((name, env.now))
        yield wait(3.0)
        order.append((name, env.now))

    env.process(process("timeout, first", lambda day: env.timeout(day - env.now)))
    env.process(process("until", model._until))
    env.process(process("timeout, third", lambda day: env.timeout(day - env.now)))
    env.run()
    assert order == [
        ("timeout, first", 1.0),
        ("until", 1.0),
        ("timeout, third", 1.0),
        ("timeout, first", 3.0),
        ("until", 3.0),
        ("timeout, third", 3.0),
    ]
    # Whole days are floats, never ints: an int on SimPy's queue among floats slows each comparison.
    assert all(type(now) is float for _, now in order)


def test_a_wake_in_the_past_is_refused_as_simpy_refuses_a_negative_timeout() -> None:
    model = _model()
    with pytest.raises(ValueError, match="Negative delay"):
        simpy.Timeout(model.env, -1e-12)
    with pytest.raises(ValueError, match="Negative delay"):
        model._schedule(lambda _: None, -1e-12)
    model._schedule(lambda _: None, 0.0)  # now is not the past


def test_a_wake_is_an_event_simpy_processes_once_and_counts_as_succeeded() -> None:
    calls: list[Wake] = []
    wake = Wake(calls.append, 3, 1.5)
    assert wake.callbacks == [calls.append] and wake._ok is True and wake.value == 3 and wake.at == 1.5


POISSON_MEANS = [0.0, 1e-12, 0.3, 9.5, 10.0, 10.000000000000002, 250.0, 1e7]


@pytest.mark.parametrize("mean", POISSON_MEANS)
def test_a_streams_poisson_draw_is_numpys_and_leaves_the_generator_where_numpy_does(mean: float) -> None:
    ours, theirs = np.random.default_rng(5), np.random.default_rng(5)
    stream = Draws(ours, block=4)
    for name in ("random", "standard_exponential", "standard_normal"):
        getattr(theirs, name)(4)
    drawn = [stream.poisson(mean) for _ in range(50)]
    assert drawn == [float(theirs.poisson(mean)) for _ in range(50)]
    assert ours.bit_generator.state == theirs.bit_generator.state


@pytest.mark.parametrize("mean", [-1.0, math.nan, 9.3e18])
def test_a_poisson_mean_numpy_refuses_is_refused_as_numpy_refuses_it(mean: float) -> None:
    with pytest.raises(ValueError, match="lam"):
        Draws(np.random.default_rng(0)).poisson(mean)


def test_the_largest_mean_numpy_takes_is_drawn() -> None:
    assert Draws(np.random.default_rng(0)).poisson(9.223372006484771e18) > 9e18


def test_the_compiled_build_draws_through_numpys_own_sampler_checked_against_numpy() -> None:
    if BUILD != "compiled":
        assert _build.NATIVE_POISSON is None
        pytest.skip("the pure build draws through Generator.poisson")
    numpy_random = Path(np.__file__).parent / "random" / "lib"
    if not any((numpy_random / name).exists() for name in ("libnpyrandom.a", "npyrandom.lib")):
        pytest.skip("this numpy ships no libnpyrandom: the compiled build draws through Generator.poisson")
    assert _build.NATIVE_POISSON is not None, "built without sim/model/_poisson.c, or its draws differ"
    assert agrees_with_numpy(_build.NATIVE_POISSON)
    assert Draws(np.random.default_rng(0))._poisson is _build.NATIVE_POISSON  # each stream draws through it


def test_a_sampler_one_draw_off_numpys_is_not_taken() -> None:
    def poisson(capsule: object, mean: float) -> float:
        return float(np.random.default_rng(1).poisson(mean))

    def shifted(capsule: object, mean: float) -> float:
        return 1.0 if mean == 812.0 else 0.0

    assert not agrees_with_numpy(poisson)
    assert not agrees_with_numpy(shifted)


def test_a_sampler_that_draws_numpys_numbers_but_leaves_the_stream_elsewhere_is_not_taken() -> None:
    spare = np.random.default_rng(20241123)

    def copied(capsule: object, mean: float) -> float:
        return float(spare.poisson(mean))

    assert not agrees_with_numpy(copied)


@pytest.mark.parametrize(
    ("shares", "index"),
    [
        ([0.5], 0),
        ([0.9, 0.2, 0.7], 1),
        ([0.3, 0.8, 0.3], 0),  # ties: the first, as shares.index(min(shares))
        ([1.0, 0.0, -0.0], 1),
        ([0.7, 0.6, 0.5, 0.4], 3),
    ],
)
def test_the_weakest_share_is_the_first_of_the_lowest(shares: list[float], index: int) -> None:
    units = [Unit(f"u{i}", "c", 200.0, 1.0) for i in range(len(shares))]
    for unit, share in zip(units, shares, strict=True):
        unit.strength = share * 200.0
    assert weakest_share(units) == index == shares.index(min(shares))


def test_the_weakest_strength_is_the_lowest_wherever_it_stands() -> None:
    units = [Unit(f"u{i}", "c", 100.0, 1.0) for i in range(4)]
    for unit, strength in zip(units, [80.0, 30.0, 55.0, 30.5], strict=True):
        unit.strength = strength
    assert weakest_strength(units) == 30.0
    assert weakest_strength(units[2:]) == 30.5
    assert weakest_strength(units[:1]) == 80.0


@pytest.mark.parametrize(("base", "exponent"), [(3.7, 0.5), (1200.0, 1.0), (0.25, 0.35), (2.0, 1.7)])
def test_the_laws_powers_are_pythons_own(base: float, exponent: float) -> None:
    assert laws.expected_losses(base, 1.0, 1.0, 1.0, (exponent, 0.0), 1.0) == base**exponent
    assert laws.expected_losses(1.0, base, 1.0, 1.0, (0.0, exponent), 1.0) == base**exponent
    assert laws.protected_losses(1.0, base, exponent) == (1.0 + base) ** -exponent
    assert laws.depth_factor(base, 1.0, exponent) == base**-exponent


def test_the_holders_state_names_each_figure_where_the_withdrawal_rules_read_it() -> None:
    model = _model()
    holder, opponent = model.holder, model.opponent
    holder.supply, holder.casualties, holder.present = 0.75, 120.0, 900.0
    holder.sectors[0].line_power, opponent.sectors[0].line_power = 300.0, 1500.0
    state = holder_state(holder, opponent, model.ground, 4.0)
    assert state == HolderState(
        day=4.0,
        area_km2=model.ground.total_area(),
        initial_area_km2=model.ground.total_area0,
        force_ratio=laws.force_ratio(300.0, 0.75, 1500.0, opponent.supply),
        supply=0.75,
        casualties=120.0,
        strength=900.0,
    )
    assert (state.force_ratio, state.strength) == (1500.0 * opponent.supply / (300.0 * 0.75), 900.0)


def test_a_stream_takes_the_native_samplers_draw_and_leaves_to_numpy_the_means_it_declines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if BUILD == "compiled":
        pytest.skip("run on the pure build, where the module's sampler can be replaced")
    seen: list[float] = []

    def sampler(capsule: object, mean: float) -> float | None:
        seen.append(mean)
        return None if mean > 100.0 else 7.0

    monkeypatch.setattr(draws, "NATIVE_POISSON", sampler)
    stream = Draws(np.random.default_rng(3))
    assert stream.poisson(2.5) == 7.0
    numpys = np.random.default_rng(3)
    for name in ("random", "standard_exponential", "standard_normal"):
        getattr(numpys, name)(128)
    assert stream.poisson(250.0) == float(numpys.poisson(250.0))
    assert seen == [2.5, 250.0]


def _faithful_sampler(
    monkeypatch: pytest.MonkeyPatch, declines: Callable[[float], bool]
) -> Callable[[object, float], float | None]:
    """A sampler drawing numpy's own numbers from the generator whose capsule it is given, declining
    (None) the means ``declines`` names: the check's generators are noted as numpy makes them."""
    made: list[np.random.Generator] = []
    real = np.random.default_rng

    def noting(seed: int) -> np.random.Generator:
        made.append(real(seed))
        return made[-1]

    monkeypatch.setattr(np.random, "default_rng", noting)

    def sampler(capsule: object, mean: float) -> float | None:
        if declines(mean):
            return None
        (owner,) = [rng for rng in made if rng.bit_generator.capsule is capsule]
        try:
            return float(owner.poisson(mean))
        except ValueError:
            return 0.0  # draws where numpy refuses

    return sampler


def test_a_sampler_that_declines_exactly_what_numpy_refuses_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    assert agrees_with_numpy(
        _faithful_sampler(monkeypatch, lambda mean: not 0.0 <= mean <= 9.223372006484771e18)
    )


def test_a_sampler_that_draws_a_mean_numpy_refuses_is_not_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not agrees_with_numpy(_faithful_sampler(monkeypatch, lambda mean: not mean >= 0.0))


def test_a_sampler_that_declines_a_mean_numpy_draws_is_not_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not agrees_with_numpy(_faithful_sampler(monkeypatch, lambda mean: not 0.0 <= mean < 1e9))
