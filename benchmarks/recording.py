"""What recording and storing a replication costs, beside what simulating it costs: one command, figures.

    .venv/bin/python benchmarks/recording.py                 # 200 Kursk replications, chunks of 50
    .venv/bin/python benchmarks/recording.py -n 400 --chunk 63 --rounds 7 --profile 20

The replications are simulated once (their CPU time is the model's cost) and their trajectories kept;
then, in alternating rounds, the batch layer's steps after the model are timed on them, in CPU time
(``time.process_time``), per replication, median of the rounds:

* tables: a chunk's ``outcomes``, ``daily`` and ``sectors`` Arrow tables (``sim.results.tables``, as
  ``simulate_chunk`` builds them with ``--daily full``);
* parts: writing the chunk's Parquet parts with their checksums (``RunStore.write_chunk``);
* merge: streaming every part into the merged files (``RunStore.merge``).

Then, in alternating rounds on the same replications, the model alone and the whole batch layer
(``run_batch``, serial, ``--daily full``: model, tables, parts, manifest, merge), the model's share of the
batch timed around each of its ``run_replication`` calls: the batch minus that share is the batch
layer's own cost, which the target bounds (at most 15 % of the model's). The batch minus the model alone,
from another round, is shown too; on a shared machine its noise is several milliseconds.
``--profile N`` prints the top N functions of a cProfile of tables, parts and merge. Last, a digest of
each merged table's content (column names, types, nulls and values, in row order), to check that a
change to the writing path keeps every stored value.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's sim (and its compiled model, if built here)

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

import sim.experiments.runs as runs  # noqa: E402
import sim.model  # noqa: E402
from sim.batch.seeding import replication_seed  # noqa: E402
from sim.experiments.runs import run_batch, start_run  # noqa: E402
from sim.model.replication import run_replication  # noqa: E402
from sim.model.trajectory import Trajectory  # noqa: E402
from sim.results.manifest import ChunkRecord  # noqa: E402
from sim.results.store import TABLES, RunStore  # noqa: E402
from sim.results.tables import daily_table, outcomes_table, sectors_table  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402
from sim.scenario.schema import Scenario  # noqa: E402

KURSK = ROOT / "scenarios" / "kursk_2024.yaml"
Chunk = tuple[int, int, int]  # index, start, stop


def chunk_bounds(replications: int, size: int) -> list[Chunk]:
    """Return (index, start, stop) of each chunk."""
    return [
        (i, start, min(start + size, replications)) for i, start in enumerate(range(0, replications, size))
    ]


def build_tables(
    scenario: Scenario, trajectories: list[Trajectory], chunks: list[Chunk]
) -> list[dict[str, pa.Table]]:
    """Return every chunk's tables, as ``simulate_chunk`` builds them with ``--daily full``."""
    built = []
    for _, start, stop in chunks:
        replications = list(range(start, stop))
        part = trajectories[start:stop]
        built.append(
            {
                "outcomes": outcomes_table(scenario, replications, part),
                "daily": daily_table(scenario, replications, part),
                "sectors": sectors_table(scenario, replications, part),
            }
        )
    return built


def write_parts(store: RunStore, chunks: list[Chunk], tables: list[dict[str, pa.Table]]) -> list[ChunkRecord]:
    """Write every chunk's parts; return the chunk records the merge reads."""
    records = []
    for (index, start, stop), chunk_tables in zip(chunks, tables, strict=True):
        parts = store.write_chunk(index, chunk_tables)
        records.append(ChunkRecord(index=index, start=start, stop=stop, status="done", parts=parts))
    return records


def cpu(function: Callable[[], object]) -> tuple[float, object]:
    """Return (CPU seconds, result) of one call."""
    began = time.process_time()
    result = function()
    return time.process_time() - began, result


def content_digest(path: Path) -> str:
    """Return a digest of a Parquet file's content: names, types, nulls and values in row order.

    Unlike the file's sha256, it does not change with the encoding or compression the file was written with.
    """
    digest = hashlib.sha256()
    table = pq.read_table(path)
    for name, column in zip(table.column_names, table.columns, strict=True):
        array = column.combine_chunks()
        digest.update(f"{name}:{array.type}".encode())
        digest.update(array.is_null().to_numpy(zero_copy_only=False).tobytes())
        if pa.types.is_string(array.type):
            digest.update("\x00".join(str(v) for v in array.to_pylist()).encode())
        else:
            digest.update(array.fill_null(0).to_numpy(zero_copy_only=False).tobytes())
    return digest.hexdigest()[:16]


def recording_rounds(
    scenario: Scenario, trajectories: list[Trajectory], chunks: list[Chunk], rounds: int, folder: Path
) -> tuple[dict[str, list[float]], dict[str, str]]:
    """Time tables, parts and merge in ``rounds`` rounds; return ms per replication and content digests."""
    n = len(trajectories)
    times: dict[str, list[float]] = {"tables": [], "parts": [], "merge": []}
    for round_ in range(rounds):
        store = RunStore(folder / f"round{round_}")
        store.parts.mkdir(parents=True)
        seconds, built = cpu(lambda: build_tables(scenario, trajectories, chunks))
        times["tables"].append(seconds / n * 1e3)
        seconds, records = cpu(lambda: write_parts(store, chunks, built))  # noqa: B023
        times["parts"].append(seconds / n * 1e3)
        seconds, _ = cpu(lambda: store.merge(records, TABLES))  # noqa: B023
        times["merge"].append(seconds / n * 1e3)
    digests = {name: content_digest(store.directory / f"{name}.parquet") for name in TABLES}
    return times, digests


