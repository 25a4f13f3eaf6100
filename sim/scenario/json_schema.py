"""The scenario's JSON Schema, for editors: completion, hover help and checks while a scenario is typed.

The schema is generated from the pydantic models (``Scenario.model_json_schema()``, validation mode)
and then adjusted to what a scenario *file* may hold, which is a little more than the models see:

* ``extends: base.yaml`` (handled by the loader before validation). A file that extends another gives
  only what differs, so nothing in it is required but ``extends`` itself: mappings merge key by key into
  the base, so every block reached through mappings is partial. Lists (echelons, observations,
  thresholds) and distributions replace the base's whole, so their items stay complete. The root is
  ``if extends is a text then ScenarioExtending else Scenario``, each defined in ``$defs``.
* A number may be a distribution (``{dist: uniform, low: 1, high: 2}``), factored into one
  ``$defs/Distribution``; the loader also reads a number written as text (``"1e3"``, ``12_000``: YAML
  1.2 reads the latter as text), so such text is accepted where a distribution is.
* Names of sides, contingents and sectors are mapping keys with a pattern; keys that do not match are
  refused (``additionalProperties: false``), as the models refuse them.
* Dates are text in the form YYYY-MM-DD (``format: date``), which is how YAML 1.2 editors read them.

Fields whose model gives no ``description`` get one here (``_DESCRIPTIONS``), so hovering over any
key says what it means and its unit; the models' own descriptions always win. What the schema cannot
express (exactly two sides, one holding ground; an echelon's ``date`` or ``day``; an interval holding
its value; whether a partial block in an extending file is complete once merged) the loader checks,
naming the file, line and field.

The schema is written in JSON Schema draft-07, which YAML language servers support best; ``$ref``
never sits beside a keyword that validates (draft-07 ignores those), only beside annotations.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from sim.scenario.schema import Scenario

DRAFT = "http://json-schema.org/draft-07/schema#"
"""The JSON Schema dialect of the exported schema."""
FILE_NAME = "scenario.schema.json"
"""The schema's file name (``scenarios/scenario.schema.json`` in the repository)."""
MODELINE = "# yaml-language-server: $schema="
"""The start of the first line that points a YAML language server at the schema."""

FULL = "Scenario"
"""The ``$defs`` entry of a complete scenario."""
EXTENDING = "ScenarioExtending"
"""The ``$defs`` entry of a scenario that ``extends:`` a base file."""
DISTRIBUTION = "Distribution"
"""The ``$defs`` entry of a distribution (one of the kinds, by ``dist``)."""
PARTIAL_SUFFIX = "Partial"
"""Suffix of the ``$defs`` entries of blocks as written in a file that extends another."""

NUMBER_TEXT = r"^\s*[+-]?(\d[\d_]*(\.[\d_]*)?|\.\d[\d_]*)([eE][+-]?\d[\d_]*)?\s*$"
"""A number written as text that the loader reads (``1e3``, ``12_000``, ``0.5``)."""

_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$comment"})

_EXTENDS = (
    "A base scenario file, relative to this file: its contents are read first and this file's keys "
    "are merged over them (mappings key by key; lists and distributions replaced whole). A file "
    "with extends gives only what differs."
)

