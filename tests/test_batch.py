"""Executors, faults and resume: results never depend on how or where chunks ran."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sim.batch.chunks import ChunkTask
from sim.batch.executors import ProcessExecutor, SerialExecutor, make_executor
from sim.experiments.runs import open_run, run_batch, simulate_chunk, start_run
from sim.results import store as store_module
from sim.scenario import load_scenario

SMALL = Path(__file__).parent / "scenarios" / "small.yaml"
TABLES = ("daily", "sectors", "outcomes")


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SMALL)


def _run(scenario, directory: Path, executor, replications=12, chunk=3, function=simulate_chunk):
    store = start_run(scenario, directory, 5, replications, chunk, "full")
    return run_batch(scenario, store, executor, function=function)


def _tables(directory: Path):
    return {name: pq.read_table(directory / f"{name}.parquet") for name in TABLES}


@pytest.fixture(scope="module")
def reference(scenario, tmp_path_factory):
    directory = tmp_path_factory.mktemp("reference") / "run"
    result = _run(scenario, directory, SerialExecutor(), chunk=12)
    assert not result.failed
    return _tables(directory)


def _assert_same(directory: Path, reference) -> None:
    tables = _tables(directory)
    for name in TABLES:
        assert tables[name].equals(reference[name]), name


@pytest.mark.parametrize("workers,chunk", [(1, 1), (2, 5), (2, 12)])
def test_process_pool_matches_serial_whatever_workers_and_chunks(
    scenario, reference, tmp_path, workers, chunk
):
    result = _run(scenario, tmp_path / "run", ProcessExecutor(workers), chunk=chunk)
    assert not result.failed
    _assert_same(tmp_path / "run", reference)


@pytest.mark.slow
def test_dask_local_cluster_matches_serial(scenario, reference, tmp_path):
    pytest.importorskip("dask.distributed")
    result = _run(scenario, tmp_path / "run", make_executor("dask", workers=2), chunk=4)
    assert not result.failed
    _assert_same(tmp_path / "run", reference)


def _fails_on_chunk_one(task: ChunkTask):
    if task.index == 1:
        raise RuntimeError("injected fault")
    return simulate_chunk(task)


def test_failing_chunk_is_reported_others_complete_and_resume_finishes(scenario, reference, tmp_path):
    directory = tmp_path / "run"
    result = _run(scenario, directory, SerialExecutor(), function=_fails_on_chunk_one)
    assert [f.index for f in result.failed] == [1]
    assert result.failed[0].start == 3 and result.failed[0].stop == 6
    assert "injected fault" in result.failed[0].error
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert [c["status"] for c in manifest["chunks"]] == ["done", "failed", "done", "done"]
    assert not (directory / "outcomes.parquet").exists()

    resumed_scenario, store = open_run(directory)
    again = run_batch(resumed_scenario, store, SerialExecutor())
    assert not again.failed
    _assert_same(directory, reference)


_ATTEMPTS: dict[int, int] = {}


def _fails_once(task: ChunkTask):
    _ATTEMPTS[task.index] = _ATTEMPTS.get(task.index, 0) + 1
    if task.index == 2 and _ATTEMPTS[task.index] == 1:
        raise RuntimeError("transient")
    return simulate_chunk(task)


def test_chunk_that_fails_once_is_retried(scenario, reference, tmp_path):
    _ATTEMPTS.clear()
    result = _run(scenario, tmp_path / "run", SerialExecutor(), function=_fails_once)
    assert not result.failed
    assert _ATTEMPTS[2] == 2
    _assert_same(tmp_path / "run", reference)


def _kills_its_worker_once(task: ChunkTask):
    marker = Path(os.environ["SIM_TEST_KILL_MARKER"])
    if task.index == 1 and not marker.exists():
        marker.write_text("killed")
        os.kill(os.getpid(), signal.SIGKILL)
    return simulate_chunk(task)


def test_worker_killed_mid_run_does_not_lose_the_batch(scenario, reference, tmp_path, monkeypatch):
    marker = tmp_path / "killed"
    monkeypatch.setenv("SIM_TEST_KILL_MARKER", str(marker))
    executor = ProcessExecutor(2)
    result = _run(scenario, tmp_path / "run", executor, function=_kills_its_worker_once)
    assert marker.exists(), "the worker was never killed, so the test proved nothing"
    assert executor.restarts == 1
    assert not result.failed
    _assert_same(tmp_path / "run", reference)


@pytest.mark.slow
def test_interrupted_cli_run_resumes_to_the_same_result(tmp_path):
    directory = tmp_path / "run"
    command = [
        sys.executable,
        "-m",
        "sim",
        "run",
        str(SMALL),
        "-n",
        "400",
        "--seed",
        "5",
        "--chunk",
        "10",
        "--workers",
        "2",
        "--out",
        str(directory),
        "--no-plots",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    parts = directory / "parts"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if parts.is_dir() and len(list(parts.glob("outcomes-*.parquet"))) >= 3:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "--resume" in stderr
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["status"] == "running"
    done = [c for c in manifest["chunks"] if c["status"] == "done"]
    assert 3 <= len(done) < len(manifest["chunks"])
    assert not (directory / "outcomes.parquet").exists()
    # No half-written part looks whole: every part on disk reads.
    for part in parts.glob("*.parquet"):
        pq.read_table(part)

    resumed = subprocess.run(
        [sys.executable, "-m", "sim", "run", "--resume", str(directory), "--no-plots", "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr
    whole = tmp_path / "whole"
    uninterrupted = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "run",
            str(SMALL),
            "-n",
            "400",
            "--seed",
            "5",
            "--out",
            str(whole),
            "--no-plots",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert uninterrupted.returncode == 0, uninterrupted.stderr
    for name in TABLES:
        assert pq.read_table(directory / f"{name}.parquet").equals(pq.read_table(whole / f"{name}.parquet"))
    assert json.loads((directory / "manifest.json").read_text())["status"] == "complete"


def test_resume_of_a_folder_without_a_run_is_a_clear_error(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "sim", "run", "--resume", str(tmp_path)], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no manifest.json" in result.stderr


@pytest.mark.parametrize(
    "daily,present,absent",
    [
        ("total", {"daily", "outcomes"}, {"sectors"}),
        ("none", {"outcomes"}, {"daily", "sectors"}),
    ],
)
@pytest.mark.slow
def test_daily_option_keeps_only_what_it_says(tmp_path, daily, present, absent):
    directory = tmp_path / "run"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "run",
            str(SMALL),
            "-n",
            "6",
            "--daily",
            daily,
            "--out",
            str(directory),
            "--quiet",
            "--executor",
            "serial",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    for name in present:
        assert (directory / f"{name}.parquet").exists()
    for name in absent:
        assert not (directory / f"{name}.parquet").exists()
    assert pq.read_table(directory / "outcomes.parquet").num_rows == 6


def _always_kills_chunk_one(task: ChunkTask):
    if task.index == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return simulate_chunk(task)


def test_workers_dying_past_the_restart_limit_are_reported_not_raised(scenario, tmp_path, monkeypatch):
    import sim.batch.executors as executors

    monkeypatch.setattr(executors, "MAX_POOL_RESTARTS", 0)
    result = _run(scenario, tmp_path / "run", ProcessExecutor(2), function=_always_kills_chunk_one)
    failed = {f.index for f in result.failed}
    assert 1 in failed
    assert all("BrokenProcessPool" in f.error for f in result.failed)
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["status"] == "failed"


# ------------------------------------------------------------------- workers write their own parts
_WRITE_TABLE = store_module.write_table


def _write_table_noting_the_writer(path, table):
    with open(os.environ["SIM_TEST_WRITERS"], "a", encoding="utf-8") as handle:
        handle.write(f"{os.getpid()} {path.name}\n")
    return _WRITE_TABLE(path, table)


def test_pool_workers_write_their_own_parts_with_the_same_bytes(scenario, reference, tmp_path, monkeypatch):
    writers = tmp_path / "writers"
    monkeypatch.setenv("SIM_TEST_WRITERS", str(writers))
    monkeypatch.setattr(store_module, "write_table", _write_table_noting_the_writer)  # workers fork after
    result = _run(scenario, tmp_path / "run", ProcessExecutor(2), chunk=3)
    assert not result.failed
    lines = [line.split() for line in writers.read_text(encoding="utf-8").splitlines()]
    parts = [(pid, name) for pid, name in lines if name.endswith(".parquet")]
    assert len(parts) == 4 * len(TABLES), lines
    assert all(pid != str(os.getpid()) for pid, _ in parts), "the main process wrote parts"
    monkeypatch.undo()
    _assert_same(tmp_path / "run", reference)
    serial = tmp_path / "serial"
    _run(scenario, serial, SerialExecutor(), chunk=3)
    for name in TABLES:
        file = f"{name}.parquet"
        assert (tmp_path / "run" / file).read_bytes() == (serial / file).read_bytes()
    assert not (tmp_path / "run" / "parts").exists()


def test_a_worker_that_cannot_write_stops_the_batch_resumably(scenario, reference, tmp_path, monkeypatch):
    import errno

    def full(path, table):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(store_module, "write_table", full)  # in the workers too: they are forked after this
    directory = tmp_path / "run"
    with pytest.raises(OSError, match="No space left"):
        _run(scenario, directory, ProcessExecutor(2))
    monkeypatch.undo()
    assert json.loads((directory / "manifest.json").read_text())["status"] == "running"
    resumed_scenario, opened = open_run(directory)
    assert not run_batch(resumed_scenario, opened, SerialExecutor()).failed
    _assert_same(directory, reference)


def test_parts_left_half_written_by_an_ended_worker_go_with_the_merge(scenario, reference, tmp_path):
    directory = tmp_path / "run"
    store = start_run(scenario, directory, 5, 12, 3, "full")
    stale = store.parts / ".daily-000001.parquet.tmp-99999"
    stale.write_bytes(b"PAR1 half")
    (store.parts / ".incoming").mkdir()
    unrecorded = store.parts / ".incoming" / "outcomes-000007.parquet"  # written, never moved in
    unrecorded.write_bytes(b"PAR1 whole")
    foreign = store.parts / ".notes.tmp-1"
    foreign.write_text("mine\n")
    assert not run_batch(scenario, store, ProcessExecutor(2)).failed
    assert not stale.exists() and not (store.parts / ".incoming").exists()
    assert foreign.read_text() == "mine\n", "a file that is not a part being written was removed"
    _assert_same(directory, reference)