def profile(
    scenario: Scenario, trajectories: list[Trajectory], chunks: list[Chunk], top: int, folder: Path
) -> str:
    """Return the top functions (own time, then cumulative) of one round of tables, parts and merge."""
    store = RunStore(folder / "profiled")
    store.parts.mkdir(parents=True)
    profiler = cProfile.Profile()
    profiler.enable()
    built = build_tables(scenario, trajectories, chunks)
    store.merge(write_parts(store, chunks, built), TABLES)
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return stream.getvalue()


def model_and_batch(
    scenario: Scenario, n: int, chunk: int, rounds: int, folder: Path
) -> tuple[list[float], list[float], list[float]]:
    """Return CPU ms per replication of the model alone, of the whole batch, and of the model inside it.

    Alternating rounds on the same replications. The model's share of the batch is timed around each
    ``run_replication`` call the batch makes, so batch minus that share is the batch layer's own cost,
    free of the round-to-round noise of a shared machine.
    """
    model: list[float] = []
    batch: list[float] = []
    inside: list[float] = []
    spent = [0.0]

    def timed(*args: Any, **kwargs: Any) -> Trajectory:
        began = time.process_time()
        try:
            return run_replication(*args, **kwargs)
        finally:
            spent[0] += time.process_time() - began

    for round_ in range(rounds):
        seconds, _ = cpu(lambda: [run_replication(scenario, replication_seed(0, i)) for i in range(n)])
        model.append(seconds / n * 1e3)
        store = start_run(scenario, folder / f"batch{round_}", 0, n, chunk, "full")
        spent[0] = 0.0
        runs.run_replication = timed  # type: ignore[assignment]
        try:
            seconds, _ = cpu(lambda: run_batch(scenario, store))  # noqa: B023
        finally:
            runs.run_replication = run_replication  # type: ignore[assignment]
        batch.append(seconds / n * 1e3)
        inside.append(spent[0] / n * 1e3)
    return model, batch, inside


def spread(values: list[float]) -> str:
    """Return the rounds' values as text."""
    return "(" + ", ".join(f"{value:.2f}" for value in values) + ")"


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--replications", type=int, default=200)
    parser.add_argument("--chunk", type=int, default=50, help="replications per chunk (default 50)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of tables, parts and merge (median)")
    parser.add_argument("--batch-rounds", type=int, default=3, help="alternating rounds of model and batch")
    parser.add_argument("--profile", type=int, default=15, metavar="N", help="top N functions (0: none)")
    args = parser.parse_args()

    scenario = load_scenario(KURSK)
    n = args.replications
    chunks = chunk_bounds(n, args.chunk)
    load_before = load_text()
    run_replication(scenario, replication_seed(0, n))  # warm up
    trajectories = [run_replication(scenario, replication_seed(0, i)) for i in range(n)]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        times, digests = recording_rounds(scenario, trajectories, chunks, args.rounds, folder)
        profile_text = profile(scenario, trajectories, chunks, args.profile, folder) if args.profile else ""
        model, batch, inside = model_and_batch(scenario, n, args.chunk, args.batch_rounds, folder)

    medians = {name: statistics.median(values) for name, values in times.items()}
    model_ms, batch_ms = statistics.median(model), statistics.median(batch)
    extra = statistics.median(b - m for b, m in zip(batch, model, strict=True))
    own = [b - m for b, m in zip(batch, inside, strict=True)]
    recording = sum(medians.values())
    print(f"build {sim.model.BUILD}; {n} Kursk replications in chunks of {args.chunk}")
    print(f"load at start {load_before}, at end {load_text()}")
    print("CPU ms per replication (medians; rounds in brackets)")
    print(f"  model (run_replication)        {model_ms:8.2f}   {spread(model)}")
    for name, value in medians.items():
        print(f"  {name:<30} {value:8.2f}   {spread(times[name])}")
    print(f"  tables + parts + merge         {recording:8.2f}   {recording / model_ms:.1%} of the model")
    print(f"  whole batch (run_batch)        {batch_ms:8.2f}   {spread(batch)}")
    print(f"  batch minus model alone        {extra:8.2f}   {extra / model_ms:.1%} of the model (noisy)")
    own_ms = statistics.median(own)
    print(
        f"  batch minus its own model      {own_ms:8.2f}   {own_ms / model_ms:.1%} of the model "
        f"(target <= 15%) {spread(own)}"
    )
    print("content of the merged tables: " + ", ".join(f"{k} {v}" for k, v in digests.items()))
    if profile_text:
        print("\ncProfile of tables, parts and merge (one round):")
        print(profile_text)


def load_text() -> str:
    """Return the machine's load averages (1, 5, 15 min) as text."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
