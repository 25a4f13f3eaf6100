"""Importing every module of a rules subpackage, so that each registers itself."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable


def import_all(package: str, path: Iterable[str], skip: Iterable[str] = ("base",)) -> None:
    """Import every module of ``package`` (whose ``__path__`` is ``path``) except those in ``skip``."""
    skipped = set(skip)
    for module in sorted(pkgutil.iter_modules(list(path)), key=lambda found: found.name):
        if module.name not in skipped and not module.name.startswith("_"):
            importlib.import_module(f"{package}.{module.name}")
