"""Loading scenarios (sim.scenario.load_scenario and ``sim check``): bad input, extends, overrides.

Every kind of bad input must end in one line, ``error: FILE:LINE: FIELD: message``, exit code 2 and no
traceback. Each case is checked in-process through ``load_scenario`` and, for one case of each kind, through
the real command line in a subprocess (the subprocesses run in parallel, once per module).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from sim.errors import InputError
from sim.scenario import Scenario, load_scenario, yaml_source
from sim.scenario.distributions import Triangular, Uniform
from sim.scenario.parameters import distribution_leaves

KURSK = Path(__file__).resolve().parents[1] / "scenarios" / "kursk_2024.yaml"

MINIMAL = """\
# A small valid scenario; each bad-input case edits one line of it.
name: mini
description: A small scenario for loading tests.
start: 2024-01-01
end: 2024-03-01
sides:
  blue:
    holds_ground: true
    contingents:
      infantry:
        unit_size: 500
        reserve_share: 0.1
        echelons:
          - {units: 4, day: 0}
          - {units: 2, day: 10}
    logistics:
      capacity: {dist: uniform, low: 3000, high: 5000}
  red:
    contingents:
      infantry:
        unit_size: {dist: uniform, low: 400, high: 600}
        readiness_days: {dist: triangular, low: 2, mode: 5, high: 10}
        echelons:
          - {units: 6, day: 0}
    attack:
      max_rate_per_km: 0.1
      advance_km: 0.5
sectors:
  north:
    area_km2: 100
    frontage_km: 10
  south:
    area_km2: 50
    frontage_km: 8
engagement:
  kill_rate: 0.02
  dispersion: 3.0
thresholds_km2: [100, 50]
"""

ANY_FIELD = "<any field or none>"
"""Marks an error where naming a field is optional (a YAML-level problem)."""


def edit(old: str, new: str, text: str = MINIMAL) -> str:
    """Return ``text`` with ``old`` (which must occur exactly once) replaced by ``new``."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


def line_of(text: str, needle: str) -> int:
    """Return the 1-based number of the one line of ``text`` containing ``needle``."""
    hits = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) == 1, (needle, hits)
    return hits[0]


@dataclass(frozen=True)
class Case:
    """One bad input: the files to write, what to load, and the error expected."""

    files: Mapping[str, str]
    scenario: str
    file: str
    line: int | None
    field: str | None
    message: str
    overrides: tuple[str, ...] = ()
    cli: bool = False  # also run through the real command line
    marks: tuple[pytest.MarkDecorator, ...] = field(default=())

    def write(self, folder: Path) -> None:
        for name, text in self.files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")

    def args(self) -> list[str]:
        args = ["check", self.scenario]
        for override in self.overrides:
            args += ["--set", override]
        return args


def bad(
    new_text: str,
    mark: str,
    field: str | None,
    message: str,
    *,
    cli: bool = False,
    marks: tuple[pytest.MarkDecorator, ...] = (),
) -> Case:
    """A case whose scenario.yaml is ``new_text``, the error expected on the line containing ``mark``."""
    return Case(
        {"scenario.yaml": new_text},
        "scenario.yaml",
        "scenario.yaml",
        line_of(new_text, mark),
        field,
        message,
        cli=cli,
        marks=marks,
    )


def bad_override(override: str, field: str | None, message: str, *, cli: bool = False) -> Case:
    return Case(
        {"scenario.yaml": MINIMAL},
        "scenario.yaml",
        f"--set {override}",
        None,
        field,
        message,
        overrides=(override,),
        cli=cli,
    )


KURSK_TEXT = KURSK.read_text(encoding="utf-8")
KURSK_TYPO = re.sub(r"(?m)^(\s+)kill_rate:", r"\1kil_rate:", KURSK_TEXT, count=1)
CYCLE = {"a.yaml": "extends: b.yaml\nname: a\n", "b.yaml": "extends: a.yaml\nname: b\n"}
PAYLOAD = 'description: !!python/object/apply:builtins.open ["pwned", "w"]'
BAD_DATE = edit("end: 2024-03-01", "end: 2024-13-01")

