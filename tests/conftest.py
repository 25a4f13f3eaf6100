"""Shared fixtures: the small test scenario, running the real ``sim`` command, reading a run folder."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

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


def run_sim(
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


def run_small(out: Path, *extra: str, replications: int = 20, seed: int = 0) -> subprocess.CompletedProcess:
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
    """A finished run: its folder and the process that made it."""

    out: Path
    result: subprocess.CompletedProcess


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One ``sim run`` of the small scenario (20 replications, seed 0, plots on), shared read-only."""
    out = tmp_path_factory.mktemp("small_run") / "run"
    return Run(out, run_small(out))


class Result(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


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
