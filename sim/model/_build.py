"""Which build of the model runs: the mypyc-compiled modules, or their Python sources.

An install with a C compiler compiles the model's modules (``setup.py``). The compiled modules are used
unless ``CONFLICT_SIM_PURE`` is set, or a model source no longer matches the digest recorded when it was
compiled (an edited file must never be silently ignored). In those cases every ``sim.model`` module is
loaded from its source: the compiled modules call each other directly, so they are all or none.
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

HERE = Path(__file__).resolve().parent
RECORD = HERE / "_compiled_sources.json"
PACKAGE = "sim.model."


def compiled_modules() -> list[str]:
    """Return the model modules that have a compiled extension beside their source."""
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    return sorted(
        path.name.split(".", 1)[0]
        for path in HERE.iterdir()
        if path.name.endswith(suffixes) and (HERE / f"{path.name.split('.', 1)[0]}.py").exists()
    )


def stale_sources() -> list[str]:
    """Return the compiled modules whose source differs from the one compiled (all, without a record)."""
    names = compiled_modules()
    try:
        recorded = json.loads(RECORD.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return names
    return [
        name
        for name in names
        if recorded.get(name) != hashlib.sha256((HERE / f"{name}.py").read_bytes()).hexdigest()
    ]


class _SourceFinder(importlib.abc.MetaPathFinder):
    """Finds ``sim.model`` modules as Python sources, passing over their compiled extensions."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(PACKAGE) or "." in fullname[len(PACKAGE) :]:
            return None
        source = HERE / f"{fullname[len(PACKAGE) :]}.py"
        if not source.exists():
            return None
        return importlib.util.spec_from_file_location(fullname, source)


def choose() -> str:
    """Install the source finder when the pure model must run; return "compiled" or "pure"."""
    names = compiled_modules()
    if not names:
        return "pure"
    if os.environ.get("CONFLICT_SIM_PURE"):
        reason = ""
    else:
        stale = stale_sources()
        if not stale:
            return "compiled"
        reason = (
            f"sim/model/{stale[0]}.py changed since it was compiled; running the pure-Python model "
            "(same results, slower). Reinstall (pip install -e .) to compile it again."
        )
    loaded = [name for name in names if f"{PACKAGE}{name}" in sys.modules]
    if loaded:  # too late to choose: a compiled module is already in use
        return "compiled"
    if not any(isinstance(finder, _SourceFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _SourceFinder())
    if reason:
        warnings.warn(reason, stacklevel=3)
    return "pure"


BUILD = choose()
"""The build in use in this process: "compiled" or "pure"."""
