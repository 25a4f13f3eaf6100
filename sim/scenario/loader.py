"""Load scenario YAML into a validated ``Scenario``, with errors that name file, line and field.

YAML is read with PyYAML's safe loader, within bounds (``sim.scenario.yaml_source``), so tags that
would build Python objects are refused and no file can exhaust time or memory. ``extends:`` merges a
base file under the scenario (mappings merge key by key, anything else is replaced), and ``--set
path=value`` overrides are applied last. Files a scenario refers to must be within reach
(``sim.scenario.files``). Validation errors become ``InputError``s naming file, line and field in
``sim.scenario.problems`` (``validate``, re-exported here).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.errors import InputError, clip, shorten
from sim.scenario import limits
from sim.scenario.files import FileProblem, check_reach
from sim.scenario.paths import PathKey, dotted, lookup, set_path
from sim.scenario.problems import closest_origin, more_problems, quotable, validate
from sim.scenario.schema import Scenario
from sim.scenario.yaml_source import Origin, parse, read_text

__all__ = [
    "Origin",
    "apply_override",
    "check_calibrate",
    "deep_merge",
    "load_raw",
    "load_scenario",
    "more_problems",
    "quotable",
    "validate",
]


def load_scenario(
    path: str | Path, overrides: Sequence[str] = (), *, allow_outside: bool | None = None
) -> Scenario:
    """Read, merge, override and validate a scenario file.

    Args:
        path: The scenario YAML file.
        overrides: ``path=value`` strings; values are read as YAML (numbers, names, mappings).
        allow_outside: Let the scenario refer to files outside its folder and the working folder;
            None reads the user's choice (``--allow-outside-files`` or ``SIM_ALLOW_OUTSIDE_FILES=1``).

    Returns:
        The validated, immutable scenario.

    Raises:
        InputError: For a missing file, malformed YAML, a bad override or an invalid field.
    """
    path = Path(path)
    data, origins = load_raw(path, allow_outside=allow_outside)
    for override in overrides:
        apply_override(data, origins, override, path.parent, allow_outside=allow_outside)
    scenario = validate(data, origins, str(path))
    check_calibrate(data, origins, str(path), scenario)
    return scenario


def load_raw(
    path: Path,
    _seen: tuple[Path, ...] = (),
    *,
    allow_outside: bool | None = None,
    what: str = "scenario file",
) -> tuple[dict[str, Any], dict[PathKey, Origin]]:
    """Read a scenario file and its ``extends`` chain into plain data and a map of origins.

    Args:
        path: The YAML file.
        allow_outside: As for ``load_scenario``.
        what: What the file is, in the errors about the file itself ("study file" for a study).

    Returns:
        The merged mapping and, for each path in it, the file and line it came from.

    Raises:
        InputError: For a missing file, malformed YAML, a file out of reach or a cycle of ``extends``.
    """
    name = str(path)
    resolved = path.resolve()
    if len(_seen) >= limits.EXTENDS_DEPTH:
        raise InputError(
            f"'extends' chains more than {limits.EXTENDS_DEPTH} files (a plausible bound); a base's base "
            "may itself extend another, but not this deep",
            str(_seen[-1]),
            field="extends",
        )
    top = str(_seen[0] if _seen else resolved)
    try:
        data, origins, _ = parse(read_text(path, what), name)
    except InputError as error:
        if error.file == name and error.line is not None and not quotable(name, top):
            # A base above the scenario's folder, outside the working folder: say where, not what.
            raise InputError(
                "malformed YAML (not quoted: the file lies outside the scenario's folder and the working "
                "folder)",
                name,
                error.line,
            ) from None
        raise
    if data is None:
        raise InputError(f"the {what} is empty", name)
    if not isinstance(data, dict):
        raise InputError(f"a {what} must be a mapping of keys to values", name, 1)

    _anchor_files(data, path.parent, (), origins, name, allow_outside)
    base_ref = data.pop("extends", None)
    if base_ref is None:
        return data, origins
    return _over_base(path, data, origins, base_ref, _seen, allow_outside)


def _over_base(
    path: Path,
    data: dict[str, Any],
    origins: dict[PathKey, Origin],
    base_ref: Any,
    seen: tuple[Path, ...],
    allow_outside: bool | None,
) -> tuple[dict[str, Any], dict[PathKey, Origin]]:
    """Return a scenario file's data merged over the base its ``extends:`` names, with both origins.

    Raises:
        InputError: At the ``extends:`` line, for a base that is not a path, is out of reach, makes a
            cycle or does not exist; or the base's own error.
    """
    name = str(path)
    resolved = path.resolve()
    line = origins.get(("extends",), (name, None))[1]
    if not isinstance(base_ref, str):
        raise InputError("'extends' must be a file path", name, line)
    base_path = (path.parent / base_ref) if not Path(base_ref).is_absolute() else Path(base_ref)
    try:
        check_reach(base_path, path.parent, allow_outside, above=True)
    except FileProblem as exc:
        raise InputError(f"'extends' names a file out of reach: {exc}", name, line, "extends") from None
    if base_path.resolve() in (*seen, resolved):
        chain = " -> ".join(p.name for p in (*seen, resolved, base_path.resolve()))
        raise InputError(f"'extends' makes a cycle: {chain}", name, line, "extends")
    try:
        base_data, base_origins = load_raw(base_path, (*seen, resolved), allow_outside=allow_outside)
    except InputError as exc:
        if exc.file == str(base_path) and exc.line is None:
            if exc.message == "no such scenario file":
                message = f"'extends' names a file that does not exist: {base_path}"
            else:
                message = f"'extends' names {shorten(base_ref, 200)}, which {exc.message}"
            raise InputError(message, name, line, "extends") from None
        raise
    origins.pop(("extends",), None)
    merged = deep_merge(base_data, data)
    base_origins.update(origins)
    return merged, base_origins


def _anchor_files(
    node: Any,
    directory: Path,
    at: PathKey,
    origins: Mapping[PathKey, Origin],
    name: str,
    allow_outside: bool | None,
) -> None:
    """Make the relative ``file`` of every empirical distribution relative to the file that names it.

    Every such file must also be within reach (``sim.scenario.files.check_reach``).
    """
    if isinstance(node, dict):
        file = node.get("file")
        if node.get("dist") == "empirical" and isinstance(file, str):
            try:
                target = Path(file) if Path(file).is_absolute() else (directory / file).resolve()
                check_reach(target, directory, allow_outside)
            except FileProblem as exc:
                where, line = closest_origin((*at, "file"), origins, name)
                raise InputError(
                    f"the samples file is out of reach: {exc}", where, line, dotted((*at, "file"))
                ) from None
            except (OSError, ValueError, RuntimeError):
                where, line = closest_origin((*at, "file"), origins, name)
                raise InputError("not a usable file path", where, line, dotted((*at, "file"))) from None
            node["file"] = str(target)
        for key, value in node.items():
            _anchor_files(value, directory, (*at, key), origins, name, allow_outside)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _anchor_files(value, directory, (*at, index), origins, name, allow_outside)


def deep_merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``top`` merged over ``base`` as ``extends:`` does: mappings key by key, else replaced."""
    merged = dict(base)
    for key, value in top.items():
        # A distribution replaces whatever was there: its keys only make sense together.
        if isinstance(value, dict) and "dist" not in value and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def apply_override(
    data: dict[str, Any],
    origins: dict[PathKey, Origin],
    override: str,
    directory: Path | None = None,
    *,
    allow_outside: bool | None = None,
) -> None:
    """Apply one ``path=value`` override in place.

    Args:
        data: The scenario mapping.
        origins: The origin map, updated so errors on the new value (and on any block the path
            creates) name the override.
        override: ``dotted.path=value``; list items are addressed by index (``echelons.0.day``).
        directory: The scenario's folder: a relative empirical ``file`` in the value is relative to it
            (None: to the working folder).
        allow_outside: As for ``load_scenario``.

    Raises:
        InputError: If the override is not of that form, its value is not readable YAML, or its path
            does not lead anywhere.
    """
    where = f"--set {clip(override, 120)}"
    if len(override) > limits.OVERRIDE_CHARS:
        raise InputError(f"the override is longer than {limits.OVERRIDE_CHARS:,} characters", where)
    if "=" not in override:
        raise InputError("expected path=value", where)
    text, raw_value = override.split("=", 1)
    text = text.strip()
    if not text:
        raise InputError("the path before '=' is empty", where)
    try:
        value = parse(raw_value, where)[0] if raw_value.strip() else None
    except InputError as exc:
        problem = exc.message.removeprefix("malformed YAML: ")
        raise InputError(f"cannot read the value as YAML: {problem}", where, field=clip(text, 120)) from None

    _anchor_files(value, directory or Path.cwd(), (), {}, where, allow_outside)
    path = set_path(data, text, value, where)
    stale = [p for p in origins if p[: len(path)] == path]
    for p in stale:
        del origins[p]
    for length in range(1, len(path)):
        origins.setdefault(path[:length], (where, None))
    origins[path] = (where, None)
    parent = lookup(data, path[:-1])
    if isinstance(parent, dict) and "dist" in parent:
        # A distribution's keys only make sense together: an error in it now follows this override.
        origins[path[:-1]] = (where, None)


