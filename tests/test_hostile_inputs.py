"""Hostile and absurd scenario inputs end in one clear line, never a traceback, a hang or a wrong run.

Numbers that are not finite or beyond a plausible bound, YAML bombs and endless files, bad ``--set``
values, damaged samples files, files out of the scenario's reach: each is refused by the loader with
an ``InputError`` naming the file, line and field, and by the command line with exit code 2 and one
line (``tests/test_fuzz.py`` explores many more at random).
"""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import SMALL, sim_in_process

from sim.errors import InputError
from sim.scenario import limits, load_scenario
from sim.scenario.files import ALLOW_OUTSIDE_ENV, allowing_outside_files
from sim.scenario.loader import load_raw

SMALL_TEXT = SMALL.read_text(encoding="utf-8")
SECRET = "TOPSECRET4242"


def edit(old: str, new: str, text: str = SMALL_TEXT) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def line_of(text: str, needle: str) -> int:
    hits = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) == 1, (needle, hits)
    return hits[0]


def refused(path: Path | str, *overrides: str) -> InputError:
    with pytest.raises(InputError) as info:
        load_scenario(path, overrides)
    assert "\n" not in str(info.value)
    return info.value


def one_line(capsys: pytest.CaptureFixture[str], *args: str | Path) -> str:
    """Run ``sim ARGS`` in-process; assert exit 2 and one ``error:`` line, and return it."""
    result = sim_in_process(capsys, *args)
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty scenario folder, which is also the working folder (so error lines name short files)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(ALLOW_OUTSIDE_ENV, raising=False)
    return tmp_path


# ------------------------------------------------------------------------ numbers: finite and plausible
NUMBER_PATHS = [
    "sides.red.contingents.regulars.unit_size",
    "sides.blue.contingents.brigades.unit_size.high",
    "sides.blue.contingents.brigades.echelons.1.jitter_days.high",
    "sides.blue.contingents.brigades.reserve_share",
    "sides.red.attack.max_rate_per_km",
    "sides.red.attack.advance_km.sigma",
    "sides.blue.command.withdrawal.area_below_km2.high",
    "sides.blue.command.withdrawal.force_ratio_days",
    "sides.blue.strikes.rate_per_day",
    "sectors.north.area_km2",
    "sectors.north.fortification.maximum",
    "engagement.kill_rate",
    "engagement.success.slope",
    "thresholds_km2.0",
    "observations.0.value",
    "observations.0.sd",
]


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", "1e400", "-1e400", "nan"])
@pytest.mark.parametrize("path", NUMBER_PATHS)
def test_a_number_that_is_not_finite_is_refused(path: str, value: str) -> None:
    error = refused(SMALL, f"{path}={value}")
    assert error.file == f"--set {path}={value}"
    assert error.field is not None and path.startswith(error.field.rsplit(".", 1)[0])


def test_a_number_that_is_not_finite_is_refused_at_its_line(folder: Path) -> None:
    text = edit("  kill_rate: 0.05", "  kill_rate: .nan")
    (folder / "s.yaml").write_text(text)
    error = refused("s.yaml")
    assert (error.file, error.line, error.field) == (
        "s.yaml",
        line_of(text, "kill_rate"),
        "engagement.kill_rate",
    )
    assert "finite" in error.message


