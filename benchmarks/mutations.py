"""Mutation check: does a one-line change to the model fail a behaviour test that names it?

    .venv/bin/python benchmarks/mutations.py                  # every mutant of the model (~25 min)
    .venv/bin/python benchmarks/mutations.py --sample 60      # 60 mutants drawn with --seed, ~30 minutes
    .venv/bin/python benchmarks/mutations.py --list           # the mutants, without running anything
    .venv/bin/python benchmarks/mutations.py --recheck out.json   # only an earlier run's survivors
    .venv/bin/python benchmarks/mutations.py --module sim/model/laws.py --module sim/analysis/differences.py
    .venv/bin/python benchmarks/mutations.py --check-equivalents   # also run the mutants listed as equivalent
    .venv/bin/python benchmarks/mutations.py --mutant sim/model/tempo.py:3 --tests tests/test_edges_tempo.py

Each mutant changes one place of one module: a comparison (``<`` to ``<=``, ``==`` to ``!=``, ...), an
arithmetic operator (``+`` to ``-``, ``*`` to ``/``), ``and``/``or``, ``True``/``False``, or a number
(an integer plus one, a float doubled, 0.0 to 1.0). Docstrings, strings, f-strings, annotations and
``__all__`` are left alone. The mutant runs the behaviour tests (``--tests``; by default the laws, the
mechanisms and their edges (with every ``tests/test_edges_*.py``), the rules, the dynamics, Lanchester
and depth, the policies, the engagement and the random streams, not the golden files: a change the golden files alone
catch says "stored X, now Y", not which mechanism broke) in a copy of the checkout, on the pure-Python
model, stopping at the first failure. It prints caught/total and every survivor with its line, writes
them as JSON with ``--out``, and exits 1 while any survivor is left.

A survivor is either a gap in the tests or an equivalent mutant: a change no behaviour can show, such as
a counter stepped by 2 that is only compared for equality. The equivalent ones are listed, each with why,
in ``benchmarks/equivalent_mutants/<module>.toml`` (by module, source line and change, so that they
survive edits elsewhere in the module); they are not run unless ``--check-equivalents`` asks, which
reports any of them a test now catches (then it was not equivalent, and its entry goes). An entry that
matches no mutant is reported as stale.

Each mutant runs in a fork of this process, which has imported the libraries the tests use once, in a
copy of the checkout with hash-checked bytecode (a few seconds a mutant; about 30 minutes for all of
``sim/model`` and ``sim/streams`` on two cores). A mutant that runs past ``--timeout`` or grows past 6 GiB counts as caught.
"""

from __future__ import annotations

import argparse
import ast
import compileall
import json
import os
import py_compile
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = Path(__file__).resolve().parent / "equivalent_mutants"
COPIED = ("sim", "tests", "scenarios", "seeds", "pyproject.toml")
BEHAVIOUR_TESTS = (
    "tests/test_laws.py",
    "tests/test_mechanism_edges.py",
    "tests/test_mechanisms.py",
    "tests/test_rules.py",
    "tests/test_dynamics.py",
    "tests/test_lanchester.py",
    "tests/test_depth.py",
    "tests/test_policies.py",
    "tests/test_engagement.py",
    "tests/test_streams.py",
)
COMPARISONS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
ARITHMETIC: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Pow: ast.Mult,
}
LOGIC: dict[type[ast.boolop], type[ast.boolop]] = {ast.And: ast.Or, ast.Or: ast.And}


@dataclass(frozen=True)
class Mutant:
    """One change to one place of one module."""

    module: str
    index: int
    line: int
    change: str
    source_line: str


