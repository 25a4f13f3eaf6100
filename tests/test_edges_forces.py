"""Edges of a side's state (sim.model.forces): losses spread over a line, the per-sector counts, fallen units.

A loss on a sector with nobody in it changes nothing; a line of less than one soldier still takes its
losses; each sector's casualties count up from zero; a new day starts each sector's assault count at zero;
a unit falls only *below* one soldier.
"""

from __future__ import annotations

from test_mechanisms import Forces, scenario

from sim.model.forces import LINE, REFIT

TWO_SECTORS = {"north": {"area_km2": 100, "frontage_km": 10}, "south": {"area_km2": 100, "frontage_km": 10}}


def _forces() -> Forces:
    return Forces(scenario(5, sectors=TWO_SECTORS))


def test_losses_on_a_sector_with_nobody_in_the_line_change_nothing() -> None:
    forces = _forces()
    forces.blue.take_losses(0, 10.0)  # nobody there: no division by the empty line's zero strength
    assert forces.blue.casualties == 0.0
    assert forces.blue.sector_losses == [0.0, 0.0] and forces.blue.sector_casualties == [0.0, 0.0]


def test_a_line_of_less_than_one_soldier_takes_its_losses() -> None:
    forces = _forces()
    (unit,) = forces.units(forces.blue, 1, strength=0.5, sector=0)
    forces.blue.take_losses(0, 0.25)  # half of the half soldier: factor 1 - 0.25 / 0.5 = 0.5
    assert unit.strength == 0.25 and forces.blue.line_strength[0] == 0.25
    assert forces.blue.casualties == 0.25 and forces.blue.sector_casualties == [0.25, 0.0]


def test_each_sectors_casualties_count_up_from_zero() -> None:
    forces = _forces()
    forces.units(forces.blue, 2, sector=0)  # 2 x 1000 in the north
    forces.blue.take_losses(0, 30.0)
    forces.blue.new_day()
    forces.blue.take_losses(0, 20.0)
    # 30 + 20 in the north over two days; nothing in the south, which starts at 0 and stays there.
    assert forces.blue.sector_casualties == [50.0, 0.0]
    assert forces.blue.sector_losses == [20.0, 0.0]  # the day's count restarted
    assert forces.blue.casualties == 50.0


def test_a_new_day_starts_each_sectors_assault_and_loss_counts_at_zero() -> None:
    forces = _forces()
    side = forces.red
    side.sectors[0].assaults, side.sectors[1].assaults = 3, 1
    side.sectors[0].losses = 12.0
    side.new_day()
    assert side.sector_assaults == [0, 0]
    assert side.sector_losses == [0.0, 0.0]


def test_a_unit_falls_only_below_one_soldier() -> None:
    forces = _forces()
    standing, falling = forces.units(forces.blue, 2, sector=0)
    standing.strength, falling.strength = 1.0, 0.999
    assert forces.blue.fallen(0) == [falling]
    assert standing.status == LINE and falling.status == REFIT
    assert forces.blue.line[0] == [standing]


def test_replacements_to_a_unit_in_reserve_leave_every_line_as_it_was() -> None:
    forces = _forces()
    forces.units(forces.blue, 1, sector=0)  # 1,000 in the north's line
    (waiting,) = forces.units(forces.blue, 1, strength=600.0)  # in reserve, not in any line
    forces.blue.add_strength(waiting, 400.0)
    assert waiting.strength == 1000.0
    assert forces.blue.line_strength == [1000.0, 0.0] and forces.blue.line_power == [
        1200.0,
        0.0,
    ]  # quality 1.2


def test_replacements_to_a_unit_refitting_leave_every_line_as_it_was() -> None:
    forces = _forces()
    forces.units(forces.blue, 1, sector=1)  # 1,000 in the south's line
    (worn,) = forces.units(forces.blue, 1, strength=300.0, sector=0)
    forces.blue.pull_out(worn)
    assert worn.status == REFIT and forces.blue.line_strength == [0.0, 1000.0]
    forces.blue.add_strength(worn, 500.0)
    assert worn.strength == 800.0
    assert forces.blue.line_strength == [0.0, 1000.0] and forces.blue.line_power == [0.0, 1200.0]


def test_a_new_side_starts_each_sector_empty_unhurt_and_at_full_tempo() -> None:
    side = _forces().blue
    assert side.line_strength == [0.0, 0.0] and side.line_power == [0.0, 0.0]
    assert side.sector_losses == [0.0, 0.0] and side.sector_assaults == [0, 0]
    assert side.sector_casualties == [0.0, 0.0] and side.start_density == [0.0, 0.0]
    assert side.tempo_factor == [1.0, 1.0]


def test_the_per_sector_lists_are_copies_of_the_sectors_figures() -> None:
    forces = _forces()
    forces.units(forces.blue, 1, sector=1)
    strengths = forces.blue.line_strength
    strengths[1] = 0.0  # a copy: the side's own figure stays
    assert forces.blue.line_strength == [0.0, 1000.0] and forces.blue.sectors[1].line_strength == 1000.0
    forces.blue.sectors[0].tempo_factor = 0.5
    forces.blue.sectors[1].start_density = 40.0
    assert forces.blue.tempo_factor == [0.5, 1.0] and forces.blue.start_density == [0.0, 40.0]


def test_the_whole_lines_power_is_the_sum_of_the_sectors() -> None:
    side = _forces().blue
    assert side.total_line_power() == 0.0
    side.sectors[0].line_power, side.sectors[1].line_power = 1e16, 3.0
    assert side.total_line_power() == 1e16 + 3.0 == 1.0000000000000004e16


COPIES = {
    # SideState's per-sector lists and Ground's: properties that return a copy, so a write into one is lost.
    "line_strength",
    "line_power",
    "sector_losses",
    "sector_assaults",
    "sector_casualties",
    "tempo_factor",
    "start_density",
    "area",
    "area0",
    "frontage0",
    "is_line",
    "terrain",
    "fortification",
    "next_line",
}


def test_no_code_writes_into_a_copy_of_the_per_sector_figures() -> None:
    """An item written into ``side.line_strength`` or ``ground.area`` would change nothing, silently."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    found = []
    for path in sorted([*root.glob("sim/**/*.py"), *root.glob("tests/*.py"), *root.glob("benchmarks/*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.Delete):
                targets = [node.target] if isinstance(node, ast.AugAssign) else node.targets
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"append", "extend", "insert", "clear", "pop", "remove", "sort"}
            ):
                targets = [ast.Subscript(value=node.func.value, slice=ast.Constant(0))]
            for target in targets:
                for part in ast.walk(target):
                    if (
                        isinstance(part, ast.Subscript)
                        and isinstance(part.value, ast.Attribute)
                        and part.value.attr in COPIES
                    ):
                        found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert found == []
