"""YAML text to plain data, safely and within bounds, with the file and line of every value.

The parser is PyYAML's safe loader (tags that would build Python objects are refused), with limits:
at most ``limits.YAML_DEPTH`` levels of nesting and ``limits.YAML_NODES`` values, counting every use
of an alias in full (so a "billion laughs" of nested aliases is refused before it is expanded); an
alias that contains itself is refused. Characters YAML does not allow (a NUL byte, say) are reported
at their line; so are duplicate keys, impossible dates and numbers too long to read.

YAML 1.1's surprises are refused at their line too: base-60 numbers (``1:30``, which it reads as 90),
octal ones (``0300``, read as 192), dates with a time zone, and ``!!binary``, ``!!set``, ``!!omap``
and ``!!pairs`` values. A plain key is always read as text, so a sector named ``on`` or ``no`` is that
name, not true or false.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from sim.errors import InputError, clip, shorten
from sim.scenario import limits
from sim.scenario.files import FileProblem, read_limited
from sim.scenario.paths import PathKey, dotted

Origin = tuple[str, int | None]
"""Where a value was written: a file (or '--set') and its 1-based line."""

_NOT_YAML = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters the YAML reader refuses (PyYAML's own rule)."""


def _error(problem: str, node_or_mark: Any) -> yaml.constructor.ConstructorError:
    mark = getattr(node_or_mark, "start_mark", node_or_mark)
    return yaml.constructor.ConstructorError(None, None, problem, mark)


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with bounded nesting, and bad values reported at their line."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        """Compose a node, refusing nesting deeper than ``limits.YAML_DEPTH`` and too many nodes."""
        self._depth += 1
        self._nodes += 1
        try:
            if self._depth > limits.YAML_DEPTH:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"nested more than {limits.YAML_DEPTH} levels deep",
                    self.peek_event().start_mark,
                )
            if self._nodes > limits.YAML_NODES:
                raise yaml.composer.ComposerError(
                    None, None, f"more than {limits.YAML_NODES:,} values", self.peek_event().start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """Construct a value; a value Python cannot hold (a 5,000-digit integer) is an error at its line."""
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as exc:
            raise _error(
                f"cannot read this value ({clip(str(exc) or type(exc).__name__, 80)})", node
            ) from None

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> object:  # type: ignore[override]
        """Read a date, reporting an impossible one (2024-02-30) or one with a time zone at its line."""
        try:
            value = super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise _error(f"{shorten(node.value)} is not a valid date ({exc})", node) from None
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            raise _error(
                f"{shorten(node.value)} has a time zone: a scenario's dates are calendar days; write "
                "the date alone (YYYY-MM-DD)",
                node,
            )
        return value

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        """Read an integer, refusing YAML 1.1's base-60 (``1:30``, read as 90) and octal (``0300``, 192)."""
        digits = node.value.replace("_", "").lstrip("+-")
        if ":" in digits:
            raise _error(_yaml11(node, "a base-60 number", super().construct_yaml_int(node)), node)
        if len(digits) > 1 and digits[0] == "0" and digits[1] not in "xXbBoO":
            raise _error(_yaml11(node, "an octal number", super().construct_yaml_int(node)), node)
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        """Read a number, refusing YAML 1.1's base-60 (``1:30.5``)."""
        if ":" in node.value:
            raise _error(_yaml11(node, "a base-60 number", super().construct_yaml_float(node)), node)
        return super().construct_yaml_float(node)

    def construct_refused(self, node: yaml.Node) -> object:
        """Refuse values a scenario has no use for (``!!binary``, ``!!set``, ``!!omap``, ``!!pairs``)."""
        raise _error(f"a !!{node.tag.rsplit(':', 1)[-1]} value has no place in a scenario", node)


def _yaml11(node: yaml.ScalarNode, what: str, value: object) -> str:
    return (
        f"{shorten(node.value)} is {what} in YAML 1.1 (read as {value}); write the number in base 10, or "
        "quote it if it is text"
    )


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _Loader.construct_yaml_float)
for _tag in ("binary", "set", "omap", "pairs"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _Loader.construct_refused)

_KEY_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("bool", "int", "float", "null", "timestamp")}
"""Tags a plain key may resolve to (``on``, ``no``, ``2024``): keys are names, so they are read as text."""


