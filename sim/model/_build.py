"""Which build of the model runs: the mypyc-compiled modules, or their Python sources.

An install with a C compiler compiles the model's modules (``setup.py``). The compiled modules are used
unless ``CONFLICT_SIM_PURE`` is set, or a model source no longer matches the digest recorded when it was
compiled (an edited file must never be silently ignored). In those cases every ``sim.model`` module is
loaded from its source: the compiled modules call each other directly, so they are all or none.

It also chooses the compiled build's Poisson sampler (``NATIVE_POISSON``): numpy's own, called directly
(``_poisson.c``), once a check at import has found its draws equal to ``Generator.poisson``'s.
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
from collections.abc import Callable, Sequence
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


NativePoisson = Callable[[object, float], "float | None"]
"""numpy's Poisson sampler called directly: ``(bit generator capsule, mean) -> draw``, None for a mean
numpy itself must refuse."""


def agrees_with_numpy(poisson: NativePoisson) -> bool:
    """Return whether ``poisson`` draws what ``Generator.poisson`` draws and leaves the stream as it does.

    Means from 0 to a million (both of numpy's algorithms and the switch between them at 10), with
    other draws between them, on two generators of one seed.
    """
    import numpy as np

    means = [0.0, 1e-300, 1e-3, 0.5, 3.0, 9.999999999999998, 10.0, 10.5, 47.3, 812.0, 1e6]
    ours, theirs = np.random.default_rng(20241123), np.random.default_rng(20241123)
    capsule = ours.bit_generator.capsule
    for _ in range(20):
        for mean in means:
            if poisson(capsule, mean) != float(theirs.poisson(mean)):
                return False
        if ours.random() != theirs.random():
            return False
    # Where numpy's bound lies (a C long's range less a margin: 9.2e18, or 2.1e9 where a long has 32
    # bits), the sampler must decline what numpy refuses: it hands those means back to numpy.
    for mean in (3e9, 9.223372006484771e18, 9.223372006484772e18, -1.0, float("nan")):
        try:
            numpys: float | None = float(theirs.poisson(mean))
        except ValueError:
            numpys = None
        drawn = poisson(capsule, mean)
        if (numpys is None) != (drawn is None) or (drawn is not None and drawn != numpys):
            return False
    return bool(ours.bit_generator.state == theirs.bit_generator.state)


def native_poisson() -> NativePoisson | None:
    """Return numpy's Poisson sampler without ``Generator.poisson``'s dispatch (``_poisson.c``), or None.

    None in the pure-Python build, where the extension was not built, or where its draws would differ
    from numpy's (another numpy than the one it was built against).
    """
    if BUILD != "compiled":
        return None
    try:
        poisson: NativePoisson = importlib.import_module("sim.model._poisson").poisson
        return poisson if agrees_with_numpy(poisson) else None
    except Exception:  # not built, or built against a numpy it cannot work with: numpy's own call
        return None


NATIVE_POISSON = native_poisson()
"""The compiled build's Poisson sampler (``sim.model.draws``), or None: ``Generator.poisson`` then."""
