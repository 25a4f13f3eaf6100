"""The what-if form: a scenario's inputs as fields, generated from the scenario JSON Schema.

Every input of the resolved scenario becomes one field, grouped by the block it is in
(``sides.russia.contingents.north_korea``), with the description, bounds and kind the schema gives it
and the unit ``sim.scenario.units`` gives its name. A number that may be a distribution is a text
field holding the number or the distribution in YAML flow style (``{dist: uniform, low: 5, high:
10}``); a list (echelons, thresholds) is a text field holding it the same way. The fields a user
changed become ``--set`` overrides, so a bad value gets exactly the one line the command line prints.
Descriptions, observations (they do not change the simulation) and the ``calibrate:`` block are left
out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from sim.scenario.json_schema import scenario_json_schema
from sim.scenario.units import FIELD_UNITS, printed

LEFT_OUT = {"description", "observations", "calibrate"}
"""Keys not shown: free text, and what does not change the simulation."""
MAX_FIELDS = 1000
"""Most fields a form holds (a scenario is bounded well below this)."""


@dataclass
class Field:
    """One input of the form.

    Attributes:
        path: Its dotted path (the ``--set`` path).
        label: Its key.
        value: Its value as text (YAML flow style for a distribution or a list; empty for null).
        kind: ``number``, ``text``, ``date``, ``boolean``, ``choice`` or ``yaml``.
        description: The schema's description.
        unit: Its unit as a reader sees it, or empty.
        minimum: The least value the schema allows, if it says.
        maximum: The greatest value the schema allows, if it says.
        choices: The allowed values of a ``choice``.
        distribution: Whether a distribution may stand for the number.
    """

    path: str
    label: str
    value: str
    kind: str
    description: str = ""
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: list[str] = field(default_factory=list)
    distribution: bool = False

    @property
    def bounds(self) -> str:
        """The schema's bounds in words, or empty."""
        low = "" if self.minimum is None else f"{self.minimum:g}"
        high = "" if self.maximum is None else f"{self.maximum:g}"
        if low and high:
            return f"{low} to {high}"
        return f"at least {low}" if low else f"at most {high}" if high else ""


@dataclass
class Section:
    """The fields of one block, under its dotted path."""

    path: str
    title: str
    description: str
    fields: list[Field]


def value_text(value: Any) -> str:
    """Return a value as the form shows it: a number plainly, anything else in YAML flow style."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, int | float | str):
        return str(value)
    return str(yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10_000)).strip()


class _Schema:
    """The scenario schema, with ``$ref`` resolved on demand."""

    def __init__(self) -> None:
        self.document = scenario_json_schema()
        self.defs: dict[str, Any] = self.document["$defs"]

    def ref(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in node:
            node = self.defs[str(node["$ref"]).rsplit("/", 1)[-1]]
        return node

    def child(self, block: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        """The schema of ``key`` in a block (a named property, or a pattern property: a name)."""
        node = self.ref(block)
        properties = node.get("properties") or {}
        if key in properties:
            return properties[key]
        for pattern in (node.get("patternProperties") or {}).values():
            return pattern
        return {}

    def block(self, node: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The object schema a node stands for, if it is a block (not a number or a distribution)."""
        for option in [node, *(node.get("anyOf") or [])]:
            target = self.ref(option)
            if target.get("title") == "Distribution" or "oneOf" in target:
                continue
            if target.get("type") == "object" and (
                target.get("properties") or target.get("patternProperties")
            ):
                return target
        return None


def sections(document: Mapping[str, Any]) -> list[Section]:
    """Return the form of a resolved scenario document (``manifest.json``'s ``scenario``)."""
    schema = _Schema()
    found: list[Section] = []
    _walk(schema, schema.defs["Scenario"], document, "", found)
    return found


def _walk(
    schema: _Schema, node: Mapping[str, Any], values: Mapping[str, Any], path: str, out: list[Section]
) -> None:
    here = Section(path or "scenario", path or "scenario", str(schema.ref(node).get("description", "")), [])
    out.append(here)
    nested: list[tuple[Mapping[str, Any], Mapping[str, Any], str]] = []
    for key, value in values.items():
        if key in LEFT_OUT or sum(len(s.fields) for s in out) >= MAX_FIELDS:
            continue
        child = schema.child(node, key)
        dotted = f"{path}.{key}" if path else key
        block = schema.block(child)
        if isinstance(value, dict) and "dist" not in value and block is not None:
            nested.append((block, value, dotted))
        else:
            here.fields.append(_field(schema, child, key, dotted, value))
    if not here.fields:
        out.remove(here)
    for block, value, dotted in nested:
        _walk(schema, block, value, dotted, out)


def _field(schema: _Schema, node: Mapping[str, Any], key: str, path: str, value: Any) -> Field:
    options = [schema.ref(o) for o in (node.get("anyOf") or [node])]
    kinds = {str(o.get("type")) for o in options}
    distribution = any(o.get("title") == "Distribution" or "oneOf" in o for o in options)
    number = next((o for o in options if o.get("type") in ("number", "integer")), None)
    choices = next((o.get("enum") for o in options if o.get("enum")), None)
    if choices:
        kind = "choice"
    elif isinstance(value, bool) or kinds == {"boolean"}:
        kind = "boolean"
    elif any(o.get("format") == "date" for o in options) and not distribution:
        kind = "date"
    elif number is not None and not isinstance(value, dict | list):
        kind = "number"
    elif isinstance(value, dict | list) or distribution or schema.block(node) is not None:
        kind = "yaml"
    else:
        kind = "text"
    bounds = number or {}
    low = bounds.get("minimum", bounds.get("exclusiveMinimum"))
    high = bounds.get("maximum", bounds.get("exclusiveMaximum"))
    unit = FIELD_UNITS.get(key, "")
    return Field(
        path=path,
        label=key,
        value=value_text(value),
        kind=kind if not (kind == "number" and distribution) else "number",
        description=str(node.get("description") or schema.ref(node).get("description") or ""),
        unit=printed(unit) if unit else "",
        minimum=float(low) if isinstance(low, int | float) and abs(low) < 1e11 else None,
        maximum=float(high) if isinstance(high, int | float) and abs(high) < 1e11 else None,
        choices=[str(c) for c in choices or []],
        distribution=distribution,
    )


def overrides(changed: Mapping[str, str], known: set[str]) -> list[str]:
    """Return ``--set`` overrides for the changed fields (empty text is null).

    Args:
        changed: Dotted path to the text the user gave.
        known: The form's paths; any other path is refused.

    Raises:
        ValueError: For a path that is not one of the form's fields.
    """
    found = []
    for path, text in changed.items():
        if path not in known:
            raise ValueError(f"{path}: not an input of this scenario")
        shown = " ".join(str(text).split()) or "null"
        found.append(f"{path}={shown}")
    return found
