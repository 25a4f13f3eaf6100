"""A replication's child streams (``sim.streams.seeds``) are numpy's ``SeedSequence`` children, word for word.

numpy is the oracle throughout: every state ``ChildSeeds`` gives is compared with the one
``SeedSequence(entropy, spawn_key=(*spawn_key, *key)).generate_state`` gives (numpy's default pool, as
the model has always made its children), over entropies of one to a dozen words, spawn keys with words
above 2**32, and keys of one to three words, and the generators seeded from them draw the same numbers.
"""

from __future__ import annotations

import pickle
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.batch.seeding import replication_seed
from sim.scenario.parameters import PARAMS_STREAM, uniform_for
from sim.streams.seeds import MASK32, Child, ChildSeeds, int_words, mix, mul32

words64 = st.integers(min_value=0, max_value=2**64 - 1)
entropies = st.one_of(
    st.integers(min_value=0, max_value=2**160),
    st.lists(st.integers(min_value=0, max_value=2**40), min_size=1, max_size=6),
)
spawn_keys = st.lists(st.one_of(st.integers(0, 40), words64), max_size=5).map(tuple)
child_keys = st.lists(st.one_of(st.integers(0, 40), words64), min_size=1, max_size=3).map(tuple)


def numpy_words(
    entropy: object, spawn_key: tuple[int, ...], count: int, dtype: type = np.uint32
) -> list[int]:
    seed = np.random.SeedSequence(entropy, spawn_key=spawn_key)  # type: ignore[arg-type]
    return [int(word) for word in seed.generate_state(count, dtype)]


@settings(max_examples=400, deadline=None)
@given(entropy=entropies, spawn_key=spawn_keys, key=child_keys, count=st.integers(1, 9))
def test_a_childs_state_is_numpys_word_for_word(
    entropy: object, spawn_key: tuple[int, ...], key: tuple[int, ...], count: int
) -> None:
    parent = np.random.SeedSequence(entropy, spawn_key=spawn_key)  # type: ignore[arg-type]
    seeds = ChildSeeds(parent)
    assert seeds.exact
    assert seeds.words(key, count) == numpy_words(entropy, (*spawn_key, *key), count)
    assert seeds.state(key, count) == numpy_words(entropy, (*spawn_key, *key), count, np.uint64)


def test_the_replications_of_a_run_and_their_streams_match_numpy() -> None:
    """The seeds the project makes: three root seeds, replications 0-299, the model's keys."""
    for root in (0, 12345, 2**64 + 3):
        for replication in range(300):
            parent = replication_seed(root, replication)
            seeds = ChildSeeds(parent)
            for key in ((PARAMS_STREAM, 3_735_928_559), (1, 0, 4), (2, 1), (3, 0)):
                assert seeds.state(key, 4) == numpy_words(root, (replication, *key), 4, np.uint64)


def test_one_parent_serves_many_children_without_changing() -> None:
    seeds = ChildSeeds(np.random.SeedSequence(99, spawn_key=(7,)))
    first = [seeds.state((k,), 2) for k in range(20)]
    again = [seeds.state((k,), 2) for k in range(20)]
    assert first == again == [numpy_words(99, (7, k), 2, np.uint64) for k in range(20)]


def test_a_generator_draws_what_numpys_generator_draws() -> None:
    seeds = ChildSeeds(replication_seed(3, 17))
    ours = seeds.generator((1, 0, 5))
    theirs = np.random.Generator(np.random.PCG64(np.random.SeedSequence(3, spawn_key=(17, 1, 0, 5))))
    assert ours.random(50).tolist() == theirs.random(50).tolist()
    assert ours.poisson(3.5, 50).tolist() == theirs.poisson(3.5, 50).tolist()
    assert ours.bit_generator.state == theirs.bit_generator.state


def test_a_child_gives_numpys_state_in_either_word_size_and_refuses_others() -> None:
    seeds = ChildSeeds(np.random.SeedSequence(5, spawn_key=(1,)))
    child = Child(seeds, (2, 3))
    numpy_child = np.random.SeedSequence(5, spawn_key=(1, 2, 3))
    for dtype in (np.uint32, np.uint64, "uint32", "uint64"):
        ours = child.generate_state(6, dtype)
        assert ours.dtype == numpy_child.generate_state(6, dtype).dtype
        assert ours.tolist() == numpy_child.generate_state(6, dtype).tolist()
    with pytest.raises(ValueError, match="uint32 or uint64"):
        child.generate_state(2, np.float64)


@pytest.mark.parametrize(
    "parent",
    [
        np.random.SeedSequence(np.array([1, 2, 3], dtype=np.uint32), spawn_key=(4,)),
        np.random.SeedSequence(11, spawn_key=("12", 3)),
    ],
    ids=["array entropy", "a string in the spawn key"],
)
def test_a_parent_not_read_here_gives_numpys_children(parent: np.random.SeedSequence) -> None:
    seeds = ChildSeeds(parent)
    assert not seeds.exact
    reference = np.random.SeedSequence(parent.entropy, spawn_key=(*parent.spawn_key, 9, 2**33))
    assert seeds.words((9, 2**33), 8) == [int(w) for w in reference.generate_state(8)]


