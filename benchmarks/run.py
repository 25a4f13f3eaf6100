"""Benchmarks of conflict-sim: one command prints one Markdown table, each comparison measured in one run.

    .venv/bin/python benchmarks/run.py           # everything; the 100,000-replication run takes 15+ minutes
    .venv/bin/python benchmarks/run.py --quick   # small counts, memory at 1,000 and 10,000 (~5 minutes)
    .venv/bin/python benchmarks/run.py --skip-memory --skip-builds   # throughput and event costs only

What it measures (docs/performance.md records a table and how to read it):

* replications/s of the Kursk scenario through the real batch layer (simulation, Arrow tables, Parquet
  parts, merge; ``--daily full``, as ``sim run``), serial and on a process pool of every core, and the
  parallel efficiency;
* CPU time per SimPy event of the model, of a bare SimPy loop of timeouts and of the hand-written peer
  model (benchmarks/peer.py), in alternating rounds in this process;
* the compiled build against the pure-Python one (``CONFLICT_SIM_PURE=1``), each in its own subprocess,
  alternating, on the same seeds (and whether their results agree);
* peak resident memory per phase of ``sim run kursk -n N --daily total`` with plots (benchmarks/memory.py).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's sim (and its compiled model, if built here)
sys.path.insert(1, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import simpy  # noqa: E402
from memory import PhasePeaks, run_peaks  # noqa: E402
from peer import run_peer  # noqa: E402

import sim.model  # noqa: E402
from sim.batch.executors import Executor, ProcessExecutor, SerialExecutor  # noqa: E402
from sim.batch.seeding import replication_seed  # noqa: E402
from sim.experiments.runs import automatic_chunk_size, run_batch, start_run  # noqa: E402
from sim.model.replication import Replication  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402
from sim.scenario.schema import Scenario  # noqa: E402

KURSK = ROOT / "scenarios" / "kursk_2024.yaml"
Row = tuple[str, str, str]


def load_text() -> str:
    """Return the machine's load averages (1, 5, 15 min) as text."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


# ------------------------------------------------------------------------------------ throughput
def batch_rate(
    scenario: Scenario, executor: Executor, replications: int, chunk: int
) -> tuple[float, float, float]:
    """Return replications per wall second, and CPU ms per replication of all processes and of the main one.

    A whole batch: simulation, Parquet parts and merge. The CPU time counts the workers once they have
    ended (the batch closes its executor), so it is what the batch costs whatever else the machine runs;
    the main process's share is what it takes from the workers' cores.
    """
    with tempfile.TemporaryDirectory() as folder:
        store = start_run(scenario, Path(folder) / "run", 0, replications, chunk, "full")
        own, children = _cpu_seconds()
        began = time.perf_counter()
        result = run_batch(scenario, store, executor)
        elapsed = time.perf_counter() - began
        own_after, children_after = _cpu_seconds()
    if result.failed:
        raise RuntimeError(f"{len(result.failed)} chunks failed")
    main = (own_after - own) / replications * 1e3
    return replications / elapsed, main + (children_after - children) / replications * 1e3, main


def _cpu_seconds() -> tuple[float, float]:
    """Return the CPU seconds of this process, and of its children that have ended."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


FIGURES: dict[str, float] = {}
"""Figures kept for the rows that compare measures of different sections (CPU ms per replication)."""


def throughput(scenario: Scenario, serial_n: int, pool_n: int, cores: int) -> list[Row]:
    """Return the serial and pool rows and the parallel efficiency."""
    chunk = automatic_chunk_size(scenario, pool_n, cores)
    serial, serial_ms, _ = batch_rate(scenario, SerialExecutor(), serial_n, chunk)
    pool, pool_ms, main_ms = batch_rate(scenario, ProcessExecutor(cores), pool_n, chunk)
    FIGURES["batch_ms"] = serial_ms
    return [
        (
            "Kursk, serial",
            f"{serial:,.1f} replications/s",
            f"{serial_n:,} replications, chunk {chunk}; CPU {serial_ms:.1f} ms per replication "
            f"(1 core fully ours: {1e3 / serial_ms:,.0f}/s)",
        ),
        (
            f"Kursk, process pool ({cores} workers)",
            f"{pool:,.1f} replications/s",
            f"{pool_n:,} replications, chunk {chunk}; CPU {pool_ms:.1f} ms per replication, of which "
            f"the main process {main_ms:.2f} ({cores} cores fully ours: {cores * 1e3 / pool_ms:,.0f}/s); "
            "target: >= 180/s on 2 cores",
        ),
        ("parallel efficiency", f"{pool / (serial * cores):.0%}", "pool rate / (serial rate x workers)"),
    ]


# ----------------------------------------------------------------------------------- event costs
def _cpu(function: Callable[[], int]) -> tuple[float, int]:
    """Return (CPU seconds, events) of one call."""
    began = time.process_time()
    events = function()
    return time.process_time() - began, events


def model_batch(scenario: Scenario, seeds: range) -> int:
    """Run the model on these replications; return the SimPy events they scheduled."""
    events = 0
    for index in seeds:
        model = Replication(scenario, replication_seed(0, index))
        model.run()
        events += next(model.env._eid)  # SimPy's event counter: every event scheduled
    return events


def bare_simpy(events: int, processes: int = 10) -> int:
    """Run a bare SimPy loop of ``processes`` processes yielding timeouts, for about ``events`` events."""
    env = simpy.Environment()

    def ticker() -> Any:
        while True:
            yield env.timeout(1.0)

    for _ in range(processes):
        env.process(ticker())
    env.run(until=events / processes)
    return next(env._eid)


def peer_batch(scenario: Scenario, seeds: range) -> tuple[float, int]:
    """Run the peer model on the same replications' sampled parameters; return (CPU seconds, events)."""
    params = [Replication(scenario, replication_seed(0, index)).params for index in seeds]
    began = time.process_time()
    events = sum(run_peer(p, index)[1] for p, index in zip(params, seeds, strict=True))
    return time.process_time() - began, events