CASES: dict[str, Case] = {
    # unknown keys, with and without a close match
    "unknown_key_kursk": Case(
        {"typo.yaml": KURSK_TYPO},
        "typo.yaml",
        "typo.yaml",
        line_of(KURSK_TYPO, "kil_rate:"),
        "engagement.kil_rate",
        "unknown key 'kil_rate'; did you mean 'kill_rate'?",
        cli=True,
    ),
    "unknown_key": bad(
        edit("  kill_rate: 0.02", "  kil_rate: 0.02"),
        "kil_rate",
        "engagement.kil_rate",
        "unknown key 'kil_rate'; did you mean 'kill_rate'?",
    ),
    "unknown_key_top_level": bad(
        edit("name: mini", "nmae: mini"), "nmae", "nmae", "unknown key 'nmae'; did you mean 'name'?"
    ),
    "unknown_key_no_guess": bad(
        edit("  dispersion: 3.0", "  dispersion: 3.0\n  zzzz: 1"),
        "zzzz",
        "engagement.zzzz",
        "unknown key 'zzzz'; expected one of: ",
    ),
    "unknown_key_in_distribution": bad(
        edit("{dist: uniform, low: 3000, high: 5000}", "{dist: uniform, low: 3000, hihg: 5000}"),
        "hihg",
        "sides.blue.logistics.capacity.hihg",
        "unknown key 'hihg'; did you mean 'high'?",
    ),
    # wrong types
    "wrong_type": bad(
        edit("  kill_rate: 0.02", "  kill_rate: fast"),
        "kill_rate",
        "engagement.kill_rate",
        "expected a number or a distribution, got 'fast'",
        cli=True,
    ),
    "wrong_type_boolean": bad(
        edit("  kill_rate: 0.02", "  kill_rate: yes"),
        "kill_rate",
        "engagement.kill_rate",
        "got a boolean",
    ),
    "wrong_type_in_list_item": bad(
        edit("{units: 2, day: 10}", "{units: two, day: 10}"),
        "units: two",
        "sides.blue.contingents.infantry.echelons.1.units",
        "valid integer",
    ),
    # out-of-range numbers
    "negative": bad(
        edit("  kill_rate: 0.02", "  kill_rate: -1"),
        "kill_rate",
        "engagement.kill_rate",
        "must be >= 0.0 (value -1.0)",
        cli=True,
    ),
    "negative_in_list_item": bad(
        edit("{units: 2, day: 10}", "{units: 2, day: -10}"),
        "day: -10",
        "sides.blue.contingents.infantry.echelons.1.day",
        "must be >= 0.0",
    ),
    "fraction_above_one": bad(
        edit("reserve_share: 0.1", "reserve_share: 1.5"),
        "reserve_share",
        "sides.blue.contingents.infantry.reserve_share",
        "must be <= 1.0 (value 1.5)",
        cli=True,
    ),
    "fraction_distribution_above_one": bad(
        edit("reserve_share: 0.1", "reserve_share: {dist: uniform, low: 0.5, high: 1.5}"),
        "reserve_share",
        "sides.blue.contingents.infantry.reserve_share",
        "must be <= 1.0 (distribution can reach 1.5)",
    ),
    # bad distributions
    "unknown_distribution": bad(
        edit("{dist: triangular, low: 2", "{dist: triangle, low: 2"),
        "triangle",
        "sides.red.contingents.infantry.readiness_days",
        "unknown distribution 'triangle'; expected one of: fixed, uniform,",
        cli=True,
    ),
    "distribution_low_above_high": bad(
        edit("{dist: uniform, low: 3000, high: 5000}", "{dist: uniform, low: 5000, high: 3000}"),
        "low: 5000",
        "sides.blue.logistics.capacity",
        "uniform needs low < high",
        cli=True,
    ),
    "distribution_without_kind": bad(
        edit("{dist: uniform, low: 3000, high: 5000}", "{low: 3000, high: 5000}"),
        "low: 3000",
        "sides.blue.logistics.capacity",
        "a distribution needs a 'dist' key",
    ),
    "triangular_mode_outside": bad(
        edit("low: 2, mode: 5, high: 10", "low: 2, mode: 50, high: 10"),
        "mode: 50",
        "sides.red.contingents.infantry.readiness_days",
        "triangular needs low <= mode <= high",
    ),
    # dates
    "bad_date": bad(BAD_DATE, "2024-13-01", "end", "2024-13-01", cli=True),
    "bad_date_in_list_item": bad(
        edit("{units: 2, day: 10}", "{units: 2, date: 2024-02-30}"),
        "2024-02-30",
        "sides.blue.contingents.infantry.echelons.1.date",
        "2024-02-30",
    ),
    "date_not_a_date": bad(
        edit("end: 2024-03-01", "end: someday"), "someday", "end", "valid date", cli=False
    ),
    "end_before_start": bad(
        edit("end: 2024-03-01", "end: 2023-12-01"),
        "end: 2023-12-01",
        "end",
        "must be after start",
    ),
    # files
    "missing_file": Case({}, "nope.yaml", "nope.yaml", None, None, "no such scenario file", cli=True),
    "folder": Case({"sub/x.yaml": MINIMAL}, "sub", "sub", None, None, "is a folder"),
    "empty_file": Case({"empty.yaml": ""}, "empty.yaml", "empty.yaml", None, None, "is empty"),
    "not_a_mapping": Case(
        {"list.yaml": "- a\n- b\n"}, "list.yaml", "list.yaml", 1, None, "must be a mapping"
    ),
    # YAML
    "malformed_yaml": bad(
        edit("  kill_rate: 0.02", "  kill_rate: 0.02: 3"),
        "kill_rate",
        ANY_FIELD,
        "malformed YAML: mapping values are not allowed here",
        cli=True,
    ),
    "duplicate_key": bad(
        edit("end: 2024-03-01", "end: 2024-03-01\nend: 2024-04-01"),
        "end: 2024-04-01",
        "end",
        "duplicate key 'end'",
        cli=True,
    ),
    "duplicate_key_nested": bad(
        edit("    frontage_km: 10", "    frontage_km: 10\n    frontage_km: 12"),
        "frontage_km: 12",
        "sectors.north.frontage_km",
        "duplicate key 'frontage_km'",
    ),
    "duplicate_key_in_flow_mapping": bad(
        edit("{units: 4, day: 0}", "{units: 4, day: 0, units: 5}"),
        "units: 5",
        "sides.blue.contingents.infantry.echelons.0.units",
        "duplicate key 'units'",
    ),
    "python_object_tag": bad(
        edit("description: A small scenario for loading tests.", PAYLOAD),
        "python/object",
        ANY_FIELD,
        "python/object/apply:builtins.open",
        cli=True,
    ),
    # names
    "name_with_path_characters": bad(
        edit("name: mini", "name: ../x"), "../x", "name", "should match pattern", cli=True
    ),
    "name_with_slash": bad(edit("name: mini", "name: a/b"), "a/b", "name", "should match pattern"),
    "sector_name_with_path_characters": bad(
        edit("  north:", "  ../north:"), "../north", ANY_FIELD, "should match pattern"
    ),
    # extends
    "extends_missing": Case(
        {"child.yaml": "# a variant\nextends: nothere.yaml\nname: child\n"},
        "child.yaml",
        "child.yaml",
        2,
        "extends",
        "'extends' names a file that does not exist",
        cli=True,
    ),
    "extends_not_a_path": Case(
        {"child.yaml": "name: child\nextends: [base.yaml]\n"},
        "child.yaml",
        "child.yaml",
        2,
        ANY_FIELD,
        "'extends' must be a file path",
    ),
    "error_in_base_file": Case(
        {
            "base.yaml": edit("  kill_rate: 0.02", "  kill_rate: -0.02"),
            "child.yaml": "extends: base.yaml\nname: child\n",
        },
        "child.yaml",
        "base.yaml",
        line_of(MINIMAL, "kill_rate"),
        "engagement.kill_rate",
        "must be >= 0.0",
    ),
    "error_in_child_file": Case(
        {"base.yaml": MINIMAL, "child.yaml": "extends: base.yaml\nname: child\nengagement:\n  kil_rate: 1\n"},
        "child.yaml",
        "child.yaml",
        4,
        "engagement.kil_rate",
        "unknown key 'kil_rate'; did you mean 'kill_rate'?",
    ),
    # --set overrides
    "set_unknown_key": bad_override(
        "engagement.kil_rate=1",
        "engagement.kil_rate",
        "unknown key 'kil_rate'; did you mean 'kill_rate'?",
        cli=True,
    ),
    "set_bad_value": bad_override(
        "engagement.kill_rate=abc",
        "engagement.kill_rate",
        "expected a number or a distribution, got 'abc'",
        cli=True,
    ),
    "set_negative_value": bad_override("engagement.kill_rate=-1", "engagement.kill_rate", "must be >= 0.0"),
    "set_bad_distribution": bad_override(
        "engagement.kill_rate={dist: uniform, low: 2, high: 1}", "engagement.kill_rate", "low < high"
    ),
    "set_without_equals": bad_override("engagement.kill_rate", None, "expected path=value", cli=True),
    "set_empty_path": bad_override("=1", None, "the path before '=' is empty"),
    "set_list_index_out_of_range": bad_override(
        "sides.blue.contingents.infantry.echelons.5.day=1",
        "sides.blue.contingents.infantry.echelons.5.day",
        "no item 5 in the list",
    ),
    "set_into_a_value": bad_override("name.x=1", "name.x", "name is a value, not a block"),
    "set_unreadable_value": Case(
        {"scenario.yaml": MINIMAL},
        "scenario.yaml",
        "--set engagement.kill_rate=[1",
        None,
        ANY_FIELD,
        "cannot read the value",
        overrides=("engagement.kill_rate=[1",),
        cli=True,
    ),
}

