"""Random draws from one stream, generated in blocks (a scalar numpy call costs as much as a block).

Each block is kept as a list of Python floats: indexing a list is several times cheaper than taking a
numpy scalar out of an array, and the numbers are the same doubles.

Poisson draws, whose mean changes with every call, cannot be generated ahead as a block; instead the
stream's uniform doubles are read ahead and numpy's own Poisson algorithm runs on them
(``Draws.poisson``). Before any other draw from the generator, the generator is stepped back to just
after the doubles used (``_rewind``), so every numpy call sees the stream at the same place as if each
Poisson draw had been a numpy call: the draws are the same numbers, in the same order.
"""

from __future__ import annotations

import math

import numpy as np

COMPILED = not __file__.endswith(".py")
"""Whether this module runs compiled: only then is numpy's Poisson algorithm faster here than its call."""

RAW_BLOCK = 64
"""Uniform doubles read ahead for Poisson draws (most take two; a mean below ten takes mean + 1)."""

_PCG_PERIOD = 1 << 128
"""Stepping a PCG64 generator forward by its period less n steps it back by n."""

_STIRLING = (
    8.333333333333333e-02,
    -2.777777777777778e-03,
    7.936507936507937e-04,
    -5.952380952380952e-04,
    8.417508417508418e-04,
    -1.917526917526918e-03,
    6.410256410256410e-03,
    -2.955065359477124e-02,
    1.796443723688307e-01,
    -1.39243221690590e00,
)
"""Stirling-series coefficients of log Gamma, the ten numpy's ``random_loggam`` uses, in its order."""


def log_gamma(x: float) -> float:
    """Return log Gamma(x) for x >= 1 by the Stirling series, in exactly numpy's arithmetic.

    ``math.lgamma`` may differ in the last bit, and a Poisson draw compares against this value, so the
    series is evaluated in the same order as numpy's ``random_loggam`` (shifted up to 7, then back down).
    """
    if x == 1.0 or x == 2.0:
        return 0.0
    shift = int(7.0 - x) if x < 7.0 else 0
    x0 = x + shift
    x2 = (1.0 / x0) * (1.0 / x0)
    series = _STIRLING[9]
    for k in range(8, -1, -1):
        series *= x2
        series += _STIRLING[k]
    value = series / x0 + 0.5 * 1.8378770664093453 + (x0 - 0.5) * math.log(x0) - x0
    for _ in range(shift):
        value -= math.log(x0 - 1.0)
        x0 -= 1.0
    return value