@pytest.mark.parametrize(
    ("override", "field", "words"),
    [
        (
            "sides.red.contingents.regulars.unit_size=1e12",
            "sides.red.contingents.regulars.unit_size",
            "100,000",
        ),
        ("engagement.kill_rate=1000000", "engagement.kill_rate", "1,000"),
        (
            "sides.red.contingents.regulars.echelons.0.units=1000000000",
            "sides.red.contingents.regulars.echelons.0.units",
            "10000",
        ),
        ("sides.blue.strikes.rate_per_day=1e7", "sides.blue.strikes.rate_per_day", "100"),
        ("sides.red.attack.max_rate_per_km=1e7", "sides.red.attack.max_rate_per_km", "10"),
        ("sectors.north.area_km2=1e7", "sectors.north.area_km2", "1,000,000"),
        ("sectors.north.frontage_km=20000", "sectors.north.frontage_km", "10,000"),
        (
            "sides.red.attack.advance_km={dist: uniform, low: 1, high: 500}",
            "sides.red.attack.advance_km",
            "100",
        ),
        (
            "sides.red.attack.advance_km={dist: lognormal, median: 1, sigma: 5}",
            "sides.red.attack.advance_km",
            "100",
        ),
        (
            "engagement.kill_rate={dist: normal, mean: 0.05, sd: 1000, low: 0}",
            "engagement.kill_rate",
            "1,000",
        ),
        (
            "engagement.kill_rate={dist: lognormal, median: 0.05, sigma: 1e300}",
            "engagement.kill_rate.sigma",
            "10",
        ),
        (
            "engagement.kill_rate={dist: uniform, low: 0, high: 1e300}",
            "engagement.kill_rate.high",
            "1000000000000",
        ),
        ("engagement.kill_rate={dist: choice, values: [0.1, 2e3]}", "engagement.kill_rate", "1,000"),
        (
            "sides.red.contingents.regulars.readiness_days=1e5",
            "sides.red.contingents.regulars.readiness_days",
            "3,660",
        ),
        (
            "sides.blue.command.withdrawal.losses_above=1e12",
            "sides.blue.command.withdrawal.losses_above",
            "1,000,000,000",
        ),
        ("observations.0.value=1e12", "observations.0.value", "1000000000"),
        (
            "calibrate={parameters: {engagement.kill_rate: {dist: uniform, low: 0.01, high: 0.1}}, "
            "population: 1000000000000}",
            "calibrate.population",
            "100000",
        ),
    ],
)
def test_a_number_beyond_its_plausible_bound_is_refused(override: str, field: str, words: str) -> None:
    error = refused(SMALL, override)
    assert error.field == field
    assert words in error.message, error.message


def test_a_lognormal_is_held_to_the_values_it_can_draw() -> None:
    # Its support is unbounded, but the sampler reaches median x exp(8.2 sigma) at most: 1 x e^2.5 < 100.
    scenario = load_scenario(SMALL, ["sides.red.attack.advance_km={dist: lognormal, median: 1, sigma: 0.3}"])
    assert scenario.sides["red"].attack is not None


def test_an_end_in_year_9999_is_one_quick_error() -> None:
    started = time.monotonic()
    error = refused(SMALL, "end=9999-12-31")
    assert time.monotonic() - started < 5
    assert error.field == "end"
    assert "not a plausible date" in error.message
    error = refused(SMALL, "end=2040-01-01")
    assert error.field == "end"
    assert "at most 3,660 days (ten years)" in error.message


@pytest.mark.parametrize("date", ["0001-01-01", "2999-01-01"])
def test_dates_are_plausible(date: str) -> None:
    error = refused(SMALL, f"sides.blue.strikes.start={date}")
    assert error.field == "sides.blue.strikes.start"
    assert "not a plausible date" in error.message


def test_fortification_initial_above_its_maximum_is_refused_at_its_line(folder: Path) -> None:
    text = edit(
        "fortification: {initial: 0.1, growth_per_day: 0.01, maximum: 0.5}",
        "fortification: {initial: 3, maximum: 1}",
    )
    (folder / "s.yaml").write_text(text)
    error = refused("s.yaml")
    assert (error.line, error.field) == (line_of(text, "initial: 3"), "sectors.north.fortification.initial")
    assert "above the maximum" in error.message


def test_fortification_that_may_exceed_its_maximum_in_some_draws_is_accepted() -> None:
    override = "sectors.north.fortification={initial: 0.3, maximum: {dist: uniform, low: 0.2, high: 1}}"
    assert load_scenario(SMALL, [override]).sectors["north"].fortification.initial == 0.3


@pytest.mark.parametrize(
    ("key", "count", "words"),
    [
        ("sectors", limits.SECTORS + 1, "at most 64"),
        ("observations", limits.OBSERVATIONS + 1, "at most 1000"),
    ],
)
def test_counts_are_bounded(folder: Path, key: str, count: int, words: str) -> None:
    data = yaml.safe_load(SMALL_TEXT)
    if key == "sectors":
        data["sectors"] = {f"s{i}": {"area_km2": 10, "frontage_km": 1} for i in range(count)}
    else:
        data["observations"] = [{"date": "2024-10-15", "value": 300, "sd": 30}] * count
    (folder / "s.yaml").write_text(yaml.safe_dump(data))
    error = refused("s.yaml")
    assert error.field == key and words in error.message


