"""Faults injected into run folders, processes and the command line: nothing wrong is accepted, nothing
written is lost.

Each fault ends in one of two ways: the run finishes (after ``--resume`` if needed) with files identical
byte for byte to an uninterrupted run, or the command refuses with one line on standard error (exit code
2 for bad input, 1 for a run that could not finish, 130/143 when interrupted) and no traceback, leaving
what was written in place.
"""

from __future__ import annotations

import contextlib
import errno
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SMALL, TESTS, run_sim, sim_in_process

TABLES = ("daily", "sectors", "outcomes")
SEED = 3
COUNT = 6
CHUNK = 2


def _options(out: Path, *extra: str, replications: int = COUNT, chunk: int = CHUNK) -> list[str]:
    return [
        "run",
        str(SMALL),
        "-n",
        str(replications),
        "--chunk",
        str(chunk),
        "--seed",
        str(SEED),
        "--executor",
        "serial",
        "-q",
        "--no-plots",
        "--out",
        str(out),
        *extra,
    ]


def _resume(out: Path, *extra: str) -> list[str]:
    return ["run", "--resume", str(out), "--executor", "serial", "-q", "--no-plots", *extra]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted run: 6 replications, seed 3, chunks of 2, serial."""
    out = tmp_path_factory.mktemp("faults") / "reference"
    run_sim(*_options(out))
    return out


def _assert_identical(out: Path, reference: Path) -> None:
    for name in TABLES:
        file = f"{name}.parquet"
        assert (out / file).is_file(), f"{file} missing"
        assert (out / file).read_bytes() == (reference / file).read_bytes(), f"{file} differs"
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"
    assert not (out / "parts").exists(), "parts/ left behind"


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{stderr}"
    assert "Traceback" not in stderr
    return lines[0]


def _interrupted(capsys, monkeypatch, out: Path, after: int = 2, *extra: str) -> None:
    """Start a run and interrupt it (as Ctrl-C would) once ``after`` chunks are written."""
    from sim.results.store import RunStore

    original = RunStore.write_chunk
    written: list[int] = []

    def interrupting(self, *args, **kwargs):
        if len(written) == after:
            raise KeyboardInterrupt
        written.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(RunStore, "write_chunk", interrupting)
    result = sim_in_process(capsys, *_options(out, *extra))
    monkeypatch.setattr(RunStore, "write_chunk", original)
    assert result.returncode == 130, result
    assert "--resume" in result.stderr
    assert len(list((out / "parts").glob("outcomes-*.parquet"))) == after


# ---------------------------------------------------------------------------- 1. --out is ours only
def test_out_into_a_folder_that_is_not_a_run_is_refused_and_left_as_it_was(capsys, tmp_path: Path) -> None:
    """Once a known gap: the merge deleted proj/parts and the run overwrote daily.parquet, summary.json."""
    proj = tmp_path / "proj"
    (proj / "parts").mkdir(parents=True)
    (proj / "parts" / "gearbox.step").write_text("x\n")
    (proj / "daily.parquet").write_text("someone's table\n")
    (proj / "summary.json").write_text("{}\n")
    before = {p: p.read_bytes() for p in proj.rglob("*") if p.is_file()}
    result = sim_in_process(capsys, *_options(proj))
    assert result.returncode == 2, result
    line = _one_line(result.stderr)
    assert str(proj) in line and "--out" in line
    assert {p: p.read_bytes() for p in proj.rglob("*") if p.is_file()} == before


def test_out_into_an_empty_folder_is_accepted(capsys, tmp_path: Path, reference: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    result = sim_in_process(capsys, *_options(out))
    assert result.returncode == 0, result
    _assert_identical(out, reference)


def test_merge_removes_only_the_part_files_this_run_wrote(capsys, monkeypatch, tmp_path, reference) -> None:
    out = tmp_path / "run"
    _interrupted(capsys, monkeypatch, out)
    foreign = out / "parts" / "notes.txt"
    foreign.write_text("mine\n")
    result = sim_in_process(capsys, *_resume(out))
    assert result.returncode == 0, result
    assert foreign.read_text() == "mine\n"
    assert sorted(p.name for p in (out / "parts").iterdir()) == ["notes.txt"]
    for name in TABLES:
        assert (out / f"{name}.parquet").read_bytes() == (reference / f"{name}.parquet").read_bytes()


# ---------------------------------------------------------------------------- 2. parts are checked
def _damage_random_bytes(parts: Path) -> str:
    path = parts / "daily-000000.parquet"
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = os.urandom(64)
    path.write_bytes(bytes(data))
    return "chunk 0"


def _delete_sectors_part(parts: Path) -> str:
    (parts / "sectors-000001.parquet").unlink()
    return "chunk 1"


def _truncate_outcomes_part(parts: Path) -> str:
    path = parts / "outcomes-000000.parquet"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return "chunk 0"


def _copy_another_chunks_part(parts: Path) -> str:
    shutil.copyfile(parts / "daily-000001.parquet", parts / "daily-000000.parquet")
    return "chunk 0"


@pytest.mark.parametrize(
    "damage",
    [_damage_random_bytes, _delete_sectors_part, _truncate_outcomes_part, _copy_another_chunks_part],
    ids=["64-random-bytes", "deleted-sectors-part", "truncated-outcomes-part", "swapped-part"],
)
def test_resume_runs_a_damaged_part_again_and_ends_identical(
    capsys, monkeypatch, tmp_path: Path, reference: Path, damage
) -> None:
    """Once a known gap: parts were trusted if they existed (wrong values, a missing table, ArrowInvalid
    on every resume, duplicated replications)."""
    out = tmp_path / "run"
    _interrupted(capsys, monkeypatch, out)
    chunk = damage(out / "parts")
    result = sim_in_process(capsys, *_resume(out))
    assert result.returncode == 0, result
    assert "Traceback" not in result.stderr
    assert chunk in result.stderr and "again" in result.stderr, result.stderr
    _assert_identical(out, reference)


def test_manifest_records_each_part_with_its_checksum_and_rows(capsys, monkeypatch, tmp_path: Path) -> None:
    out = tmp_path / "run"
    _interrupted(capsys, monkeypatch, out)
    chunks = json.loads((out / "manifest.json").read_text())["chunks"]
    import hashlib

    import pyarrow.parquet as pq

    for chunk in chunks[:2]:
        assert chunk["status"] == "done"
        assert set(chunk["parts"]) == set(TABLES)
        for table, record in chunk["parts"].items():
            path = out / "parts" / f"{table}-{chunk['index']:06d}.parquet"
            assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
            assert record["rows"] == pq.read_metadata(path).num_rows
    assert chunks[2]["status"] == "pending" and not chunks[2].get("parts")


def _damages_chunk_zero_when_it_reaches_the_last(task):
    from sim.experiments.runs import simulate_chunk

    if task.index == 2:
        path = Path(os.environ["SIM_TEST_RUN"]) / "parts" / "outcomes-000000.parquet"
        path.write_bytes(path.read_bytes()[:100])
    return simulate_chunk(task)


def test_merge_checks_every_part_and_runs_a_damaged_one_again(tmp_path, monkeypatch, reference) -> None:
    from sim.batch.executors import SerialExecutor
    from sim.experiments.runs import run_batch, start_run
    from sim.scenario import load_scenario

    out = tmp_path / "run"
    monkeypatch.setenv("SIM_TEST_RUN", str(out))
    scenario = load_scenario(SMALL)
    notes: list[str] = []
    store = start_run(scenario, out, SEED, COUNT, CHUNK, "full")
    result = run_batch(
        scenario,
        store,
        SerialExecutor(),
        function=_damages_chunk_zero_when_it_reaches_the_last,
        notify=notes.append,
    )
    assert not result.failed
    assert any("chunk 0" in note for note in notes), notes
    for name in TABLES:
        assert (out / f"{name}.parquet").read_bytes() == (reference / f"{name}.parquet").read_bytes()


@pytest.mark.slow
def test_figures_of_an_unfinished_run_leave_a_damaged_part_out(capsys, monkeypatch, tmp_path: Path) -> None:
    """Once a known gap: reading an unfinished run trusted every part on disk (ArrowInvalid, or wrong
    values drawn)."""
    out = tmp_path / "run"
    _interrupted(capsys, monkeypatch, out)
    _truncate_outcomes_part(out / "parts")
    result = sim_in_process(capsys, "plot", out)
    assert result.returncode == 0, result
    assert "Traceback" not in result.stderr
    assert "1 finished chunk(s) left out" in result.stderr, result.stderr
    from sim.results.readers import read_table

    assert read_table(out, "outcomes")["replication"].to_pylist() == [2, 3]


# ---------------------------------------------------------------------------- 3. samples file changed
def test_resume_after_the_samples_file_changed_is_refused_naming_it(capsys, monkeypatch, tmp_path) -> None:
    """Once a known gap: the manifest kept the samples file's path, not its content's hash, so a resumed
    run drew its first chunks from the old file and the rest from the new one."""
    samples = tmp_path / "samples.csv"
    samples.write_text("advance\n" + "".join(f"{0.5 + i / 10}\n" for i in range(10)))
    out = tmp_path / "run"
    setting = f"sides.red.attack.advance_km={{dist: empirical, file: {samples}, column: advance}}"
    # The samples file lives in the test's own folder, outside the scenario's and the working folder.
    _interrupted(capsys, monkeypatch, out, 1, "--set", setting, "--allow-outside-files")
    manifest = json.loads((out / "manifest.json").read_text())
    assert str(samples) in json.dumps(manifest.get("empirical_files"))
    samples.write_text("advance\n" + "".join(f"{2.5 + i / 10}\n" for i in range(10)))
    before = sorted((p.name, p.read_bytes()) for p in (out / "parts").iterdir())
    result = sim_in_process(capsys, *_resume(out, "--allow-outside-files"))
    assert result.returncode == 2, result
    line = _one_line(result.stderr)
    assert str(samples) in line and "changed" in line
    assert sorted((p.name, p.read_bytes()) for p in (out / "parts").iterdir()) == before


def test_a_folder_whose_samples_file_is_gone_says_so(capsys, tmp_path) -> None:
    """Once unclear: the folder 'did not validate' because advance_km 'should be a valid number'."""
    samples = tmp_path / "samples.csv"
    samples.write_text("advance\n0.5\n0.9\n")
    out = tmp_path / "run"
    setting = f"sides.red.attack.advance_km={{dist: empirical, file: {samples}, column: advance}}"
    assert sim_in_process(capsys, *_options(out, "--set", setting, "--allow-outside-files")).returncode == 0
    samples.rename(tmp_path / "moved.csv")
    result = sim_in_process(capsys, "plot", out)
    assert result.returncode == 2
    assert _one_line(result.stderr) == (
        f"error: {out / 'manifest.json'}: the scenario in manifest.json does not validate: "
        f"sides.red.attack.advance_km: no such file '{samples}' (a samples file the run read: put it back "
        "where it was to reopen the folder)"
    )


# ---------------------------------------------------------------------------- 4. bounds
def _limited(*args: str | Path) -> subprocess.CompletedProcess:
    """Run ``sim`` in a subprocess limited to 4 GB of memory, so that a failure cannot take the machine."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    return subprocess.run(
        [sys.executable, "-m", "sim", *(str(a) for a in args)],
        capture_output=True,
        text=True,
        cwd=TESTS.parent,
        timeout=120,
        preexec_fn=limit,
    )