@pytest.mark.parametrize(
    "parent",
    [
        np.random.SeedSequence(11, spawn_key=(np.uint64(2**40), np.int8(3))),
        np.random.SeedSequence(np.int64(11), spawn_key=(4,)),
        np.random.SeedSequence(True, spawn_key=(False, 2)),
        np.random.SeedSequence(range(3), spawn_key=(1,)),
    ],
    ids=["numpy integers", "a numpy integer", "booleans", "a range"],
)
def test_parents_numpy_reads_as_integers_are_hashed_here(parent: np.random.SeedSequence) -> None:
    seeds = ChildSeeds(parent)
    assert seeds.exact
    reference = np.random.SeedSequence(parent.entropy, spawn_key=(*parent.spawn_key, 9, 2**33))
    assert seeds.words((9, 2**33), 8) == [int(w) for w in reference.generate_state(8)]


@pytest.mark.parametrize(
    "key",
    [(np.uint64(2**40), 1), (np.int64(7),), (np.int32(5), np.uint8(200)), ("12", 3), (True, 2)],
    ids=["uint64", "int64", "int32 and uint8", "a string", "a boolean"],
)
def test_any_child_key_numpy_reads_gives_numpys_state(key: tuple[int, ...]) -> None:
    seeds = ChildSeeds(replication_seed(0, 5))
    reference = np.random.SeedSequence(0, spawn_key=(5, *key))
    assert seeds.state(key, 3) == [int(w) for w in reference.generate_state(3, np.uint64)]


def test_children_of_a_larger_pool_have_numpys_default_pool() -> None:
    """As the model made them before: SeedSequence(entropy, spawn_key=...), whatever the parent's pool."""
    parent = np.random.SeedSequence(7, spawn_key=(3,), pool_size=8)
    seeds = ChildSeeds(parent)
    assert seeds.exact
    assert seeds.state((0, 1), 2) == numpy_words(7, (3, 0, 1), 2, np.uint64)
    larger = np.random.SeedSequence(7, spawn_key=(3, 0, 1), pool_size=8)
    assert seeds.state((0, 1), 2) != [int(w) for w in larger.generate_state(2, np.uint64)]


def test_a_child_needs_a_key() -> None:
    with pytest.raises(ValueError, match="needs a key"):
        ChildSeeds(np.random.SeedSequence(1)).words((), 1)


def test_a_negative_integer_has_no_words() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        int_words(-1)


def test_generators_and_their_seeds_pickle() -> None:
    seeds = ChildSeeds(replication_seed(2, 3))
    generator = seeds.generator((1, 0, 0))
    generator.random(3)
    copied = pickle.loads(pickle.dumps(generator))
    assert copied.random(20).tolist() == generator.random(20).tolist()
    again = pickle.loads(pickle.dumps(seeds))
    assert again.state((0, 9), 2) == seeds.state((0, 9), 2)
    child = pickle.loads(pickle.dumps(Child(seeds, (4,))))
    assert child.generate_state(4).tolist() == Child(seeds, (4,)).generate_state(4).tolist()


def test_integers_become_words_lowest_first() -> None:
    assert int_words(0) == [0]
    assert int_words(MASK32) == [MASK32]
    assert int_words(2**32) == [0, 1]
    assert int_words(2**64 + 5) == [5, 0, 1]


@given(a=st.integers(0, MASK32), b=st.integers(0, MASK32))
def test_word_products_wrap_at_2_to_the_32(a: int, b: int) -> None:
    assert mul32(a, b) == (a * b) % 2**32


def test_word_products_at_the_edges() -> None:
    for a, b in ((MASK32, MASK32), (MASK32, 1), (2**31, 2), (0xFFFF, 0x10001), (0x931E8875, 0x43B0D7E5)):
        assert mul32(a, b) == (a * b) % 2**32


def test_mixing_is_seed_seq_fes_mix() -> None:
    """mix(x, y) = (0xca01f9dd * x - 0x4973f715 * y) mod 2**32, folded by its upper half."""
    for x, y in ((0, 0), (1, 0), (0, 1), (MASK32, MASK32), (123456789, 987654321)):
        folded = (0xCA01F9DD * x - 0x4973F715 * y) % 2**32
        assert mix(x, y) == folded ^ (folded >> 16)


def test_a_parameters_uniform_is_the_first_words_top_53_bits() -> None:
    seed = replication_seed(0, 8)
    assert uniform_for(ChildSeeds(seed), "path") == uniform_for(seed, "path")
    word = numpy_words(0, (8, PARAMS_STREAM, zlib.crc32(b"path")), 1, np.uint64)[0]
    assert uniform_for(seed, "path") == ((word >> 11) + 0.5) / 2**53