_DESCRIPTIONS: dict[str, dict[str, str]] = {
    FULL: {
        "name": "Name of the scenario: a letter, then letters, digits, '_' or '-' (at most 64 characters); "
        "names its results.",
        "description": "Free text about the scenario.",
        "start": "First day of the scenario, day 0 (a date, YYYY-MM-DD).",
        "sides": "The two sides, by name; exactly one has holds_ground: true.",
        "engagement": "How assaults resolve: attrition law, kill rate, loss noise, success curve.",
        "calibrate": "What sim calibrate fits: inputs with their priors, and its settings (null: none).",
    },
    "Side": {
        "description": "Free text about the side.",
        "attack": "How the side attacks (absent: it does not attack).",
        "command": "Allocation of units to sectors, rotation, and withdrawal rules.",
        "logistics": "Supply capacity against demand (absent: always fully supplied).",
        "strikes": "Long-range strikes on the other side's supply (absent: none).",
    },
    "Contingent": {"description": "Free text about the contingent."},
    "Command": {"withdrawal": "Rules by which the side holding ground gives it up (absent: it never does)."},
    "Sector": {
        "description": "Free text about the sector.",
        "fortification": "Field fortification the holder builds while its line stands still.",
    },
    "Engagement": {
        "law": "The Lanchester-family attrition law.",
        "success": "Probability that an assault succeeds, against the force ratio.",
    },
    "Law": {
        "type": "square (p=0, q=1), linear (p=1, q=1), logarithmic (p=1, q=0), or general with "
        "own_exponent p and enemy_exponent q.",
    },
    "Fixed": {"dist": "fixed: always the same value.", "value": "The value, in the field's unit."},
    "Uniform": {
        "dist": "uniform: every value between low and high equally likely.",
        "low": "Lowest value, in the field's unit.",
        "high": "Highest value, in the field's unit.",
    },
    "Normal": {
        "dist": "normal: a bell curve, optionally truncated to low-high.",
        "mean": "Mean, in the field's unit.",
        "sd": "Standard deviation, in the field's unit.",
        "low": "Truncate below this value (optional).",
        "high": "Truncate above this value (optional).",
    },
    "LogNormal": {
        "dist": "lognormal: positive and skewed to the right.",
        "median": "Median, in the field's unit.",
        "sigma": "Standard deviation of the logarithm (0.1 is about +-10%).",
    },
    "Triangular": {
        "dist": "triangular: from low to high, most likely at mode.",
        "low": "Lowest value, in the field's unit.",
        "mode": "Most likely value, in the field's unit.",
        "high": "Highest value, in the field's unit.",
    },
    "Beta": {
        "dist": "beta: a beta distribution scaled to low-high.",
        "alpha": "First shape parameter (> 0).",
        "beta": "Second shape parameter (> 0).",
        "low": "Value at 0 of the beta distribution, in the field's unit (default 0).",
        "high": "Value at 1 of the beta distribution, in the field's unit (default 1).",
    },
    "Choice": {
        "dist": "choice: one of a list of values.",
        "values": "The values, in the field's unit.",
        "weights": "Relative weight of each value (default: equal).",
    },
    "Empirical": {
        "dist": "empirical: one row of a Parquet or CSV file per replication (a posterior, say).",
        "file": "The Parquet or CSV file, relative to this scenario file.",
        "column": "The column to read.",
        "weights": "A column of sampling weights (default: equal).",
    },
}
"""Descriptions of the fields whose model gives none (the model's own description wins)."""


