"""The model's build (``sim._build`` chooses compiled or pure for the whole package) and its sampler.

It chooses the compiled build's Poisson sampler (``NATIVE_POISSON``): numpy's own, called directly
(``_poisson.c``), once a check at import has found its draws equal to ``Generator.poisson``'s.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from sim import _build as _choice

BUILD = _choice.BUILD
"""The build in use in this process: "compiled" or "pure" (chosen by ``sim._build`` on ``import sim``)."""


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
