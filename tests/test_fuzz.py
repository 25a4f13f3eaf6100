"""Fuzzing the command line with broken scenarios: one clear line or a valid run, never a traceback or a hang.

Scenarios start from ``tests/scenarios/small.yaml`` and are damaged at random (hypothesis): keys deleted,
values replaced by strings, huge, negative, NaN or infinite numbers, or nested junk, unknown keys added,
keys duplicated, the YAML syntax broken; ``--set`` gets random paths and values. Each is run in-process
through ``sim check`` (and some through ``sim run -n 2``): the command must exit 0 (a valid scenario,
with only finite numbers), or exit 2 with exactly one line on standard error starting ``error: ``. An
exception escaping the command fails the test with its traceback; an example running longer than its
time limit fails as a hang. The examples are a fixed set (``derandomize``), so CI is stable.
"""

from __future__ import annotations

import contextlib
import copy
import math
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SMALL, sim_in_process
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli.check import LISTED

BASE = yaml.safe_load(SMALL.read_text(encoding="utf-8"))
BASE_TEXT = yaml.safe_dump(BASE, sort_keys=False)

FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)


class Hang(Exception):
    """An example ran past its time limit."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail with ``Hang`` if the block runs longer than ``seconds`` (SIGALRM, main thread only)."""

    def expire(signum: int, frame: object) -> None:
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def paths_of(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (mapping keys, list indices) in plain data, containers included."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths_of(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths_of(value, (*prefix, index))
    return found


PATHS = paths_of(BASE)


def lookup(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def has(data: Any, path: tuple[Any, ...]) -> bool:
    try:
        lookup(data, path)
    except (KeyError, IndexError, TypeError):
        return False
    return True


junk = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.text(max_size=12),
        st.integers(-(10**30), 10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from(
            [".nan", ".inf", "-.inf", "1e400", "1e12", 10**12, -1, -0.5, 0, 1e300, "", "~", "2024-02-30"]
        ),
        st.dates().map(str),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(min_size=1, max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
"""A value to put where a number (or anything else) was."""


@st.composite
def mutation(draw: st.DrawFn, data: dict[str, Any], mild: bool = False) -> None:
    """Damage ``data`` in place, in one of the ways a user (or an attacker) might.

    ``mild``: only delete keys or scale numbers, so that many results are still valid and run.
    """
    kinds = (
        ["delete", "scale", "scale"]
        if mild
        else ["delete", "replace", "replace", "replace", "unknown_key", "scale"]
    )
    kind = draw(st.sampled_from(kinds))
    path = draw(st.sampled_from(PATHS))
    if not has(data, path):
        return
    parent = lookup(data, path[:-1])
    if kind == "delete":
        if isinstance(parent, dict) or isinstance(parent, list) and len(parent) > 1:
            del parent[path[-1]]
    elif kind == "replace":
        parent[path[-1]] = draw(junk)
    elif kind == "unknown_key":
        target = lookup(data, path)
        if isinstance(target, dict):
            target[draw(st.sampled_from(["zzz", "kil_rate", "units", "dist", "extends", "<<"]))] = draw(junk)
    else:  # a number made huge, tiny or negative
        value = lookup(data, path)
        if isinstance(value, int | float) and not isinstance(value, bool):
            factors = [0, 0.5, 2, 10, 1e3, 1e6, -1] if mild else [-1, 0, 1e-12, 1e3, 1e6, 1e12, 1e300]
            factor = draw(st.sampled_from(factors))
            parent[path[-1]] = value * factor


@st.composite
def damaged_scenarios(draw: st.DrawFn, mild: bool = False) -> str:
    """A damaged small scenario, as YAML text (sometimes with broken syntax or duplicate keys)."""
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 2 if mild else 3))):
        draw(mutation(data, mild))
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    edits = (
        ["none"] * 12 + ["duplicate_line"]
        if mild
        else ["none"] * 3 + ["duplicate_line", "cut", "insert", "nul"]
    )
    edit = draw(st.sampled_from(edits))
    lines = text.splitlines(keepends=True)
    where = draw(st.integers(0, max(0, len(lines) - 1)))
    if edit == "duplicate_line" and lines:
        lines.insert(where, lines[where])  # a duplicate key (or a duplicated list item)
    elif edit == "cut":
        lines = lines[:where]
    elif edit == "insert" and lines:
        junk_text = draw(
            st.sampled_from(["[", "{", ": :", "&a", "*nope", "!!python/object:os.system", "\t", "'"])
        )
        column = draw(st.integers(0, len(lines[where])))
        lines[where] = lines[where][:column] + junk_text + lines[where][column:]
    elif edit == "nul" and lines:
        lines[where] = "\x00" + lines[where]
    return "".join(lines)


def finite_everywhere(node: Any) -> bool:
    if isinstance(node, float):
        return math.isfinite(node)
    if isinstance(node, dict):
        return all(finite_everywhere(v) for v in node.values())
    if isinstance(node, list):
        return all(finite_everywhere(v) for v in node)
    return True


def check_answer(capsys: pytest.CaptureFixture[str], text: str | None, *args: str | Path) -> int:
    """Run ``sim ARGS`` in-process; assert one clean line (exit 2) or a valid run (exit 0)."""
    with time_limit(30):
        result = sim_in_process(capsys, *args)
    assert "Traceback" not in result.stderr + result.stdout
    if result.returncode == 0:
        if text is not None:
            # Whatever was accepted holds finite numbers only.
            with contextlib.suppress(yaml.YAMLError):
                assert finite_everywhere(yaml.safe_load(text)), text
        return 0
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    # sim check lists every problem, one a line (at most LISTED and a line saying how many more); every
    # other command gives the first alone.
    assert 1 <= len(lines) <= (LISTED + 1 if args[0] == "check" else 1), result.stderr
    assert all(line.startswith("error: ") and len(line) <= 420 for line in lines), result.stderr
    return 2


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="sim_fuzz_"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@settings(FUZZ, max_examples=150)
@given(text=damaged_scenarios())
@pytest.mark.slow
def test_check_answers_damaged_scenarios_cleanly(
    text: str, workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workdir)
    (workdir / "s.yaml").write_text(text, encoding="utf-8")
    check_answer(capsys, text, "check", "s.yaml")


set_paths = st.one_of(
    st.sampled_from([".".join(str(part) for part in path) for path in PATHS]),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz._0123456789", min_size=1, max_size=30),
)
set_values = st.one_of(
    junk.map(
        lambda value: yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()
    ),
    st.text(max_size=30),
    st.sampled_from(["[" * 300, "{a: " * 100, "&a [*a]", "!!python/name:os.system", "1e400", ".nan", "nan"]),
)


@settings(FUZZ, max_examples=150)
@given(path=set_paths, value=set_values)
@pytest.mark.slow
def test_check_answers_random_set_values_cleanly(
    path: str, value: str, workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workdir)
    (workdir / "s.yaml").write_text(BASE_TEXT, encoding="utf-8")
    if "\x00" in value:
        value = value.replace("\x00", "")  # a command line cannot hold a NUL byte
    check_answer(capsys, None, "check", "s.yaml", "--set", f"{path}={value}")


@settings(FUZZ, max_examples=30)
@given(text=damaged_scenarios(mild=True))
@pytest.mark.slow
def test_run_answers_damaged_scenarios_cleanly(
    text: str, workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workdir)
    (workdir / "s.yaml").write_text(text, encoding="utf-8")
    out = Path(tempfile.mkdtemp(dir=workdir)) / "run"
    code = check_answer(
        capsys, text, "run", "s.yaml", "-n", "2", "--executor", "serial", "--no-plots", "-q", "--out", out
    )
    if code == 0:
        assert (out / "outcomes.parquet").is_file()
    shutil.rmtree(out.parent, ignore_errors=True)
