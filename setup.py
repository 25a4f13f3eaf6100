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
from pathlib import Path

from setuptools import setup

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


def compiled_extensions() -> list:
    """Return the mypyc extensions of the model modules, or none (pure Python) if they cannot be built."""
    if os.environ.get("CONFLICT_SIM_PURE"):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        return []
    paths = [f"sim/model/{name}.py" for name in COMPILED]
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
            ["--config-file", "", "--ignore-missing-imports", "--follow-imports=silent", *paths],
            opt_level="3",
            group_name="sim_model_compiled",
        )
    except Exception as error:  # a mypyc that cannot compile these sources: fall back, say why
        print(f"conflict-sim: building the pure-Python model ({error})")
        return []
    for extension in extensions:
        # No C compiler, or a failed compile, leaves the pure-Python modules in place.
        extension.optional = True
    return extensions


setup(ext_modules=compiled_extensions())
