"""Random draws from one stream, generated in blocks (a scalar numpy call costs as much as a block).

Each block is kept as a list of Python floats: indexing a list is several times cheaper than taking a
numpy scalar out of an array, and the numbers are the same doubles.
"""

from __future__ import annotations

import math

import numpy as np

from sim.model._build import NATIVE_POISSON


class Draws:
    """Random draws from one stream, generated in blocks: a scalar numpy call costs as much as a block.

    Args:
        rng: The stream's generator.
        block: Draws generated per refill.
    """

    __slots__ = (
        "_rng",
        "_capsule",
        "_poisson",
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
        self._capsule = rng.bit_generator.capsule
        self._poisson = NATIVE_POISSON  # kept here: compiled, a module global is a dict look-up at each use
        self._block = block
        # A float, not None (typed float | None, compiled, ``shape != self._shape`` compared boxed
        # objects); NaN, equal to no shape, when no gamma draws are buffered.
        self._shape: float = gamma_shape if gamma_shape else math.nan
        self._gamma: list[float] = rng.standard_gamma(gamma_shape, block).tolist() if gamma_shape else []
        self._g = 0
        self._uniform: list[float] = rng.random(block).tolist()
        self._u = 0
        self._exponential: list[float] = rng.standard_exponential(block).tolist()
        self._e = 0
        self._normal: list[float] = rng.standard_normal(block).tolist()
        self._n = 0

    def uniform(self) -> float:
        """Return a uniform draw in [0, 1)."""
        if self._u == self._block:
            self._uniform = self._rng.random(self._block).tolist()
            self._u = 0
        self._u += 1
        return self._uniform[self._u - 1]

    def exponential(self) -> float:
        """Return a standard exponential draw (mean 1)."""
        if self._e == self._block:
            self._exponential = self._rng.standard_exponential(self._block).tolist()
            self._e = 0
        self._e += 1
        return self._exponential[self._e - 1]

    def normal(self) -> float:
        """Return a standard normal draw."""
        if self._n == self._block:
            self._normal = self._rng.standard_normal(self._block).tolist()
            self._n = 0
        self._n += 1
        return self._normal[self._n - 1]

    def gamma(self, shape: float, scale: float) -> float:
        """Return a gamma draw; buffered when ``shape`` is the one given at construction."""
        if shape != self._shape:
            return float(self._rng.gamma(shape, scale))
        if self._g == self._block:
            self._gamma = self._rng.standard_gamma(shape, self._block).tolist()
            self._g = 0
        self._g += 1
        return self._gamma[self._g - 1] * scale

    def poisson(self, mean: float) -> float:
        """Return a Poisson draw (not buffered: its mean changes with every call); numpy's own sampler."""
        poisson = self._poisson
        if poisson is not None:
            drawn = poisson(self._capsule, mean)
            if drawn is not None:
                return drawn
        return float(self._rng.poisson(mean))
