"""Shared fixtures: the small test scenario, the ``sim`` command (here or in its own process), a run."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple
from unittest import mock

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

TESTS = Path(__file__).resolve().parent
SMALL = TESTS / "scenarios" / "small.yaml"
"""A two-sector, 61-day scenario with distributions, withdrawal rules, logistics and strikes."""

SORT_KEYS = {
    "daily": ["replication", "day"],
    "sectors": ["replication", "day", "sector"],
    "outcomes": ["replication"],
}


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"
    env.pop("PYTHONHASHSEED", None)
    return env


# Figures drawn in this process (the in-process command line) never need a display.
os.environ.setdefault("MPLBACKEND", "Agg")


class Result(NamedTuple):
    """What a command gave: its exit code and what it printed."""

    returncode: int
    stdout: str
    stderr: str
    args: Sequence[str] = ()
    """The command as ``python -m sim`` would run it (as ``subprocess.CompletedProcess.args``)."""


_REAL_COMMAND: list[bool] = [False]
"""Whether the running test is marked ``real_command`` (then ``run_sim`` starts ``python -m sim``)."""


@pytest.fixture(autouse=True)
def _real_command(request: pytest.FixtureRequest) -> Iterator[None]:
    _REAL_COMMAND[0] = request.node.get_closest_marker("real_command") is not None
    yield
    _REAL_COMMAND[0] = False


def run_sim(
    *args: str | os.PathLike[str], check: bool = True, timeout: float = 120
) -> Result | subprocess.CompletedProcess:
    """Run the ``sim`` command line with ARGS from the project root and return its exit code and output.

    In this process through click's test runner (no interpreter start-up, no re-imports), unless the
    test is marked ``real_command``: then ``python -m sim`` runs in a subprocess, exit code and streams
    as a shell sees them.
    """
    if _REAL_COMMAND[0]:
        return run_real_sim(*args, check=check, timeout=timeout)
    return run_in_process(*args, check=check)


def run_in_process(*args: str | os.PathLike[str], check: bool = True) -> Result:
    """Run ``sim ARGS`` in this process through click's ``CliRunner``, from the project root.

    An exception the command does not handle is what the interpreter would print: a traceback on
    standard error and exit code 1 (click's runner would keep it to itself).
    """
    from click.testing import CliRunner

    from sim.cli import cli

    words = [str(a) for a in args]
    # The folder's manifest records sys.argv: what ``python -m sim ARGS`` would have.
    argv = [str(TESTS.parent / "sim" / "__main__.py"), *words]
    with contextlib.chdir(TESTS.parent), mock.patch.object(sys, "argv", argv):
        invoked = CliRunner().invoke(cli, words, prog_name="sim")
    stderr = invoked.stderr
    code = invoked.exit_code
    if invoked.exc_info is not None and not isinstance(invoked.exception, SystemExit):
        stderr += "".join(traceback.format_exception(*invoked.exc_info))
        code = 1
    result = Result(code, invoked.stdout, stderr, [sys.executable, "-m", "sim", *words])
    if check and result.returncode != 0:
        raise AssertionError(
            f"sim {' '.join(words)} exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return result


def run_real_sim(
    *args: str | os.PathLike[str], check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess:
    """Run ``python -m sim ARGS`` in a subprocess from the project root and return its result."""
    command = [sys.executable, "-m", "sim", *(str(a) for a in args)]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=TESTS.parent,
        env=_environment(),
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return result


def run_small(
    out: Path, *extra: str, replications: int = 20, seed: int = 0
) -> Result | subprocess.CompletedProcess:
    """Run the small scenario into ``out`` with the given extra options."""
    return run_sim("run", SMALL, "-n", str(replications), "--seed", str(seed), "--out", out, "-q", *extra)


def read(run: Path, name: str) -> pa.Table:
    """Read one table of a run folder, sorted by its key columns."""
    table = pq.read_table(run / f"{name}.parquet")
    return table.sort_by([(key, "ascending") for key in SORT_KEYS[name]])


def rows_of(table: pa.Table, replications: Sequence[int]) -> pa.Table:
    """Return the rows of ``table`` whose replication is in ``replications``."""
    mask = pc.is_in(table["replication"], value_set=pa.array(replications, type=pa.int64()))
    return table.filter(mask)


@pytest.fixture(scope="session")
def small_scenario() -> Path:
    return SMALL


class Run(NamedTuple):
    """A finished run: its folder and what the command that made it gave."""

    out: Path
    result: Result | subprocess.CompletedProcess


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One ``sim run`` of the small scenario (20 replications, seed 0, plots on), shared read-only."""
    out = tmp_path_factory.mktemp("small_run") / "run"
    return Run(out, run_small(out))


def sim_in_process(capsys: pytest.CaptureFixture[str], *args: str | Path) -> Result:
    """Run the ``sim`` command line in this process (no interpreter start-up or re-imports)."""
    from sim.cli import main

    capsys.readouterr()
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def reseal(directory: Path, status: str | None = None) -> None:
    """Seal a folder's manifest as it now stands, as sim seals the folders it writes.

    For tests that build a folder by hand, or edit one as a forger would (recomputing every digest): its
    ``manifest.seal`` is rewritten from ``manifest.json`` and, for a complete folder, the merged tables
    are recorded with their sha256, rows and size.

    Args:
        directory: The folder.
        status: A status to set first (``complete`` records the tables).
    """
    from sim.results.files import file_digest
    from sim.results.manifest import (
        SEAL_FILE,
        Manifest,
        TableRecord,
        read_manifest_data,
        seal_digest,
        sealed_part,
    )
    from sim.results.store import tables_for
    from sim.results.writing import write_json

    manifest = Manifest.model_validate(read_manifest_data(directory / "manifest.json"))
    if status is not None:
        manifest.status = status  # type: ignore[assignment]
    if manifest.status == "complete":
        for chunk in manifest.chunks:
            chunk.status = "done"
        manifest.tables = {
            name: TableRecord(
                sha256=file_digest(directory / f"{name}.parquet"),
                rows=pq.read_metadata(directory / f"{name}.parquet").num_rows,
                bytes=(directory / f"{name}.parquet").stat().st_size,
            )
            for name in tables_for(manifest.daily)
        }
    part = sealed_part(manifest)
    manifest.seal = seal_digest(part)
    write_json(directory / SEAL_FILE, {"sha256": manifest.seal, "sealed": part})
    write_json(directory / "manifest.json", manifest.document())
