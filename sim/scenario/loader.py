"""Load scenario YAML into a validated ``Scenario``, with errors that name file, line and field.

YAML is read with PyYAML's safe loader, so tags that would build Python objects are refused.
``extends:`` merges a base file under the scenario (mappings merge key by key, anything else is
replaced), and ``--set path=value`` overrides are applied last.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar, Union, overload

import yaml
from pydantic import BaseModel, ValidationError

from sim.errors import InputError
from sim.scenario.paths import PathKey, dotted, set_path
from sim.scenario.schema import Scenario


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, with bad dates reported at their line like any other YAML error."""

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> object:  # type: ignore[override]
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a valid date ({exc})", node.start_mark
            ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)

Origin = tuple[str, int | None]
"""Where a value was written: a file (or '--set') and its 1-based line."""
ModelT = TypeVar("ModelT", bound=BaseModel)


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Read, merge, override and validate a scenario file.

    Args:
        path: The scenario YAML file.
        overrides: ``path=value`` strings; values are read as YAML (numbers, names, mappings).

    Returns:
        The validated, immutable scenario.

    Raises:
        InputError: For a missing file, malformed YAML, a bad override or an invalid field.
    """
    data, origins = load_raw(Path(path))
    for override in overrides:
        apply_override(data, origins, override)
    return validate(data, origins, str(path))


def load_raw(path: Path, _seen: tuple[Path, ...] = ()) -> tuple[dict[str, Any], dict[PathKey, Origin]]:
    """Read a scenario file and its ``extends`` chain into plain data and a map of origins.

    Args:
        path: The YAML file.

    Returns:
        The merged mapping and, for each path in it, the file and line it came from.

    Raises:
        InputError: For a missing file, malformed YAML or a cycle of ``extends``.
    """
    name = str(path)
    resolved = path.resolve()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such scenario file", name) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a scenario file", name) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file ({exc})", name) from None

    origins: dict[PathKey, Origin] = {}
    columns: dict[PathKey, int] = {}
    try:
        node = yaml.compose(text, Loader=_Loader)
        if node is not None:
            _collect_origins(node, (), name, origins, columns)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or str(exc)
        field = _field_at(origins, columns, line, mark.column if mark else None)
        raise InputError(f"malformed YAML: {problem}", name, line, field) from None
    except yaml.YAMLError as exc:
        raise InputError(f"malformed YAML: {exc}", name) from None

    if data is None:
        raise InputError("the scenario file is empty", name)
    if not isinstance(data, dict):
        raise InputError("a scenario must be a mapping of keys to values", name, 1)

    _anchor_files(data, path.parent)
    base_ref = data.pop("extends", None)
    if base_ref is None:
        return data, origins
    if not isinstance(base_ref, str):
        raise InputError("'extends' must be a file path", name, origins.get(("extends",), (name, None))[1])
    base_path = (path.parent / base_ref) if not Path(base_ref).is_absolute() else Path(base_ref)
    if base_path.resolve() in (*_seen, resolved):
        chain = " -> ".join(p.name for p in (*_seen, resolved, base_path.resolve()))
        raise InputError(f"'extends' makes a cycle: {chain}", name, origins[("extends",)][1], "extends")
    try:
        base_data, base_origins = load_raw(base_path, (*_seen, resolved))
    except InputError as exc:
        if exc.message == "no such scenario file" and exc.file == str(base_path):
            raise InputError(
                f"'extends' names a file that does not exist: {base_path}",
                name,
                origins.get(("extends",), (name, None))[1],
                "extends",
            ) from None
        raise
    origins.pop(("extends",), None)
    merged = _deep_merge(base_data, data)
    base_origins.update(origins)
    return merged, base_origins


def _anchor_files(node: Any, directory: Path) -> None:
    """Make the relative ``file`` of every empirical distribution relative to the file that names it."""
    if isinstance(node, dict):
        file = node.get("file")
        if node.get("dist") == "empirical" and isinstance(file, str) and not Path(file).is_absolute():
            node["file"] = str((directory / file).resolve())
        for value in node.values():
            _anchor_files(value, directory)
    elif isinstance(node, list):
        for value in node:
            _anchor_files(value, directory)


def _field_at(
    origins: Mapping[PathKey, Origin], columns: Mapping[PathKey, int], line: int | None, column: int | None
) -> str | None:
    """Return the dotted path of the last key written on ``line`` before ``column``, if any."""
    if line is None:
        return None
    on_line = [
        path
        for path, (_, at) in origins.items()
        if at == line and (column is None or columns.get(path, 0) <= column)
    ]
    if not on_line:
        return None
    return dotted(max(on_line, key=lambda path: (columns.get(tuple(path), 0), len(path))))


def _collect_origins(
    node: yaml.Node,
    prefix: PathKey,
    name: str,
    out: dict[PathKey, Origin],
    columns: dict[PathKey, int] | None = None,
) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                raise InputError(
                    f"duplicate key {key!r}", name, key_node.start_mark.line + 1, dotted((*prefix, key))
                )
            seen.add(key)
            out[(*prefix, key)] = (name, key_node.start_mark.line + 1)
            if columns is not None:
                columns[(*prefix, key)] = key_node.start_mark.column
            _collect_origins(value_node, (*prefix, key), name, out, columns)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            out[(*prefix, index)] = (name, item.start_mark.line + 1)
            if columns is not None:
                columns[(*prefix, index)] = item.start_mark.column
            _collect_origins(item, (*prefix, index), name, out, columns)


def _deep_merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        # A distribution replaces whatever was there: its keys only make sense together.
        if isinstance(value, dict) and "dist" not in value and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def apply_override(data: dict[str, Any], origins: dict[PathKey, Origin], override: str) -> None:
    """Apply one ``path=value`` override in place.

    Args:
        data: The scenario mapping.
        origins: The origin map, updated so errors on the new value name the override.
        override: ``dotted.path=value``; list items are addressed by index (``echelons.0.day``).

    Raises:
        InputError: If the override is not of that form or its path does not lead anywhere.
    """
    where = f"--set {override}"
    if "=" not in override:
        raise InputError("expected path=value", where)
    dotted, raw_value = override.split("=", 1)
    if not dotted.strip():
        raise InputError("the path before '=' is empty", where)
    try:
        value = yaml.load(raw_value, Loader=_Loader) if raw_value.strip() else None  # noqa: S506 - safe loader
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"cannot read the value as YAML: {problem}", where, field=dotted.strip()) from None

    path = set_path(data, dotted.strip(), value, where)
    stale = [p for p in origins if p[: len(path)] == path]
    for p in stale:
        del origins[p]
    origins[path] = (where, None)


@overload
def validate(data: dict[str, Any], origins: Mapping[PathKey, Origin], name: str) -> Scenario: ...


@overload
def validate(
    data: dict[str, Any], origins: Mapping[PathKey, Origin], name: str, model: type[ModelT]
) -> ModelT: ...


def validate(
    data: dict[str, Any],
    origins: Mapping[PathKey, Origin],
    name: str,
    model: type[BaseModel] = Scenario,
) -> BaseModel:
    """Validate plain data into a ``Scenario``, turning the first error into an ``InputError``.

    Args:
        data: The merged, overridden scenario mapping.
        origins: Where each path was written.
        name: The scenario file, named when no closer origin is known.
        model: What to validate into (a scenario unless told otherwise, e.g. a sweep file).

    Returns:
        The validated object.

    Raises:
        InputError: Naming the file, line and field of the first problem.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = _most_useful_first(exc.errors(include_url=False))
        raise _to_input_error(errors[0], origins, name, len(errors) - 1, model) from None


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


def _to_input_error(
    error: Any, origins: Mapping[PathKey, Origin], name: str, more: int, model: type[BaseModel] = Scenario
) -> InputError:
    loc = _data_path(error["loc"])
    field = dotted(loc)
    file, line = _closest_origin(loc, origins, name)
    if error["type"] == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1], model)
        key = str(loc[-1])
        message = f"unknown key {key!r}"
        guess = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        if guess:
            message += f"; did you mean {guess[0]!r}?"
        elif allowed:
            message += "; expected one of: " + ", ".join(sorted(allowed))
    elif error["type"] == "missing":
        message = "required field is missing"
    else:
        message = error["msg"].removeprefix("Value error, ")
        if (
            "input" in error
            and not isinstance(error["input"], dict | list)
            and error["type"] != "value_error"
        ):
            message += f" (got {error['input']!r})"
    if more:
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return InputError(message, file, line, field or None)


_DISTRIBUTION_TAGS = {"fixed", "uniform", "normal", "lognormal", "triangular", "beta", "choice"}
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


def _closest_origin(loc: PathKey, origins: Mapping[PathKey, Origin], name: str) -> Origin:
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
