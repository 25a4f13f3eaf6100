"""The compiled and the pure-Python builds of the model give the same bytes (setup.py, sim/_build.py).

An install with a C compiler runs the model compiled with mypyc; ``CONFLICT_SIM_PURE=1`` makes a process
load the model from its Python sources instead. The same replications, run both ways, must agree bit
for bit: daily records, parameters, withdrawal and the full event trace.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sim.model
from sim import _build

REPO = Path(__file__).resolve().parent.parent
CASES = (
    (REPO / "scenarios" / "kursk_2024.yaml", 6),
    (REPO / "scenarios" / "donetsk_2024.yaml", 3),
    (REPO / "tests" / "scenarios" / "small.yaml", 6),
)
COMPILED = sim.model.BUILD == "compiled"
spec = importlib.util.spec_from_file_location("regenerate", REPO / "tests" / "golden" / "regenerate.py")
assert spec is not None and spec.loader is not None
regenerate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(regenerate)
needs_compiled = pytest.mark.skipif(not COMPILED, reason="this install runs the pure-Python model only")


def fingerprint() -> str:
    """Return a digest of every output of a few replications (every second one traced)."""
    return hashlib.sha256(
        "".join(regenerate.digest(path, count) for path, count in CASES).encode()
    ).hexdigest()


def run_pure(code: str, cwd: Path = REPO) -> str:
    """Run Python ``code`` with the pure-Python model and return its output."""
    environment = {**os.environ, "CONFLICT_SIM_PURE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=environment, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@needs_compiled
@pytest.mark.slow
def test_compiled_and_pure_builds_give_the_same_bytes() -> None:
    compiled = fingerprint()
    pure = run_pure(
        "import sys; sys.path.insert(0, 'tests'); import sim.model, test_builds;"
        "print(sim.model.BUILD, test_builds.fingerprint())"
    )
    assert pure.split() == ["pure", compiled]


def copy_package(tmp_path: Path) -> Path:
    """Copy the package to ``tmp_path``: the sources, and the compiled modules and libraries beside them."""
    copy = tmp_path / "sim"
    shutil.copytree(REPO / "sim", copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def run_copy(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Run Python ``code`` in ``tmp_path`` (where ``copy_package`` put the package), build not forced."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "CONFLICT_SIM_PURE"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@needs_compiled
@pytest.mark.slow
@pytest.mark.parametrize("edited", ["model/laws.py", "scenario/rules/tempo/pauses.py"])
def test_an_edited_source_runs_as_python_not_as_a_stale_compiled_module(tmp_path: Path, edited: str) -> None:
    """A source that differs from the one compiled makes every compiled module load from its source."""
    source = copy_package(tmp_path) / edited
    source.write_text(source.read_text(encoding="utf-8") + "\nEDITED = True\n", encoding="utf-8")
    code = (
        "import sys; sys.path.insert(0, '.'); import warnings; warnings.simplefilter('error');"
        "import sim.model\n"
    )
    done = run_copy(tmp_path, code)
    assert f"sim/{edited} changed since it was compiled" in done.stderr
    module = "sim." + edited.removesuffix(".py").replace("/", ".")
    quiet = code.replace("warnings.simplefilter('error')", "warnings.simplefilter('ignore')")
    quiet += f"import {module}, sim.model.combat, sim.scenario.rules.supply.corridor as corridor\n"
    quiet += f"print(sim.model.BUILD, {module}.EDITED, sim.model.combat.__file__.endswith('.py'),"
    quiet += " corridor.__file__.endswith('.py'))"
    done = run_copy(tmp_path, quiet)
    assert done.stdout.split() == ["pure", "True", "True", "True"], done.stderr


@needs_compiled
@pytest.mark.slow
def test_compiled_modules_without_their_record_run_as_python_and_say_why(tmp_path: Path) -> None:
    (copy_package(tmp_path) / "_compiled_sources.json").unlink()
    done = run_copy(tmp_path, "import sys; sys.path.insert(0, '.'); import sim.model; print(sim.model.BUILD)")
    assert done.stdout.split() == ["pure"], done.stderr
    assert "no record of the sources compiled (_compiled_sources.json)" in done.stderr


@needs_compiled
@pytest.mark.slow
def test_tests_that_patch_model_internals_pass_on_the_pure_build() -> None:
    """Tests marked ``pure_model`` patch functions the compiled modules call directly: run them pure."""
    environment = {**os.environ, "CONFLICT_SIM_PURE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "pure_model", "tests"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert " passed" in done.stdout and "skipped" not in done.stdout.splitlines()[-1], done.stdout[-500:]


def test_the_build_record_covers_exactly_the_compiled_modules() -> None:
    """setup.py's list of compiled modules and the import-time check agree, and every one exists."""
    setup_text = (REPO / "setup.py").read_text(encoding="utf-8")
    listed = setup_text.split("COMPILED = (", 1)[1].split(")", 1)[0]
    names = [part.strip().strip('",') for part in listed.split() if part.strip().strip('",')]
    assert names, "setup.py lists no compiled modules"
    for name in names:
        assert _build.source_of(name).exists(), name
        assert name.rpartition(".")[0] in _build.COMPILED_PACKAGES, name
    # Every module of the compiled packages is compiled (a rule left out would run as Python unseen).
    for package in _build.COMPILED_PACKAGES:
        folder = _build.source_of(f"{package}.__init__").parent
        for source in folder.glob("*.py"):
            if source.stem != "__init__" and not source.stem.startswith("_"):
                assert f"{package}.{source.stem}" in names, source
    if COMPILED:
        assert sorted(names) == _build.compiled_modules()
        assert _build.stale_sources() == []


def test_no_compiled_module_sums_a_generator_expression() -> None:
    """mypyc compiles ``sum(x for x in ...)`` to plain additions; Python 3.12's ``sum`` compensates.

    So the two builds would differ in the last bits there on Python 3.12 and later. The model's own sums
    are loops of plain additions in both builds (``sim.model.sums``); a ``sum`` of a list, which both
    builds hand to Python's own ``sum``, would agree too, but not a ``sum`` of a generator expression.
    """
    import ast

    found = []
    setup_text = (REPO / "setup.py").read_text(encoding="utf-8")
    listed = setup_text.split("COMPILED = (", 1)[1].split(")", 1)[0]
    names = [part.strip().strip('",') for part in listed.split() if part.strip().strip('",')]
    for name in names:
        source = _build.source_of(name)
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "sum"
                and node.args
                and isinstance(node.args[0], ast.GeneratorExp)
            ):
                found.append(f"{source.relative_to(REPO)}:{node.lineno}")
    assert found == []