# Runs of the real command line that are not in the table above.
EXTRA_RUNS: dict[str, Case] = {
    "extends_cycle": Case(CYCLE, "a.yaml", "b.yaml", 1, "extends", "'extends' makes a cycle"),
    "kursk": Case({}, str(KURSK), "", None, None, ""),
}


def params(names: list[str]) -> list[object]:
    return [pytest.param(name, marks=CASES[name].marks, id=name) for name in names]


def expected_start(case: Case) -> str:
    """The error line up to the message: ``FILE[:LINE]: [FIELD: ]``."""
    where = case.file + (f":{case.line}" if case.line is not None else "") + ": "
    return where + (f"{case.field}: " if case.field not in (None, ANY_FIELD) else "")


def run_cli(folder: Path, case: Case) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *case.args()],
        cwd=folder,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )


@dataclass(frozen=True)
class CliRun:
    folder: Path
    result: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CliRun]:
    """Run ``sim check`` for every case marked ``cli`` and the extra runs, in parallel."""
    runs = {name: case for name, case in CASES.items() if case.cli} | EXTRA_RUNS
    folders = {}
    for name, case in runs.items():
        folders[name] = tmp_path_factory.mktemp(f"cli_{name}")
        case.write(folders[name])
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {name: pool.submit(run_cli, folders[name], case) for name, case in runs.items()}
        return {name: CliRun(folders[name], future.result()) for name, future in futures.items()}