def scenario_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of a scenario file, as a plain mapping.

    Returns:
        A draft-07 schema: ``ScenarioExtending`` for a file with ``extends:``, ``Scenario`` otherwise.
    """
    generated = Scenario.model_json_schema(mode="validation")
    defs: dict[str, Any] = generated.pop("$defs")
    defs[FULL] = generated
    distribution = _distribution_union(defs)
    defs = {name: _tidy(schema, distribution) for name, schema in defs.items()}
    defs[DISTRIBUTION] = {
        "title": "Distribution",
        "description": "An uncertain number, sampled once per replication: {dist: KIND, ...} with KIND one "
        "of " + ", ".join(_kinds(distribution, defs)) + ".",
        "oneOf": copy.deepcopy(distribution["oneOf"]),
    }
    for name, fields in _DESCRIPTIONS.items():
        properties = defs[name]["properties"]
        for field, text in fields.items():
            properties[field].setdefault("description", text)
    for schema in defs.values():
        for field in schema.get("properties", {}).values():
            if "description" not in field:
                block = _block_of(field)
                if block is not None and defs[block].get("description"):
                    field["description"] = defs[block]["description"].split("\n\n")[0].replace("\n", " ")
    defs[FULL]["properties"]["extends"] = {
        "title": "Extends",
        "description": _EXTENDS,
        "type": ["string", "null"],
    }
    blocks = {name for name, schema in defs.items() if _is_block(schema)}
    _add_partials(defs, blocks)
    return {
        "$schema": DRAFT,
        "title": "conflict-sim scenario",
        "description": "A scenario for the sim command (docs/scenarios.md). A file with extends: names a "
        "base scenario and gives only what differs from it.",
        "type": "object",
        "if": {"properties": {"extends": {"type": "string"}}, "required": ["extends"]},
        "then": {"$ref": f"#/$defs/{EXTENDING}"},
        "else": {"$ref": f"#/$defs/{FULL}"},
        "$defs": dict(sorted(defs.items())),
    }


def schema_text() -> str:
    """Return the schema as the text of ``scenario.schema.json`` (indented JSON, ending in a newline)."""
    return json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"


def modeline(schema_ref: str) -> str:
    """Return the first line that points a YAML language server at the schema.

    Args:
        schema_ref: The schema's path relative to the scenario file (with ``/``), or a URL.
    """
    return f"{MODELINE}{schema_ref}"


def _distribution_union(defs: dict[str, Any]) -> dict[str, Any]:
    """Return the inline union pydantic writes for a distribution (a ``oneOf`` with a discriminator)."""
    found: list[dict[str, Any]] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if "oneOf" in node and node.get("discriminator", {}).get("propertyName") == "dist":
                found.append(node)
                return
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(defs)
    if not found:
        raise RuntimeError("the scenario models hold no distribution union")
    return found[0]


def _kinds(distribution: dict[str, Any], defs: dict[str, Any]) -> list[str]:
    kinds = []
    for branch in distribution["oneOf"]:
        target = defs[branch["$ref"].rsplit("/", 1)[1]]
        kinds.append(target["properties"]["dist"]["const"])
    return kinds


def _tidy(node: Any, distribution: dict[str, Any]) -> Any:
    """Return ``node`` with distributions as ``$ref``s, numbers-as-text allowed beside them, names closed.

    Also moves validating keywords that sit beside a ``$ref`` into an ``allOf`` (draft-07 would ignore
    them).
    """
    if isinstance(node, list):
        return [_tidy(item, distribution) for item in node]
    if not isinstance(node, dict):
        return node
    if "discriminator" in node and node.get("oneOf") == distribution["oneOf"]:
        kept = {key: value for key, value in node.items() if key in _ANNOTATIONS}
        return {"$ref": f"#/$defs/{DISTRIBUTION}", **kept}
    out = {key: _tidy(value, distribution) for key, value in node.items()}
    branches = out.get("anyOf")
    if isinstance(branches, list) and {"$ref": f"#/$defs/{DISTRIBUTION}"} in branches:
        at = next(i for i, branch in enumerate(branches) if branch == {"type": "number"}) + 1
        branches.insert(
            at,
            {
                "type": "string",
                "pattern": NUMBER_TEXT,
                "description": "A number written as text (1e3, 12_000).",
            },
        )
    if "patternProperties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if "$ref" in out and set(out) - _ANNOTATIONS - {"$ref"}:
        ref = out.pop("$ref")
        out.setdefault("allOf", []).insert(0, {"$ref": ref})
    return out


def _is_block(schema: dict[str, Any]) -> bool:
    """Return whether a ``$defs`` entry is a scenario block (a mapping of fields, not a distribution)."""
    properties = schema.get("properties", {})
    return schema.get("type") == "object" and "dist" not in properties and bool(properties)


def _block_of(field: dict[str, Any]) -> str | None:
    """Return the ``$defs`` name a field refers to, directly or as the non-null branch of an option."""
    for candidate in [field, *field.get("anyOf", []), *field.get("allOf", [])]:
        ref = candidate.get("$ref", "") if isinstance(candidate, dict) else ""
        if ref.startswith("#/$defs/"):
            return str(ref.rsplit("/", 1)[1])
    return None


def _add_partials(defs: dict[str, Any], blocks: set[str]) -> None:
    """Add ``ScenarioExtending`` and the partial blocks it reaches through mappings to ``defs``."""
    pending = [FULL]
    done: set[str] = set()
    while pending:
        name = pending.pop()
        if name in done:
            continue
        done.add(name)
        partial = _partial(defs[name], blocks, pending)
        if name == FULL:
            partial["description"] = (
                "A scenario that extends a base file: every key is optional (the base provides it), "
                "but the merged result must be a complete scenario. "
            ) + partial.get("description", "")
            partial["properties"]["extends"] = {"title": "Extends", "description": _EXTENDS, "type": "string"}
            partial["required"] = ["extends"]
            defs[EXTENDING] = partial
        else:
            defs[name + PARTIAL_SUFFIX] = partial


def _partial(node: Any, blocks: set[str], pending: list[str]) -> Any:
    """Return a block's schema with nothing required, blocks reached through mappings partial too.

    Items of a list stay complete (a list in an extending file replaces the base's list whole), and
    so do distributions.
    """
    if isinstance(node, list):
        return [_partial(item, blocks, pending) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "required" or key == "minProperties":
            continue
        if key in ("items", "default", "examples"):
            out[key] = value
        elif key in ("properties", "patternProperties"):
            out[key] = {name: _partial(child, blocks, pending) for name, child in value.items()}
        elif key == "$ref" and isinstance(value, str) and value.rsplit("/", 1)[1] in blocks:
            target = value.rsplit("/", 1)[1]
            pending.append(target)
            out[key] = f"#/$defs/{target}{PARTIAL_SUFFIX}"
        else:
            out[key] = _partial(value, blocks, pending)
    return out


def editor_schema(generated: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return another file's pydantic schema (a study file's, say) tidied as the scenario's is.

    Distributions become ``$ref``s to one ``Distribution`` entry (numbers written as text allowed beside
    them), names of mappings are closed, and validating keywords beside a ``$ref`` move into an ``allOf``.

    Args:
        generated: ``Model.model_json_schema(mode="validation")``, which holds at least one distribution.

    Returns:
        The root schema (without ``$defs``) and its ``$defs``, ``Distribution`` among them.
    """
    generated = copy.deepcopy(generated)
    defs: dict[str, Any] = generated.pop("$defs", {})
    distribution = _distribution_union({"root": generated, **defs})
    tidied = {name: _tidy(schema, distribution) for name, schema in defs.items()}
    tidied[DISTRIBUTION] = {
        "title": "Distribution",
        "description": "An uncertain number: {dist: KIND, ...} with KIND one of "
        + ", ".join(_kinds(distribution, tidied))
        + ".",
        "oneOf": copy.deepcopy(distribution["oneOf"]),
    }
    return _tidy(generated, distribution), tidied
