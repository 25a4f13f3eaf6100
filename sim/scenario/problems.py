"""Turning a failed validation into an ``InputError`` that names the file, line and field of each problem.

Pydantic reports where in the data a problem lies; the origins map that the YAML reader builds
(``sim.scenario.yaml_source``) says which file and line wrote that place. The problem that explains
most comes first (an unknown key before the "missing" one its typo causes); an unknown key gets a
did-you-mean from the schema's own keys; and nothing is quoted from a file the user did not name
that lies outside the scenario's folder and the working folder (``quotable``).
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar, Union, overload

from pydantic import BaseModel, ValidationError

from sim.errors import FieldValueError, InputError, shorten
from sim.scenario.distributions import DISTRIBUTION_KINDS
from sim.scenario.paths import PathKey, dotted
from sim.scenario.schema import Scenario
from sim.scenario.yaml_source import Origin

ModelT = TypeVar("ModelT", bound=BaseModel)


@overload
def validate(
    data: dict[str, Any], origins: Mapping[PathKey, Origin], name: str, *, named: Sequence[str] = ()
) -> Scenario: ...


@overload
def validate(
    data: dict[str, Any],
    origins: Mapping[PathKey, Origin],
    name: str,
    model: type[ModelT],
    *,
    named: Sequence[str] = (),
) -> ModelT: ...


def validate(
    data: dict[str, Any],
    origins: Mapping[PathKey, Origin],
    name: str,
    model: type[BaseModel] = Scenario,
    *,
    named: Sequence[str] = (),
) -> BaseModel:
    """Validate plain data into a ``Scenario``, turning the first error into an ``InputError``.

    Args:
        data: The merged, overridden scenario mapping.
        origins: Where each path was written.
        name: The scenario file, named when no closer origin is known.
        model: What to validate into (a scenario unless told otherwise, e.g. a sweep file).
        named: Other files the user named, whose values an error may quote wherever they lie (a
            study file that sets a lever's values).

    Returns:
        The validated object.

    Raises:
        InputError: Naming the file, line and field of the first problem.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = _most_useful_first(exc.errors(include_url=False))
        first = _to_input_error(errors[0], origins, name, len(errors) - 1, model, named)
        first.others = tuple(_to_input_error(error, origins, name, 0, model, named) for error in errors[1:])
        raise first from None


def _most_useful_first(errors: list[Any]) -> list[Any]:
    """Order errors so the one to show comes first.

    An unknown key usually explains a "missing" one (a typo), so it goes first; a number written
    as a distribution fails both as a number and as a distribution, and only the distribution's
    complaint helps, so the "not a number" branch of a mapping input is dropped.
    """
    useful = [
        e
        for e in errors
        if not (e["type"] in ("float_type", "float_parsing") and isinstance(e.get("input"), dict))
    ] or errors
    return sorted(useful, key=lambda e: (e["type"] != "extra_forbidden", -len(e["loc"])))


def more_problems(more: int, model: type[BaseModel] = Scenario) -> str:
    """Return what an error line adds when validation found ``more`` other problems ("" for none)."""
    if not more:
        return ""
    listed = "; sim check lists them" if model is Scenario else ""
    return f" (and {more} more problem{'s' if more > 1 else ''}{listed})"


def _to_input_error(
    error: Any,
    origins: Mapping[PathKey, Origin],
    name: str,
    more: int,
    model: type[BaseModel] = Scenario,
    named: Sequence[str] = (),
) -> InputError:
    loc = _data_path(error["loc"])
    if error["type"] == "missing" and error["loc"] and loc[-1:] != error["loc"][-1:]:
        # The missing field's own name may look like a union's tag (``date``): keep it.
        loc = (*loc, error["loc"][-1])
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, FieldValueError):
        loc = (*loc, *cause.path)
    field = dotted(loc)
    file, line = closest_origin(loc, origins, name)
    if not quotable(file, name, named):
        # A base file above the scenario's folder, outside the working folder, may be anything: name
        # the place (the schema's own field names only), never a key or a value written there.
        field = dotted(_schema_prefix(loc, model))
        message = {
            "extra_forbidden": "a key the schema does not know",
            "missing": "a required field is missing",
        }.get(error["type"], "not a valid value")
        message += " (not quoted: the file lies outside the scenario's folder and the working folder)"
    elif error["type"] == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1], model)
        key = str(loc[-1])
        message = f"unknown key {shorten(key)}"
        guess = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        if guess:
            message += f"; did you mean {guess[0]!r}?"
        elif allowed:
            message += "; expected one of: " + ", ".join(sorted(set(allowed)))
    elif error["type"] == "missing":
        message = "required field is missing"
    else:
        message = error["msg"].removeprefix("Value error, ")
        if (
            "input" in error
            and not isinstance(error["input"], dict | list)
            and error["type"] != "value_error"
        ):
            message += f" (got {shorten(error['input'])})"
            if isinstance(error["input"], bool) and error["type"] == "string_type":
                message += "; YAML reads an unquoted yes, no, on or off as true or false: quote the name"
    message += more_problems(more, model)
    return InputError(message, file, line, field or None)


