"""The JSON Schema of study files, for editors: completion, hover help and checks while a study is typed.

Generated from the models ``sim robust`` validates with (``StudySpec``), tidied as the scenario's schema
is (``sim.scenario.json_schema.editor_schema``): distributions are one ``$defs/Distribution``, and an
uncertainty may also be a plain range ``{low, high}``. What the schema cannot express (a goal naming
an outcome of the study, a lever's scenario and the paths it sets, whether each uncertainty is a
number the model draws) the loader checks, naming the file, line and field.
"""

from __future__ import annotations

import json
from typing import Any

from sim.experiments.study_spec import StudySpec
from sim.scenario.json_schema import DISTRIBUTION, DRAFT, editor_schema

FILE_NAME = "study.schema.json"
"""The schema's file name (``scenarios/studies/study.schema.json`` in the repository)."""
RANGE = "Range"
"""The ``$defs`` entry of an uncertainty written as a plain range."""


def study_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of a study file, as a plain mapping (draft-07)."""
    root, defs = editor_schema(StudySpec.model_json_schema(mode="validation"))
    defs[RANGE] = {
        "title": "Range",
        "description": "A uniform range, sampled into the futures by the design.",
        "type": "object",
        "properties": {
            "low": {"type": "number", "description": "The least value."},
            "high": {"type": "number", "description": "The greatest value (more than low)."},
        },
        "required": ["low", "high"],
        "additionalProperties": False,
    }
    uncertainties = root["properties"]["uncertainties"]
    uncertainties["additionalProperties"] = {
        "anyOf": [{"$ref": f"#/$defs/{RANGE}"}, {"$ref": f"#/$defs/{DISTRIBUTION}"}]
    }
    return {
        "$schema": DRAFT,
        "title": "conflict-sim study",
        "description": "A study for sim robust (docs/robustness.md): levers, uncertainties, outcomes, goals.",
        **{key: value for key, value in root.items() if key not in ("title", "description")},
        "$defs": dict(sorted(defs.items())),
    }


def schema_text() -> str:
    """Return the schema as the text of ``study.schema.json`` (indented JSON, ending in a newline)."""
    return json.dumps(study_json_schema(), indent=2, ensure_ascii=False) + "\n"
