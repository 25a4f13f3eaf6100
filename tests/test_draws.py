"""The combat stream's draws: numpy's own numbers, in numpy's order, however they are generated.

``Draws`` reads uniform doubles ahead for its Poisson draws and steps the generator back before any other
draw; these tests hold it to a plain sequence of numpy calls on the same generator, draw for draw.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.draws import RAW_BLOCK, Draws, log_gamma


def poisson_pair(seed: int) -> tuple[Draws, np.random.Generator]:
    """A stream making Poisson draws from read-ahead doubles, and a generator where it started them."""
    draws = Draws(np.random.Generator(np.random.PCG64(seed)), block=1, read_ahead=True)
    reference = np.random.Generator(np.random.PCG64(seed))
    reference.random(1), reference.standard_exponential(1), reference.standard_normal(1)  # its blocks
    return draws, reference


@pytest.mark.parametrize("mean", [0.0, 1e-9, 0.5, 3.0, 9.999999, 10.0, 10.5, 37.2, 250.0, 1e4, 1e7])
def test_poisson_from_read_ahead_doubles_is_numpys_draw(mean: float) -> None:
    """Both of numpy's methods (multiplication below ten, transformed rejection from ten) and the edge."""
    draws, reference = poisson_pair(42)
    drawn = [draws.poisson(mean) for _ in range(2_000)]
    assert drawn == [float(reference.poisson(mean)) for _ in range(2_000)]


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0.0, max_value=5_000.0, allow_nan=False), st.integers(0, 2**32 - 1))
def test_poisson_agrees_with_numpy_for_any_mean(mean: float, seed: int) -> None:
    draws, reference = poisson_pair(seed)
    assert [draws.poisson(mean) for _ in range(20)] == [float(reference.poisson(mean)) for _ in range(20)]


def test_log_gamma_is_the_log_of_the_factorial() -> None:
    assert log_gamma(1.0) == log_gamma(2.0) == 0.0
    assert log_gamma(5.0) == pytest.approx(math.log(24.0), rel=1e-14)
    for k in (3, 8, 40, 1_000):
        assert log_gamma(k + 1.0) == pytest.approx(math.lgamma(k + 1.0), rel=1e-13)


class NumpyCalls:
    """What ``Draws`` must equal: the same blocks, and each Poisson or odd-shaped gamma a numpy call."""

    def __init__(self, generator: np.random.Generator, block: int, gamma_shape: float) -> None:
        self.generator, self.block, self.shape = generator, block, gamma_shape
        self.blocks = {
            "gamma": generator.standard_gamma(gamma_shape, block).tolist(),
            "uniform": generator.random(block).tolist(),
            "exponential": generator.standard_exponential(block).tolist(),
            "normal": generator.standard_normal(block).tolist(),
        }
        self.used = dict.fromkeys(self.blocks, 0)
        self.refill = {
            "gamma": lambda: generator.standard_gamma(gamma_shape, block).tolist(),
            "uniform": lambda: generator.random(block).tolist(),
            "exponential": lambda: generator.standard_exponential(block).tolist(),
            "normal": lambda: generator.standard_normal(block).tolist(),
        }

    def take(self, kind: str) -> float:
        if self.used[kind] == self.block:
            self.blocks[kind], self.used[kind] = self.refill[kind](), 0
        self.used[kind] += 1
        return float(self.blocks[kind][self.used[kind] - 1])

    def draw(self, kind: str, value: float) -> float:
        if kind == "poisson":
            return float(self.generator.poisson(value))
        if kind == "odd_gamma":
            return float(self.generator.gamma(1.5, value))
        if kind == "gamma":
            return self.take("gamma") * value
        return self.take(kind)


def model_draw(draws: Draws, kind: str, value: float) -> float:
    if kind == "poisson":
        return draws.poisson(value)
    if kind == "odd_gamma":
        return draws.gamma(1.5, value)
    if kind == "gamma":
        return draws.gamma(2.5, value)
    return float(getattr(draws, kind)())


@pytest.mark.parametrize("read_ahead", [True, False])
@pytest.mark.parametrize("seed", range(6))
def test_interleaved_draws_are_the_numpy_calls_draw_for_draw(seed: int, read_ahead: bool) -> None:
    """Poisson draws between blocks of every other kind (and unbuffered gammas) leave the stream in step."""
    script = np.random.default_rng(1_000 + seed)
    kinds = ["uniform", "exponential", "normal", "gamma", "odd_gamma", "poisson"]
    # Long runs of Poisson draws cross the read-ahead block; short ones leave most of it unused.
    weights = [0.1, 0.1, 0.05, 0.2, 0.05, 0.5]
    draws = Draws(
        np.random.Generator(np.random.PCG64(seed)), block=16, gamma_shape=2.5, read_ahead=read_ahead
    )
    reference = NumpyCalls(np.random.Generator(np.random.PCG64(seed)), block=16, gamma_shape=2.5)
    for _ in range(3_000):
        kind = kinds[int(script.choice(len(kinds), p=weights))]
        value = float(script.gamma(0.8, 25.0)) if kind == "poisson" else 2.0
        assert model_draw(draws, kind, value) == reference.draw(kind, value), kind


def test_a_run_of_poisson_draws_longer_than_the_read_ahead_continues_the_stream() -> None:
    draws = Draws(np.random.Generator(np.random.PCG64(3)), block=4, read_ahead=True)
    generator = np.random.Generator(np.random.PCG64(3))
    first_uniforms = generator.random(4).tolist()
    generator.standard_exponential(4), generator.standard_normal(4)  # the other blocks at the start
    assert [draws.poisson(4.0) for _ in range(3 * RAW_BLOCK)] == [
        float(generator.poisson(4.0)) for _ in range(3 * RAW_BLOCK)
    ]
    assert [draws.uniform() for _ in range(4)] == first_uniforms
    # The next uniform block comes from where the last Poisson draw left the stream.
    assert draws.uniform() == float(generator.random(4)[0])


@pytest.mark.parametrize("read_ahead", [True, False])
def test_a_bad_mean_gets_numpys_own_error(read_ahead: bool) -> None:
    draws = Draws(np.random.default_rng(1), read_ahead=read_ahead)
    with pytest.raises(ValueError):
        draws.poisson(-1.0)