def test_the_units_of_a_scenario_are_bounded_in_all() -> None:
    waves = "[" + ", ".join(["{units: 10000, day: 0}"] * 3) + "]"
    error = refused(SMALL, f"sides.red.contingents.regulars.echelons={waves}")
    assert error.field == "sides.red.contingents.regulars.echelons.1.units"  # blue has 5 units before
    assert "20,000 units" in error.message


def test_the_assaults_a_replication_can_launch_are_bounded() -> None:
    error = refused(
        SMALL, "end=2034-08-01", "sectors.north.frontage_km=5000", "sides.red.attack.max_rate_per_km=1"
    )
    assert error.field == "sides.red.attack.max_rate_per_km"
    assert "at most 2,000,000" in error.message


# ------------------------------------------------------------------------------------------- YAML hazards
def _bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "bomb:\n" + "".join(f"  {line}\n" for line in lines)


@pytest.mark.parametrize(
    ("tail", "words"),
    [
        (_bomb(), "more than 100,000 values once aliases are expanded"),
        ("junk: " + "[" * 500 + "]" * 500 + "\n", "nested more than 50 levels deep"),
        ("junk: " + "{a: " * 500 + "1" + "}" * 500 + "\n", "nested more than 50 levels deep"),
        ("junk: &r [1, *r]\n", "recursive alias"),
        ("junk: &r {a: *r}\n", "recursive alias"),
        ("? [a, b]\n: 1\n", "a key must be a plain name"),
        ("junk: " + "9" * 5000 + "\n", "cannot read this value"),
    ],
    ids=[
        "billion_laughs",
        "nested_lists",
        "nested_maps",
        "recursive_list",
        "recursive_map",
        "complex_key",
        "huge_int",
    ],
)
def test_yaml_hazards_are_one_quick_line(folder: Path, tail: str, words: str) -> None:
    text = SMALL_TEXT + tail
    (folder / "s.yaml").write_text(text)
    started = time.monotonic()
    error = refused("s.yaml")
    assert time.monotonic() - started < 10
    assert error.file == "s.yaml"
    assert error.line is not None and error.line > line_of(SMALL_TEXT, "observations:")
    assert words in error.message


def test_aliases_expanded_within_bounds_are_fine(folder: Path) -> None:
    text = SMALL_TEXT.replace("unit_size: 1500", "unit_size: &size 1500").replace(
        "  south:\n    area_km2: 200", "  south:\n    area_km2: *size"
    )
    (folder / "s.yaml").write_text(text)
    assert load_scenario("s.yaml").sectors["south"].area_km2 == 1500.0