def _skipped_nodes(tree: ast.Module) -> set[int]:
    """Return the ids of nodes no mutant touches: docstrings, annotations, f-strings, ``__all__``."""
    skipped: set[int] = set()

    def skip(node: ast.AST | None) -> None:
        if node is not None:
            skipped.update(id(inner) for inner in ast.walk(node))

    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
        if docstring and isinstance(first.value.value, str):  # type: ignore[union-attr]
            skip(first)
        if isinstance(node, ast.AnnAssign | ast.arg):
            skip(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            skip(node.returns)
        elif isinstance(node, ast.JoinedStr) or (
            isinstance(node, ast.Assign)
            and any(isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets)
        ):
            skip(node)
    return skipped


def _sites(tree: ast.Module) -> list[tuple[ast.AST, int, str]]:
    """Return every place a mutant can change, in a fixed order: (node, position, what it becomes)."""
    skipped = _skipped_nodes(tree)
    sites: list[tuple[ast.AST, int, str]] = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Compare):
            for position, op in enumerate(node.ops):
                if type(op) in COMPARISONS:
                    sites.append((node, position, f"{type(op).__name__} -> {COMPARISONS[type(op)].__name__}"))
        elif isinstance(node, ast.BinOp | ast.AugAssign) and type(node.op) in ARITHMETIC:
            sites.append((node, 0, f"{type(node.op).__name__} -> {ARITHMETIC[type(node.op)].__name__}"))
        elif isinstance(node, ast.BoolOp):
            sites.append((node, 0, f"{type(node.op).__name__} -> {LOGIC[type(node.op)].__name__}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            sites.append((node, 0, f"{node.value} -> {not node.value}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            sites.append((node, 0, f"{node.value!r} -> {_changed_number(node.value)!r}"))
    return sites


def _changed_number(value: int | float) -> int | float:
    if isinstance(value, int):
        return value + 1
    return value * 2.0 if value else 1.0


def _mutate(node: ast.AST, position: int) -> None:
    if isinstance(node, ast.Compare):
        node.ops[position] = COMPARISONS[type(node.ops[position])]()
    elif isinstance(node, ast.BinOp | ast.AugAssign):
        node.op = ARITHMETIC[type(node.op)]()
    elif isinstance(node, ast.BoolOp):
        node.op = LOGIC[type(node.op)]()
    elif isinstance(node, ast.Constant):
        node.value = (not node.value) if isinstance(node.value, bool) else _changed_number(node.value)


def mutants(module: Path) -> list[Mutant]:
    """Return every mutant of a module (relative to the checkout)."""
    source = (ROOT / module).read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for index, (node, _, change) in enumerate(_sites(ast.parse(source))):
        line = getattr(node, "lineno", 0)
        found.append(Mutant(str(module), index, line, change, lines[line - 1].strip() if line else ""))
    return found


def mutated_source(mutant: Mutant, source: str | None = None) -> str:
    """Return the module's source with the mutant's one change (re-written by ``ast.unparse``).

    Args:
        mutant: The change.
        source: The module's source as the mutants were listed from (default: read from the checkout).
    """
    tree = ast.parse(source if source is not None else (ROOT / mutant.module).read_text(encoding="utf-8"))
    node, position, _ = _sites(tree)[mutant.index]
    _mutate(node, position)
    return ast.unparse(tree) + "\n"


def copy_checkout(into: Path) -> Path:
    """Copy what the tests need into ``into`` (no compiled model, no caches) and return it."""
    ignore = shutil.ignore_patterns("__pycache__", "*.so", "_compiled_sources.json", ".hypothesis")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, into / name, ignore=ignore)
        else:
            shutil.copy2(source, into / name)
    return into


PYTEST_ARGS = ("-x", "-q", "-p", "no:cacheprovider", "-m", "not slow")
OWN = ("sim", "tests", "conftest", "test_")
MEMORY_BYTES = 6 * 2**30


def run_tests(checkout: Path, tests: list[str], timeout: float) -> tuple[bool, float, str]:
    """Run the tests in a copy in a fresh interpreter; return (caught, seconds, the first failure or why)."""
    env = {**os.environ, "CONFLICT_SIM_PURE": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", *PYTEST_ARGS, *tests]
    started = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return True, time.perf_counter() - started, "timed out (counted as caught: the mutant hangs)"
    return done.returncode != 0, time.perf_counter() - started, _evidence(done.stdout)


def _evidence(output: str) -> str:
    lines = output.strip().splitlines()
    failed = next((line for line in lines if line.startswith(("FAILED", "ERROR"))), "")
    return failed or (lines[-1] if lines else "")


def preload(checkout: Path, tests: list[str]) -> int:
    """Import here every library the tests import (not the project's own modules); return how many.

    Each mutant then runs in a fork of this process (``check``), which starts its test run with numpy,
    scipy, pydantic, pyarrow, hypothesis and pytest already imported and imports only the project's
    modules, from the copy with the mutant. About 3 s of each mutant's run is those imports.
    """
    listing = (
        "import sys, pytest\n"
        f"pytest.main([*{list(PYTEST_ARGS)!r}, '--collect-only', *{tests!r}])\n"
        "print('MODULES', ' '.join(sorted(sys.modules)))\n"
    )
    env = {**os.environ, "CONFLICT_SIM_PURE": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", listing], cwd=checkout, env=env, capture_output=True, text=True, check=False
    )
    names = next((line.split()[1:] for line in done.stdout.splitlines() if line.startswith("MODULES ")), [])
    imported = 0
    for name in names:
        if name.split(".")[0].startswith(OWN) or name in sys.modules:
            continue
        try:
            __import__(name)
            imported += 1
        except Exception:  # noqa: BLE001 - a module that imports only in the test run is imported there
            continue
    return imported


def _run_in_child(checkout: Path, tests: list[str], output: Path) -> None:
    """In a forked child: run the tests of a copy with pytest in this process, then exit with its code."""
    code = 3
    try:
        descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(descriptor, 1)
        os.dup2(descriptor, 2)
        os.chdir(checkout)
        sys.path.insert(0, str(checkout))
        sys.dont_write_bytecode = True
        os.environ["CONFLICT_SIM_PURE"] = "1"
        # A mutant that grows without end fails its run at this bound instead of taking the machine.
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
        import pytest

        code = int(pytest.main([*PYTEST_ARGS, *tests]))
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def check(selected: list[Mutant], tests: list[str], jobs: int, timeout: float) -> list[dict[str, object]]:
    """Run every mutant (``jobs`` at a time, each in a fork with its own copy); return one record each."""
    base = Path(tempfile.mkdtemp(prefix="mutations-"))
    copies = [copy_checkout(base / f"worker{k}") for k in range(jobs)]
    for copy in copies:
        # Hash-checked bytecode: the unchanged modules load compiled, the mutated one is compiled afresh.
        compileall.compile_dir(copy, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
    print(f"{preload(copies[0], tests)} libraries imported once for every mutant's run", flush=True)
    free = list(copies)
    waiting = list(enumerate(selected))
    waiting.reverse()
    running: dict[int, tuple[int, Path, float, str]] = {}
    results: dict[int, dict[str, object]] = {}

    def finish(index: int, checkout: Path, started: float, original: str, caught: bool, why: str) -> None:
        mutant = selected[index]
        (checkout / mutant.module).write_text(original, encoding="utf-8")
        free.append(checkout)
        seconds = time.perf_counter() - started
        results[index] = {**asdict(mutant), "caught": caught, "seconds": round(seconds, 1), "by": why}
        mark = "caught  " if caught else "SURVIVED"
        print(f"{mark} {mutant.module}:{mutant.line} {mutant.change}  ({seconds:.0f} s)", flush=True)

    try:
        while waiting or running:
            while waiting and free:
                index, mutant = waiting.pop()
                checkout = free.pop()
                target = checkout / mutant.module
                original = target.read_text(encoding="utf-8")
                # From the copy taken at the start, so that editing the checkout meanwhile changes nothing.
                target.write_text(mutated_source(mutant, original), encoding="utf-8")
                sys.stdout.flush()
                pid = os.fork()
                if pid == 0:
                    _run_in_child(checkout, tests, checkout / "pytest.out")
                running[pid] = (index, checkout, time.perf_counter(), original)
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                now = time.perf_counter()
                for late, (index, checkout, started, original) in list(running.items()):
                    if now - started > timeout:
                        os.kill(late, signal.SIGKILL)
                        os.waitpid(late, 0)
                        del running[late]
                        why = "timed out (counted as caught: the mutant hangs)"
                        finish(index, checkout, started, original, True, why)
                time.sleep(0.05)
                continue
            index, checkout, started, original = running.pop(pid)
            output = (checkout / "pytest.out").read_text(encoding="utf-8", errors="replace")
            finish(
                index, checkout, started, original, os.waitstatus_to_exitcode(status) != 0, _evidence(output)
            )
    finally:
        for pid in running:
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(base, ignore_errors=True)
    return [results[index] for index in range(len(selected))]


def behaviour_tests() -> list[str]:
    """Return the behaviour test files: the named ones and every ``tests/test_edges_*.py``."""
    edges = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "tests").glob("test_edges_*.py"))
    return [*BEHAVIOUR_TESTS, *edges]


Key = tuple[str, str, str, int]
"""A mutant as the list of equivalents names it: module, source line, change, and which of the mutants
with those three it is (0, 1, ... in the module's order; -1 in an entry that means every one of them)."""


def equivalents(folder: Path) -> dict[Key, str]:
    """Return the mutants listed as equivalent in the folder's TOML files, with why.

    Each file holds ``[[equivalent]]`` tables with ``module``, ``line`` (the source line, stripped),
    ``change`` (as ``--list`` prints it), ``why``, and ``occurrence`` (0, 1, ...) where the same change
    can be made in more than one place of the same line (absent: every such place).
    """
    listed: dict[Key, str] = {}
    for path in sorted(folder.glob("*.toml")):
        for entry in tomllib.loads(path.read_text(encoding="utf-8")).get("equivalent", []):
            key = (entry["module"], entry["line"].strip(), entry["change"], int(entry.get("occurrence", -1)))
            if key in listed:
                raise SystemExit(f"{path}: {key} is listed twice")
            if not entry.get("why", "").strip():
                raise SystemExit(f"{path}: {key} says no why")
            listed[key] = entry["why"]
    return listed


def keys(every: list[Mutant]) -> dict[tuple[str, int], Key]:
    """Return each mutant's key, by (module, index)."""
    seen: dict[tuple[str, str, str], int] = {}
    found: dict[tuple[str, int], Key] = {}
    for mutant in every:
        same = (mutant.module, mutant.source_line, mutant.change)
        found[(mutant.module, mutant.index)] = (*same, seen.get(same, 0))
        seen[same] = seen.get(same, 0) + 1
    return found


def why_equivalent(key: Key, listed: dict[Key, str]) -> str | None:
    """Return why the mutant is listed as equivalent, or None if it is not."""
    return listed.get(key) or listed.get((*key[:3], -1))


def baseline_passes(tests: list[str], timeout: float) -> bool:
    """Return whether the tests pass on the unchanged copy (else every mutant would look caught)."""
    with tempfile.TemporaryDirectory(prefix="mutations-base-") as folder:
        caught, _, evidence = run_tests(copy_checkout(Path(folder)), tests, timeout)
    if caught:
        print(f"the behaviour tests fail without any mutant: {evidence}", file=sys.stderr)
    return not caught


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--module", action="append", help="Module to mutate (repeatable; default sim/model and sim/streams)"
    )
    parser.add_argument(
        "--tests", action="append", help="Test file to run (repeatable; default the behaviour tests)"
    )
    parser.add_argument("--sample", type=int, help="Check this many mutants drawn at random (default all)")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the sample")
    parser.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 1)), help="Mutants at a time")
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="Seconds before a mutant counts as hanging"
    )
    parser.add_argument("--recheck", type=Path, help="Run again only the survivors of an earlier --out file")
    parser.add_argument(
        "--mutant",
        action="append",
        help="Run only this mutant, MODULE:INDEX as --list prints it (repeatable)",
    )
    parser.add_argument("--list", action="store_true", help="List the mutants and stop")
    parser.add_argument(
        "--check-equivalents",
        action="store_true",
        help=f"Also run the mutants listed as equivalent in benchmarks/{EQUIVALENTS.name}/",
    )
    parser.add_argument("--out", type=Path, help="Write every result as JSON here")
    args = parser.parse_args(argv)

    modules = (
        [Path(m) for m in args.module]
        if args.module
        else sorted(
            path.relative_to(ROOT)
            for folder in ("model", "streams")
            for path in (ROOT / "sim" / folder).glob("*.py")
            if path.name not in {"__init__.py", "_build.py"}
        )
    )
    every = [mutant for module in modules for mutant in mutants(module)]
    selected = every
    if args.sample is not None and args.sample < len(every):
        selected = sorted(
            random.Random(args.seed).sample(every, args.sample), key=lambda m: (m.module, m.index)
        )
    if args.mutant:
        wanted_ids = {tuple(text.rsplit(":", 1)) for text in args.mutant}
        selected = [m for m in every if (m.module, str(m.index)) in wanted_ids]
        if len(selected) != len(wanted_ids):
            raise SystemExit(f"no such mutant among {sorted(wanted_ids)}: see --list")
    if args.recheck:
        earlier = json.loads(args.recheck.read_text(encoding="utf-8"))["results"]
        wanted = {(r["module"], r["index"]) for r in earlier if not r["caught"]}
        selected = [m for m in every if (m.module, m.index) in wanted]
    listed = equivalents(EQUIVALENTS)
    key_of = keys(every)
    known = set(key_of.values()) | {(*key[:3], -1) for key in key_of.values()}
    for module, line, change, _ in sorted(set(listed) - known):
        if module in {str(m) for m in modules}:
            print(f"stale entry in {EQUIVALENTS.name}/: {module}: {change}: {line}", file=sys.stderr)
    equivalent = [m for m in selected if why_equivalent(key_of[(m.module, m.index)], listed)]
    if not args.check_equivalents:
        selected = [m for m in selected if m not in equivalent]
    if args.list:
        repeated = {key[:3] for key in key_of.values() if key[3] > 0}
        for mutant in selected:
            key = key_of[(mutant.module, mutant.index)]
            where = f" (occurrence {key[3]})" if key[:3] in repeated else ""
            site = f"{mutant.module}:{mutant.line} [{mutant.index}]{where}"
            print(f"{site} {mutant.change}: {mutant.source_line}")
        print(f"{len(selected)} of {len(every)} mutants ({len(equivalent)} listed as equivalent)")
        return 0
    tests = args.tests or behaviour_tests()
    if not baseline_passes(tests, args.timeout):
        return 1
    started = time.perf_counter()
    results = check(selected, tests, max(1, args.jobs), args.timeout)
    for mutant, record in zip(selected, results, strict=True):
        record["equivalent"] = why_equivalent(key_of[(mutant.module, mutant.index)], listed)
    survivors = [r for r in results if not r["caught"] and not r["equivalent"]]
    wrongly_listed = [r for r in results if r["caught"] and r["equivalent"]]
    caught = sum(1 for r in results if r["caught"])
    minutes = (time.perf_counter() - started) / 60
    print(
        f"\ncaught {caught} of {len(results)} mutants run ({len(every)} in the modules, "
        f"{len(equivalent)} of them listed as equivalent in {EQUIVALENTS.name}/), {minutes:.0f} min; "
        f"{len(survivors)} survived"
    )
    for survivor in survivors:
        where = f"{survivor['module']}:{survivor['line']}"
        print(f"  survived: {where} {survivor['change']}: {survivor['source_line']}")
    for record in wrongly_listed:
        where = f"{record['module']}:{record['line']}"
        print(f"  listed as equivalent but caught: {where} {record['change']}: {record['source_line']}")
    if args.out:
        args.out.write_text(json.dumps({"tests": tests, "results": results}, indent=1), encoding="utf-8")
    return 1 if survivors or wrongly_listed else 0


if __name__ == "__main__":
    raise SystemExit(main())
