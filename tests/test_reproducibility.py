"""Reproducibility through the real command: the seed fixes every replication, however the run is split.

Replication i always gets child i of the run's root seed, so its results must not depend on how many
replications the run has, how they are chunked, or which executor and how many workers run them.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
from pathlib import Path

import pyarrow as pa
import pytest
from conftest import SMALL, read, rows_of, run_sim, run_small

TABLES = ("daily", "sectors", "outcomes")
SEED = 7
COUNT = 8


def _run(root: Path, name: str, *extra: str, replications: int = COUNT, seed: int = SEED) -> Path:
    out = root / name
    run_small(out, "--no-plots", *extra, replications=replications, seed=seed)
    return out


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("repro")


@pytest.fixture(scope="module")
def reference(root: Path) -> Path:
    """8 replications, seed 7, serial, in chunks of 3."""
    return _run(root, "reference", "--executor", "serial", "--chunk", "3")


def assert_tables_equal(left: pa.Table, right: pa.Table, what: str) -> None:
    assert left.schema.equals(right.schema), f"{what}: schemas differ\n{left.schema}\n{right.schema}"
    assert left.num_rows == right.num_rows, f"{what}: {left.num_rows} rows against {right.num_rows}"
    if not left.equals(right):
        for name in left.column_names:
            if not left[name].equals(right[name]):
                raise AssertionError(f"{what}: column {name!r} differs")
        raise AssertionError(f"{what}: tables differ")


def test_same_seed_gives_identical_files(root: Path, reference: Path) -> None:
    again = _run(root, "again", "--executor", "serial", "--chunk", "3")
    for name in TABLES:
        assert_tables_equal(read(reference, name), read(again, name), name)
    # Not only the same content: the same bytes.
    for name in TABLES:
        file = f"{name}.parquet"
        assert (reference / file).read_bytes() == (again / file).read_bytes(), f"{file} bytes differ"


def test_same_seed_and_default_options_give_the_same_tables(root: Path, reference: Path) -> None:
    first = _run(root, "default-1")
    second = _run(root, "default-2")
    for name in TABLES:
        assert_tables_equal(read(first, name), read(second, name), f"{name}, default options")
        assert_tables_equal(read(first, name), read(reference, name), f"{name}, default options vs chunk 3")
        file = f"{name}.parquet"
        assert (first / file).read_bytes() == (second / file).read_bytes(), f"{file} bytes differ"


def test_file_bytes_do_not_depend_on_chunking(root: Path, reference: Path) -> None:
    """The merge writes fixed-size row groups, so even the bytes are the same however the run was split.

    This matters because the automatic chunk size is timed per run: without it two identical
    invocations could write different files.
    """
    whole = _run(root, "one-chunk", "--executor", "serial", "--chunk", str(COUNT))
    for name in TABLES:
        assert_tables_equal(read(reference, name), read(whole, name), name)
    for name in TABLES:
        file = f"{name}.parquet"
        assert (reference / file).read_bytes() == (whole / file).read_bytes(), f"{file} bytes differ"


def test_different_seed_gives_different_results(root: Path, reference: Path) -> None:
    other = _run(root, "seed8", "--executor", "serial", seed=SEED + 1)
    first, second = read(reference, "outcomes"), read(other, "outcomes")
    assert first.num_rows == second.num_rows == COUNT
    assert first["replication"].equals(second["replication"])
    # Every sampled parameter and the final areas change with the seed.
    for name in first.column_names:
        if name.startswith("sides.") or name == "final_area_km2":
            assert first[name].to_pylist() != second[name].to_pylist(), f"{name} does not depend on the seed"
    assert not read(reference, "daily").equals(read(other, "daily"))


def test_replication_does_not_depend_on_the_number_of_replications(root: Path, reference: Path) -> None:
    five = _run(root, "five", "--executor", "serial", replications=5)
    for name in TABLES:
        small, large = read(five, name), read(reference, name)
        assert sorted(set(small["replication"].to_pylist())) == [0, 1, 2, 3, 4]
        assert_tables_equal(rows_of(small, [3]), rows_of(large, [3]), f"{name}, replication 3")
        assert rows_of(small, [3]).num_rows > 0
        assert_tables_equal(small, rows_of(large, range(5)), f"{name}, replications 0-4")


@pytest.mark.parametrize(
    "options",
    [
        ("--executor", "serial", "--chunk", "1"),
        ("--executor", "process", "--workers", "1", "--chunk", "2"),
        ("--executor", "process", "--workers", "2", "--chunk", "3"),
        ("--executor", "process", "--workers", "2", "--chunk", "1"),
    ],
    ids=["serial-chunk1", "process-1worker-chunk2", "process-2workers-chunk3", "process-2workers-chunk1"],
)
def test_replications_do_not_depend_on_chunks_or_executor(
    root: Path, reference: Path, options: tuple[str, ...]
) -> None:
    name = "-".join(o.strip("-") for o in options)
    other = _run(root, name, *options)
    for table in TABLES:
        assert_tables_equal(read(reference, table), read(other, table), f"{table} with {' '.join(options)}")
    for table in TABLES:
        file = f"{table}.parquet"
        assert (reference / file).read_bytes() == (other / file).read_bytes(), f"{file} bytes differ"


ACROSS = 40
"""Replications of the runs compared across executors: enough for several chunks of every size below."""
HAS_DASK = importlib.util.find_spec("distributed") is not None


@pytest.fixture(scope="module")
def across_reference(root: Path) -> Path:
    """40 replications, seed 7, serial, in one chunk."""
    return _run(root, "across-serial", "--executor", "serial", "--chunk", str(ACROSS), replications=ACROSS)


@pytest.mark.parametrize(
    "options",
    [
        ("--executor", "serial", "--chunk", "7"),
        ("--executor", "process", "--workers", "2", "--chunk", "3"),
        ("--executor", "process", "--workers", "2", "--chunk", "13"),
        pytest.param(
            ("--executor", "dask", "--workers", "2", "--chunk", "6"),
            marks=[pytest.mark.slow, pytest.mark.skipif(not HAS_DASK, reason="needs the distributed extra")],
        ),
    ],
    ids=[
        "serial-chunk7",
        "process-2workers-chunk3",
        "process-2workers-chunk13",
        "dask-local-2workers-chunk6",
    ],
)
def test_forty_replications_give_the_same_bytes_on_every_executor(
    root: Path, across_reference: Path, options: tuple[str, ...]
) -> None:
    """Serial, a process pool of two and a Dask LocalCluster, each in other chunks: identical files."""
    name = "across-" + "-".join(o.strip("-") for o in options)
    other = _run(root, name, *options, replications=ACROSS)
    for table in TABLES:
        file = f"{table}.parquet"
        assert_tables_equal(
            read(across_reference, table), read(other, table), f"{table} with {' '.join(options)}"
        )
        assert (across_reference / file).read_bytes() == (other / file).read_bytes(), f"{file} bytes differ"
    assert read(other, "outcomes").num_rows == ACROSS


END_LINE = re.compile(r"^end (?P<date>\d{4}-\d{2}-\d{2}): (?P<area>[\d,]+\.\d) km² held; (?P<rest>.*)$")
WITHDRAWAL = re.compile(r"withdrawal began (?P<date>\d{4}-\d{2}-\d{2}) \((?P<reason>[a-z_]+): [^)]+\)")


def test_trace_ends_where_the_run_does(reference: Path) -> None:
    outcomes = read(reference, "outcomes").to_pylist()
    withdrew = [row["replication"] for row in outcomes if row["withdrawal_day"] is not None]
    held = [row["replication"] for row in outcomes if row["withdrawal_day"] is None]
    chosen = sorted({3, *withdrew[:1], *held[:1]})
    start = dt.date(2024, 9, 1)
    for replication in chosen:
        row = outcomes[replication]
        assert row["replication"] == replication
        result = run_sim("trace", SMALL, "-r", str(replication), "--seed", str(SEED))
        last = result.stdout.strip().splitlines()[-1]
        match = END_LINE.match(last)
        assert match, f"unexpected last line of sim trace: {last!r}"
        traced_area = float(match["area"].replace(",", ""))
        assert traced_area == pytest.approx(row["final_area_km2"], abs=0.05 + 1e-9), (
            f"replication {replication}: trace ends at {traced_area} km2, "
            f"outcomes say {row['final_area_km2']}"
        )
        assert match["area"] == f"{row['final_area_km2']:,.1f}"
        withdrawal = WITHDRAWAL.search(match["rest"])
        if row["withdrawal_day"] is None:
            assert withdrawal is None and "no withdrawal" in match["rest"]
        else:
            assert withdrawal is not None, last
            expected = start + dt.timedelta(days=row["withdrawal_day"])
            assert withdrawal["date"] == expected.isoformat()
            assert withdrawal["reason"] == row["withdrawal_reason"]
