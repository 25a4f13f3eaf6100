"""Children of a seed sequence, hashed as numpy's ``SeedSequence`` hashes them, the shared part once.

Every random stream of a replication is a child of the replication's seed sequence,
``SeedSequence(entropy, spawn_key=(*spawn_key, *key))``: one for each uncertain number of the scenario
and one for each of the model's random processes. numpy hashes each child from its first word, some 9 µs a
child plus 4 µs for its state; a replication makes about 45 of them, some 5% of its time. The children of
one replication share every word but the last few of their key, and the hash reads words in order, so
``ChildSeeds`` hashes the shared words once and each child's own words after them. What comes out is the
state numpy's ``SeedSequence(...).generate_state`` gives, word for word (``tests/test_streams.py``
compares the two on thousands of children). A child is made as the model has always made it, with
numpy's default pool of 4 words whatever the parent's pool.

The hash is the one numpy's ``SeedSequence`` uses: Melissa E. O'Neill's ``seed_seq_fe`` (MIT licence,
copyright 2015 Melissa E. O'Neill, 2019 NumPy Developers), described in "Developing a seed_seq
Alternative", https://www.pcg-random.org/posts/developing-a-seed_seq-alternative.html. Seeds and keys of
a kind this module does not read (an array of entropy, a string among the words) go to numpy itself.

A generator seeded here (``ChildSeeds.generator``) draws what numpy's would, but its ``seed_seq`` is a
``Child``, which cannot spawn.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np

POOL_SIZE: Final = 4
"""Words in a child's entropy pool: numpy's default, which every child is made with."""
MASK32: Final = 0xFFFFFFFF
INIT_A: Final = 0x43B0D7E5
MULT_A: Final = 0x931E8875
INIT_B: Final = 0x8B51F9DD
MULT_B: Final = 0x58F38DED
MIX_MULT_L: Final = 0xCA01F9DD
MIX_MULT_R: Final = 0x4973F715
XSHIFT: Final = 16


def mul32(a: int, b: int) -> int:
    """Return ``a * b`` modulo 2**32 for words ``a`` and ``b``.

    From their 16-bit halves, so no factor reaches 2**30: compiled, mypyc multiplies machine integers only
    when both factors are below that, and goes through Python's long integers otherwise (ten times slower).
    """
    a_low = a & 0xFFFF
    b_low = b & 0xFFFF
    cross = ((a >> 16) * b_low + a_low * (b >> 16)) & 0xFFFF
    return (a_low * b_low + (cross << 16)) & MASK32


def int_words(value: int) -> list[int]:
    """Return a non-negative integer as 32-bit words, lowest first (0 is one word)."""
    if value < 0:
        raise ValueError("expected non-negative integer")
    if value == 0:
        return [0]
    words: list[int] = []
    while value > 0:
        words.append(value & MASK32)
        value >>= 32
    return words


def _as_words(entropy: Any) -> list[int] | None:
    """Return an entropy or key as numpy reads it into words, or None for a kind not read here."""
    # A tuple of types, not ``tuple | list | range``: compiled, the union would be built at every call.
    if isinstance(entropy, (tuple, list, range)):
        words: list[int] = []
        for part in entropy:
            if isinstance(part, int):  # a bool too: numpy reads True as 1
                words.extend(int_words(part))
            elif isinstance(part, np.integer):
                words.extend(int_words(int(part)))
            else:
                return None
        return words
    if isinstance(entropy, int):
        return int_words(entropy)
    if isinstance(entropy, np.integer):
        return int_words(int(entropy))
    return None


class ChildSeeds:
    """The children of one seed sequence, each hashed from the words it shares with its parent on.

    Args:
        seed: The parent seed sequence (a replication's).
    """

    def __init__(self, seed: np.random.SeedSequence) -> None:
        self.seed = seed
        entropy = _as_words(seed.entropy)
        spawn = _as_words(seed.spawn_key)
        self.exact = entropy is not None and spawn is not None
        """False when the seed is of a kind only numpy reads: every child is then numpy's own."""
        self.pool: list[int] = []
        self.hash_const = INIT_A
        if entropy is not None and spawn is not None:
            # A child always has a spawn key, so numpy pads its run entropy to the pool's size.
            self._start(entropy + [0] * (POOL_SIZE - len(entropy)) + spawn)

    def _start(self, words: list[int]) -> None:
        """Hash the parent's words into the pool: the first fill it, all are mixed across it."""
        hash_const = INIT_A
        pool: list[int] = []
        for word in words[:POOL_SIZE]:
            hashed, hash_const = hashmix(word, hash_const, MULT_A)
            pool.append(hashed)
        for source in range(POOL_SIZE):
            for target in range(POOL_SIZE):
                if source != target:
                    hashed, hash_const = hashmix(pool[source], hash_const, MULT_A)
                    pool[target] = mix(pool[target], hashed)
        self.hash_const = mix_in(pool, hash_const, words[POOL_SIZE:])
        self.pool = pool

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as the parent seed (a generator from ``generator`` pickles with its children)."""
        return (ChildSeeds, (self.seed,))

    def words(self, key: tuple[int, ...], count: int) -> list[int]:
        """Return ``SeedSequence(entropy, spawn_key=(*spawn_key, *key)).generate_state(count)``.

        Args:
            key: The child's words after its parent's spawn key; at least one.
            count: How many 32-bit words of state.

        Returns:
            The state's 32-bit words, as Python ints.
        """
        if not key:
            raise ValueError("a child needs a key")
        own = _as_words(key)
        if not self.exact or own is None:
            child = np.random.SeedSequence(self.seed.entropy, spawn_key=(*self.seed.spawn_key, *key))
            return [int(word) for word in child.generate_state(count, np.uint32)]
        pool = list(self.pool)
        mix_in(pool, self.hash_const, own)
        out: list[int] = []
        hash_const = INIT_B
        for index in range(count):
            hashed, hash_const = hashmix(pool[index % POOL_SIZE], hash_const, MULT_B)
            out.append(hashed)
        return out

    def state(self, key: tuple[int, ...], count: int) -> list[int]:
        """Return ``SeedSequence(entropy, spawn_key=(*spawn_key, *key)).generate_state(count, uint64)``.

        Args:
            key: The child's words after its parent's spawn key; at least one.
            count: How many 64-bit words of state.

        Returns:
            The state's 64-bit words, as Python ints (two 32-bit words each, the first the low half).
        """
        halves = self.words(key, 2 * count)
        return [halves[index] | (halves[index + 1] << 32) for index in range(0, len(halves), 2)]

    def generator(self, key: tuple[int, ...]) -> np.random.Generator:
        """Return the generator ``Generator(PCG64(SeedSequence(entropy, spawn_key=(*spawn_key, *key))))``."""
        # numpy's stubs name SeedSequence, but a bit generator reads any ISeedSequence (numpy's docs).
        child: Any = Child(self, key)
        return np.random.Generator(np.random.PCG64(child))


class Child:
    """One child seed, as a bit generator reads it (numpy's ``ISeedSequence``: ``generate_state``).

    Args:
        parent: Its parent's children.
        key: Its words after the parent's spawn key.
    """

    def __init__(self, parent: ChildSeeds, key: tuple[int, ...]) -> None:
        self.parent = parent
        self.key = key

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as its parent and key (a generator seeded from it pickles its seed with it)."""
        return (Child, (self.parent, self.key))

    def generate_state(self, n_words: int, dtype: Any = np.uint32) -> np.ndarray:
        """Return ``n_words`` words of state of ``dtype`` (``np.uint32`` or ``np.uint64``), as numpy's do."""
        kind = np.dtype(dtype)
        if kind == np.dtype(np.uint32):
            return np.array(self.parent.words(self.key, n_words), dtype=np.uint32)
        if kind == np.dtype(np.uint64):
            return np.array(self.parent.state(self.key, n_words), dtype=np.uint64)
        raise ValueError("only support uint32 or uint64")


np.random.bit_generator.ISeedSequence.register(Child)


def hashmix(value: int, hash_const: int, multiplier: int) -> tuple[int, int]:
    """Return ``seed_seq_fe``'s hash of a word and the hash constant after it (stepped by ``multiplier``).

    The pool's hash steps its constant by ``MULT_A``; generating the state steps it by ``MULT_B``.
    """
    following = mul32(hash_const, multiplier)
    hashed = mul32(value ^ hash_const, following)
    return hashed ^ (hashed >> XSHIFT), following


def mix(x: int, y: int) -> int:
    """Mix two words into one (``seed_seq_fe``'s mix step)."""
    result = (mul32(MIX_MULT_L, x) - mul32(MIX_MULT_R, y)) & MASK32
    return result ^ (result >> XSHIFT)


def mix_in(pool: list[int], hash_const: int, words: list[int]) -> int:
    """Mix each word into every word of a filled pool, in place; return the hash constant after them."""
    for word in words:
        for target in range(POOL_SIZE):
            hashed, hash_const = hashmix(word, hash_const, MULT_A)
            pool[target] = mix(pool[target], hashed)
    return hash_const
