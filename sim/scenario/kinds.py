"""How a field of the scenario schema reads in the parameter reference: its type, range and default.

The range of a parameter is read from the validators and constraints pydantic holds for it (``Gt``,
``Ge``, ``Le``... and the factories of ``sim.scenario.distributions``), never from its name or its
description, so the reference cannot drift from what the loader enforces; a validator it cannot read
is an error, not a guess (``sim.scenario.reference`` builds the tables).
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import annotated_types
from pydantic import AfterValidator, BaseModel, BeforeValidator
from pydantic.fields import FieldInfo

from sim.scenario import distributions
from sim.scenario.distributions import _Distribution, show
from sim.scenario.observations import NAME_PATTERN

# The validators that give a parameter its range. ``_within`` and ``limit`` are factories: each call
# returns a new closure, but every closure shares its factory's code object, and its bounds sit in
# the closure's cells under the factory's argument names (``low``, ``high``).
_POSITIVE = distributions._positive
_WITHIN = distributions._within(0.0, None).__code__
_LIMIT = distributions.limit(1.0).func.__code__
_WHOLE = distributions._whole_days


@dataclass
class _Bounds:
    low: float | None = None
    low_strict: bool = False
    high: float | None = None
    plausible_low: float | None = None
    plausible_high: float | None = None

    def text(self) -> str:
        """Return the range as the tables write it: ``>0``, ``[0,1]``, ``≥1 (at most 3,660)``..."""
        fraction = self.low == 0.0 and not self.low_strict and self.high == 1.0
        if fraction:
            sign = "[0,1]"
        elif self.low is None or self.low < 0.0:
            sign = "any sign"
        else:
            sign = (">" if self.low_strict else "≥") + show(self.low)
        highs = [h for h in (None if fraction else self.high, self.plausible_high) if h is not None]
        negative = self.low if self.low is not None and self.low < 0.0 else None
        lows = [low for low in (negative, self.plausible_low) if low is not None]
        if not highs:
            return sign
        if lows:
            return f"{sign} ({show(max(lows))} to {show(min(highs))})"
        return f"{sign} (at most {show(min(highs))})"


def _flatten(metadata: Sequence[Any]) -> list[Any]:
    """Return metadata with each ``Field(...)`` inside an ``Annotated`` replaced by its constraints."""
    flat: list[Any] = []
    for item in metadata:
        flat.extend(item.metadata if isinstance(item, FieldInfo) else [item])
    return flat


def strip(annotation: Any) -> tuple[Any, list[Any]]:
    """Return an annotation without its ``Annotated`` layers, and their metadata."""
    metadata: list[Any] = []
    while typing.get_origin(annotation) is Annotated:
        annotation, *extra = typing.get_args(annotation)
        metadata.extend(_flatten(extra))
    return annotation, metadata


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def unwrap(annotation: Any, metadata: Sequence[Any]) -> tuple[Any, list[Any], bool]:
    """Return (the type, all its metadata, whether it may be null) of a field's annotation.

    Pydantic moves a required field's ``Annotated`` metadata to the field, but leaves it inside an
    optional field's ``X | None``, so both places are read.
    """
    base, found = strip(annotation)
    found = _flatten(metadata) + found
    optional = _is_union(base) and type(None) in typing.get_args(base)
    if optional:
        rest = [arg for arg in typing.get_args(base) if arg is not type(None)]
        if len(rest) == 1:
            base, more = strip(rest[0])
            found.extend(more)
        else:
            base = typing.Union[tuple(rest)]  # noqa: UP007 (a union built from a list)
    return base, found, optional


def distributions_in(annotation: Any) -> list[type[_Distribution]]:
    """Return the distribution classes an annotation allows (through ``Annotated`` and unions)."""
    annotation, _ = strip(annotation)
    if isinstance(annotation, type):
        return [annotation] if issubclass(annotation, _Distribution) else []
    if _is_union(annotation):
        return [found for arg in typing.get_args(annotation) for found in distributions_in(arg)]
    return []


def _is_param(annotation: Any) -> bool:
    """Whether an annotation is ``Param``: a plain number or a distribution."""
    members = [strip(arg)[0] for arg in typing.get_args(annotation)] if _is_union(annotation) else []
    return float in members and bool(distributions_in(annotation))


def _bounds(metadata: Sequence[Any], where: str, param: bool) -> _Bounds:
    """Return the bounds the validators and constraints in ``metadata`` put on a number.

    Raises:
        ValueError: A parameter has a validator this module cannot read: its range would be guessed.
    """
    bounds = _Bounds()

    def lower(value: float, strict: bool) -> None:
        if bounds.low is None or value > bounds.low:
            bounds.low, bounds.low_strict = value, strict

    def upper(value: float) -> None:
        bounds.high = value if bounds.high is None else min(bounds.high, value)

    for item in metadata:
        if isinstance(item, annotated_types.Gt):
            lower(float(typing.cast(float, item.gt)), strict=True)
        elif isinstance(item, annotated_types.Ge):
            lower(float(typing.cast(float, item.ge)), strict=False)
        elif isinstance(item, annotated_types.Lt):
            upper(float(typing.cast(float, item.lt)))
        elif isinstance(item, annotated_types.Le):
            upper(float(typing.cast(float, item.le)))
        elif isinstance(item, BeforeValidator):
            continue  # reads numbers written as text; it sets no range
        elif isinstance(item, AfterValidator):
            func = item.func
            code = getattr(func, "__code__", None)
            closure = [cell.cell_contents for cell in getattr(func, "__closure__", None) or ()]
            cells = dict(zip(getattr(code, "co_freevars", ()), closure, strict=True))
            if func is _POSITIVE:
                lower(0.0, strict=True)
            elif code is _WITHIN:
                if cells["low"] is not None:
                    lower(cells["low"], strict=False)
                if cells["high"] is not None:
                    upper(cells["high"])
            elif code is _LIMIT:
                bounds.plausible_low, bounds.plausible_high = cells["low"], cells["high"]
            elif func is _WHOLE:
                continue  # whole numbers of days: the description says so; it sets no range
            elif param:
                raise ValueError(f"{where}: cannot tell the range a validator {func!r} allows")
        elif param:  # a parameter's range is its validators' alone
            raise ValueError(f"{where}: cannot tell what {item!r} allows")
    return bounds


def _kind(annotation: Any, metadata: Sequence[Any], where: str) -> str:
    """Return the reader's name of a type: ``P ≥0``, ``date``, ``block``, ``list of blocks``..."""
    base, found = strip(annotation)
    metadata = [*metadata, *found]
    origin = typing.get_origin(base)
    if _is_param(base):
        return "P " + _bounds(metadata, where, param=True).text()
    if distributions_in(base):
        return "distribution"
    if base is bool:
        return "true or false"
    if base in (int, float):
        name = "integer" if base is int else "number"
        bounds = _bounds(metadata, where, param=False)
        return name if bounds == _Bounds() else f"{name} {bounds.text()}"
    if base is dt.date:
        return "date"
    if base is str:
        patterns = {getattr(item, "pattern", None) for item in metadata}
        return "name" if NAME_PATTERN in patterns else "text"
    if origin is Literal:
        return ", ".join(f"`{value}`" for value in typing.get_args(base))
    if isinstance(base, type) and issubclass(base, BaseModel):
        return "block"
    if origin is tuple:
        item = _kind(typing.get_args(base)[0], [], where)
        first, _, rest = item.partition(" ")
        return f"list of {first}s {rest}".rstrip()
    if origin is dict:
        key, value = (_kind(arg, [], where) for arg in typing.get_args(base))
        return f"mapping {key} → {value}"
    if _is_union(base):
        return " or ".join(_kind(arg, [], where) for arg in typing.get_args(base))
    raise ValueError(f"{where}: no reader's name for the type {base!r}")


def type_of(info: FieldInfo, where: str) -> str:
    """Return the type column of a field: its kind, and how it may be null."""
    base, metadata, optional = unwrap(info.annotation, info.metadata)
    extra = info.json_schema_extra
    enum = extra.get("enum") if isinstance(extra, dict) else None
    if isinstance(enum, list):
        kind = ", ".join(f"`{value}`" for value in enum)  # a name checked against a registry
    else:
        kind = _kind(base, metadata, where)
    if not optional:
        return kind
    # Null is the default (leave the key out) or a choice of its own (dispersion: null, no noise).
    return f"{kind} or absent" if info.default is None else f"{kind} or `null`"


def default_of(info: FieldInfo) -> str:
    """Return the default column of a field: ``required``, ``absent``, ``all defaults`` or its value."""
    if info.is_required():
        return "required"
    value = info.get_default(call_default_factory=True)
    if value is None:
        return "absent"
    if isinstance(value, BaseModel):
        return "all defaults"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f"`{value}`" if value else '`""`'
    if isinstance(value, tuple | list) and not value:
        return "`[]`"
    if isinstance(value, int | float):
        return show(float(value))
    return f"`{value}`"
