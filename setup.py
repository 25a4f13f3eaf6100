"""Build: the model's modules and the built-in rules compiled with mypyc where a C compiler is present.

Everything else about the package is in pyproject.toml. The compiled modules give the same results bit
for bit (``tests/test_builds.py`` compares the two builds); they only run faster. Set
``CONFLICT_SIM_PURE=1`` when installing to skip compiling, or when running to use the pure-Python model
of a compiled install. A compiled install whose model sources have since changed falls back to the pure
model by itself (``sim/_build.py``), so an edit to a compiled file is never silently ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
COMPILED = (
    "sim.streams.seeds",
    "sim.model.sums",
    "sim.model.laws",
    "sim.model.draws",
    "sim.model.events",
    "sim.model.forces",
    "sim.model.ground",
    "sim.model.combat",
    "sim.model.command",
    "sim.model.logistics",
    "sim.model.withdrawal",
    "sim.model.state",
    "sim.model.assaults",
    "sim.model.tempo",
    "sim.model.fires",
    "sim.model.lines",
    "sim.model.plans",
    "sim.model.params",
    "sim.model.trajectory",
    "sim.model.engine",
    "sim.model.replication",
    "sim.scenario.rules.tempo.base",
    "sim.scenario.rules.tempo.culmination",
    "sim.scenario.rules.tempo.pauses",
    "sim.scenario.rules.supply.base",
    "sim.scenario.rules.supply.corridor",
    "sim.scenario.rules.supply.interdiction",
    "sim.scenario.rules.withdrawal.base",
    "sim.scenario.rules.withdrawal.area_below",
    "sim.scenario.rules.withdrawal.force_ratio_above",
    "sim.scenario.rules.withdrawal.loss_share_above",
    "sim.scenario.rules.withdrawal.losses_above",
    "sim.scenario.rules.withdrawal.supply_below",
)
"""The modules compiled; their packages' ``__init__`` modules stay Python (``sim/_build.py``)."""

RECORD = HERE / "sim" / "_compiled_sources.json"


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
    """build_ext that says when the C compiler starts on the model and how long it took.

    It writes the record of the sources compiled only once every module listed has compiled.
    """

    def build_extension(self, ext: Extension) -> None:
        """Build one extension, noting it if it fails (optional extensions fail with a warning only)."""
        try:
            super().build_extension(ext)
        except Exception:
            self.failed.append(ext.name)
            raise

    def run(self) -> None:
        """Build the extensions, saying so before and after; write the record if the model compiled."""
        if not self.extensions:
            super().run()
            return
        self.failed: list[str] = []
        # One C file per model module, compiled side by side on every core.
        self.parallel = os.cpu_count() or 1
        started = time.monotonic()
        # The record this build makes: beside the sources when it builds in place (an editable install),
        # else in the wheel's copy of the package. An earlier record there goes first; it is written
        # again only once this build has compiled every module listed, so a failed build leaves the
        # pure-Python model running, never extensions taken for sources they were not built from.
        record = RECORD if self.inplace else Path(self.build_lib) / "sim" / RECORD.name
        record.unlink(missing_ok=True)
        say(f"compiling the generated C for {len(self.extensions)} modules on {self.parallel} cores...")
        super().run()
        model_failed = [name for name in self.failed if name != "sim.model._poisson"]
        if model_failed or not DIGESTS:
            # No record: sim/_build.py then runs the Python sources, never extensions left from an
            # earlier build beside sources edited since.
            say(f"could not compile {', '.join(model_failed) or 'the model'}: the pure-Python model will run")
            return
        write_record(record)
        say(f"compiled model built in {time.monotonic() - started:.0f} s")


DIGESTS: dict[str, str] = {}
"""The sha256 of each source handed to mypyc, by module name; empty until mypyc has run."""


def write_record(path: Path) -> None:
    """Write the digests of the compiled sources, which the import-time check compares with the files."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(DIGESTS, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def compiled_extensions() -> list:
    """Return the mypyc extensions of the modules listed, or none (pure Python) if they cannot be built."""
    if os.environ.get("CONFLICT_SIM_PURE"):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        return []
    paths = [name.replace(".", "/") + ".py" for name in COMPILED]
    say(
        "compiling the model with mypyc for speed (two to four minutes in all; "
        "CONFLICT_SIM_PURE=1 installs the pure-Python model at once)..."
    )
    digests = {
        name: hashlib.sha256((HERE / path).read_bytes()).hexdigest()
        for name, path in zip(COMPILED, paths, strict=True)
    }
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
        say(f"building the pure-Python model ({error})")
        return []
    DIGESTS.update(digests)
    extensions.extend(poisson_extension())
    for extension in extensions:
        # No C compiler, or a failed compile, leaves the pure-Python modules in place.
        extension.optional = True
    return extensions


def poisson_extension() -> list:
    """Return the extension that calls numpy's Poisson sampler directly (``sim/model/_poisson.c``), or none.

    It links numpy's ``libnpyrandom`` (shipped with numpy for extensions). ``sim.model._build`` takes it
    only where its draws equal ``Generator.poisson``'s, checked at import.
    """
    try:
        import numpy
    except ImportError:
        return []
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