def test_a_nul_byte_is_one_line_at_its_line(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit("Two-sector salient", "Two-sector\x00 salient")
    (folder / "s.yaml").write_text(text)
    error = refused("s.yaml")
    assert (error.file, error.line) == ("s.yaml", line_of(text, "Two-sector"))
    assert "U+0000" in error.message
    assert one_line(capsys, "check", "s.yaml").startswith(f"error: s.yaml:{line_of(text, 'Two-sector')}: ")


def test_bytes_that_are_not_utf8_are_reported_at_their_line(folder: Path) -> None:
    (folder / "s.yaml").write_bytes(SMALL_TEXT.encode().replace(b"Two-sector", b"Two\xff-sector"))
    error = refused("s.yaml")
    assert error.line == line_of(SMALL_TEXT, "Two-sector")
    assert "not UTF-8" in error.message


def test_a_scenario_file_larger_than_the_bound_is_refused(folder: Path) -> None:
    (folder / "s.yaml").write_text(SMALL_TEXT + "# " + "x" * limits.SCENARIO_BYTES + "\n")
    assert "is too large" in refused("s.yaml").message


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_dev_zero_as_the_scenario_is_refused_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    error = refused("/dev/zero")
    assert "not a regular file" in error.message
    assert "not a regular file" in one_line(capsys, "check", "/dev/zero")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_dev_zero_as_the_base_is_refused_at_the_extends_line(folder: Path) -> None:
    (folder / "s.yaml").write_text("name: x\nextends: /dev/zero\n")
    error = refused("s.yaml")
    assert (error.file, error.line, error.field) == ("s.yaml", 2, "extends")
    assert "out of reach" in error.message
    with allowing_outside_files():
        error = refused("s.yaml")
    assert (error.file, error.line, error.field) == ("s.yaml", 2, "extends")
    assert "not a regular file" in error.message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(folder: Path) -> None:
    os.mkfifo(folder / "pipe.yaml")
    assert "not a regular file" in refused("pipe.yaml").message
    (folder / "s.yaml").write_text("extends: pipe.yaml\nname: x\n")
    error = refused("s.yaml")
    assert (error.line, error.field) == (1, "extends")
    assert "not a regular file" in error.message


def test_errors_do_not_quote_the_file(folder: Path) -> None:
    (folder / "s.yaml").write_text(edit("  kill_rate: 0.05", f"  kill_rate: {SECRET}: [oops"))
    error = refused("s.yaml")
    assert "malformed YAML" in error.message
    assert SECRET not in str(error)


# ------------------------------------------------------------------------------------------------- --set
def test_a_deeply_nested_set_value_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    for value in ("[" * 2000, "[" * 1000 + "]" * 1000, "{a: " * 300 + "1" + "}" * 300):
        error = refused(SMALL, f"description={value}")
        assert error.file is not None and error.file.startswith("--set description=")
        assert len(str(error)) <= 400
        assert one_line(capsys, "check", SMALL, "--set", f"description={value}").startswith(
            "error: --set description="
        )


def test_an_unknown_path_in_set_blames_the_set() -> None:
    error = refused(SMALL, "nope.path=1")
    assert error.file == "--set nope.path=1"
    assert error.field == "nope"
    assert "unknown key 'nope'" in error.message


def test_a_relative_samples_file_given_by_set_is_relative_to_the_scenario(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "scenario").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "scenario" / "s.yaml").write_text(SMALL_TEXT)
    (tmp_path / "scenario" / "k.csv").write_text("k\n0.01\n0.02\n")
    monkeypatch.chdir(tmp_path / "elsewhere")
    scenario = load_scenario(
        "../scenario/s.yaml", ["engagement.kill_rate={dist: empirical, file: k.csv, column: k}"]
    )
    assert scenario.engagement.kill_rate.support() == (0.01, 0.02)  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------------ samples files
def _with_samples(folder: Path, name: str, content: bytes | str, column: str = "k") -> Path:
    target = folder / name
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content)
    path = folder / "s.yaml"
    path.write_text(
        edit("kill_rate: 0.05", f"kill_rate: {{dist: empirical, file: {name}, column: {column}}}")
    )
    return path


def _parquet(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "column", "words"),
    [
        ("k.csv", "k\n0.1\n" + "1" * 140_000 + "\n", "k", "not a readable CSV file"),
        ("k.csv", "k\n0.1\n" + "1" * 2_000 + "\n", "k", "the cell is too long"),
        ("k.csv", "k,w\n0.1,1\n0.2\n", "w", "line 3: has 1 cells but the header has 2"),
        ("k.csv", "k\n0.1\nnan\n", "k", "line 3, column 'k': not a finite number"),
        ("k.csv", "k\n0.1\n-inf\n", "k", "line 3, column 'k': not a finite number"),
        ("k.csv", f"k\n0.1\n{SECRET}\n", "k", "line 3, column 'k': not a number"),
        ("k.csv", b"k\n0.1\n\xff\n", "k", "not UTF-8"),
        ("k.csv", "k\n", "k", "has no rows"),
        (
            "k.parquet",
            _parquet(pa.table({"k": pa.array([{"a": 1, "b": 2.0}] * 3)})),
            "k",
            "does not hold numbers",
        ),
        ("k.parquet", _parquet(pa.table({"k": pa.array(["a", "b"])})), "k", "does not hold numbers"),
        ("k.parquet", _parquet(pa.table({"k": pa.array([0.1, None])})), "k", "empty (null) cells"),
        ("k.parquet", _parquet(pa.table({"k": pa.array([0.1, float("nan")])})), "k", "not a finite number"),
        ("k.parquet", b"PAR1" + bytes(range(40)), "k", "cannot be read as a Parquet file"),
    ],
    ids=[
        "csv_128kb_cell",
        "csv_long_cell",
        "csv_ragged_row",
        "csv_nan",
        "csv_inf",
        "csv_not_a_number",
        "csv_not_utf8",
        "csv_no_rows",
        "parquet_struct",
        "parquet_strings",
        "parquet_null",
        "parquet_nan",
        "parquet_garbage",
    ],
)
def test_a_damaged_samples_file_is_one_line_that_quotes_none_of_it(
    folder: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes | str, column: str, words: str
) -> None:
    scenario = _with_samples(folder, name, content, column)
    error = refused(scenario)
    assert error.field == "engagement.kill_rate"
    assert words in error.message
    assert SECRET not in str(error)
    assert words in one_line(capsys, "check", scenario)