@pytest.mark.parametrize(
    "option,value",
    [("-n", "1000000000000"), ("--workers", "100000"), ("--chunk", "1000000000")],
    ids=["replications", "workers", "chunk"],
)
def test_huge_numbers_on_the_command_line_are_one_line(tmp_path: Path, option: str, value: str) -> None:
    """Once known gaps: -n 10^12 ran out of memory planning chunks; --workers 100000 started that many
    processes."""
    out = tmp_path / "run"
    settings = {"-n": "4", "--workers": "2", "--chunk": "2"}
    settings[option] = value
    # Serial, so that a regression cannot start 100,000 processes (as the unbounded --workers did).
    args = ["run", str(SMALL), "-q", "--no-plots", "--executor", "serial", "--out", str(out)]
    for key, setting in settings.items():
        args += [key, setting]
    result = _limited(*args)
    assert result.returncode == 2, result
    line = _one_line(result.stderr)
    assert option in line, line
    assert not (out / "manifest.json").exists()


def test_sweep_replications_are_bounded_too(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    result = _limited(
        "sweep",
        SMALL,
        "--vary",
        "engagement.kill_rate=0.04,0.05",
        "-n",
        "1000000000000",
        "--out",
        out,
        "-q",
        "--executor",
        "serial",
    )
    assert result.returncode == 2, result
    assert "-n" in _one_line(result.stderr)
    assert not out.exists()


def test_too_many_chunks_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = _limited(*_options(out, replications=100_000_000, chunk=1))
    assert result.returncode == 2, result
    assert "--chunk" in _one_line(result.stderr)
    assert not (out / "manifest.json").exists()


# ---------------------------------------------------------------------------- 6. one line, not a traceback
@pytest.mark.parametrize("address", ["not an address", "foo://127.0.0.1:1"])
def test_a_scheduler_that_is_not_an_address_is_one_line(capsys, tmp_path: Path, address: str) -> None:
    pytest.importorskip("dask.distributed")
    result = sim_in_process(
        capsys,
        "run",
        SMALL,
        "-n",
        "2",
        "--executor",
        "dask",
        "--scheduler",
        address,
        "--out",
        tmp_path / "run",
        "-q",
    )
    assert result.returncode == 2, result
    assert "--scheduler" in _one_line(result.stderr)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("where", ["/proc/sim-test-out", "FILE/run", "/dev/null/run"])
def test_an_unwritable_out_is_one_line(capsys, tmp_path: Path, where: str) -> None:
    (tmp_path / "file").write_text("a file, not a folder\n")
    out = where.replace("FILE", str(tmp_path / "file"))
    result = sim_in_process(capsys, *_options(Path(out)))
    assert result.returncode == 2, result
    line = _one_line(result.stderr)
    assert "--out" in line and out in line, line


def test_disk_full_is_one_line_with_the_resume_command_and_keeps_the_parts(
    capsys, monkeypatch, tmp_path: Path, reference: Path
) -> None:
    import errno

    import sim.results.store as store

    original = store.write_table
    calls: list[int] = []

    def filling(path, table):
        calls.append(1)
        if len(calls) > 4:  # chunk 0 (three tables) and one table of chunk 1 fit
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return original(path, table)

    monkeypatch.setattr(store, "write_table", filling)
    out = tmp_path / "run"
    result = sim_in_process(capsys, *_options(out))
    monkeypatch.setattr(store, "write_table", original)
    assert result.returncode == 1, result
    line = _one_line(result.stderr)
    assert "No space left on device" in line and f"sim run --resume {out}" in line, line
    assert (out / "parts" / "outcomes-000000.parquet").is_file()
    assert sim_in_process(capsys, *_resume(out)).returncode == 0
    _assert_identical(out, reference)


@pytest.mark.parametrize(
    "edit,field",
    [
        (lambda m: m.pop("chunks"), "chunks"),
        (lambda m: m.update(chunks="garbage"), "chunks"),
        (lambda m: m.update(chunks=[{"index": 5, "start": 0, "stop": 2}]), "chunks"),
        (lambda m: m["chunks"][1].update(stop=99), "chunks"),
        (lambda m: m["chunks"][0].update(parts={"daily": {"sha256": "nothex", "rows": 1}}), "chunks"),
        (lambda m: m.update(empirical_files=[1, 2]), "empirical_files"),
    ],
    ids=[
        "chunks-missing",
        "chunks-garbage",
        "index-mismatch",
        "beyond-replications",
        "bad-checksum",
        "bad-hashes",
    ],
)
def test_a_damaged_manifest_is_one_line_and_changes_nothing(
    capsys, monkeypatch, tmp_path: Path, edit, field: str
) -> None:
    out = tmp_path / "run"
    _interrupted(capsys, monkeypatch, out)
    manifest = json.loads((out / "manifest.json").read_text())
    edit(manifest)
    (out / "manifest.json").write_text(json.dumps(manifest))
    before = sorted((str(p), p.read_bytes()) for p in out.rglob("*") if p.is_file())
    result = sim_in_process(capsys, *_resume(out))
    assert result.returncode == 2, result
    line = _one_line(result.stderr)
    assert "manifest.json" in line and field in line, line
    assert sorted((str(p), p.read_bytes()) for p in out.rglob("*") if p.is_file()) == before


def test_a_manifest_that_is_not_utf8_is_one_line(capsys, monkeypatch, tmp_path: Path) -> None:
    out = tmp_path / "run"
    _interrupted(capsys, monkeypatch, out)
    (out / "manifest.json").write_bytes(b'{"status": "\xff\xfe"}')
    result = sim_in_process(capsys, *_resume(out))
    assert result.returncode == 2, result
    assert "UTF-8" in _one_line(result.stderr)


SLOW = """
import sys, time
import sim.experiments.runs as runs
original = runs.run_replication
def slow(*args, **kwargs):
    time.sleep(float(sys.argv[1]))
    return original(*args, **kwargs)
runs.run_replication = slow
from sim.cli import main
main(sys.argv[2:])
"""
"""Runs ``sim`` with every replication slowed down by argv[1] seconds (also in forked pool workers)."""


@pytest.mark.slow
def test_the_loser_of_two_resumes_at_once_is_one_line(capsys, monkeypatch, tmp_path, reference) -> None:
    """Once a known gap: both resumes ran the same chunks into the same parts."""
    out = tmp_path / "run"
    _interrupted(capsys, monkeypatch, out, 1)
    # The winner: a resume in another process, slowed down so that it is surely still running.
    winner = _popen(
        [
            sys.executable,
            "-c",
            SLOW,
            "0.5",
            "run",
            "--resume",
            str(out),
            "--executor",
            "serial",
            "--no-plots",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=TESTS.parent,
    )
    try:
        assert winner.stderr is not None
        first = winner.stderr.readline()
        assert first.startswith("run folder:"), first
        result = sim_in_process(capsys, *_resume(out))
        assert result.returncode == 2, result
        assert "being resumed by another process" in _one_line(result.stderr)
    finally:
        _, stderr = winner.communicate(timeout=120)
    assert winner.returncode == 0, stderr
    _assert_identical(out, reference)


# ---------------------------------------------------------------------------- 7. reach
@pytest.mark.parametrize("name", ["parts", "plots"])
def test_a_symlink_inside_the_run_folder_is_refused(capsys, monkeypatch, tmp_path: Path, name: str) -> None:
    """Once a known gap: writes followed a symlinked parts/ or plots/ out of the run folder."""
    out = tmp_path / "run"
    _interrupted(capsys, monkeypatch, out)
    elsewhere = tmp_path / "elsewhere"
    if name == "parts":
        shutil.move(out / "parts", elsewhere)
    else:
        elsewhere.mkdir()
    (out / name).symlink_to(elsewhere, target_is_directory=True)
    before = sorted((p.name, p.read_bytes()) for p in elsewhere.iterdir())
    for command in (_resume(out), ["plot", str(out)]):
        result = sim_in_process(capsys, *command)
        assert result.returncode == 2, (command, result)
        line = _one_line(result.stderr)
        assert name in line and "link" in line, line
    assert sorted((p.name, p.read_bytes()) for p in elsewhere.iterdir()) == before


# ---------------------------------------------------------------------------- 5. processes and signals
_STARTED: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def _no_process_left_behind():
    """End every process a test started (and its children), even when the test fails."""
    yield
    while _STARTED:
        process = _STARTED.pop()
        if process.poll() is None:
            children = _children(process.pid)
            process.kill()
            process.wait()
            for pid in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def _default_sigint() -> None:
    # A test runner's worker may ignore SIGINT (pytest-xdist's do), and an ignored signal stays ignored
    # across exec: Python then installs no KeyboardInterrupt handler and Ctrl-C would do nothing. A user's
    # shell starts the command with SIGINT at its default.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _popen(command: list[str], **options) -> subprocess.Popen:
    options.setdefault("preexec_fn", _default_sigint)
    process = subprocess.Popen(command, **options)
    _STARTED.append(process)
    return process


def _start(out: Path, *extra: str, replications: int = 2000, **popen) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "sim",
        "run",
        str(SMALL),
        "-n",
        str(replications),
        "--seed",
        str(SEED),
        "--chunk",
        "4",
        "--out",
        str(out),
        "--no-plots",
        "-q",
        *extra,
    ]
    return _popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=TESTS.parent, **popen
    )