def load_in(folder: Path, case: Case, monkeypatch: pytest.MonkeyPatch) -> InputError:
    case.write(folder)
    monkeypatch.chdir(folder)
    with pytest.raises(InputError) as info:
        load_scenario(case.scenario, case.overrides)
    return info.value


# ---------------------------------------------------------------------------------------------------------
# bad input, in-process and through the command line


@pytest.mark.parametrize("name", params(list(CASES)))
def test_bad_input_names_file_line_and_field(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES[name]
    error = load_in(tmp_path, case, monkeypatch)
    assert error.file == case.file
    assert error.line == case.line
    if case.field != ANY_FIELD:
        assert error.field == case.field
    assert case.message in error.message
    text = str(error)
    assert "\n" not in text
    assert text.startswith(expected_start(case))


@pytest.mark.parametrize("name", params([name for name, case in CASES.items() if case.cli]))
@pytest.mark.slow
def test_cli_reports_bad_input_in_one_line(name: str, cli_runs: dict[str, CliRun]) -> None:
    case = CASES[name]
    result = cli_runs[name].result
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    # sim check lists every problem, one a line, the most useful first (a typo before the field it hid).
    assert lines and all(line.startswith("error: ") for line in lines), result.stderr
    assert lines[0].startswith("error: " + expected_start(case)), lines[0]
    assert case.message in lines[0]


def test_bad_date_is_reported_at_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    error = load_in(tmp_path, CASES["bad_date"], monkeypatch)
    assert (error.file, error.line) == ("scenario.yaml", line_of(BAD_DATE, "2024-13-01"))
    assert "'2024-13-01' is not a valid date" in error.message


@pytest.mark.slow
def test_cli_bad_date_is_one_line_at_its_line(cli_runs: dict[str, CliRun]) -> None:
    result = cli_runs["bad_date"].result
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: scenario.yaml:{line_of(BAD_DATE, '2024-13-01')}: ")
    assert "'2024-13-01' is not a valid date" in lines[0]


@pytest.mark.slow
def test_python_tags_are_refused_without_running_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli_runs: dict[str, CliRun]
) -> None:
    case = CASES["python_object_tag"]
    load_in(tmp_path, case, monkeypatch)
    assert not (tmp_path / "pwned").exists()
    assert not (cli_runs["python_object_tag"].folder / "pwned").exists()
    assert cli_runs["python_object_tag"].result.returncode == 2


