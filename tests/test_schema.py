"""The scenario JSON Schema (sim schema) and the starting scenario (sim new).

The schema must accept every scenario the project ships (with and without ``extends:``), refuse what the
loader refuses where a schema can tell (unknown keys, wrong types), never go stale (the shipped file is
what ``sim schema`` writes now), and tell an editor what each field means. ``sim new`` writes a file
that the schema and the loader both accept and that runs.
"""

from __future__ import annotations

import json
import shutil
import typing
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner, Result
from conftest import SMALL

from sim.cli import cli
from sim.errors import InputError
from sim.scenario import load_scenario
from sim.scenario.json_schema import MODELINE, scenario_json_schema, schema_text
from sim.scenario.template import render

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = ROOT / "scenarios" / "scenario.schema.json"
SCENARIO_FILES = sorted(
    path
    for path in (ROOT / "scenarios").rglob("*.yaml")
    if not {"sweeps", "studies"} & set(path.relative_to(ROOT).parts)
) + sorted((ROOT / "tests" / "scenarios").glob("*.yaml"))
"""Every scenario the project ships (``scenarios/sweeps/`` and ``scenarios/studies/`` hold sweep and study
files, not scenarios)."""
WITH_SCHEMA_LINE = (
    sorted((ROOT / "scenarios").glob("*.yaml"))
    + sorted((ROOT / "scenarios" / "variants").glob("*.yaml"))
    + sorted((ROOT / "tests" / "scenarios").glob("*.yaml"))
)
"""The scenarios whose first line names the schema."""
SWEEP_FILES = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml")) + sorted(
    (ROOT / "scenarios" / "studies").glob("*.yaml")
)
"""Sweep and study files: not scenarios."""


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return scenario_json_schema()


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def as_json(data: Any) -> Any:
    """YAML data as an editor's language server sees it: dates are text (YAML 1.2 has no date type)."""
    return json.loads(json.dumps(data, default=lambda value: value.isoformat()))


def read(path: Path) -> Any:
    return as_json(yaml.safe_load(path.read_text(encoding="utf-8")))


def problems(validator: jsonschema.Draft7Validator, data: Any) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], prog_name="sim")