def test_a_samples_file_with_too_many_rows_is_refused(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "SAMPLES_ROWS", 100)
    csv_scenario = _with_samples(folder, "k.csv", "k\n" + "0.05\n" * 101)
    assert "more than 100 rows" in refused(csv_scenario).message
    parquet = _with_samples(folder, "k.parquet", _parquet(pa.table({"k": [0.05] * 101})))
    assert "more than 100 rows" in refused(parquet).message


def test_a_samples_file_larger_than_the_bound_is_refused(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "SAMPLES_BYTES", 1000)
    assert "is too large" in refused(_with_samples(folder, "k.csv", "k\n" + "0.05\n" * 300)).message


# ---------------------------------------------------------------------------------------------------- reach
@pytest.fixture
def outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``project/scenarios/s.yaml`` (the working folder is ``project/scenarios``) and ``secret_area/``."""
    monkeypatch.delenv(ALLOW_OUTSIDE_ENV, raising=False)
    (tmp_path / "project" / "scenarios").mkdir(parents=True)
    (tmp_path / "secret_area").mkdir()
    (tmp_path / "secret_area" / "secret.csv").write_text("k\n0.0123\n0.0124\n")
    (tmp_path / "secret_area" / "base.yaml").write_text(SMALL_TEXT)
    monkeypatch.chdir(tmp_path / "project" / "scenarios")
    return tmp_path / "project" / "scenarios"


SECRET_FILE = "kill_rate: {dist: empirical, file: ../../secret_area/secret.csv, column: k}"


def test_a_samples_file_outside_the_scenarios_folder_is_refused(
    outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = edit("kill_rate: 0.05", SECRET_FILE)
    (outside / "s.yaml").write_text(text)
    error = refused("s.yaml")
    assert (error.file, error.line, error.field) == (
        "s.yaml",
        line_of(text, "kill_rate"),
        "engagement.kill_rate.file",
    )
    assert "out of reach" in error.message and "--allow-outside-files" in error.message
    assert "out of reach" in one_line(
        capsys, "run", "s.yaml", "-n", "2", "--executor", "serial", "-q", "--out", "r"
    )
    assert not (outside / "r").exists()


def test_a_base_outside_the_scenarios_folder_is_refused(outside: Path) -> None:
    (outside / "s.yaml").write_text("name: x\nextends: ../../secret_area/base.yaml\n")
    error = refused("s.yaml")
    assert (error.line, error.field) == (2, "extends")
    assert "out of reach" in error.message


def test_a_link_inside_the_folder_to_a_file_outside_is_outside(outside: Path) -> None:
    (outside / "link.csv").symlink_to(outside.parents[1] / "secret_area" / "secret.csv")
    (outside / "s.yaml").write_text(
        edit("kill_rate: 0.05", "kill_rate: {dist: empirical, file: link.csv, column: k}")
    )
    assert "out of reach" in refused("s.yaml").message


def test_files_outside_are_read_when_the_user_allows_it(
    outside: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (outside / "s.yaml").write_text(edit("kill_rate: 0.05", SECRET_FILE))
    assert load_scenario("s.yaml", allow_outside=True).engagement.kill_rate.support() == (0.0123, 0.0124)  # type: ignore[union-attr]
    with allowing_outside_files():
        load_scenario("s.yaml")
    result = sim_in_process(capsys, "check", "s.yaml", "--allow-outside-files")
    assert result.returncode == 0, result.stderr
    refused("s.yaml")  # the flag held for that command only
    monkeypatch.setenv(ALLOW_OUTSIDE_ENV, "1")
    load_scenario("s.yaml")


@pytest.mark.parametrize("command", ["check", "run", "trace", "sweep", "calibrate", "backtest"])
def test_every_command_that_loads_a_scenario_takes_the_flag(command: str) -> None:
    """Once uneven: sweep and backtest had no --allow-outside-files (only the environment variable)."""
    from click.testing import CliRunner

    from sim.cli import cli

    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0 and "--allow-outside-files" in result.output


def test_files_under_the_working_folder_or_above_the_extending_file_are_in_reach(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The layout sim calibrate writes: results/<name>/calibrate/<name>_calibrated.yaml extends
    # ../../../scenarios/base.yaml and reads the posterior beside it; the project is the working folder.
    monkeypatch.delenv(ALLOW_OUTSIDE_ENV, raising=False)
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "base.yaml").write_text(SMALL_TEXT)
    calibrated = tmp_path / "results" / "small" / "calibrate"
    calibrated.mkdir(parents=True)
    (calibrated / "posterior.csv").write_text("k,weight\n0.04,1\n0.06,1\n")
    (calibrated / "cal.yaml").write_text(
        "extends: ../../../scenarios/base.yaml\nname: cal\n"
        "engagement:\n  kill_rate: {dist: empirical, file: posterior.csv, column: k, weights: weight}\n"
    )
    monkeypatch.chdir(tmp_path)
    assert load_scenario("results/small/calibrate/cal.yaml").name == "cal"
    # From elsewhere, the base is outside both folders...
    monkeypatch.chdir(calibrated)
    assert "out of reach" in refused("cal.yaml").message
    # ...but a base directly in a folder above the extending file (sim backtest's layout) is in reach.
    (tmp_path / "results" / "base.yaml").write_text(SMALL_TEXT)
    (calibrated / "cal.yaml").write_text("extends: ../../base.yaml\nname: cal\n")
    assert load_scenario("cal.yaml").name == "cal"


def test_sim_calibrates_calibrated_scenario_under_the_working_folder_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The real writer: a calibrated scenario in a results folder of the project, extending the base.
    from sim.experiments.calibration.posterior import write_calibrated_scenario
    from sim.experiments.calibration.problem import load_problem

    monkeypatch.delenv(ALLOW_OUTSIDE_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").mkdir()
    base = tmp_path / "scenarios" / "small.yaml"
    base.write_text(
        SMALL_TEXT
        + "calibrate:\n  parameters:\n    engagement.kill_rate: {dist: uniform, low: 0.01, high: 0.1}\n"
    )
    problem = load_problem(base)
    folder = tmp_path / "results" / "small_test" / "calibrate"
    folder.mkdir(parents=True)
    pq.write_table(
        pa.table({"engagement.kill_rate": [0.02, 0.03], "weight": [0.5, 0.5]}), folder / "posterior.parquet"
    )
    target = write_calibrated_scenario(
        folder / "small_test_calibrated.yaml", base, folder / "posterior.parquet", problem
    )
    assert "../../../scenarios/small.yaml" in target.read_text()
    assert load_scenario(target.relative_to(tmp_path)).calibrate is None
    result = sim_in_process(capsys, "check", target.relative_to(tmp_path))
    assert result.returncode == 0, result.stderr


# -------------------------------------------------------------------------------------------------- smaller
def test_an_observation_date_outside_the_scenario_is_reported_at_its_line(folder: Path) -> None:
    text = edit("{date: 2024-10-15, value: 300", "{date: 2025-10-15, value: 300")
    (folder / "s.yaml").write_text(text)
    error = refused("s.yaml")
    assert (error.file, error.line, error.field) == (
        "s.yaml",
        line_of(text, "2025-10-15"),
        "observations.0.date",
    )
    assert "outside the scenario" in error.message


@pytest.mark.parametrize(
    ("path", "prior", "words"),
    [
        ("engagement.kil_rate", "{dist: uniform, low: 0.01, high: 0.1}", "unknown key 'kil_rate'"),
        ("name", "{dist: uniform, low: 0.01, high: 0.1}", "valid string"),
        (
            "sides.red.contingents.regulars.echelons.0.units",
            "{dist: uniform, low: 1, high: 4}",
            "valid integer",
        ),
        ("sides.red.contingents.regulars.echelons.7.day", "{dist: uniform, low: 1, high: 4}", "no item 7"),
        ("engagement.kill_rate", "{dist: uniform, low: -1, high: 0.1}", "must be >= 0.0"),
    ],
)
def test_calibrate_paths_are_checked_on_loading(
    folder: Path, capsys: pytest.CaptureFixture[str], path: str, prior: str, words: str
) -> None:
    text = SMALL_TEXT + f"calibrate:\n  parameters:\n    {path}: {prior}\n"
    (folder / "s.yaml").write_text(text)
    error = refused("s.yaml")
    assert (error.file, error.line, error.field) == (
        "s.yaml",
        len(text.splitlines()),
        f"calibrate.parameters.{path}",
    )
    assert error.message.startswith(f"cannot calibrate {path}: ") and words in error.message
    assert one_line(capsys, "check", "s.yaml").startswith(f"error: s.yaml:{len(text.splitlines())}: ")


def test_the_scenarios_of_the_project_still_load() -> None:
    root = Path(__file__).resolve().parents[1]
    for path in sorted((root / "scenarios").glob("*.yaml")):
        load_scenario(path)
    for path in sorted((root / "scenarios" / "sweeps").glob("*.yaml")):
        load_raw(path)


def test_an_error_message_is_one_line_of_bounded_length() -> None:
    error = InputError("a\nb\rc\x00d" + "x" * 1000, "f.yaml", 3, "a.b")
    text = str(error)
    assert "\n" not in text and "\r" not in text and "\x00" not in text
    assert len(text) <= 400


# ------------------------------------------------------------------------ strict types and YAML 1.1
@pytest.mark.parametrize("value", ["1.5", "{dist: fixed, value: 2.5}"])
def test_a_count_of_days_is_a_whole_number(value: str) -> None:
    """Once accepted: force_ratio_days 1.5 (a rule counts whole days in a row: it meant 2)."""
    error = refused(SMALL, f"sides.blue.command.withdrawal.force_ratio_days={value}")
    assert error.field == "sides.blue.command.withdrawal.force_ratio_days"
    assert "whole number" in error.message


def test_whole_day_counts_and_distributions_of_them_still_load() -> None:
    for value in ("2", "2.0", "{dist: uniform, low: 2, high: 5}"):
        load_scenario(SMALL, [f"sides.blue.command.withdrawal.supply_days={value}"])


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("1:30", "base-60 number in YAML 1.1 (read as 90)"),
        ("1:30.5", "base-60 number in YAML 1.1 (read as 90.5)"),
        ("0300", "octal number in YAML 1.1 (read as 192)"),
        ("!!binary aGVsbG8=", "!!binary value has no place"),
        ("!!set {a: null}", "!!set value has no place"),
    ],
)
def test_yaml_11_surprises_are_refused_at_their_line(folder: Path, written: str, words: str) -> None:
    """Once accepted: 1:30 read as 90 replacements a day, 0300 as 192, a !!binary value as bytes."""
    (folder / "s.yaml").write_text(edit("replacements_per_day: 50", f"replacements_per_day: {written}"))
    error = refused("s.yaml")
    assert error.line == line_of(SMALL_TEXT, "replacements_per_day: 50")
    assert words in error.message
    assert words in refused(SMALL, f"sides.red.contingents.regulars.replacements_per_day={written}").message


def test_dates_with_a_time_zone_are_refused(folder: Path) -> None:
    """Once accepted: start +14:00 and end -10:00, 3,660 days apart as dates but 3,661 as instants."""
    text = edit("start: 2024-09-01", "start: 2024-09-01T00:00:00+14:00")
    (folder / "s.yaml").write_text(edit("end: 2024-11-01", "end: 2034-09-09T00:00:00-10:00", text))
    error = refused("s.yaml")
    assert error.line == line_of(SMALL_TEXT, "start: 2024-09-01") and "time zone" in error.message
    assert "time zone" in refused(SMALL, "end=2024-11-01T00:00:00+02:00").message
    from sim.scenario.schema import Scenario

    document = load_scenario(SMALL).model_dump(mode="json", by_alias=True)
    document["end"] = "2024-11-01T00:00:00+02:00"  # the JSON route (a manifest, the API) too
    with pytest.raises(ValueError, match="time zone"):
        Scenario.model_validate(document)


def test_names_yaml_reads_as_true_or_false(folder: Path) -> None:
    """Once: a sector named on was 'Input should be a valid string (got True)'."""
    (folder / "s.yaml").write_text(edit("  south:", "  on:"))
    assert "on" in load_scenario("s.yaml").sectors
    setting = "observations.0={date: 2024-10-01, metric: sector_area_km2, sector: no, value: 100, sd: 10}"
    error = refused(SMALL, setting)
    assert error.field == "observations.0.sector" and "quote the name" in error.message


@pytest.mark.parametrize(
    ("setting", "field"),
    [
        ("{date: 2024-10-01, value: 300, sd: 30, side: red}", "side"),
        ("{date: 2024-10-01, value: 300, sd: 30, since: 2024-09-10}", "since"),
        ("{date: 2024-10-01, value: 300, sd: 30, sector: north}", "sector"),
        ("{date: 2024-10-01, metric: strength, side: red, sector: north, value: 3, sd: 1}", "sector"),
    ],
)
def test_observation_fields_the_metric_does_not_read_are_refused(setting: str, field: str) -> None:
    """Once silently ignored: side and since on a held-area observation."""
    error = refused(SMALL, f"observations.0={setting}")
    assert error.field == f"observations.0.{field}" and "means nothing" in error.message


def test_messages_name_the_missing_field_and_list_each_choice_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Once: 'observations.0: required field is missing'; 'expected one of: ... dist, dist, dist'."""
    assert refused(SMALL, "observations.0={value: 300, sd: 30}").field == "observations.0.date"
    message = refused(SMALL, "engagement.kill_rate={dist: uniform, low: 1, zzzz: 2}").message
    choices = message.split("expected one of: ")[1].split(" (")[0].split(", ")
    assert len(choices) == len(set(choices)) and "high" in choices
    line = one_line(capsys, "run", SMALL, "--seed", "9" * 5000, "--out", "never")
    assert len(line) <= 410 and "--seed" in line