def test_the_python_tag_payload_would_create_a_file_if_our_loader_were_unsafe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # So the test above can fail: the payload goes through load_scenario, and with the YAML loader it
    # uses swapped for an unsafe one it does run (the bounds on the YAML do not stop it first). Only
    # our loader being a SafeLoader keeps it from running.
    assert issubclass(yaml_source._Loader, yaml.SafeLoader)
    assert not issubclass(yaml_source._Loader, (yaml.FullLoader, yaml.UnsafeLoader))
    case = CASES["python_object_tag"]
    case.write(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(yaml_source, "_Loader", yaml.UnsafeLoader)
    with pytest.raises(InputError):  # the opened file is not a valid description
        load_scenario(case.scenario)
    assert (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    "tag", ["!!python/name:os.system", "!!python/module:os", "!!python/object:pathlib.Path"]
)
def test_other_python_tags_are_refused(tag: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = edit("description: A small scenario for loading tests.", f"description: {tag} {{}}")
    error = load_in(tmp_path, Case({"s.yaml": text}, "s.yaml", "s.yaml", None, None, ""), monkeypatch)
    assert error.line == line_of(text, tag)
    assert "malformed YAML" in error.message or "tag" in error.message


# extends cycles --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "files",
    [CYCLE, {"a.yaml": "name: a\nextends: a.yaml\n"}],
    ids=["two_files", "itself"],
)
def test_extends_cycle_is_refused(
    files: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = Case(files, "a.yaml", "", None, None, "")
    error = load_in(tmp_path, case, monkeypatch)
    assert "'extends' makes a cycle" in error.message
    assert "\n" not in str(error)


def test_extends_cycle_names_the_extends_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    error = load_in(tmp_path, EXTRA_RUNS["extends_cycle"], monkeypatch)
    assert error.file in ("a.yaml", "b.yaml")
    assert error.line == 1
    assert error.field == "extends"


@pytest.mark.slow
def test_cli_extends_cycle_is_one_line(cli_runs: dict[str, CliRun]) -> None:
    result = cli_runs["extends_cycle"].result
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert "'extends' makes a cycle" in lines[0]


@pytest.mark.slow
def test_cli_unreadable_override_fails_cleanly(cli_runs: dict[str, CliRun]) -> None:
    # Exit code 2, no traceback, and the line names the override.
    result = cli_runs["set_unreadable_value"].result
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: --set engagement.kill_rate=[1: ")


# ---------------------------------------------------------------------------------------------------------
# extends


def write(folder: Path, files: Mapping[str, str]) -> None:
    Case(files, "", "", None, None, "").write(folder)


def test_extends_merges_child_over_base(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "base.yaml": MINIMAL,
            "child.yaml": "extends: base.yaml\nname: child\nengagement:\n  kill_rate: 0.05\n"
            "thresholds_km2: [75]\n",
        },
    )
    base = load_scenario(tmp_path / "base.yaml")
    child = load_scenario(tmp_path / "child.yaml")
    assert child.name == "child"
    assert child.engagement.kill_rate == 0.05
    assert child.engagement.dispersion == 3.0  # mappings merge key by key: the base's dispersion stays
    assert child.thresholds_km2 == (75.0,)  # lists are replaced, not merged
    assert base.engagement.kill_rate == 0.02
    # Everything else comes from the base.
    expected = base.model_dump()
    expected["name"] = "child"
    expected["engagement"]["kill_rate"] = 0.05
    expected["thresholds_km2"] = (75.0,)
    assert child.model_dump() == expected


def test_extends_is_relative_to_the_extending_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path,
        {"shared/base.yaml": MINIMAL, "variants/child.yaml": "extends: ../shared/base.yaml\nname: child\n"},
    )
    monkeypatch.chdir(tmp_path / "shared")  # somewhere else than the child
    child = load_scenario(tmp_path / "variants" / "child.yaml")
    assert child.name == "child"
    assert set(child.sectors) == {"north", "south"}


def test_extends_chains(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "grand.yaml": MINIMAL,
            "base.yaml": "extends: grand.yaml\nname: base\nengagement:\n  kill_rate: 0.03\n  dispersion: 4\n",
            "child.yaml": "extends: base.yaml\nname: child\nengagement:\n  kill_rate: 0.04\n",
        },
    )
    child = load_scenario(tmp_path / "child.yaml")
    assert (child.name, child.engagement.kill_rate, child.engagement.dispersion) == ("child", 0.04, 4.0)
    assert child.sectors["north"].area_km2 == 100.0


