"""Build: the model's modules compiled with mypyc where a C compiler is present, pure Python where not.

Everything else about the package is in pyproject.toml. The compiled modules give the same results bit
for bit (``tests/test_builds.py`` compares the two builds); they only run faster. Set
``CONFLICT_SIM_PURE=1`` when installing to skip compiling, or when running to use the pure-Python model
of a compiled install. A compiled install whose model sources have since changed falls back to the pure
model by itself (``sim/model/_build.py``), so an edit to a model file is never silently ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
COMPILED = (
    "laws",
    "draws",
    "events",
    "forces",
    "ground",
    "combat",
    "command",
    "logistics",
    "withdrawal",
    "state",
    "assaults",
    "tempo",
    "fires",
    "lines",
    "plans",
    "params",
    "trajectory",
    "replication",
)
"""The model modules compiled (``sim/model/<name>.py``); ``sim/model/__init__.py`` stays Python."""

RECORD = HERE / "sim" / "model" / "_compiled_sources.json"


def say(message: str) -> None:
    """Tell the person installing what the build is doing, even under ``pip install -q``.

    pip shows a build's own output only with ``-v``; a compile of a minute or more in silence looks like a
    hang, so the message goes to the terminal when there is one (standard error otherwise).
    """
    line = f"conflict-sim: {message}\n"
    try:
        with open("/dev/tty", "w", encoding="utf-8") as terminal:
            terminal.write(line)
            return
    except OSError:
        pass
    sys.stderr.write(line)
    sys.stderr.flush()


class TimedBuildExt(build_ext):
    """build_ext that says when the C compiler starts on the model and how long it took."""

    def run(self) -> None:
        """Build the extensions, saying so before and after."""
        if not self.extensions:
            super().run()
            return
        # One C file per model module, compiled side by side on every core.
        self.parallel = os.cpu_count() or 1
        started = time.monotonic()
        say(f"compiling the generated C for {len(self.extensions)} modules on {self.parallel} cores...")
        super().run()
        missing = [ext.name for ext in self.extensions if not Path(self.get_ext_fullpath(ext.name)).exists()]
        if any(name.startswith("sim.model.") and name != "sim.model._poisson" for name in missing):
            # A model module failed to compile (the extensions are optional): drop the record, so that no
            # extension from an earlier build is taken for this one (sim/model/_build.py runs the sources).
            RECORD.unlink(missing_ok=True)
            say(f"could not compile {', '.join(missing)}: the pure-Python model will run")
            return
        say(f"compiled model built in {time.monotonic() - started:.0f} s")


def compiled_extensions() -> list:
    """Return the mypyc extensions of the model modules, or none (pure Python) if they cannot be built."""
    if os.environ.get("CONFLICT_SIM_PURE"):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        return []
    paths = [f"sim/model/{name}.py" for name in COMPILED]
    say(
        "compiling the model with mypyc for speed (two to four minutes in all; "
        "CONFLICT_SIM_PURE=1 installs the pure-Python model at once)..."
    )
    # The digest of each source compiled: the import-time check compares it with the files present.
    RECORD.write_text(
        json.dumps(
            {
                name: hashlib.sha256((HERE / path).read_bytes()).hexdigest()
                for name, path in zip(COMPILED, paths, strict=True)
            },
            indent=1,
            sort_keys=True,
        )
        + "\n",
        encoding="utf-8",
    )
    try:
        extensions = mypycify(
            # The project's mypy settings name a plugin that need not be installed where this builds;
            # modules outside the model are read for their types only.
            # No mypy cache: an earlier build's cache in the checkout made mypyc fail ("value is not in
            # list") on a rebuild after an edit.
            [
                "--config-file",
                "",
                "--ignore-missing-imports",
                "--follow-imports=silent",
                "--cache-dir",
                os.devnull,
                *paths,
            ],
            opt_level="3",
            # Each module its own extension (mypyc still calls across them natively), so the C compiler
            # runs on several files at once instead of one large one.
            separate=True,
        )
    except Exception as error:  # a mypyc that cannot compile these sources: fall back, say why
        # Without a record every compiled module left from an earlier build counts as stale, so the
        # model runs from its (edited) sources rather than from extensions built from older ones.
        RECORD.unlink(missing_ok=True)
        say(f"building the pure-Python model ({error})")
        return []
    extensions.extend(poisson_extension())
    for extension in extensions:
        # No C compiler, or a failed compile, leaves the pure-Python modules in place.
        extension.optional = True
    return extensions


def poisson_extension() -> list:
    """Return the extension that calls numpy's Poisson sampler directly (``sim/model/_poisson.c``), or none.

    It links numpy's ``libnpyrandom`` (shipped with numpy for extensions). ``sim.model.draws`` uses it
    only where its draws equal ``Generator.poisson``'s, checked at import.
    """
    try:
        import numpy
    except ImportError:
        return []
    from setuptools import Extension

    random_lib = Path(numpy.__file__).parent / "random" / "lib"
    if not (random_lib / "libnpyrandom.a").exists() and not (random_lib / "npyrandom.lib").exists():
        return []
    return [
        Extension(
            "sim.model._poisson",
            ["sim/model/_poisson.c"],
            include_dirs=[numpy.get_include()],
            library_dirs=[str(random_lib)],
            libraries=["npyrandom"],
        )
    ]


setup(ext_modules=compiled_extensions(), cmdclass={"build_ext": TimedBuildExt})
