"""Benchmarks of conflict-sim, each comparison measured side by side in one run.

    python benchmarks/run.py            # everything (the 100,000-replication memory run takes minutes)
    python benchmarks/run.py --quick    # smaller batches, no 100,000 run

Prints a Markdown table; docs/performance.md records the figures and how they were taken.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import simpy

from sim.batch.executors import ProcessExecutor, SerialExecutor, make_executor
from sim.batch.seeding import replication_seed
from sim.experiments.runs import automatic_chunk_size, run_batch, start_run
from sim.model.replication import Replication
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
KURSK = ROOT / "scenarios" / "kursk_2024.yaml"


def batch_rate(scenario, executor, replications: int, chunk: int, daily: str = "full") -> float:
    """Return replications per second of a whole batch (simulation, Parquet parts and merge)."""
    with tempfile.TemporaryDirectory() as folder:
        store = start_run(scenario, Path(folder) / "run", 0, replications, chunk, daily)
        began = time.perf_counter()
        result = run_batch(scenario, store, executor)
        elapsed = time.perf_counter() - began
    assert not result.failed
    return replications / elapsed


def event_costs(scenario, replications: int) -> tuple[float, float, float]:
    """Return (model µs per event, bare SimPy µs per event, events per replication), measured together."""
    events = 0
    began = time.perf_counter()
    for i in range(replications):
        model = Replication(scenario, replication_seed(0, i))
        model.run()
        events += next(model.env._eid)  # SimPy's event counter: every event scheduled
    model_seconds = time.perf_counter() - began

    env = simpy.Environment()

    def ticker(env: simpy.Environment):
        while True:
            yield env.timeout(1.0)

    processes = 10
    for _ in range(processes):
        env.process(ticker(env))
    began = time.perf_counter()
    env.run(until=events / processes)
    bare_seconds = time.perf_counter() - began
    bare_events = next(env._eid)
    return model_seconds / events * 1e6, bare_seconds / bare_events * 1e6, events / replications


def peak_memory_mib(replications: int) -> tuple[float, float]:
    """Run ``sim run --daily total`` and return (main process, largest worker) peak resident MiB."""
    with tempfile.TemporaryDirectory() as folder:
        command = [
            sys.executable,
            "-m",
            "sim",
            "run",
            str(KURSK),
            "-n",
            str(replications),
            "--daily",
            "total",
            "--no-plots",
            "--quiet",
            "--out",
            str(Path(folder) / "run"),
        ]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        main_peak = 0.0
        worker_peak = 0.0
        while process.poll() is None:
            main_peak = max(main_peak, _vm_hwm(process.pid))
            for child in _children(process.pid):
                worker_peak = max(worker_peak, _vm_hwm(child))
            time.sleep(0.2)
        if process.returncode != 0:
            raise RuntimeError(process.stderr.read() if process.stderr else "sim run failed")
    return main_peak, worker_peak


def _vm_hwm(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(p) for p in text.split()]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smaller batches; skip the 100,000 run")
    parser.add_argument("--skip-memory", action="store_true", help="skip the memory runs")
    args = parser.parse_args()
    scenario = load_scenario(KURSK)
    cores = os.cpu_count() or 1
    serial_n = 200 if args.quick else 500
    parallel_n = 400 if args.quick else 2000

    rows: list[tuple[str, str, str]] = []
    print(
        f"machine: {platform.machine()}, {cores} cores, Python {platform.python_version()}",
        file=sys.stderr,
    )

    chunk = automatic_chunk_size(scenario, parallel_n, cores)
    serial = batch_rate(scenario, SerialExecutor(), serial_n, chunk)
    pool = batch_rate(scenario, ProcessExecutor(cores), parallel_n, chunk)
    efficiency = pool / (serial * cores)
    rows.append(("Kursk, serial", f"{serial:,.0f} replications/s", f"{serial_n} replications, chunk {chunk}"))
    rows.append(
        (
            f"Kursk, process pool ({cores} workers)",
            f"{pool:,.0f} replications/s",
            f"{parallel_n} replications; target >= 200/s on 2 cores",
        )
    )
    rows.append(
        ("parallel efficiency", f"{efficiency:.0%}", "pool rate / (serial rate x workers); target >= 90%")
    )

    model_us, bare_us, events = event_costs(scenario, 100 if args.quick else 300)
    rows.append(("cost per model event", f"{model_us:.2f} µs", f"{events:,.0f} events per replication"))
    rows.append(
        ("cost per bare SimPy event", f"{bare_us:.2f} µs", "10 processes of timeouts, same event count")
    )
    rows.append(("model / bare", f"{model_us / bare_us:.1f}x", "target <= 10x"))

    try:
        dask = batch_rate(scenario, make_executor("dask", cores), parallel_n, chunk)
        pool_again = batch_rate(scenario, ProcessExecutor(cores), parallel_n, chunk)
        rows.append(
            (
                f"Dask LocalCluster ({cores} workers)",
                f"{dask:,.0f} replications/s",
                f"vs process pool {pool_again:,.0f}/s in the same run: {dask / pool_again:.0%}; "
                "target >= 75%",
            )
        )
    except Exception as exc:  # noqa: BLE001 - report, keep benchmarking
        rows.append(("Dask LocalCluster", "failed", str(exc)))

    if not args.skip_memory:
        for count in (10_000,) if args.quick else (10_000, 100_000):
            main_mib, worker_mib = peak_memory_mib(count)
            rows.append(
                (
                    f"peak memory, {count:,} replications, --daily total",
                    f"{main_mib:,.0f} MiB main",
                    f"largest worker {worker_mib:,.0f} MiB; target < 1024 MiB, flat in the count",
                )
            )

    print("| measure | result | notes |")
    print("| --- | --- | --- |")
    for measure, result, notes in rows:
        print(f"| {measure} | {result} | {notes} |")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