def test_extends_the_kursk_scenario(tmp_path: Path) -> None:
    write(tmp_path, {"variant.yaml": f"extends: {KURSK}\nname: kursk_variant\n"})
    variant = load_scenario(tmp_path / "variant.yaml")
    kursk = load_scenario(KURSK)
    assert variant.name == "kursk_variant"
    assert variant.sides == kursk.sides
    assert variant.sectors == kursk.sectors


def test_overrides_apply_after_extends(tmp_path: Path) -> None:
    write(
        tmp_path, {"base.yaml": MINIMAL, "child.yaml": "extends: base.yaml\nengagement:\n  kill_rate: 0.05\n"}
    )
    child = load_scenario(tmp_path / "child.yaml", ["engagement.kill_rate=0.07"])
    assert child.engagement.kill_rate == 0.07


# ---------------------------------------------------------------------------------------------------------
# --set overrides


@pytest.fixture
def minimal(tmp_path: Path) -> Path:
    path = tmp_path / "minimal.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    return path


def test_minimal_fixture_is_valid(minimal: Path) -> None:
    scenario = load_scenario(minimal)
    assert scenario.name == "mini"
    assert scenario.holder == "blue"
    assert len(distribution_leaves(scenario)) == 3


def test_set_a_number(minimal: Path) -> None:
    assert load_scenario(minimal, ["engagement.kill_rate=0.5"]).engagement.kill_rate == 0.5
    assert load_scenario(minimal, ["engagement.kill_rate=1e-3"]).engagement.kill_rate == 0.001


def test_set_a_distribution_with_a_yaml_mapping(minimal: Path) -> None:
    scenario = load_scenario(minimal, ["engagement.kill_rate={dist: uniform, low: 0.01, high: 0.1}"])
    assert scenario.engagement.kill_rate == Uniform(dist="uniform", low=0.01, high=0.1)
    assert "engagement.kill_rate" in dict(distribution_leaves(scenario))


def test_set_replaces_a_distribution_by_a_number(minimal: Path) -> None:
    scenario = load_scenario(minimal, ["sides.red.contingents.infantry.readiness_days=4"])
    assert scenario.sides["red"].contingents["infantry"].readiness_days == 4.0
    assert isinstance(load_scenario(minimal).sides["red"].contingents["infantry"].readiness_days, Triangular)


def test_set_a_list_item_by_index(minimal: Path) -> None:
    scenario = load_scenario(minimal, ["sides.blue.contingents.infantry.echelons.0.day=3"])
    echelons = scenario.sides["blue"].contingents["infantry"].echelons
    assert (echelons[0].units, echelons[0].day) == (4, 3.0)
    assert (echelons[1].units, echelons[1].day) == (2, 10.0)


def test_set_a_list_item_by_index_in_kursk() -> None:
    path = "sides.ukraine.contingents.brigades.echelons.0.day=3"
    base = load_scenario(KURSK).sides["ukraine"].contingents["brigades"].echelons
    changed = load_scenario(KURSK, [path]).sides["ukraine"].contingents["brigades"].echelons
    assert changed[0].day == 3.0
    assert changed[0].units == base[0].units
    assert changed[1:] == base[1:]


def test_set_a_whole_list(minimal: Path) -> None:
    assert load_scenario(minimal, ["thresholds_km2=[120, 10]"]).thresholds_km2 == (120.0, 10.0)


