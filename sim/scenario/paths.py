"""Dotted paths into plain scenario data (``sides.russia.attack.advance_km``, list items by index).

One walker, ``_walk``, serves every way a value is put at a path: in place (``--set``, a sweep
point), on a copy that shares what it does not change (a calibration particle), and as a sparse
overlay for ``extends:`` (a calibrated scenario).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sim.errors import InputError

PathKey = tuple[str | int, ...]
"""A path as a tuple of mapping keys and list indices."""


def short_path(path: str) -> str:
    """Return a dotted path as printed for readers: ``sides.`` and ``contingents.`` dropped.

    ``sides.russia.contingents.north_korea.readiness_days`` reads ``russia.north_korea.readiness_days``
    in every table and figure (calibration, sweeps, sensitivity).
    """
    return path.removeprefix("sides.").replace(".contingents.", ".")


def _side_and_rest(path: str) -> tuple[str | None, tuple[str, ...]]:
    """Split ``sides.<side>.[contingents.]...`` into the side and the rest; other paths have no side."""
    parts = tuple(path.split("."))
    if len(parts) > 2 and parts[0] == "sides":
        rest = parts[2:]
        return parts[1], rest[1:] if rest[0] == "contingents" and len(rest) > 1 else rest
    return None, parts


def reader_names(paths: Sequence[str], known: Iterable[str] = ()) -> dict[str, str]:
    """Name each dotted path for readers: its shortest unambiguous tail, with the side.

    The one naming rule of every table, figure and report that names an input. A path under
    ``sides.<side>`` is named ``<side>.<tail>`` (``contingents.`` dropped); of the rest, the tail is
    the shortest run of final parts that no other path of the same side (among ``paths`` and
    ``known``, typically every field of the scenario) ends with. A tail never starts at a list index or
    at the list's name, so an echelon's field says whose echelon it is. For example, in the Kursk
    scenario (two Russian contingents, each with a ``quality``):
    ``sides.russia.contingents.north_korea.quality`` -> ``russia.north_korea.quality``,
    ``sides.russia.attack.advance_km`` -> ``russia.advance_km``, ``engagement.kill_rate`` ->
    ``kill_rate``.

    Args:
        paths: The dotted paths to name.
        known: Other paths a name must not be confused with.

    Returns:
        Each path's name.
    """
    groups: dict[str | None, set[tuple[str, ...]]] = {}
    for path in (*paths, *known):
        side, rest = _side_and_rest(path)
        groups.setdefault(side, set()).add(rest)
    names: dict[str, str] = {}
    for path in paths:
        side, rest = _side_and_rest(path)
        others = [other for other in groups[side] if other != rest]
        tail = rest
        for size in range(1, len(rest) + 1):
            tail = rest[len(rest) - size :]
            if size < len(rest) and any(part.isdigit() for part in tail[:2]):
                continue  # "3.jitter_days" or "echelons.3.jitter_days": name whose list it is
            if not any(other[len(other) - size :] == tail for other in others if len(other) >= size):
                break
        names[path] = ".".join((side, *tail) if side else tail)
    return names


def dotted(path: Sequence[str | int]) -> str:
    """Return a path tuple as dotted text."""
    return ".".join(str(part) for part in path)


def _walk(
    root: Any,
    text: str,
    value: Any,
    where: str,
    enter: Callable[[Any, str | int, Any], Any] | None = None,
) -> PathKey:
    """Set ``value`` at the dotted path ``text`` under ``root``; return the path as a tuple.

    A missing mapping key on the way is created (validation then decides whether it is allowed).
    ``enter(container, index, child)`` may replace each container on the way before it is entered
    (to copy it, say); it returns the container to enter, already stored in its parent.

    Raises:
        InputError: If the path is empty, runs through a plain value, or past the end of a list.
    """
    keys = [part for part in text.split(".") if part]
    if not keys:
        raise InputError("the path is empty", where)
    container = root
    path: list[str | int] = []
    for position, key in enumerate(keys):
        if isinstance(container, list):
            if not key.isdigit() or int(key) >= len(container):
                raise InputError(
                    f"no item {key} in the list at {dotted(path) or 'top level'}", where, field=text
                )
            index: str | int = int(key)
        elif isinstance(container, dict):
            index = key
        else:
            raise InputError(f"{dotted(path)} is a value, not a block", where, field=text)
        path.append(index)
        if position == len(keys) - 1:
            container[index] = value
            break
        if isinstance(container, dict) and container.get(index) is None:
            container[index] = {}
        child = container[index]
        container = enter(container, index, child) if enter is not None else child
    return tuple(path)


def set_path(data: dict[str, Any], text: str, value: Any, where: str) -> PathKey:
    """Set the field at a dotted path in plain scenario data, in place.

    Args:
        data: The scenario mapping.
        text: The path, e.g. ``sides.russia.contingents.regulars.echelons.0.day``.
        value: The new value (plain data, as YAML would give).
        where: Names the source of the change in errors (e.g. ``--set ...``).

    Returns:
        The path as a tuple of keys and indices.

    Raises:
        InputError: If the path does not lead anywhere.
    """
    return _walk(data, text, value, where)


def with_values(document: Mapping[str, Any], paths: Sequence[str], values: Sequence[float]) -> dict[str, Any]:
    """Return a copy of a scenario document with each path set to its value (as a float).

    Only the mappings and lists along the paths are copied; everything else is shared with
    ``document``, which is never changed.

    Raises:
        InputError: If a path runs through a plain value or past the end of a list.
    """
    data = dict(document)
    owned: set[int] = {id(data)}

    def enter(container: Any, index: str | int, child: Any) -> Any:
        if id(child) not in owned and isinstance(child, dict | list):
            child = dict(child) if isinstance(child, dict) else list(child)
            container[index] = child
        owned.add(id(child))
        return child

    for path, value in zip(paths, values, strict=True):
        _walk(data, path, float(value), path, enter)
    return data


def overlay(base: Mapping[str, Any], paths: Sequence[str], leaf: Callable[[str], Any]) -> dict[str, Any]:
    """Return a sparse document that, merged over ``base`` by ``extends:``, sets ``leaf(path)`` at each path.

    Mappings merge under ``extends``, but lists are replaced whole, so a path through a list (an
    echelon's jitter, say) carries the whole list from ``base`` with its item changed.

    Raises:
        InputError: If a path does not lead anywhere in ``base``.
    """
    document: dict[str, Any] = {}
    for path in paths:
        trail: list[str | int] = []

        def enter(container: Any, index: str | int, child: Any, trail: list[str | int] = trail) -> Any:
            trail.append(index)
            if isinstance(lookup(base, trail), list) and not isinstance(child, list):
                child = copy.deepcopy(lookup(base, trail))
                container[index] = child
            return child

        _walk(document, path, leaf(path), path, enter)
    return document


def lookup(data: Any, path: Sequence[str | int]) -> Any:
    """Return the value at a path tuple, or None if the path leads nowhere."""
    for part in path:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data
