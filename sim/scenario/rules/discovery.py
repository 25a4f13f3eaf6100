"""Importing every module of a rules subpackage, so that each registers itself."""

from __future__ import annotations

import importlib
import importlib.machinery
import pkgutil
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar, Protocol, TypeVar


def rule_modules(path: Iterable[str], skip: Iterable[str] = ("base",)) -> list[str]:
    """Return the names of a rules subpackage's modules (its ``__path__``) except those in ``skip``, sorted.

    Private modules are left out, and so are the shared libraries of a compiled build (``<name>__mypyc``),
    which sit beside the modules they serve, and a compiled module whose source is gone (a rule deleted
    or renamed since the build): a module is one with its ``.py`` source.
    """
    skipped = set(skip)
    names = [
        module.name
        for module in pkgutil.iter_modules(list(path))
        if isinstance(module.module_finder, importlib.machinery.FileFinder)
        and Path(module.module_finder.path, f"{module.name}.py").exists()
    ]
    return sorted(name for name in names if name not in skipped and not name.startswith("_"))


def import_all(package: str, path: Iterable[str], skip: Iterable[str] = ("base",)) -> None:
    """Import every module of ``package`` (whose ``__path__`` is ``path``) except those in ``skip``."""
    for name in rule_modules(path, skip):
        importlib.import_module(f"{package}.{name}")


class Ordered(Protocol):
    """A registered rule class: a name, and a position among the others."""

    name: ClassVar[str]
    order: ClassVar[int]


RuleT = TypeVar("RuleT", bound=Ordered)


def add_in_order(registry: dict[str, type[RuleT]], rule: type[RuleT], kind: str) -> type[RuleT]:
    """Add a rule class to its registry, keeping the registry in ``order``; refuse a second of one name.

    Args:
        registry: The registry (name -> class).
        rule: The class to add.
        kind: What the rules are, for the error ("supply effects").
    """
    if rule.name in registry:
        raise ValueError(f"two {kind} are named {rule.name!r}")
    registry[rule.name] = rule
    ordered = sorted(registry.values(), key=lambda item: item.order)
    registry.clear()
    registry.update((item.name, item) for item in ordered)
    return rule