def event_costs(scenario: Scenario, replications: int, rounds: int) -> list[Row]:
    """Return rows for the model, bare SimPy and the peer, each µs per event (CPU), medians of rounds."""
    model_batch(scenario, range(2))  # warm up
    ours: list[float] = []
    bare: list[float] = []
    peer: list[float] = []
    per_rep: list[float] = []
    peer_rep: list[float] = []
    events = peer_events = 0
    for round_ in range(rounds):
        seeds = range(round_ * replications, (round_ + 1) * replications)
        seconds, events = _cpu(partial(model_batch, scenario, seeds))
        ours.append(seconds / events * 1e6)
        per_rep.append(seconds / replications * 1e3)
        bare_seconds, bare_events = _cpu(partial(bare_simpy, events))
        bare.append(bare_seconds / bare_events * 1e6)
        peer_seconds, peer_events = peer_batch(scenario, seeds)
        peer.append(peer_seconds / peer_events * 1e6)
        peer_rep.append(peer_seconds / replications * 1e3)
    model_us, bare_us, peer_us = (statistics.median(x) for x in (ours, bare, peer))
    model_ms, peer_ms = statistics.median(per_rep), statistics.median(peer_rep)
    FIGURES["model_ms"] = model_ms
    note = f"CPU time, median of {rounds} alternating rounds of {replications} replications"
    return [
        (
            f"model, build {sim.model.BUILD}",
            f"{model_ms:.1f} ms/replication, {model_us:.2f} µs/event",
            f"{events / replications:,.0f} SimPy events per replication; {note}",
        ),
        ("bare SimPy timeout loop", f"{bare_us:.2f} µs/event", "10 processes yielding timeouts, same events"),
        ("model event / bare SimPy event", f"{model_us / bare_us:.1f}x", "target: <= 3x"),
        (
            "peer model (benchmarks/peer.py)",
            f"{peer_ms:.1f} ms/replication, {peer_us:.2f} µs/event",
            f"{peer_events / replications:,.0f} events per replication, same sampled parameters",
        ),
        (
            "model / peer",
            f"{model_ms / peer_ms:.2f}x per replication, {model_us / peer_us:.2f}x per event",
            "the peer has no units, rotation, supply, withdrawal rules or tables; target: <= 0.5x per "
            "replication",
        ),
    ]


def recording_row() -> list[Row]:
    """Return what the batch layer adds to the model per replication (serial batch CPU less the model's)."""
    if "batch_ms" not in FIGURES or "model_ms" not in FIGURES:
        return []
    batch_ms, model_ms = FIGURES["batch_ms"], FIGURES["model_ms"]
    return [
        (
            "recording and storing / model",
            f"{(batch_ms - model_ms) / model_ms:.0%}",
            f"serial batch {batch_ms:.1f} less the model's {model_ms:.1f} ms CPU per replication "
            "(tables, Parquet parts, merge); target: <= 15%",
        )
    ]


# ---------------------------------------------------------------------------------------- builds
def build_child(replications: int) -> None:
    """In a subprocess: print this build's CPU ms per replication and a digest of its results."""
    scenario = load_scenario(KURSK)
    model_batch(scenario, range(2))  # warm up
    digest = hashlib.sha256()
    began = time.process_time()
    for index in range(replications):
        trajectory = Replication(scenario, replication_seed(0, index)).run()
        digest.update(np.ascontiguousarray(trajectory.area_km2).tobytes())
        digest.update(np.ascontiguousarray(trajectory.casualties).tobytes())
    seconds = time.process_time() - began
    result = {"build": sim.model.BUILD, "ms": seconds / replications * 1e3, "digest": digest.hexdigest()}
    print(json.dumps(result))


