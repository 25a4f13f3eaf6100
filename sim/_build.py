"""Which build runs: the mypyc-compiled modules, or their Python sources.

An install with a C compiler compiles the model's modules and the built-in tempo, supply and withdrawal
rules (``setup.py``; ``COMPILED_PACKAGES`` below). The compiled modules are used unless
``CONFLICT_SIM_PURE`` is set, or a compiled module's source no longer matches the digest recorded when it
was compiled (an edited file must never be silently ignored). In those cases every module of those
packages is loaded from its source: the compiled modules call each other directly, so they are all or
none. ``sim/__init__.py`` runs the choice first, before any of them can be imported (the scenario layer
imports the rules before anything imports the model).
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent
RECORD = ROOT / "_compiled_sources.json"
COMPILED_PACKAGES = (
    "sim.streams",
    "sim.model",
    "sim.scenario.rules.tempo",
    "sim.scenario.rules.supply",
    "sim.scenario.rules.withdrawal",
)
"""The packages whose modules may be compiled (``__init__`` modules stay Python)."""


def source_of(module: str) -> Path:
    """Return the source file of a module of ``sim`` ("sim.model.laws" -> .../sim/model/laws.py)."""
    return ROOT.joinpath(*module.split(".")[1:]).with_suffix(".py")


def compiled_modules() -> list[str]:
    """Return the modules of ``COMPILED_PACKAGES`` that have a compiled extension beside their source."""
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    found = []
    for package in COMPILED_PACKAGES:
        folder = source_of(f"{package}.__init__").parent
        for path in folder.iterdir():
            stem = path.name.split(".", 1)[0]
            if path.name.endswith(suffixes) and (folder / f"{stem}.py").exists():
                found.append(f"{package}.{stem}")
    return sorted(found)


def stale_sources(names: list[str] | None = None) -> list[str]:
    """Return the compiled modules whose source differs from the one compiled (all, without a record).

    Args:
        names: The compiled modules, if already found (``compiled_modules``).
    """
    names = compiled_modules() if names is None else names
    try:
        recorded = json.loads(RECORD.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return names
    return [name for name in names if recorded.get(name) != _digest(source_of(name))]


def _digest(source: Path) -> str:
    return hashlib.sha256(source.read_bytes()).hexdigest()


class _SourceFinder(importlib.abc.MetaPathFinder):
    """Finds the modules of ``COMPILED_PACKAGES`` as Python sources, passing over their extensions."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.rpartition(".")[0] not in COMPILED_PACKAGES:
            return None
        source = source_of(fullname)
        if not source.exists():
            return None
        return importlib.util.spec_from_file_location(fullname, source)


def choose() -> str:
    """Install the source finder when the Python sources must run; return "compiled" or "pure"."""
    names = compiled_modules()
    if not names:
        return "pure"
    if os.environ.get("CONFLICT_SIM_PURE"):
        reason = ""
    else:
        stale = stale_sources(names)
        if not stale:
            return "compiled"
        changed = (
            f"{source_of(stale[0]).relative_to(ROOT.parent).as_posix()} changed since it was compiled"
            if RECORD.exists()
            else f"no record of the sources compiled ({RECORD.name})"
        )
        reason = (
            f"{changed}; running the pure-Python model (same results, slower). Reinstall "
            "(pip install -e .) to compile it again."
        )
    if any(name in sys.modules for name in names):  # too late to choose: a compiled module is in use
        return "compiled"
    if not any(isinstance(finder, _SourceFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _SourceFinder())
    if reason:
        warnings.warn(reason, stacklevel=3)
    return "pure"


BUILD = choose()
"""The build in use in this process: "compiled" or "pure"."""