class Draws:
    """Random draws from one stream, generated in blocks: a scalar numpy call costs as much as a block.

    Args:
        rng: The stream's generator (a PCG64 one: Poisson draws step it back, see the module).
        block: Draws generated per refill.
        gamma_shape: The gamma shape to buffer (the loss dispersion), if any.
        read_ahead: Make Poisson draws from doubles read ahead (compiled, several times cheaper than a
            numpy call) rather than by numpy's call (cheaper in pure Python); the numbers are the same.
    """

    __slots__ = (
        "_rng",
        "_bit_generator",
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
        "_raw",
        "_r",
        "_read_ahead",
    )

    def __init__(
        self,
        rng: np.random.Generator,
        block: int = 128,
        gamma_shape: float | None = None,
        read_ahead: bool = COMPILED,
    ) -> None:
        bit_generator = rng.bit_generator
        if not isinstance(bit_generator, np.random.PCG64):
            raise TypeError("the model's streams are PCG64 generators (Poisson draws step them back)")
        self._rng = rng
        self._bit_generator: np.random.PCG64 = bit_generator
        self._block = block
        self._shape = gamma_shape
        # Doubles read ahead for Poisson draws, and how many of them are used; none outstanding at first.
        self._raw: list[float] = []
        self._r = 0
        self._read_ahead = read_ahead
        self._gamma: list[float] = rng.standard_gamma(gamma_shape, block).tolist() if gamma_shape else []
        self._g = 0
        self._uniform: list[float] = rng.random(block).tolist()
        self._u = 0
        self._exponential: list[float] = rng.standard_exponential(block).tolist()
        self._e = 0
        self._normal: list[float] = rng.standard_normal(block).tolist()
        self._n = 0

    def _rewind(self) -> None:
        """Step the generator back over the read-ahead doubles not used, before any other numpy call."""
        unused = len(self._raw) - self._r
        if unused:
            self._bit_generator.advance(_PCG_PERIOD - unused)
        self._raw = []
        self._r = 0

    def uniform(self) -> float:
        """Return a uniform draw in [0, 1)."""
        if self._u == self._block:
            self._rewind()
            self._uniform = self._rng.random(self._block).tolist()
            self._u = 0
        self._u += 1
        return self._uniform[self._u - 1]

    def exponential(self) -> float:
        """Return a standard exponential draw (mean 1)."""
        if self._e == self._block:
            self._rewind()
            self._exponential = self._rng.standard_exponential(self._block).tolist()
            self._e = 0
        self._e += 1
        return self._exponential[self._e - 1]

    def normal(self) -> float:
        """Return a standard normal draw."""
        if self._n == self._block:
            self._rewind()
            self._normal = self._rng.standard_normal(self._block).tolist()
            self._n = 0
        self._n += 1
        return self._normal[self._n - 1]

    def gamma(self, shape: float, scale: float) -> float:
        """Return a gamma draw; buffered when ``shape`` is the one given at construction."""
        if shape != self._shape:
            self._rewind()
            return float(self._rng.gamma(shape, scale))
        if self._g == self._block:
            self._rewind()
            self._gamma = self._rng.standard_gamma(shape, self._block).tolist()
            self._g = 0
        self._g += 1
        return self._gamma[self._g - 1] * scale

    def poisson(self, mean: float) -> float:
        """Return a Poisson draw: numpy's, from doubles read ahead (the module says why and how)."""
        if not (self._read_ahead and 0.0 <= mean < 1e12):
            # numpy's own call: in pure Python, or outside the algorithm's range (numpy's error).
            self._rewind()
            return float(self._rng.poisson(mean))
        if mean == 0.0:
            return 0.0
        if mean < 10.0:
            return float(self._multiplied(mean))
        return float(self._transformed_rejection(mean))

    def _double(self) -> float:
        """Return the next uniform double read ahead, reading another block when these are used up."""
        if self._r == len(self._raw):
            # The generator stands just after the last block read ahead: the next block follows on.
            self._raw = self._rng.random(RAW_BLOCK).tolist()
            self._r = 0
        self._r += 1
        return self._raw[self._r - 1]

    def _multiplied(self, mean: float) -> int:
        """Poisson by multiplication: uniforms multiplied until the product falls to exp(-mean)."""
        threshold = math.exp(-mean)
        count = 0
        product = self._double()
        while product > threshold:
            count += 1
            product *= self._double()
        return count

    def _transformed_rejection(self, mean: float) -> int:
        """Poisson of a mean of ten or more by Hoermann's transformed rejection with squeeze (PTRS).

        W. Hoermann, "The transformed rejection method for generating Poisson random variables",
        Insurance: Mathematics and Economics 12 (1993) 39-45, doi:10.1016/0167-6687(93)90997-4; with the
        constants and the order of operations numpy uses, so the same doubles give the same draw.
        """
        root = math.sqrt(mean)
        log_mean = math.log(mean)
        b = 0.931 + 2.53 * root
        a = -0.059 + 0.02483 * b
        inverse_alpha = 1.1239 + 1.1328 / (b - 3.4)
        v_r = 0.9277 - 3.6224 / (b - 2)
        while True:
            u = self._double() - 0.5
            v = self._double()
            u_s = 0.5 - abs(u)
            if u_s <= 0.0:
                continue  # a zero double: numpy's k is then negative and the pair is rejected
            k = math.floor((2 * a / u_s + b) * u + mean + 0.43)
            if u_s >= 0.07 and v <= v_r:
                return k
            if k < 0 or (u_s < 0.013 and v > u_s):
                continue
            if math.log(v) + math.log(inverse_alpha) - math.log(a / (u_s * u_s) + b) <= (
                -mean + k * log_mean - log_gamma(k + 1)
            ):
                return k
