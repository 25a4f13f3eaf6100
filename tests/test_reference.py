"""The parameter reference in docs/model.md, generated from the schema (``python -m sim.scenario.reference``).

The page must hold exactly what the generator prints; the generator must give every block of the schema a
table with every field (and never treat a distribution as a block), each with a description, a unit where
it has one, and the range its validators allow.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import AfterValidator, BaseModel, Field, create_model

from sim.scenario import kinds, reference
from sim.scenario.distributions import Days, Fraction, Param, Positive, _Distribution, limit
from sim.scenario.reference import BEGIN, END, blocks, replace_section, section
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
MODEL_PAGE = ROOT / "docs" / "model.md"
COLUMNS = ("key", "type", "default", "unit", "meaning")
Tables = dict[str, dict[str, dict[str, str]]]
"""The reference read back: heading -> key -> column -> cell."""


def tables(markdown: str) -> Tables:
    """Return the reference's tables read back from Markdown."""
    found: Tables = {}
    heading = ""
    for line in markdown.splitlines():
        if line.startswith("### "):
            heading = line.removeprefix("### ").strip("`")
            found[heading] = {}
        elif line.startswith("| `"):
            cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
            row = dict(zip(COLUMNS, cells, strict=True))
            found[heading][row["key"].strip("`")] = row
    return found


def schema_blocks() -> list[type[BaseModel]]:
    """Every block a scenario may hold, found by walking the models (independently of the generator)."""

    def inside(annotation: Any) -> list[type[BaseModel]]:
        if isinstance(annotation, type):
            is_block = issubclass(annotation, BaseModel) and not issubclass(annotation, _Distribution)
            return [annotation] if is_block else []
        return [block for argument in typing.get_args(annotation) for block in inside(argument)]

    seen: list[type[BaseModel]] = []
    pending = [Scenario]
    while pending:
        model = pending.pop()
        if model not in seen:
            seen.append(model)
            pending.extend(b for info in model.model_fields.values() for b in inside(info.annotation))
    return seen


@pytest.fixture(scope="module")
def generated() -> Tables:
    return tables(reference.reference())


# ------------------------------------------------------------------------------------------- the page
def test_docs_model_md_holds_what_the_generator_prints() -> None:
    page = MODEL_PAGE.read_text(encoding="utf-8")
    assert page.count(BEGIN) == 1 and page.count(END) == 1, "the page needs the marker lines once each"
    assert section() in page and replace_section(page) == page, (
        "docs/model.md's parameter reference is stale: run  python -m sim.scenario.reference --write  "
        "and commit docs/model.md"
    )


def test_write_regenerates_only_the_part_between_the_markers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "model.md"
    stale = f"# Intro\n\n{BEGIN}\n\n| `old` | hand-written |\n\n{END}\n\n## After\n"
    page.write_text(stale, encoding="utf-8")
    assert reference.main(["--write", str(page)]) == 0
    assert page.read_text(encoding="utf-8") == f"# Intro\n\n{section()}\n## After\n"
    assert f"wrote {page}" in capsys.readouterr().out
    assert reference.main(["--write", str(page)]) == 0
    assert "up to date" in capsys.readouterr().out


def test_write_refuses_a_page_without_the_markers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "model.md"
    page.write_text("# No reference here\n", encoding="utf-8")
    assert reference.main(["--write", str(page)]) == 1
    assert "no marker lines" in capsys.readouterr().err
    assert page.read_text(encoding="utf-8") == "# No reference here\n"


def test_without_options_it_prints_the_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert reference.main([]) == 0
    assert capsys.readouterr().out == section()


# -------------------------------------------------------------------------------- blocks and fields
def test_every_block_has_a_table_with_every_field(generated: Tables) -> None:
    models = schema_blocks()
    assert len(generated) == len(models) >= 16
    for model in models:
        keys = {info.alias or name for name, info in model.model_fields.items()}
        if model is Scenario:
            keys.add("extends")  # read by the loader before validation, so not a field
        assert any(set(rows) == keys for rows in generated.values()), f"no table for {model.__name__}"


def test_distributions_are_values_not_blocks(generated: Tables) -> None:
    assert all("dist" not in rows for rows in generated.values())
    assert not [heading for heading in generated if heading.endswith(("unit_size", "quality", "day"))]
    parameters = generated["calibrate"]["parameters"]
    assert parameters["type"] == "mapping text → distribution"