_DISTRIBUTION_TAGS = set(DISTRIBUTION_KINDS)
_TYPE_TAGS = {
    "float",
    "int",
    "str",
    "bool",
    "date",
    "list",
    "dict",
    "none",
    "function-after",
    "function-before",
}


def _data_path(loc: Iterable[Any]) -> PathKey:
    """Drop the parts pydantic adds to a location for union members, keeping the data path."""
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and (
            part in _TYPE_TAGS
            or part.startswith(("function-", "union[", "tagged-union["))
            or (part in _DISTRIBUTION_TAGS and out and out[-1] != "dist")
        ):
            continue
        out.append(part)
    return tuple(out)


def quotable(file: str, scenario: str, named: Sequence[str] = ()) -> bool:
    """Return whether an error may quote what ``file`` holds.

    It may for a ``--set``, a file the user named (``scenario``, or one of ``named``, such as the study
    file that sets a lever's values), or a file under the scenario's folder or under the working
    folder. A base ``extends:`` reaches above the scenario's folder (``../../base.yaml``) may
    be any YAML file there; its values are never repeated.
    """
    if file.startswith("--set") or file == scenario or file in named:
        return True
    try:
        target = Path(file).resolve()
        roots = (Path(scenario).resolve().parent, Path.cwd().resolve())
    except (OSError, ValueError, RuntimeError):
        return False
    return any(target.is_relative_to(root) for root in roots)


def closest_origin(loc: PathKey, origins: Mapping[PathKey, Origin], name: str) -> Origin:
    """Return the file and line that wrote ``loc``, or the nearest block above it that has one."""
    for length in range(len(loc), -1, -1):
        origin = origins.get(loc[:length])
        if origin is not None:
            return origin
    return (name, None)


def _allowed_keys(path: PathKey, model: type[BaseModel] = Scenario) -> list[str]:
    """Return the keys the schema accepts at ``path`` (for did-you-mean hints)."""
    current: Any = model
    for part in path:
        current = _step(current, part)
        if current is None:
            return []
    models = _models_in(current)
    keys: list[str] = []
    for model in models:
        keys.extend(info.alias or field for field, info in model.model_fields.items())
    return keys


def _schema_prefix(loc: PathKey, model: type[BaseModel] = Scenario) -> PathKey:
    """Return the start of ``loc`` made of the schema's own field names and list positions.

    It stops at the first key a user chose (a side's or a sector's name) or the schema does not know.
    """
    current: Any = model
    kept: list[str | int] = []
    for part in loc:
        known = isinstance(part, int) or any(part in m.model_fields for m in _models_in(current))
        if not known:
            break
        kept.append(part)
        current = _step(current, part)
    return tuple(kept)


def _step(annotation: Any, part: str | int) -> Any:
    for model in _models_in(annotation):
        if isinstance(part, str) and part in model.model_fields:
            return model.model_fields[part].annotation
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _step(typing.get_args(annotation)[0], part)
    if origin is dict:
        return typing.get_args(annotation)[1]
    if origin in (list, tuple):
        return typing.get_args(annotation)[0]
    for arg in typing.get_args(annotation):
        if typing.get_origin(arg) in (dict, list, tuple, typing.Annotated):
            stepped = _step(arg, part)
            if stepped is not None:
                return stepped
    return None


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType) or origin is typing.Annotated:
        found: list[type[BaseModel]] = []
        for arg in typing.get_args(annotation):
            found.extend(_models_in(arg))
        return found
    return []