def read_text(path: Path, what: str = "scenario file") -> str:
    """Return the text of a YAML file: a regular file of at most ``limits.SCENARIO_BYTES``, in UTF-8.

    Raises:
        InputError: Naming the file (and the line of a byte that is not UTF-8).
    """
    name = str(path)
    try:
        raw = read_limited(path, limits.SCENARIO_BYTES)
    except FileNotFoundError:
        raise InputError(f"no such {what}", name) from None
    except IsADirectoryError:
        raise InputError(f"is a folder, not a {what}", name) from None
    except FileProblem as exc:
        raise InputError(f"{exc}; give a {what}", name) from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise InputError(f"cannot read the file ({clip(reason)})", name) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"cannot read the file: not UTF-8 text (byte 0x{raw[exc.start]:02x})", name, line
        ) from None


def parse(text: str, name: str) -> tuple[Any, dict[PathKey, Origin], dict[PathKey, int]]:
    """Parse YAML text into plain data, with the origin (file, line) and column of every key path.

    Args:
        text: The YAML.
        name: Names the source in errors (a file, or ``--set ...``).

    Returns:
        The data (None for an empty document), the origins and the columns of key paths.

    Raises:
        InputError: For malformed or unbounded YAML, naming the line (and field) where it is known.
    """
    origins: dict[PathKey, Origin] = {}
    columns: dict[PathKey, int] = {}
    bad = _NOT_YAML.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        raise InputError(
            f"malformed YAML: a character YAML does not allow (U+{ord(bad.group()):04X})", name, line
        )
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, origins, columns
        _check_size(node)
        _collect_origins(node, (), name, origins, columns)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = mark.line + 1 if mark else None
        field = _field_at(origins, columns, at, mark.column if mark else None)
        raise InputError(f"malformed YAML: {clip(exc.problem or str(exc), 200)}", name, at, field) from None
    except yaml.YAMLError as exc:
        raise InputError(f"malformed YAML: {clip(str(exc) or type(exc).__name__, 200)}", name) from None
    finally:
        loader.dispose()
    return data, origins, columns


def _check_size(root: yaml.Node) -> None:
    """Refuse a node graph that nests too deep or holds too many nodes once aliases are expanded.

    Aliases make the composed graph a DAG (or, for an alias inside its own anchor, a cycle); each node is
    sized once, so this takes time in the size of the graph, not of its expansion.
    """
    sizes: dict[int, tuple[int, int]] = {}  # id -> (expanded size, height)
    active: set[int] = set()

    def visit(node: yaml.Node, level: int) -> tuple[int, int]:
        key = id(node)
        if key in active:
            raise _error("an alias refers to the value it is part of (a recursive alias)", node)
        known = sizes.get(key)
        if known is None:
            if level > limits.YAML_DEPTH:
                raise _error(f"nested more than {limits.YAML_DEPTH} levels deep (aliases expanded)", node)
            active.add(key)
            size, height = 1, 1
            if isinstance(node, yaml.SequenceNode):
                children: list[yaml.Node] = list(node.value)
            elif isinstance(node, yaml.MappingNode):
                children = [part for pair in node.value for part in pair]
            else:
                children = []
            for child in children:
                child_size, child_height = visit(child, level + 1)
                size += child_size
                height = max(height, child_height + 1)
                if size > limits.YAML_NODES:
                    raise _error(f"more than {limits.YAML_NODES:,} values once aliases are expanded", node)
            active.discard(key)
            known = sizes[key] = (size, height)
        if level + known[1] - 1 > limits.YAML_DEPTH:
            raise _error(f"nested more than {limits.YAML_DEPTH} levels deep (aliases expanded)", node)
        return known

    total, _ = visit(root, 1)
    if total > limits.YAML_NODES:
        raise _error(f"more than {limits.YAML_NODES:,} values once aliases are expanded", root)


def _collect_origins(
    node: yaml.Node,
    prefix: PathKey,
    name: str,
    out: dict[PathKey, Origin],
    columns: dict[PathKey, int],
) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _error("a key must be a plain name, not a list or a mapping", key_node)
            key = key_node.value
            if key_node.tag in _KEY_TAGS and key_node.style is None:
                # YAML 1.1 reads a sector named on or no as true or false; a key is always a name.
                key_node.tag = "tag:yaml.org,2002:str"
            if key in seen:
                raise InputError(
                    f"duplicate key {shorten(key)}",
                    name,
                    key_node.start_mark.line + 1,
                    dotted((*prefix, key)),
                )
            seen.add(key)
            out[(*prefix, key)] = (name, key_node.start_mark.line + 1)
            columns[(*prefix, key)] = key_node.start_mark.column
            _collect_origins(value_node, (*prefix, key), name, out, columns)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            out[(*prefix, index)] = (name, item.start_mark.line + 1)
            columns[(*prefix, index)] = item.start_mark.column
            _collect_origins(item, (*prefix, index), name, out, columns)


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
