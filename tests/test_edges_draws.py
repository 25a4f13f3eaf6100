"""A stream's buffered draws (``sim.model.draws.Draws``) are exactly its generator's own sequence.

Draws are generated in blocks, so that a replication's results depend on the block size and on the
order the blocks are taken from the generator: at construction a gamma block (when a loss-noise shape is
given), then a uniform, an exponential and a normal block, and after that a new block of a kind each time
that kind's block is used up. These tests draw past two block ends of each kind and compare with a
numpy Generator of the same seed called in that order.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.draws import Draws

SEED = 17
BLOCK = 4
SHAPE = 2.5


def _after_construction(
    shape: float | None = None, block: int = BLOCK
) -> tuple[np.random.Generator, dict[str, list[float]]]:
    """A generator of the stream's seed past the blocks a new stream takes, and those blocks by kind."""
    rng = np.random.default_rng(SEED)
    first = {}
    if shape is not None:
        first["gamma"] = rng.standard_gamma(shape, block).tolist()
    first["uniform"] = rng.random(block).tolist()
    first["exponential"] = rng.standard_exponential(block).tolist()
    first["normal"] = rng.standard_normal(block).tolist()
    return rng, first


@pytest.mark.parametrize(
    ("kind", "refill"),
    [("uniform", "random"), ("exponential", "standard_exponential"), ("normal", "standard_normal")],
)
def test_each_kind_of_draw_is_the_generators_blocks_in_order_across_block_ends(
    kind: str, refill: str
) -> None:
    draws = Draws(np.random.default_rng(SEED), block=BLOCK)
    rng, first = _after_construction()
    expected = first[kind] + getattr(rng, refill)(BLOCK).tolist() + getattr(rng, refill)(BLOCK).tolist()[:1]
    assert [getattr(draws, kind)() for _ in range(2 * BLOCK + 1)] == expected


def test_gamma_draws_of_the_streams_shape_are_its_first_block_then_the_next_ones_times_the_scale() -> None:
    draws = Draws(np.random.default_rng(SEED), block=BLOCK, gamma_shape=SHAPE)
    rng, first = _after_construction(SHAPE)
    blocks = (
        first["gamma"] + rng.standard_gamma(SHAPE, BLOCK).tolist() + rng.standard_gamma(SHAPE, BLOCK).tolist()
    )
    assert [draws.gamma(SHAPE, 2.0) for _ in range(2 * BLOCK + 1)] == [
        g * 2.0 for g in blocks[: 2 * BLOCK + 1]
    ]


def test_a_gamma_draw_of_another_shape_comes_straight_from_the_generator() -> None:
    draws = Draws(np.random.default_rng(SEED), block=BLOCK, gamma_shape=SHAPE)
    rng, _ = _after_construction(SHAPE)
    assert draws.gamma(0.7, 3.0) == float(rng.gamma(0.7, 3.0))
    assert draws.gamma(SHAPE, 1.0) == _after_construction(SHAPE)[1]["gamma"][0]  # the buffer is untouched


def test_a_streams_blocks_are_128_draws_by_default() -> None:
    draws = Draws(np.random.default_rng(SEED))
    rng, first = _after_construction(block=128)
    assert draws.exponential() == first["exponential"][0]
    assert [draws.uniform() for _ in range(129)] == first["uniform"] + rng.random(128).tolist()[:1]