def test_an_extends_chain_is_bounded(folder: Path) -> None:
    """Once: a chain of 1,100 files was a RecursionError traceback."""
    (folder / "f0.yaml").write_text(SMALL_TEXT)
    for index in range(1, 1_100):
        (folder / f"f{index}.yaml").write_text(f"extends: f{index - 1}.yaml\n")
    error = refused("f1099.yaml")
    assert error.field == "extends" and f"more than {limits.EXTENDS_DEPTH} files" in error.message
    assert load_scenario(f"f{limits.EXTENDS_DEPTH - 1}.yaml").name == "small_test"


@pytest.mark.parametrize(
    "base",
    [
        f"name: x\nstart: {SECRET}\n",
        f"name: {SECRET}\n",
        f"{SECRET}: 1\n",
        f"name: [{SECRET}\n",
        f"name: x\nsides: {{a: {{holds_ground: {SECRET}}}}}\n",
        f"name: x\nsectors: {{{SECRET}: {{area_km2: 1, frontage_km: x}}}}\n",
    ],
)
def test_a_base_above_the_scenario_is_never_quoted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, base: str
) -> None:
    """Once: extends: ../../secret.yaml (in reach: a folder above) quoted its first value in the error."""
    monkeypatch.delenv(ALLOW_OUTSIDE_ENV, raising=False)
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "secret.yaml").write_text(base)
    (tmp_path / "a" / "b" / "s.yaml").write_text("extends: ../../secret.yaml\n")
    monkeypatch.chdir(tmp_path / "elsewhere")
    error = refused("../a/b/s.yaml")
    assert SECRET not in str(error)