def test_known_blocks_and_fields_come_out_with_units_and_ranges(
    generated: Tables,
) -> None:
    attack = generated["sides.<side>.attack"]["max_rate_per_km"]
    assert (attack["type"], attack["default"], attack["unit"]) == (
        "P ≥0 (at most 10)",
        "required",
        "assaults per km per day",
    )
    withdrawal = generated["sides.<side>.command.withdrawal"]
    assert withdrawal["area_below_km2"]["type"] == "P ≥0 (at most 1,000,000) or absent"
    assert withdrawal["area_below_km2"]["unit"] == "km²"
    assert withdrawal["force_ratio_days"]["type"] == "P ≥1 (at most 3,660)"
    assert withdrawal["force_ratio_days"]["default"] == "14"
    assert "absent: off" in withdrawal["losses_above"]["meaning"]
    assert generated["sides.<side>.command"]["withdrawal"]["type"] == "block or absent"
    fortification = generated["sectors.<sector>.fortification"]
    assert fortification["kept_on_retreat"]["type"] == "P [0,1]"
    assert fortification["kept_on_retreat"]["default"] == "0.5"
    assert fortification["initial"]["unit"] == "bonus"
    assert generated["sectors.<sector>"]["fortification"]["default"] == "all defaults"
    top = generated["Scenario (top level)"]
    assert list(top)[0] == "extends"
    assert "null switches off a base file's block" in top["calibrate"]["meaning"]
    echelon = generated["sides.<side>.contingents.<contingent>.echelons[i]"]
    assert "one of date and day" in echelon["date"]["meaning"]


def test_every_field_of_every_block_has_a_description(generated: Tables) -> None:
    empty = [f"{h}.{k}" for h, rows in generated.items() for k, row in rows.items() if not row["meaning"]]
    assert empty == []
    # Every block says it in the field itself, not only in the JSON Schema's extra descriptions.
    missing = [
        f"{model.__name__}.{name}"
        for model in schema_blocks()
        for name, info in model.model_fields.items()
        if not (info.description or "").strip()
    ]
    assert missing == []


# ------------------------------------------------------------------------------------------- ranges
@pytest.mark.parametrize(
    ("block", "key", "expected"),
    [
        ("sides.<side>.contingents.<contingent>", "unit_size", "P >0 (at most 100,000)"),
        ("sides.<side>.contingents.<contingent>", "reserve_share", "P [0,1]"),
        ("sides.<side>.contingents.<contingent>.echelons[i]", "jitter_days", "P any sign (-3,660 to 3,660)"),
        ("sides.<side>.contingents.<contingent>.echelons[i]", "day", "P ≥0 (at most 3,660) or absent"),
        ("sides.<side>.contingents.<contingent>.echelons[i]", "units", "integer >0 (at most 10,000)"),
        ("sides.<side>.contingents.<contingent>", "replacements_from", "date or absent"),
        ("sides.<side>.command.withdrawal", "supply_days", "P ≥1 (at most 3,660)"),
        ("sides.<side>.command.withdrawal", "supply_below", "P [0,1] or absent"),
        ("engagement", "dispersion", "P >0 (at most 1,000,000) or `null`"),
        ("engagement", "fortified_at", "number ≥0 (at most 10)"),
        ("engagement.success", "intercept", "number any sign (-50 to 50)"),
        ("calibrate", "min_epsilon", "number or `auto`"),
    ],
)
def test_ranges_come_out_right(generated: Tables, block: str, key: str, expected: str) -> None:
    assert generated[block][key]["type"] == expected


def test_ranges_follow_the_validators_not_the_names() -> None:
    def odd(value: Any) -> Any:
        return value

    probe = create_model(
        "Probe",
        positive=(Positive, Field(1.0)),
        fraction=(Fraction, Field(0.5)),
        days=(Days, Field(1.0)),
        signed=(Annotated[Param, limit(7.0, -7.0)], Field(0.0)),
        odd=(Annotated[Param, AfterValidator(odd)], Field(0.0)),
    )
    fields = probe.model_fields
    assert kinds.type_of(fields["positive"], "positive") == "P >0"
    assert kinds.type_of(fields["fraction"], "fraction") == "P [0,1]"
    assert kinds.type_of(fields["days"], "days") == "P ≥1 (at most 3,660)"
    assert kinds.type_of(fields["signed"], "signed") == "P any sign (-7 to 7)"
    with pytest.raises(ValueError, match="cannot tell the range"):
        kinds.type_of(fields["odd"], "odd")  # a range it cannot read is refused, not guessed


def test_blocks_are_in_the_order_a_scenario_nests_them() -> None:
    paths = [block.path for block in blocks()]
    assert paths[0] == "" and paths.index("sides.<side>") < paths.index("sides.<side>.attack")
    assert paths.index("sides.<side>.command") < paths.index("sides.<side>.command.withdrawal")