def one_error_line(result: Result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in result.output
    return lines[0]


# ------------------------------------------------------------------------------------- the schema
def test_the_shipped_schema_is_what_sim_schema_writes_now(tmp_path: Path) -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        "scenarios/scenario.schema.json is stale: run  sim schema  and commit the file"
    )
    out = tmp_path / "deep" / "s.json"
    result = invoke("schema", "--out", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == SCHEMA_FILE.read_bytes()
    assert f"wrote {out}" in result.stdout


def test_sim_schema_prints_the_schema_with_a_dash() -> None:
    result = invoke("schema", "--out", "-")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == scenario_json_schema()


def test_sim_schema_writes_the_repository_copy_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert invoke("schema").exit_code == 0
    assert (tmp_path / "scenarios" / "scenario.schema.json").read_text(encoding="utf-8") == schema_text()


def test_sim_schema_refuses_a_folder_in_one_line(tmp_path: Path) -> None:
    result = invoke("schema", "--out", tmp_path)
    assert result.exit_code == 2
    assert one_error_line(result) == f"error: {tmp_path}: is a folder; give a file path"


def test_the_schema_is_draft_7_with_no_ref_beside_a_validating_keyword(schema: dict[str, Any]) -> None:
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    annotations = {"$ref", "title", "description", "default", "examples"}

    def visit(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                assert set(node) <= annotations, f"{where}: draft-07 ignores {set(node) - annotations}"
            for key, value in node.items():
                if key not in ("default", "examples"):
                    visit(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                visit(value, f"{where}/{index}")

    visit(schema, "#")


def test_every_field_says_what_it_is(schema: dict[str, Any]) -> None:
    missing = [
        f"{name}.{field}"
        for name, block in schema["$defs"].items()
        for field, definition in block.get("properties", {}).items()
        if not definition.get("description")
    ]
    assert missing == []
    assert all(block.get("title") for block in schema["$defs"].values())
    defs = schema["$defs"]
    # Units survive from the models' descriptions.
    assert "km²" in defs["Sector"]["properties"]["area_km2"]["description"]
    assert " km" in defs["Attack"]["properties"]["frontage_km"]["description"]
    assert "per day" in defs["Engagement"]["properties"]["kill_rate"]["description"]
    assert "soldier-days" in defs["Logistics"]["properties"]["capacity"]["description"]


def test_every_block_of_the_models_is_in_the_schema_with_every_field(schema: dict[str, Any]) -> None:
    from pydantic import BaseModel

    from sim.scenario.schema import Scenario

    def blocks(annotation: Any) -> list[type[BaseModel]]:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return [annotation]
        return [block for argument in typing.get_args(annotation) for block in blocks(argument)]

    seen: dict[str, type[BaseModel]] = {}
    pending: list[type[BaseModel]] = [Scenario]
    while pending:
        model = pending.pop()
        if model.__name__ not in seen:
            seen[model.__name__] = model
            pending.extend(b for info in model.model_fields.values() for b in blocks(info.annotation))
    defs = schema["$defs"]
    assert {"Scenario", "Side", "Contingent", "Echelon", "Withdrawal", "Logistics", "Uniform"} <= set(seen)
    for name, model in seen.items():
        written = {info.alias or field for field, info in model.model_fields.items()}
        extra = {"extends"} if model is Scenario else set()
        assert set(defs[name]["properties"]) == written | extra, name
        if name + "Partial" in defs:
            assert set(defs[name + "Partial"]["properties"]) == written, name


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_scenario_validates(path: Path, validator: jsonschema.Draft7Validator) -> None:
    assert problems(validator, read(path)) == []


def test_the_shipped_scenarios_include_extending_ones() -> None:
    extending = [path.name for path in SCENARIO_FILES if "extends" in yaml.safe_load(path.read_text())]
    assert len(SCENARIO_FILES) >= 5 and len(extending) >= 2, extending


@pytest.mark.parametrize("path", WITH_SCHEMA_LINE, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_scenario_names_the_schema_on_its_first_line(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(MODELINE), f"{path}: first line is {first!r}"
    assert (path.parent / first.removeprefix(MODELINE)).resolve() == SCHEMA_FILE
    load_scenario(path)  # the loader reads it as a comment


@pytest.mark.parametrize("path", SWEEP_FILES, ids=lambda p: p.name)
def test_sweep_and_study_files_are_not_scenarios(path: Path, validator: jsonschema.Draft7Validator) -> None:
    assert problems(validator, read(path)), "a sweep or study file passed as a scenario"
    first = path.read_text(encoding="utf-8").splitlines()[0]
    named = first.startswith(MODELINE) and (path.parent / first.removeprefix(MODELINE)).resolve()
    assert named != SCHEMA_FILE, "a sweep or study file names the scenario schema"


# --------------------------------------------------------------- refused: by the schema and the loader
def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[last] = value


def _rename(data: dict[str, Any], path: str, new: str) -> None:
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[part]
    node[new] = node.pop(last)


BROKEN = {
    "typo_top_level": lambda d: _rename(d, "name", "nmae"),
    "typo_nested": lambda d: _rename(d, "engagement.kill_rate", "kil_rate"),
    "typo_in_a_list_item": lambda d: _rename(d, "observations", "observation"),
    "typo_in_a_distribution": lambda d: _set(
        d, "sides.red.contingents.regulars.quality", {"dist": "uniform", "low": 0.8, "hihg": 1.0}
    ),
    "unknown_distribution": lambda d: _set(
        d, "sides.red.contingents.regulars.quality", {"dist": "unifrom", "low": 0.8, "high": 1.0}
    ),
    "text_for_a_number": lambda d: _set(d, "sides.red.contingents.regulars.quality", "high"),
    "text_for_a_count": lambda d: _set(d, "sides.red.contingents.regulars.echelons.0.units", "eight"),
    "number_for_a_date": lambda d: _set(d, "start", 20240901),
    "impossible_date": lambda d: _set(d, "end", "2024-13-01"),
    "list_for_a_block": lambda d: _set(d, "engagement", [1, 2]),
    "unknown_policy": lambda d: _set(d, "sides.red.command.policy", "cautious"),
    "bad_sector_name": lambda d: _rename(d, "sectors.north", "1st-north"),
    "missing_required": lambda d: d["engagement"].pop("kill_rate"),
    "missing_block": lambda d: d.pop("sectors"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_the_schema_refuses_what_the_loader_refuses(
    case: str, validator: jsonschema.Draft7Validator, tmp_path: Path
) -> None:
    data = read(SMALL)
    assert problems(validator, data) == []  # the change below is what breaks it
    BROKEN[case](data)
    assert problems(validator, data), f"the schema accepted {case}"
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(InputError):
        load_scenario(path)


def test_numbers_written_as_text_pass_both(validator: jsonschema.Draft7Validator, tmp_path: Path) -> None:
    text = SMALL.read_text(encoding="utf-8").replace("  kill_rate: 0.05", "  kill_rate: 5e-2")
    assert "5e-2" in text
    data = as_json(yaml.safe_load(text))
    assert data["engagement"]["kill_rate"] == "5e-2"  # PyYAML (YAML 1.1) reads it as text
    assert problems(validator, data) == []
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    assert load_scenario(tmp_path / "s.yaml").engagement.kill_rate == 0.05


# ----------------------------------------------------------------------------------------- extends
@pytest.fixture()
def base(tmp_path: Path) -> Path:
    return Path(shutil.copy(SMALL, tmp_path / "base.yaml"))


def _both(validator: jsonschema.Draft7Validator, folder: Path, data: dict[str, Any]) -> tuple[list[str], str]:
    """Return the schema's problems and the loader's error ('' if it loads) for ``data`` as a file."""
    path = folder / "child.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    try:
        load_scenario(path)
        loaded = ""
    except InputError as error:
        loaded = str(error)
    return problems(validator, as_json(data)), loaded


def test_a_file_that_extends_needs_nothing_but_extends(
    validator: jsonschema.Draft7Validator, base: Path
) -> None:
    child = {
        "extends": "base.yaml",
        "name": "child",
        "sides": {"red": {"attack": {"advance_km": {"dist": "uniform", "low": 0.5, "high": 1.5}}}},
        "engagement": {"kill_rate": 0.02},
        "calibrate": None,
    }
    assert _both(validator, base.parent, child) == ([], "")
    assert _both(validator, base.parent, {"extends": "base.yaml"}) == ([], "")


def test_without_extends_every_required_field_is_required(validator: jsonschema.Draft7Validator) -> None:
    partial = {"name": "child", "engagement": {"kill_rate": 0.02}}
    found = problems(validator, partial)
    assert any("'start' is a required property" in p for p in found), found
    # extends: null is no base at all (the loader reads it so), so the file must be complete.
    assert problems(validator, {**partial, "extends": None})
    assert problems(validator, {**read(SMALL), "extends": None}) == []


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"engagement": {"kil_rate": 0.02}}, "'kil_rate' was unexpected"),
        ({"sides": {"red": {"attack": {"advance_km": "far"}}}}, "is not valid under any"),
        ({"end": 61}, "is not of type 'string'"),
        # A list replaces the base's list whole, so its items must be complete.
        (
            {"sides": {"red": {"contingents": {"regulars": {"echelons": [{"day": 3}]}}}}},
            "'units' is a required",
        ),
    ],
)
def test_a_file_that_extends_is_still_checked(
    change: dict[str, Any], words: str, validator: jsonschema.Draft7Validator, base: Path
) -> None:
    found, loaded = _both(validator, base.parent, {"extends": "base.yaml", **change})
    assert any(words in p for p in found), found
    assert loaded, "the loader accepted it"


def test_the_if_then_else_picks_the_branch_by_extends(schema: dict[str, Any]) -> None:
    assert schema["if"] == {"properties": {"extends": {"type": "string"}}, "required": ["extends"]}
    extending = schema["$defs"]["ScenarioExtending"]
    assert extending["required"] == ["extends"]
    assert set(extending["properties"]) == set(schema["$defs"]["Scenario"]["properties"])
    assert "required" not in schema["$defs"]["SidePartial"]
    assert schema["$defs"]["Side"]["required"] == ["contingents"]


# ---------------------------------------------------------------------------------------- sim new
def test_sim_new_writes_a_scenario_that_validates_and_runs(
    tmp_path: Path, validator: jsonschema.Draft7Validator
) -> None:
    out = tmp_path / "mine"
    result = invoke("new", "demo", "--out", out)
    assert result.exit_code == 0, result.output
    path = out / "demo.yaml"
    assert f"wrote {path}" in result.stdout
    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[0]
    assert first.startswith(MODELINE)
    assert (out / first.removeprefix(MODELINE)).resolve().read_text(encoding="utf-8") == schema_text()
    data = yaml.safe_load(text)
    assert problems(validator, as_json(data)) == []
    for section in (
        "name",
        "description",
        "start",
        "end",
        "sides",
        "sectors",
        "engagement",
        "thresholds_km2",
    ):
        assert section in data, section
    assert sum(1 for line in text.splitlines() if "#" in line) > 60  # explained, field by field
    scenario = load_scenario(path)
    assert scenario.name == "demo" and scenario.holder == "defender"

    run = invoke(
        "run", path, "-n", "4", "--executor", "serial", "--no-plots", "-q", "--out", tmp_path / "run"
    )
    assert run.exit_code == 0, run.output
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary  # the run finished and summarised


def test_sim_new_optional_blocks_validate_when_uncommented(
    tmp_path: Path, validator: jsonschema.Draft7Validator
) -> None:
    commented = render("full", "scenario.schema.json")
    text = render("full", "scenario.schema.json", examples=True)
    data = yaml.safe_load(text)
    for block in ("observations", "calibrate"):
        assert block in data and block not in yaml.safe_load(commented)
    assert {"withdrawal"} <= set(data["sides"]["defender"]["command"]) and "strikes" in data["sides"][
        "attacker"
    ]
    assert problems(validator, as_json(data)) == []
    (tmp_path / "full.yaml").write_text(text, encoding="utf-8")
    scenario = load_scenario(tmp_path / "full.yaml")
    assert scenario.calibrate is not None and len(scenario.observations) == 1
    # Commented out, each line of an optional block is the uncommented line behind "# " (alignment aside).
    pairs = list(zip(commented.splitlines(), text.splitlines(), strict=True))
    changed = [(c, t) for c, t in pairs if c != t]
    assert len(changed) == 25, len(changed)  # withdrawal 10, strikes 5, observations 4, calibrate 6
    for c, t in changed:
        before, _, after = c.partition("# ")
        assert not before.strip() and " ".join(after.split()) == " ".join(t.split()), (c, t)


def test_sim_new_refuses_to_overwrite(tmp_path: Path) -> None:
    assert invoke("new", "demo", "--out", tmp_path).exit_code == 0
    path = tmp_path / "demo.yaml"
    path.write_text("name: mine\n", encoding="utf-8")
    result = invoke("new", "demo", "--out", tmp_path)
    assert result.exit_code == 2
    assert one_error_line(result) == (
        f"error: {path}: already exists; sim new does not overwrite it (choose another NAME or --out)"
    )
    assert path.read_text(encoding="utf-8") == "name: mine\n"


@pytest.mark.parametrize(
    "name", ["demo.yaml", "9lives", "my-scenario", "../up", "a b", "", "x" * 65, "naïve"]
)
def test_sim_new_refuses_a_name_that_is_not_simple(name: str, tmp_path: Path) -> None:
    result = invoke("new", name, "--out", tmp_path)
    assert result.exit_code == 2
    assert "is not a simple name" in one_error_line(result)
    assert list(tmp_path.iterdir()) == []


def test_sim_new_refuses_an_out_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    result = invoke("new", "demo", "--out", tmp_path / "f")
    assert result.exit_code == 2
    assert (
        one_error_line(result)
        == f"error: {tmp_path / 'f'}: is not a folder; --out names the folder to write into"
    )


def test_sim_new_names_the_schema_above_it_or_writes_one_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    project = tmp_path / "project"
    (project / "scenarios").mkdir(parents=True)
    (project / "scenarios" / "scenario.schema.json").write_text(schema_text(), encoding="utf-8")
    assert invoke("new", "a", "--out", project / "scenarios" / "mine").exit_code == 0
    first = (project / "scenarios" / "mine" / "a.yaml").read_text().splitlines()[0]
    assert first == f"{MODELINE}../scenario.schema.json"

    elsewhere = tmp_path / "elsewhere"
    result = invoke("new", "b", "--out", elsewhere)
    assert result.exit_code == 0
    assert (elsewhere / "b.yaml").read_text().splitlines()[0] == f"{MODELINE}scenario.schema.json"
    assert (elsewhere / "scenario.schema.json").read_text(encoding="utf-8") == schema_text()
    assert "scenario.schema.json" in result.stdout

    result = invoke("new", "c", "--out", elsewhere, "--schema", "https://example.org/s.json")
    assert (elsewhere / "c.yaml").read_text().splitlines()[0] == f"{MODELINE}https://example.org/s.json"
    result = invoke("new", "d", "--out", elsewhere, "--schema", tmp_path / "nope.json")
    assert result.exit_code == 2 and "no such schema file" in one_error_line(result)


@pytest.mark.parametrize("command", ["schema", "new"])
def test_help(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "--out" in result.stdout
    assert command in invoke("--help").stdout


def test_render_puts_the_name_in_and_refuses_one_that_is_not_simple() -> None:
    assert yaml.safe_load(render("alpha"))["name"] == "alpha"
    assert not render("alpha").startswith("#" + " yaml-language-server")  # no schema named, no line
    with pytest.raises(ValueError):
        render("not simple")
