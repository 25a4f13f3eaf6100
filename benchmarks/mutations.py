"""Mutation check: does a one-line change to the model fail a behaviour test that names it?

    .venv/bin/python benchmarks/mutations.py                  # every mutant of sim/model (hours on 2 cores)
    .venv/bin/python benchmarks/mutations.py --sample 60      # 60 mutants drawn with --seed, ~30 minutes
    .venv/bin/python benchmarks/mutations.py --list           # the mutants, without running anything
    .venv/bin/python benchmarks/mutations.py --recheck out.json   # only an earlier run's survivors
    .venv/bin/python benchmarks/mutations.py --module sim/model/laws.py --module sim/analysis/differences.py

Each mutant changes one place of one module: a comparison (``<`` to ``<=``, ``==`` to ``!=``, ...), an
arithmetic operator (``+`` to ``-``, ``*`` to ``/``), ``and``/``or``, ``True``/``False``, or a number
(an integer plus one, a float doubled, 0.0 to 1.0). Docstrings, strings, f-strings, annotations and
``__all__`` are left alone. The mutant runs the behaviour tests (``--tests``; by default the laws, the
mechanisms and their edges, the rules, the dynamics, Lanchester and depth, the policies and the
engagement, not the golden files: a change the golden files alone catch says "stored X, now Y", not
which mechanism broke) in a copy of the checkout, on the pure-Python model, stopping at the first
failure. It prints caught/total and every survivor with its line, and writes them as JSON with
``--out``. A survivor is either a gap in the tests or an equivalent mutant (a change that cannot alter
behaviour, such as a bound never reached); each survivor listed in docs/architecture.md says which.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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


def mutated_source(mutant: Mutant) -> str:
    """Return the module's source with the mutant's one change (re-written by ``ast.unparse``)."""
    tree = ast.parse((ROOT / mutant.module).read_text(encoding="utf-8"))
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


def run_tests(checkout: Path, tests: list[str], timeout: float) -> tuple[bool, float, str]:
    """Run the tests in a copy; return (caught, seconds, the first failing test or why)."""
    env = {**os.environ, "CONFLICT_SIM_PURE": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-m", "not slow", *tests]
    started = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return True, time.perf_counter() - started, "timed out (counted as caught: the mutant hangs)"
    seconds = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    failed = next((line for line in lines if line.startswith(("FAILED", "ERROR"))), "")
    return done.returncode != 0, seconds, failed or (lines[-1] if lines else "")


def check(selected: list[Mutant], tests: list[str], jobs: int, timeout: float) -> list[dict[str, object]]:
    """Run every mutant (``jobs`` at a time, each worker in its own copy); return one record each."""
    base = Path(tempfile.mkdtemp(prefix="mutations-"))
    copies = [copy_checkout(base / f"worker{k}") for k in range(jobs)]
    free = list(copies)
    results: list[dict[str, object]] = []

    def one(mutant: Mutant) -> dict[str, object]:
        checkout = free.pop()
        target = checkout / mutant.module
        original = target.read_text(encoding="utf-8")
        try:
            target.write_text(mutated_source(mutant), encoding="utf-8")
            caught, seconds, evidence = run_tests(checkout, tests, timeout)
        finally:
            target.write_text(original, encoding="utf-8")
            free.append(checkout)
        record = {**asdict(mutant), "caught": caught, "seconds": round(seconds, 1), "by": evidence}
        mark = "caught  " if caught else "SURVIVED"
        print(f"{mark} {mutant.module}:{mutant.line} {mutant.change}  ({seconds:.0f} s)", flush=True)
        return record

    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(one, selected))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return results


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
        "--module", action="append", help="Module to mutate (repeatable; default sim/model/*.py)"
    )
    parser.add_argument(
        "--tests", action="append", help="Test file to run (repeatable; default the behaviour tests)"
    )
    parser.add_argument("--sample", type=int, help="Check this many mutants drawn at random (default all)")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the sample")
    parser.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 1)), help="Mutants at a time")
    parser.add_argument(
        "--timeout", type=float, default=900.0, help="Seconds before a mutant counts as hanging"
    )
    parser.add_argument("--recheck", type=Path, help="Run again only the survivors of an earlier --out file")
    parser.add_argument("--list", action="store_true", help="List the mutants and stop")
    parser.add_argument("--out", type=Path, help="Write every result as JSON here")
    args = parser.parse_args(argv)

    modules = (
        [Path(m) for m in args.module]
        if args.module
        else sorted(
            path.relative_to(ROOT)
            for path in (ROOT / "sim" / "model").glob("*.py")
            if path.name not in {"__init__.py", "_build.py"}
        )
    )
    every = [mutant for module in modules for mutant in mutants(module)]
    selected = every
    if args.sample is not None and args.sample < len(every):
        selected = sorted(
            random.Random(args.seed).sample(every, args.sample), key=lambda m: (m.module, m.index)
        )
    if args.recheck:
        earlier = json.loads(args.recheck.read_text(encoding="utf-8"))["results"]
        wanted = {(r["module"], r["index"]) for r in earlier if not r["caught"]}
        selected = [m for m in every if (m.module, m.index) in wanted]
    if args.list:
        for mutant in selected:
            print(f"{mutant.module}:{mutant.line} [{mutant.index}] {mutant.change}: {mutant.source_line}")
        print(f"{len(selected)} of {len(every)} mutants")
        return 0
    tests = args.tests or list(BEHAVIOUR_TESTS)
    if not baseline_passes(tests, args.timeout):
        return 1
    started = time.perf_counter()
    results = check(selected, tests, max(1, args.jobs), args.timeout)
    survivors = [r for r in results if not r["caught"]]
    minutes = (time.perf_counter() - started) / 60
    print(
        f"\ncaught {len(results) - len(survivors)} of {len(results)} mutants ({len(every)} in the modules), "
        f"{minutes:.0f} min"
    )
    for survivor in survivors:
        where = f"{survivor['module']}:{survivor['line']}"
        print(f"  survived: {where} {survivor['change']}: {survivor['source_line']}")
    if args.out:
        args.out.write_text(json.dumps({"tests": tests, "results": results}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