def check_calibrate(
    data: dict[str, Any], origins: Mapping[PathKey, Origin], name: str, scenario: Scenario
) -> None:
    """Check that every path of the scenario's ``calibrate:`` block is a number the model can draw.

    Each path is checked by validating the scenario with the prior written at that path, so an
    unknown path, a field that cannot be uncertain (a name, a date, a count), or a prior reaching
    outside what the field allows is reported at the line of the ``calibrate:`` entry.

    Args:
        data: The scenario's plain data (as validated into ``scenario``).
        origins: Where each path was written.
        name: The scenario file.
        scenario: The validated scenario.

    Raises:
        InputError: Naming the ``calibrate.parameters`` entry that cannot be calibrated.
    """
    block = scenario.calibrate
    if block is None:
        return
    base = {key: value for key, value in data.items() if key != "calibrate"}
    for path_text, prior in block.parameters.items():
        entry = ("calibrate", "parameters", path_text)
        file, line = closest_origin(entry, origins, name)
        field = f"calibrate.parameters.{path_text}"
        trial = copy.deepcopy(base)
        try:
            key = set_path(trial, path_text, prior.model_dump(mode="json", by_alias=True), name)
            trial_origins = dict(origins)
            trial_origins[key] = (file, line)
            validate(trial, trial_origins, name)
        except InputError as error:
            message = f"cannot calibrate {clip(path_text, 120)}: {error.message}"
            raise InputError(message, file, line, field) from None