def _wait_for_parts(out: Path, process: subprocess.Popen, count: int = 2, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        parts = out / "parts"
        if parts.is_dir() and len(list(parts.glob("outcomes-*.parquet"))) >= count:
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError("the run wrote no parts in time")


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
@pytest.mark.slow
def test_pool_workers_exit_when_the_parent_dies(tmp_path: Path, signum: int) -> None:
    """Once a known gap: workers lived on with parent 1 for minutes after the parent was killed."""
    out = tmp_path / "run"
    process = _start(out, "--workers", "2")
    _wait_for_parts(out, process)
    workers = _children(process.pid)
    assert workers, "no worker processes found"
    process.send_signal(signum)
    process.communicate(timeout=60)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)], "workers outlived their parent by 10 s"


def test_sigterm_is_treated_like_ctrl_c(tmp_path: Path) -> None:
    """Once a known gap: SIGTERM exited -15 with no message."""
    out = tmp_path / "run"
    process = _start(out, "--workers", "2")
    _wait_for_parts(out, process)
    process.terminate()
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    line = _one_line(stderr)
    assert f"sim run --resume {out}" in line
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "running"
    assert any(chunk["status"] == "done" for chunk in manifest["chunks"])


@pytest.mark.slow
def test_ctrl_c_reaches_a_run_started_with_sigint_ignored(tmp_path: Path) -> None:
    """Once a known gap: a run started from a script (SIGINT ignored by the shell) could not be stopped."""
    out = tmp_path / "run"
    process = _start(out, "--workers", "2", preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    _wait_for_parts(out, process)
    process.send_signal(signal.SIGINT)
    try:
        _, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("SIGINT did not stop the run") from None
    assert process.returncode == 130, stderr
    assert f"sim run --resume {out}" in _one_line(stderr)


@pytest.mark.slow
def test_ctrl_c_during_start_up_is_one_line(tmp_path: Path) -> None:
    """Once a known gap: Ctrl-C while the command was starting printed a traceback."""
    for attempt in range(3):
        process = _start(tmp_path / f"run{attempt}")
        # Still importing: the command needs ~0.7 s before it loads the scenario (at 1 s, once the
        # start-up got faster, the batch had begun and the line named the resume command instead).
        time.sleep(0.25)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
        assert "Traceback" not in stderr, stderr
        if process.returncode == 0:
            # Seen once in about thirty runs on a loaded machine: the signal was lost inside a
            # library's import before the command began, and the run simply finished. Try again.
            continue
        assert process.returncode in (130, -signal.SIGINT), stderr
        assert _one_line(stderr) == "interrupted"
        return
    raise AssertionError("three Ctrl-C during start-up were all lost")


def _scheduler() -> tuple[subprocess.Popen, str]:
    bin_dir = Path(sys.executable).parent
    process = _popen(
        [str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert process.stderr is not None
    for line in process.stderr:
        match = re.search(r"Scheduler at:\s+(tcp://\S+)", line)
        if match:
            return process, match[1]
    raise AssertionError("the scheduler did not start")


PRELOAD = """
import time
import sim.experiments.runs as runs
if not hasattr(runs, "original_run_replication"):  # Dask may load a preload more than once
    runs.original_run_replication = runs.run_replication
    def slow(*args, **kwargs):
        time.sleep(0.1)
        return runs.original_run_replication(*args, **kwargs)
    runs.run_replication = slow
"""
"""A Dask worker preload that slows every replication down, so that the run outlives its scheduler."""


@pytest.mark.slow
def test_a_dask_scheduler_that_dies_ends_the_run_with_the_resume_command(tmp_path: Path) -> None:
    """Once a known gap: sim run --executor dask waited forever for a scheduler that had died."""
    pytest.importorskip("dask.distributed")
    dask = Path(sys.executable).parent / "dask"
    if not dask.exists():
        pytest.skip("no dask command beside the interpreter")
    preload = tmp_path / "slow_preload.py"
    preload.write_text(PRELOAD)
    scheduler, address = _scheduler()
    worker = _popen(
        [
            str(dask),
            "worker",
            address,
            "--nthreads",
            "1",
            "--nworkers",
            "2",
            "--no-dashboard",
            "--preload",
            str(preload),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=TESTS.parent,
    )
    out = tmp_path / "run"
    replications = 120
    try:
        process = _start(out, "--executor", "dask", "--scheduler", address, replications=replications)
        _wait_for_parts(out, process)
        scheduler.kill()
        began = time.monotonic()
        try:
            _, stderr = process.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            process.kill()
            raise AssertionError("the run hung after its scheduler died") from None
        assert time.monotonic() - began < 60
    finally:
        scheduler.kill()
        worker.kill()
        worker.wait()
    assert process.returncode == 1, stderr
    line = _one_line(stderr)
    assert "scheduler" in line and f"sim run --resume {out}" in line, line
    manifest = json.loads((out / "manifest.json").read_text())
    assert 2 <= sum(chunk["status"] == "done" for chunk in manifest["chunks"]) < len(manifest["chunks"])
    resumed = run_sim(*_resume(out))
    assert resumed.returncode == 0
    whole = tmp_path / "whole"
    run_sim(*_options(whole, replications=replications, chunk=4))
    for name in TABLES:
        assert (out / f"{name}.parquet").read_bytes() == (whole / f"{name}.parquet").read_bytes(), name


# ---------------------------------------------------------------------------- 8. finished folders are checked
class _Hung(BaseException):
    """Raised by the alarm of ``_within``: not an ``OSError`` (a read interrupted by a ``TimeoutError`` would
    be reported by the code under test as a file it could not read, and the hang go unseen)."""


@contextlib.contextmanager
def _within(seconds: int):
    """Fail, instead of hanging, if the block takes longer than ``seconds`` (a pipe waits forever)."""

    def expire(signum, frame):
        raise _Hung(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    except _Hung as hung:
        pytest.fail(str(hung))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def other(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another complete run of the same scenario (seed 4)."""
    out = tmp_path_factory.mktemp("faults") / "other"
    options = _options(out)
    options[options.index("--seed") + 1] = "4"
    run_sim(*options)
    return out


def _copy(run: Path, tmp_path: Path, name: str = "run") -> Path:
    copy = tmp_path / name
    shutil.copytree(run, copy)
    return copy


def _readers(run: Path, other: Path, scratch: Path) -> list[list[str | Path]]:
    """Every command that reads a complete run folder, writing (if at all) into ``scratch``."""
    scratch.mkdir(exist_ok=True)
    commands: list[list[str | Path]] = [
        ["plot", run],
        ["report", run, "--out", scratch / "report.html"],
        ["validate", run, "--out", scratch / "validation"],
        ["compare", other, run, "--out", scratch / "compare", "--no-plots", "-q"],
    ]
    try:
        import ema_workbench  # noqa: F401
    except ImportError:
        return commands
    return [*commands, ["discover", run, "--condition", "final_area_km2 > 100", "--out", scratch / "d", "-q"]]


def _refused_by_every_reader(capsys, run: Path, other: Path, scratch: Path, *words: str) -> None:
    for command in _readers(run, other, scratch):
        with _within(60):
            result = sim_in_process(capsys, *command)
        assert result.returncode == 2, (command, result)
        line = _one_line(result.stderr)
        assert all(word in line for word in words), (command, line)
    from sim import api
    from sim.errors import InputError

    with pytest.raises(InputError):
        api.open_folder(run)


def _foreign(run: Path, other: Path) -> str:
    shutil.copyfile(other / "outcomes.parquet", run / "outcomes.parquet")
    return "outcomes.parquet"


def _emptied(run: Path, other: Path) -> str:
    import pyarrow.parquet as pq

    table = pq.read_table(run / "outcomes.parquet")
    pq.write_table(table.slice(0, 0), run / "outcomes.parquet")
    return "outcomes.parquet"


def _nan_filled(run: Path, other: Path) -> str:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(run / "daily.parquet")
    nan = pa.array([float("nan")] * table.num_rows)
    pq.write_table(
        table.set_column(table.schema.get_field_index("area_km2"), "area_km2", nan), run / "daily.parquet"
    )
    assert pc.all(pc.is_nan(pq.read_table(run / "daily.parquet")["area_km2"])).as_py()
    return "daily.parquet"


def _wrong_columns(run: Path, other: Path) -> str:
    import pyarrow.parquet as pq

    table = pq.read_table(run / "daily.parquet")
    pq.write_table(table.rename_columns([f"x{i}" for i in range(table.num_columns)]), run / "daily.parquet")
    return "daily.parquet"


def _not_parquet(run: Path, other: Path) -> str:
    (run / "sectors.parquet").write_bytes(os.urandom(4000))
    return "sectors.parquet"


def _string_column(run: Path, other: Path) -> str:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(run / "outcomes.parquet")
    index = table.schema.get_field_index("final_area_km2")
    text = pa.array(["None"] * table.num_rows)
    pq.write_table(table.set_column(index, "final_area_km2", text), run / "outcomes.parquet")
    return "outcomes.parquet"


@pytest.mark.parametrize(
    "damage",
    [_foreign, _emptied, _nan_filled, _wrong_columns, _not_parquet, _string_column],
    ids=["another-runs-outcomes", "emptied", "nan-filled", "wrong-columns", "not-parquet", "string-column"],
)
def test_a_merged_table_that_is_not_the_runs_own_is_refused_by_every_reader(
    capsys, tmp_path: Path, reference: Path, other: Path, damage
) -> None:
    """Once known gaps: another run's numbers under this run's name (exit 0), and tracebacks (no runs to
    estimate a survival curve from, broadcast (0,) vs (20,), axis limits cannot be NaN, ArrowInvalid)."""
    run = _copy(reference, tmp_path)
    table = damage(run, other)
    _refused_by_every_reader(capsys, run, other, tmp_path / "scratch", table)


def test_the_merged_tables_are_recorded_in_the_manifest(reference: Path) -> None:
    import hashlib

    import pyarrow.parquet as pq

    manifest = json.loads((reference / "manifest.json").read_text())
    assert set(manifest["tables"]) == set(TABLES)
    for name, record in manifest["tables"].items():
        path = reference / f"{name}.parquet"
        assert record == {
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "rows": pq.read_metadata(path).num_rows,
            "bytes": path.stat().st_size,
        }
    seal = json.loads((reference / "manifest.seal").read_text())
    assert seal["sha256"] == manifest["seal"]
    assert seal["sealed"]["seed"] == SEED and seal["sealed"]["scenario"] == manifest["scenario"]


def _edit_seed(m: dict) -> str:
    m["seed"] = SEED + 1
    return "seed"


def _edit_daily(m: dict) -> str:
    m["daily"] = "none"
    return "daily"


def _drop_a_chunk(m: dict) -> str:
    m["chunks"].pop()
    return "chunks"


def _edit_replications(m: dict) -> str:
    m["replications"] = 4
    m["chunks"].pop()
    return "replications"


def _edit_scenario_and_its_digest(m: dict) -> str:
    from sim.results.manifest import document_hash

    m["scenario"]["engagement"]["kill_rate"] = 0.5
    m["scenario_sha256"] = document_hash(m["scenario"])
    return "scenario"


def _drop_the_seal(m: dict) -> str:
    m.pop("seal")
    return "seal"


@pytest.mark.parametrize(
    "edit",
    [
        _edit_seed,
        _edit_daily,
        _drop_a_chunk,
        _edit_replications,
        _edit_scenario_and_its_digest,
        _drop_the_seal,
    ],
    ids=["seed", "daily", "chunk-dropped", "replications", "scenario-with-its-digest", "seal-removed"],
)
def test_a_hand_edited_manifest_is_refused_by_resume_and_every_reader(
    capsys, monkeypatch, tmp_path: Path, edit
) -> None:
    """Once known gaps: a resume after the edit exited 0 with two seeds' replications in one folder, the
    daily and sector tables gone, 2,460 daily rows missing, or other dynamics for the remaining chunks."""
    out = tmp_path / "run"
    _interrupted(capsys, monkeypatch, out)
    manifest = json.loads((out / "manifest.json").read_text())
    field = edit(manifest)
    (out / "manifest.json").write_text(json.dumps(manifest))
    before = sorted((str(p), p.read_bytes()) for p in out.rglob("*") if p.is_file())
    for command in (
        _resume(out),
        ["plot", str(out)],
        ["report", str(out), "--out", str(tmp_path / "r.html")],
    ):
        result = sim_in_process(capsys, *command)
        assert result.returncode == 2, (command, result)
        line = _one_line(result.stderr)
        assert "manifest.json" in line and f": {field}" in line, line
    assert sorted((str(p), p.read_bytes()) for p in out.rglob("*") if p.is_file()) == before


@pytest.mark.parametrize("how", ["deleted", "damaged", "edited-with-the-manifest"])
def test_a_missing_or_damaged_seal_is_refused(capsys, monkeypatch, tmp_path: Path, how: str) -> None:
    out = tmp_path / "run"
    _interrupted(capsys, monkeypatch, out)
    seal = out / "manifest.seal"
    if how == "deleted":
        seal.unlink()
    elif how == "damaged":
        seal.write_text(seal.read_text().replace('"seed": 3', '"seed": 4'))
    else:  # both files say seed 4, but the seal's own digest was not recomputed
        manifest = json.loads((out / "manifest.json").read_text())
        manifest["seed"] = 4
        (out / "manifest.json").write_text(json.dumps(manifest))
        seal.write_text(seal.read_text().replace('"seed": 3', '"seed": 4'))
    result = sim_in_process(capsys, *_resume(out))
    assert result.returncode == 2, result
    assert "manifest.seal" in _one_line(result.stderr)


def test_status_forced_to_complete_on_an_unfinished_run_is_refused(
    capsys, monkeypatch, tmp_path: Path, reference: Path
) -> None:
    """Once known gaps: resume refused as 'already complete', report drew the partial run, discover and
    validate scored it without a note, compare crashed (ValueError)."""
    out = tmp_path / "run"
    _interrupted(capsys, monkeypatch, out)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["status"] = "complete"
    (out / "manifest.json").write_text(json.dumps(manifest))
    result = sim_in_process(capsys, *_resume(out))
    assert result.returncode == 2 and "complete, but chunk 2" in _one_line(result.stderr), result
    _refused_by_every_reader(capsys, out, reference, tmp_path / "scratch", "complete")


def test_a_part_whose_record_has_other_rows_is_run_again(capsys, monkeypatch, tmp_path, reference) -> None:
    """Once a known gap: --resume ran 3 chunks again and exited 1 ('again after being run again')."""
    out = tmp_path / "run"
    _interrupted(capsys, monkeypatch, out, 5, "--chunk", "1")  # more chunks than merges are tried
    manifest = json.loads((out / "manifest.json").read_text())
    for chunk in manifest["chunks"][:5]:
        chunk["parts"]["daily"]["rows"] += 1  # its checksum still holds
    (out / "manifest.json").write_text(json.dumps(manifest))
    result = sim_in_process(capsys, *_resume(out))
    assert result.returncode == 0, result
    assert "chunk 4" in result.stderr and "rows" in result.stderr, result.stderr
    _assert_identical(out, reference)


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "too-large"])
def test_a_manifest_that_is_not_a_regular_file_of_bounded_size_is_one_line(
    capsys, monkeypatch, tmp_path: Path, reference: Path, kind: str
) -> None:
    """Once known gaps: a FIFO hung resume, report and compare; a link to /dev/zero: MemoryError."""
    out = tmp_path / "run"
    _interrupted(capsys, monkeypatch, out)
    manifest = out / "manifest.json"
    if kind == "fifo":
        manifest.unlink()
        os.mkfifo(manifest)
    elif kind == "dev-zero":
        manifest.unlink()
        manifest.symlink_to("/dev/zero")
    else:
        monkeypatch.setattr("sim.results.manifest.MANIFEST_BYTES", 1000)
    commands = [_resume(out), ["plot", str(out)], ["report", str(out), "--out", str(tmp_path / "r.html")]]
    commands.append(["compare", str(reference), str(out), "--out", str(tmp_path / "c"), "--no-plots"])
    for command in commands:
        with _within(30):
            result = sim_in_process(capsys, *command)
        assert result.returncode == 2, (command, result)
        assert "manifest.json" in _one_line(result.stderr)


def test_a_merged_table_that_is_a_pipe_is_one_line(capsys, tmp_path: Path, reference: Path) -> None:
    run = _copy(reference, tmp_path)
    (run / "daily.parquet").unlink()
    os.mkfifo(run / "daily.parquet")
    with _within(30):
        result = sim_in_process(capsys, "plot", run)
    assert result.returncode == 2 and "daily.parquet" in _one_line(result.stderr), result


KILLED_WHILE_MERGING = """
import os, signal, sys
import sim.results.store as store
original = store._concatenate
def dying(parts, target):
    original(parts, target)  # the merged table is written under its temporary name...
    os.kill(os.getpid(), signal.SIGKILL)  # ...and the process killed before it is renamed
store._concatenate = dying
from sim.cli import main
main(sys.argv[1:])
"""


@pytest.mark.slow
def test_a_merge_killed_half_way_leaves_nothing_behind_after_the_resume(capsys, tmp_path, reference) -> None:
    """Once a known gap: .daily.parquet.tmp-PID stayed in the folder after a successful resume."""
    out = tmp_path / "run"
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WHILE_MERGING, *_options(out)],
        capture_output=True,
        text=True,
        cwd=TESTS.parent,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed
    assert list(out.glob(".daily.parquet.tmp-*")), sorted(p.name for p in out.iterdir())
    (out / ".notes.txt.tmp-1").write_text("not sim's\n")
    result = sim_in_process(capsys, *_resume(out))
    assert result.returncode == 0, result
    _assert_identical(out, reference)
    assert sorted(p.name for p in out.glob(".*")) == [".notes.txt.tmp-1"]


def test_the_timing_replication_is_the_runs_first(capsys, monkeypatch, tmp_path, reference) -> None:
    """Once a cost: a run without --chunk simulated one replication to time it, then threw it away."""
    import sim.experiments.runs as runs

    calls: list[int] = []
    original = runs.run_replication

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(runs, "run_replication", counted)
    monkeypatch.setattr(runs, "ESTIMATE_SAID", 0.0, raising=False)  # every run "long": it says how long
    out = tmp_path / "run"
    options = _options(out)
    chunk = options.index("--chunk")
    del options[chunk : chunk + 2]
    options.remove("-q")
    result = sim_in_process(capsys, *options, "--no-dynamics")  # the run's own replications only
    assert result.returncode == 0, result
    assert len(calls) == COUNT
    assert "one replication took" in result.stderr and "should take about" in result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["chunks"][0]["start"], manifest["chunks"][0]["stop"]) == (0, 1)
    _assert_identical(out, reference)


@pytest.mark.slow
def test_a_partial_run_is_said_to_be_partial_by_every_reader(
    capsys, monkeypatch, tmp_path: Path, reference: Path
) -> None:
    """Once: discover read a running run's finished chunks and said nothing of it."""
    out = tmp_path / "run"
    _interrupted(capsys, monkeypatch, out)
    readers = _readers(out, reference, tmp_path / "scratch")
    for command in readers:
        result = sim_in_process(capsys, *command)
        if command[0] in ("validate", "compare"):
            assert result.returncode == 2 and "not complete" in _one_line(result.stderr), result
        else:
            assert result.returncode == 0, (command, result)
            assert "note: the run is running, not complete" in result.stderr, (command, result.stderr)
    from sim import api

    with pytest.warns(UserWarning, match="not complete"):
        folder = api.open_folder(out)
    assert folder.notes and len(folder.outcomes) == 4


# ---------------------------------------------------------------------------- 9. where commands write
def _discover_into(run: Path, out: Path) -> list[str | Path]:
    return ["discover", run, "--condition", "final_area_km2 > 100", "--out", out, "-q"]


@pytest.mark.parametrize(
    "case",
    [
        "discover-into-another-runs-plots",
        "discover-into-a-run-folder",
        "validate-into-another-runs-plots",
        "compare-into-another-runs-plots",
        "report-into-another-run",
        "discover-through-a-linked-discovery",
        "validate-through-a-linked-plots",
        "plot-into-a-linked-plots",
    ],
)
def test_out_is_never_another_runs_folder_or_through_a_link(
    capsys, tmp_path: Path, reference: Path, other: Path, case: str
) -> None:
    """Once known gaps: discover and validate wrote into another run's plots/, into a run folder, and
    through a linked discovery/ or plots/."""
    if case.startswith("discover"):
        pytest.importorskip("ema_workbench")
    run, victim = _copy(reference, tmp_path), _copy(other, tmp_path, "victim")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    command: list[str | Path] = {
        "discover-into-another-runs-plots": _discover_into(run, victim / "plots" / "d"),
        "discover-into-a-run-folder": _discover_into(run, victim),
        "validate-into-another-runs-plots": ["validate", run, "--out", victim / "plots"],
        "compare-into-another-runs-plots": ["compare", run, other, "--out", victim / "plots" / "c"],
        "report-into-another-run": ["report", run, "--out", victim / "report.html"],
        "discover-through-a-linked-discovery": ["discover", run, "--condition", "final_area_km2 > 100", "-q"],
        "validate-through-a-linked-plots": ["validate", run, "--out", tmp_path / "v"],
        "plot-into-a-linked-plots": ["plot", run],
    }[case]
    if case == "discover-through-a-linked-discovery":
        (run / "discovery").symlink_to(elsewhere, target_is_directory=True)
    elif case == "validate-through-a-linked-plots":
        (tmp_path / "v").mkdir()
        (tmp_path / "v" / "plots").symlink_to(elsewhere, target_is_directory=True)
    elif case == "plot-into-a-linked-plots":
        (run / "plots").symlink_to(elsewhere, target_is_directory=True)
    before = sorted((str(p), p.read_bytes()) for p in tmp_path.rglob("*") if p.is_file())
    result = sim_in_process(capsys, *command)
    assert result.returncode == 2, result
    line = _one_line(result.stderr)
    assert ("link" in line) if "link" in case else ("inside the run or sweep folder" in line), line
    assert sorted((str(p), p.read_bytes()) for p in tmp_path.rglob("*") if p.is_file()) == before


def test_a_read_only_place_is_one_line(capsys, monkeypatch, tmp_path: Path, reference: Path) -> None:
    """Once a known gap: sim plot on a read-only file system was an OSError traceback (errno 30)."""
    import errno

    real_open = os.open

    def read_only(path, flags, *args):  # the test's folder is on a read-only file system
        if flags & os.O_CREAT and str(path).startswith(str(tmp_path)):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args)

    run = _copy(reference, tmp_path)
    monkeypatch.setattr(os, "open", read_only)  # what sim makes with os.open (its write probe) fails
    for command in (["plot", run], ["validate", run], ["report", run], _discover_into(run, tmp_path / "d")):
        if command[0] == "discover" and importlib.util.find_spec("ema_workbench") is None:
            continue
        result = sim_in_process(capsys, *command)
        assert result.returncode == 2, (command, result)
        assert "read-only file system" in _one_line(result.stderr)


@pytest.mark.parametrize("command", ["schema", "report"])
def test_an_output_file_that_is_a_pipe_is_not_replaced(
    capsys, tmp_path: Path, reference: Path, command: str
) -> None:
    """Once a gap: the file was renamed over the pipe (over /dev/null, for whoever may write /dev)."""
    pipe = tmp_path / "out.html"
    os.mkfifo(pipe)
    args = ["schema"] if command == "schema" else ["report", _copy(reference, tmp_path)]
    result = sim_in_process(capsys, *args, "--out", pipe)
    assert result.returncode == 2, result
    assert "is not a regular file" in _one_line(result.stderr) and str(pipe) in result.stderr
    assert pipe.is_fifo()


@pytest.mark.parametrize(
    ("code", "said"),
    [
        (errno.ENOSPC, "cannot write {path} (no space left on the device)"),
        (errno.EROFS, "cannot write {path} (a read-only file system)"),
        (errno.EACCES, "cannot write or read {path} (no permission)"),
    ],
)
def test_a_disk_that_fills_while_drawing_is_one_line(
    capsys, monkeypatch, tmp_path: Path, reference: Path, code: int, said: str
) -> None:
    """A place checked before the work can still fill up half-way: one line, exit 1, not a traceback.

    The error is raised as a write to a full disk raises it, naming no file: the line names the figure,
    not the temporary file it was being written to, and that temporary file is removed.
    """
    from matplotlib.figure import Figure

    def full(figure, fname, **options):
        Path(fname).write_bytes(b"half a figure")
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(Figure, "savefig", full)
    run = _copy(reference, tmp_path)
    result = sim_in_process(capsys, "plot", run)
    assert result.returncode == 1, result
    figure = run / "plots" / "fan_chart.png"
    assert _one_line(result.stderr) == "error: " + said.format(path=figure), result.stderr
    assert not [path.name for path in (run / "plots").iterdir() if ".tmp-" in path.name]


def test_an_os_error_that_is_not_about_a_file_is_not_hidden(
    capsys, monkeypatch, tmp_path: Path, reference: Path
) -> None:
    """Only the errors of a file are reported as such: any other OSError is a fault, left visible."""
    import sim.plots.run as run_plots

    def refused(figure, path):
        raise ConnectionRefusedError(errno.ECONNREFUSED, os.strerror(errno.ECONNREFUSED))

    monkeypatch.setattr(run_plots, "save", refused)
    with pytest.raises(ConnectionRefusedError):
        sim_in_process(capsys, "plot", _copy(reference, tmp_path))


# ---------------------------------------------------------------------------- 10. readers of degenerate runs
def test_compare_of_single_replication_runs_is_one_line(capsys, tmp_path: Path, reference: Path) -> None:
    """Once known gaps: a traceback (scipy's bootstrap needs two), and KeyError: 'variant' for 1 vs 1."""
    one, two = tmp_path / "one", tmp_path / "two"
    for out, seed in ((one, "3"), (two, "4")):
        options = _options(out, replications=1)
        options[options.index("--seed") + 1] = seed
        assert sim_in_process(capsys, *options).returncode == 0
    for runs in ((reference, one), (one, two)):
        result = sim_in_process(capsys, "compare", *runs, "--out", tmp_path / "c", "--no-plots")
        assert result.returncode == 2, result
        assert "1 replication" in _one_line(result.stderr)


def _forged(run: Path, value) -> None:
    """Set every float column of every table to ``value(column)`` (and no run below any threshold), and
    forge the digests to match."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from conftest import reseal

    for name in TABLES:
        table = pq.read_table(run / f"{name}.parquet")
        for index, field in enumerate(table.schema):
            if field.type == pa.float64():
                table = table.set_column(index, field.name, pa.array([value(field.name)] * table.num_rows))
            elif field.name.startswith("day_below_"):  # never below
                table = table.set_column(index, field.name, pa.nulls(table.num_rows, pa.int32()))
        pq.write_table(table, run / f"{name}.parquet")
    reseal(run, "complete")


def test_an_all_nan_run_is_one_line_even_with_its_digests_forged(
    capsys, tmp_path: Path, reference: Path, other: Path
) -> None:
    """Once tracebacks: 'Axis limits cannot be NaN or Inf' (plot), 'cannot convert float NaN to integer'
    (report)."""
    run = _copy(reference, tmp_path)
    _forged(run, lambda column: float("nan"))
    _refused_by_every_reader(
        capsys, run, other, tmp_path / "scratch", "final_area_km2", "not a finite number"
    )


def test_runs_with_no_variance_are_one_line_in_compare(capsys, tmp_path: Path, reference: Path) -> None:
    """Runs whose every outcome is one number in every replication leave nothing to compare."""
    first, second = _copy(reference, tmp_path, "first"), _copy(reference, tmp_path, "second")
    for run in (first, second):
        _forged(run, lambda column: 0.0 if column.startswith("withdrawal") else 100.0)
    result = sim_in_process(capsys, "compare", first, second, "--out", tmp_path / "c", "--no-plots")
    assert result.returncode == 2, result
    assert "nothing to compare" in _one_line(result.stderr)


@pytest.mark.slow
def test_folder_names_are_text_in_figures(capsys, tmp_path: Path, reference: Path, other: Path) -> None:
    """Once a known gap: a folder named 'a$\\frac{b$' in a comparison's title: ParseSyntaxException."""
    first, second = _copy(reference, tmp_path, "a$\\frac{b$"), _copy(other, tmp_path, "c$\\sqrt{2$")
    result = sim_in_process(capsys, "compare", first, second, "--out", tmp_path / "c", "-q")
    assert result.returncode == 0, result
    assert len(list((tmp_path / "c" / "plots").glob("*.png"))) == 3
    assert sim_in_process(capsys, "plot", first).returncode == 0


# ---------------------------------------------------------------------------- 11. what is written is valid
def test_json_is_written_with_finite_numbers_only(tmp_path: Path) -> None:
    """Once: validation.json held "crps": Infinity and "skill": -Infinity (not JSON)."""
    from sim.results.writing import write_json

    path = tmp_path / "doc.json"
    write_json(
        path, {"crps": float("inf"), "rows": [{"skill": float("-inf"), "pit": 0.5}], "x": float("nan")}
    )
    document = json.loads(path.read_text(), parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
    assert document["crps"] is None and document["rows"][0] == {"skill": None, "pit": 0.5}
    assert document["null_for_non_finite"] == ["crps", "rows.0.skill", "x"]


def test_csv_cells_that_begin_like_a_formula_are_escaped(capsys, tmp_path: Path, reference: Path) -> None:
    """Once: source cells '=cmd|' /C calc'!A0' and '@SUM(1+1)' were copied verbatim into validation.csv."""
    import csv

    observations = tmp_path / "obs.csv"
    observations.write_text(
        "date,value,source\n2024-10-01,300,=cmd|' /C calc'!A0\n2024-10-15,250,@SUM(1+1)\n"
        "2024-10-20,200,-1+1\n2024-10-25,150,+1\n"
    )
    run = _copy(reference, tmp_path)
    result = sim_in_process(capsys, "validate", run, "--observations", observations)
    assert result.returncode == 0, result
    with (run / "validation.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["source"] for row in rows] == ["'=cmd|' /C calc'!A0", "'@SUM(1+1)", "'-1+1", "+1"]
    assert float(rows[0]["observed"]) == 300


@pytest.mark.parametrize("kind", ["dev-zero", "dev-urandom", "fifo", "too-large", "1e308", "too-many-rows"])
def test_an_observations_file_is_a_bounded_regular_file(
    capsys, tmp_path: Path, reference: Path, kind: str
) -> None:
    """Once known gaps: /dev/zero and /dev/urandom were a MemoryError traceback, a FIFO or a 200 MB CSV a
    hang, and a value of 1e308 was accepted (and the figure failed to draw)."""
    path = tmp_path / "obs.csv"
    if kind == "dev-zero":
        path = Path("/dev/zero")
    elif kind == "dev-urandom":
        path = Path("/dev/urandom")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "too-large":
        path.write_text("date,value\n" + "2024-10-01,300\n" * 80_000)
    elif kind == "1e308":
        path.write_text("date,value\n2024-10-01,1e308\n")
    else:
        path.write_text("date,value\n" + "2024-10-01,300\n" * 1_001)
    run = _copy(reference, tmp_path)
    with _within(30):
        result = sim_in_process(capsys, "validate", run, "--observations", path)
    assert result.returncode == 2, result
    assert str(path) in _one_line(result.stderr)
    assert not (run / "validation.json").exists()


@pytest.mark.parametrize(
    "reference_text", ["http://x.org/s.json\nextends: /etc/passwd", "a\rb", "s.json\x00"]
)
def test_a_schema_reference_is_a_url_or_a_path(capsys, tmp_path: Path, reference_text: str) -> None:
    """Once a known gap: a newline in --schema wrote another YAML line (extends: /etc/passwd) in the file."""
    result = sim_in_process(capsys, "new", "fresh", "--out", tmp_path, "--schema", reference_text)
    assert result.returncode == 2, result
    assert "--schema" in _one_line(result.stderr)
    assert not (tmp_path / "fresh.yaml").exists()


# ------------------------------------------------------------------------ 12. processes that stop answering
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
@pytest.mark.slow
def test_a_stopped_worker_does_not_stall_sigterm(tmp_path: Path) -> None:
    """Once a known gap: a pool worker stopped (SIGSTOP), then SIGTERM to sim run: exit -9 after 120 s."""
    out = tmp_path / "run"
    process = _start(out, "--workers", "2")
    _wait_for_parts(out, process)
    workers = sorted(_children(process.pid))
    assert workers, "no worker processes found"
    os.kill(workers[0], signal.SIGSTOP)
    time.sleep(0.3)
    began = time.monotonic()
    process.terminate()
    try:
        _, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("sim run still running 60 s after SIGTERM") from None
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(workers[0], signal.SIGKILL)
    assert time.monotonic() - began < 15
    assert process.returncode == 143, stderr
    assert f"sim run --resume {out}" in _one_line(stderr)


@pytest.mark.slow
def test_a_dask_scheduler_that_loses_every_worker_ends_the_run(tmp_path: Path) -> None:
    """Once a known gap: with its only worker gone, sim run waited silently for ever."""
    pytest.importorskip("dask.distributed")
    dask = Path(sys.executable).parent / "dask"
    if not dask.exists():
        pytest.skip("no dask command beside the interpreter")
    preload = tmp_path / "slow_preload.py"
    preload.write_text(PRELOAD)
    scheduler, address = _scheduler()
    worker = _popen(
        [
            str(dask),
            "worker",
            address,
            "--nthreads",
            "1",
            "--nworkers",
            "1",
            "--no-dashboard",
            "--preload",
            str(preload),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=TESTS.parent,
    )
    out = tmp_path / "run"
    try:
        process = _start(out, "--executor", "dask", "--scheduler", address, replications=400)
        _wait_for_parts(out, process)
        worker.kill()
        worker.wait()
        try:
            _, stderr = process.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            process.kill()
            raise AssertionError("the run waited for a worker without end") from None
    finally:
        scheduler.kill()
        worker.kill()
    assert process.returncode == 1, stderr
    line = _one_line(stderr)
    assert "no workers" in line and f"sim run --resume {out}" in line, line