def builds(replications: int, rounds: int) -> list[Row]:
    """Return the compiled-against-pure row: each build in its own subprocess, alternating."""
    results: dict[str, list[dict[str, Any]]] = {"default": [], "pure": []}
    for _ in range(rounds):
        for kind in ("default", "pure"):
            environment = dict(os.environ)
            environment.pop("CONFLICT_SIM_PURE", None)
            if kind == "pure":
                environment["CONFLICT_SIM_PURE"] = "1"
            command = [sys.executable, __file__, "--build-child", str(replications)]
            output = subprocess.run(
                command, cwd=ROOT, env=environment, capture_output=True, text=True, check=True
            ).stdout
            results[kind].append(json.loads(output.strip().splitlines()[-1]))
    default, pure = results["default"], results["pure"]
    if default[0]["build"] != "compiled":
        return [("compiled build", "not installed", "build it with a C compiler: pip install -e .")]
    compiled_ms = statistics.median(r["ms"] for r in default)
    pure_ms = statistics.median(r["ms"] for r in pure)
    same = {r["digest"] for r in default} == {r["digest"] for r in pure}
    return [
        (
            "compiled build / pure Python",
            f"{compiled_ms:.1f} / {pure_ms:.1f} ms/replication: {pure_ms / compiled_ms:.2f}x faster",
            f"CPU time, median of {rounds} alternating subprocesses of {replications} replications; "
            f"results {'identical' if same else 'DIFFER'}",
        )
    ]


# ---------------------------------------------------------------------------------------- memory
def memory(counts: list[int]) -> list[Row]:
    """Return the peak memory rows: main process per phase and the largest worker, for each count."""
    rows: list[Row] = []
    peaks: list[PhasePeaks] = []
    for count in counts:
        peak = run_peaks(ROOT, KURSK, count)
        peaks.append(peak)
        plots = "not told apart" if peak.summary_plots is None else f"{peak.summary_plots:,.0f} MiB"
        rows.append(
            (
                f"peak memory, {count:,} replications",
                f"main {peak.main:,.0f} MiB (simulate+merge {peak.simulate_merge:,.0f}, summary+plots "
                f"{plots}); largest worker {peak.worker:,.0f} MiB",
                f"sim run --daily total --executor process, plots on; {peak.seconds:,.0f} s; "
                f"load {load_text()}",
            )
        )
    if len(peaks) > 1:
        rows.append(
            (
                f"main process peak, {counts[-1]:,} / {counts[0]:,} replications",
                f"{peaks[-1].main / peaks[0].main:.2f}x",
                "target: <= 1.1x",
            )
        )
    return rows


def main() -> None:
    """Run the benchmarks and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small counts; memory at 1,000 and 10,000")
    parser.add_argument("--skip-throughput", action="store_true", help="skip the batch rates")
    parser.add_argument("--skip-costs", action="store_true", help="skip the event costs and the peer")
    parser.add_argument("--skip-builds", action="store_true", help="skip compiled against pure")
    parser.add_argument("--skip-memory", action="store_true", help="skip the memory runs")
    parser.add_argument(
        "--memory", type=int, nargs="+", metavar="N", help="replication counts of the memory runs"
    )
    parser.add_argument("--build-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    np.seterr(all="ignore")
    if args.build_child:
        build_child(args.build_child)
        return
    scenario = load_scenario(KURSK)
    cores = os.cpu_count() or 1
    began = time.perf_counter()
    print(
        f"machine: {platform.machine()}, {cores} cores, Python {platform.python_version()}, "
        f"model build {sim.model.BUILD}; load at start {load_text()}",
        flush=True,
    )
    rows: list[Row] = []
    if not args.skip_throughput:
        rows += throughput(scenario, 200 if args.quick else 500, 400 if args.quick else 2000, cores)
    if not args.skip_costs:
        rows += event_costs(scenario, 20 if args.quick else 50, 3 if args.quick else 5)
    rows += recording_row()
    if not args.skip_builds:
        rows += builds(20 if args.quick else 50, 2 if args.quick else 3)
    if not args.skip_memory:
        rows += memory(args.memory or ([1_000, 10_000] if args.quick else [10_000, 100_000]))
    print(f"load at end {load_text()}; {time.perf_counter() - began:,.0f} s in all\n")
    print("| measure | result | notes |")
    print("| --- | --- | --- |")
    for measure, result, notes in rows:
        print(f"| {measure} | {result} | {notes} |")


if __name__ == "__main__":
    main()