def test_set_creates_a_missing_block(minimal: Path) -> None:
    scenario = load_scenario(minimal, ["sides.blue.command.withdrawal.area_below_km2=20"])
    withdrawal = scenario.sides["blue"].command.withdrawal
    assert withdrawal is not None
    assert withdrawal.area_below_km2 == 20.0
    assert load_scenario(minimal).sides["blue"].command.withdrawal is None


def test_later_overrides_win(minimal: Path) -> None:
    scenario = load_scenario(minimal, ["engagement.kill_rate=0.1", "engagement.kill_rate=0.2"])
    assert scenario.engagement.kill_rate == 0.2


def test_an_error_in_a_distribution_changed_by_set_names_the_set() -> None:
    """Once a gap: setting one key of a distribution written in the file (``unit_size.low``) blamed the
    file's line for the distribution that the override had made invalid."""
    from conftest import SMALL

    override = "sides.blue.contingents.brigades.unit_size.low=1e12"
    with pytest.raises(InputError) as caught:
        load_scenario(SMALL, [override])
    assert str(caught.value).startswith(f"--set {override}: "), str(caught.value)
    assert "uniform needs low < high" in str(caught.value)


def test_overrides_leave_the_file_unchanged(minimal: Path) -> None:
    load_scenario(minimal, ["engagement.kill_rate=0.5"])
    assert minimal.read_text(encoding="utf-8") == MINIMAL
    assert load_scenario(minimal).engagement.kill_rate == 0.02


def test_file_errors_keep_their_line_after_an_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = edit("reserve_share: 0.1", "reserve_share: 1.5")
    case = Case({"s.yaml": text}, "s.yaml", "", None, None, "", overrides=("engagement.kill_rate=0.3",))
    error = load_in(tmp_path, case, monkeypatch)
    assert (error.file, error.line) == ("s.yaml", line_of(text, "reserve_share"))


def test_an_override_that_fixes_the_file_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(edit("reserve_share: 0.1", "reserve_share: 1.5"), encoding="utf-8")
    scenario = load_scenario(path, ["sides.blue.contingents.infantry.reserve_share=0.25"])
    assert scenario.sides["blue"].contingents["infantry"].reserve_share == 0.25


# ---------------------------------------------------------------------------------------------------------
# the validated scenario


def test_scenario_is_immutable(minimal: Path) -> None:
    scenario = load_scenario(minimal)
    assert isinstance(scenario, Scenario)
    with pytest.raises(ValidationError, match="frozen"):
        scenario.name = "other"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        scenario.engagement.kill_rate = 1.0  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        scenario.sectors["north"].area_km2 = 1.0  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        scenario.sides["blue"].contingents["infantry"].echelons[0].units = 9  # type: ignore[misc]
    assert scenario.name == "mini"


def test_scenario_containers_are_immutable(minimal: Path) -> None:
    scenario = load_scenario(minimal)
    with pytest.raises((TypeError, AttributeError)):
        scenario.sectors["east"] = scenario.sectors["north"]  # type: ignore[index]
    with pytest.raises((TypeError, AttributeError)):
        scenario.thresholds_km2.append(1.0)


# ---------------------------------------------------------------------------------------------------------
# sim check on the Kursk scenario


@pytest.mark.slow
def test_cli_check_describes_the_kursk_scenario(cli_runs: dict[str, CliRun]) -> None:
    result = cli_runs["kursk"].result
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    scenario = load_scenario(KURSK)
    assert out.startswith(f"scenario {scenario.name}: {scenario.start} to {scenario.end}")
    for side_name, side in scenario.sides.items():
        assert re.search(rf"(?m)^side {side_name} \(", out), side_name
        for contingent in side.contingents:
            assert re.search(rf"(?m)^  contingent {contingent}: ", out), contingent
    assert "side ukraine (holds the ground)" in out
    for sector in scenario.sectors:
        assert re.search(rf"(?m)^  {sector}: ", out), sector
    leaves = distribution_leaves(scenario)
    assert f"distributions ({len(leaves)})" in out
    for path, distribution in leaves:
        assert f"  {path}: {distribution.describe()}" in out
    assert "sides.russia.contingents.north_korea.readiness_days: triangular(" in out
    assert out.rstrip().endswith(f"{KURSK}: valid")
