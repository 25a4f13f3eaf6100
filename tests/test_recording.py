"""A chunk's tables, built from whole arrays, equal a straightforward construction replication by replication.

The reference below gathers every column one replication at a time with the measures of
``sim.measures.observables``; the tables ``simulate_chunk`` writes are cut from the chunk's stacked
arrays (``sim.measures.stacked``). They must agree in schema, values (bit for bit) and row order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pytest
from conftest import TESTS

from sim.batch.seeding import replication_seed
from sim.measures import stacked as stacked_measures
from sim.measures.observables import advance_m_per_day, attack_window, measure
from sim.model.replication import run_replication
from sim.model.trajectory import Trajectory
from sim.results.columns import (
    area_column,
    observation_column,
    outcome_dates,
    outcome_thresholds,
    threshold_column,
)
from sim.results.tables import chunk_tables, daily_table, outcomes_table, sectors_table
from sim.scenario import load_scenario
from sim.scenario.parameters import distribution_leaves
from sim.scenario.schema import Scenario

SCENARIOS = TESTS.parent / "scenarios"


def reference_daily(
    scenario: Scenario, replications: Sequence[int], trajectories: Sequence[Trajectory]
) -> pa.Table:
    rows: dict[str, list[object]] = {"replication": [], "day": [], "date": [], "area_km2": []}
    for side in scenario.sides:
        for name in ("strength", "casualties", "supply"):
            rows[f"{name}_{side}"] = []
    for replication, trajectory in zip(replications, trajectories, strict=True):
        for day in range(scenario.horizon_days + 1):
            rows["replication"].append(replication)
            rows["day"].append(day)
            rows["date"].append(scenario.start + np.timedelta64(day, "D").item())
            rows["area_km2"].append(float(trajectory.area_km2[day]))
            for index, side in enumerate(scenario.sides):
                rows[f"strength_{side}"].append(float(trajectory.strength[index][day]))
                rows[f"casualties_{side}"].append(float(trajectory.casualties[index][day]))
                rows[f"supply_{side}"].append(float(trajectory.supply[index][day]))
    types = {"replication": pa.int64(), "day": pa.int32(), "date": pa.date32()}
    return pa.table(
        {name: pa.array(values, type=types.get(name, pa.float64())) for name, values in rows.items()}
    )


def reference_sectors(
    scenario: Scenario, replications: Sequence[int], trajectories: Sequence[Trajectory]
) -> pa.Table:
    rows: dict[str, list[object]] = {"replication": [], "day": [], "sector": [], "area_km2": []}
    for replication, trajectory in zip(replications, trajectories, strict=True):
        for day in range(scenario.horizon_days + 1):
            for index, sector in enumerate(scenario.sectors):
                rows["replication"].append(replication)
                rows["day"].append(day)
                rows["sector"].append(sector)
                rows["area_km2"].append(float(trajectory.sector_area_km2[day][index]))
    types = {"replication": pa.int64(), "day": pa.int32(), "sector": pa.string(), "area_km2": pa.float64()}
    return pa.table({name: pa.array(values, type=types[name]) for name, values in rows.items()})


def reference_outcomes(
    scenario: Scenario, replications: Sequence[int], trajectories: Sequence[Trajectory]
) -> pa.Table:
    def floats(values: list[float | None]) -> pa.Array:
        return pa.array(values, type=pa.float64())

    columns: dict[str, pa.Array] = {"replication": pa.array(list(replications), type=pa.int64())}
    for path, _ in distribution_leaves(scenario):
        columns[path] = floats([t.parameters[path] for t in trajectories])
    columns["final_area_km2"] = floats([float(t.area_km2[-1]) for t in trajectories])
    for date in outcome_dates(scenario):
        day = (date - scenario.start).days
        columns[area_column(date)] = floats([float(t.area_km2[day]) for t in trajectories])
    columns["advance_m_per_day"] = floats(
        [advance_m_per_day(scenario, t, *attack_window(scenario, t)) for t in trajectories]
    )
    for index, observation in enumerate(scenario.observations):
        columns[observation_column(index, scenario)] = floats(
            [measure(scenario, t, observation) for t in trajectories]
        )
    columns["withdrawal_day"] = floats([t.withdrawal_day for t in trajectories])
    columns["withdrawal_reason"] = pa.array([t.withdrawal_reason for t in trajectories], type=pa.string())
    for threshold in outcome_thresholds(scenario):
        columns[threshold_column(threshold)] = pa.array(
            [t.first_day_below(threshold) for t in trajectories], type=pa.int32()
        )
    for index, side in enumerate(scenario.sides):
        columns[f"casualties_{side}"] = floats([float(t.casualties[index, -1]) for t in trajectories])
    return pa.table(columns)


def assert_same(built: pa.Table, expected: pa.Table) -> None:
    assert built.schema == expected.schema
    assert built.num_rows == expected.num_rows
    for name in expected.column_names:
        # Arrow's equality on floats is exact (and NaN equals NaN only where both are NaN): bit for bit.
        got, want = built.column(name).combine_chunks(), expected.column(name).combine_chunks()
        assert got.equals(want), f"column {name} differs"


CASES = {
    # Kursk: salients, a withdrawal rule, area observations; replications 0-5 include one that withdraws.
    "kursk": (SCENARIOS / "kursk_2024.yaml", [], range(6)),
    # Donetsk: line sectors, advance and losses observations by sector.
    "donetsk": (SCENARIOS / "donetsk_2024.yaml", [], range(10, 14)),
    # A campaign of the validation suite, with its own observation kinds.
    "campaign": (TESTS / "scenarios" / "campaign.yaml", [], range(3)),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def chunk(request: pytest.FixtureRequest) -> tuple[Scenario, list[int], list[Trajectory]]:
    path, overrides, replications = CASES[request.param]
    scenario = load_scenario(path, overrides)
    trajectories = [run_replication(scenario, replication_seed(7, i)) for i in replications]
    return scenario, list(replications), trajectories


def test_chunk_tables_equal_a_construction_row_by_row(
    chunk: tuple[Scenario, list[int], list[Trajectory]],
) -> None:
    scenario, replications, trajectories = chunk
    tables = chunk_tables(scenario, replications, trajectories, "full")
    assert list(tables) == ["outcomes", "daily", "sectors"]
    assert_same(tables["outcomes"], reference_outcomes(scenario, replications, trajectories))
    assert_same(tables["daily"], reference_daily(scenario, replications, trajectories))
    assert_same(tables["sectors"], reference_sectors(scenario, replications, trajectories))


def test_rows_follow_the_replications_in_the_order_given(
    chunk: tuple[Scenario, list[int], list[Trajectory]],
) -> None:
    scenario, replications, trajectories = chunk
    backwards = replications[::-1], trajectories[::-1]
    assert_same(outcomes_table(scenario, *backwards), reference_outcomes(scenario, *backwards))
    assert_same(daily_table(scenario, *backwards), reference_daily(scenario, *backwards))
    assert_same(sectors_table(scenario, *backwards), reference_sectors(scenario, *backwards))


def test_an_empty_chunk_has_the_columns_and_types_of_a_full_one(
    chunk: tuple[Scenario, list[int], list[Trajectory]],
) -> None:
    scenario, replications, trajectories = chunk
    full = chunk_tables(scenario, replications, trajectories, "full")
    empty = chunk_tables(scenario, [], [], "full")
    for name, table in empty.items():
        assert table.num_rows == 0
        assert table.schema == full[name].schema


def test_chunk_tables_keep_what_the_daily_mode_asks() -> None:
    scenario = load_scenario(SCENARIOS / "kursk_2024.yaml")
    assert list(chunk_tables(scenario, [], [], "total")) == ["outcomes", "daily"]
    assert list(chunk_tables(scenario, [], [], "none")) == ["outcomes"]


@pytest.mark.parametrize("sectors", [1, 3, 8, 9, 13])
def test_stacked_advances_add_in_the_order_of_one_replication_alone(sectors: int) -> None:
    """Many sectors and uneven values: NumPy sums more than eight numbers pairwise, in an order that
    depends on the array's layout, and the stacked measures must follow the single replication's."""
    base = load_scenario(SCENARIOS / "kursk_2024.yaml")
    template = next(iter(base.sectors.values()))
    scenario = base.model_copy(update={"sectors": {f"s{i}": template for i in range(sectors)}})
    days = scenario.horizon_days + 1
    rng = np.random.default_rng(sectors)
    trajectories = []
    for replication in range(7):
        scale = 10.0 ** rng.uniform(-3, 3, size=sectors)
        area = np.abs(rng.normal(size=(days, sectors))) * scale
        area[days // 2 + replication * 9 :] = 0.0 if replication % 2 else area[days // 2 + replication * 9 :]
        trajectories.append(
            Trajectory(
                area_km2=area.sum(axis=1),
                sector_area_km2=area,
                strength=np.zeros((2, days)),
                casualties=np.zeros((2, days)),
                supply=np.zeros((2, days)),
                sector_area0_km2=area[0] * rng.uniform(0.5, 2.0, size=sectors),
                sector_frontage0_km=rng.uniform(1, 50, size=sectors),
                sector_is_line=rng.random(sectors) < 0.4,
            )
        )
    stacked = stacked_measures.stack(scenario, trajectories)
    first, last = stacked_measures.attack_windows(scenario, stacked)
    expected = [advance_m_per_day(scenario, t, *attack_window(scenario, t)) for t in trajectories]
    assert [(first, int(end)) for end in last] == [attack_window(scenario, t) for t in trajectories]
    assert stacked_measures.advances_m_per_day(scenario, stacked, first, last).tolist() == expected
    for sector in ("s0", f"s{sectors - 1}"):
        expected = [advance_m_per_day(scenario, t, 3, days - 5, sector) for t in trajectories]
        assert (
            stacked_measures.advances_m_per_day(scenario, stacked, 3, days - 5, sector).tolist() == expected
        )
