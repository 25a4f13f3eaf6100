"""What a sweep shows: figure titles, scales and labels, the terminal table's width, the inputs' names.

Figures are read back from the matplotlib objects the plotting functions return; the terminal table from
the lines it prints. No sweep runs here: the points and their statistics are made up.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from sim.analysis.sweep_stats import PointStats
from sim.cli.calibrate import row_format
from sim.cli.sweep_text import WIDTH, point_lines
from sim.experiments.sensitivity import format_table
from sim.plots.sweep import informative, sweep_figures
from sim.plots.sweep_grid import SHARE_LIMITS, one_input, two_inputs
from sim.scenario import load_scenario
from sim.scenario.parameters import input_names

ROOT = Path(__file__).resolve().parents[1]
KURSK = load_scenario(ROOT / "scenarios" / "kursk_2024.yaml")
READINESS = "sides.russia.contingents.north_korea.readiness_days"
REPLACEMENTS = "sides.ukraine.contingents.brigades.replacements_per_day"
SOBOL_INPUTS = [
    "sides.russia.attack.max_rate_per_km",
    "sides.russia.attack.half_rate_density",
    "sides.russia.attack.advance_km",
    "sides.russia.attack.defender_reach_km",
    "sides.russia.contingents.regulars.replacements_per_day",
    READINESS,
    "sides.russia.contingents.north_korea.quality",
    "sides.ukraine.contingents.brigades.unit_size",
    REPLACEMENTS,
    "engagement.kill_rate",
    "sides.ukraine.command.withdrawal.force_ratio_above",
    "sides.ukraine.command.withdrawal.area_below_km2",
]
"""The twelve inputs of scenarios/sweeps/kursk_sobol.yaml."""


def _stats(centre: np.ndarray, share: bool = False) -> PointStats:
    spread = 0.02 if share else 10.0
    return PointStats(
        share=share,
        centre=centre,
        low=centre - spread,
        high=centre + spread,
        ci_low=centre - spread / 2,
        ci_high=centre + spread / 2,
        runs=np.full(centre.size, 30),
    )


@pytest.fixture()
def grid() -> dict[str, list[float]]:
    """A 3 x 2 grid of North Korean readiness against Ukrainian replacements."""
    return {
        "point": [0, 1, 2, 3, 4, 5],
        READINESS: [20.0, 20.0, 45.0, 45.0, 70.0, 70.0],
        REPLACEMENTS: [40.0, 120.0, 40.0, 120.0, 40.0, 120.0],
    }


def test_the_heatmap_keeps_its_title_and_spans_the_values_shown(grid: dict[str, list[float]]) -> None:
    area = _stats(np.array([851.0, 860.0, 855.0, 868.0, 858.0, 874.0]))
    share = _stats(np.array([0.2, 0.5, 0.3, 1.0, 0.4, 0.9]), share=True)
    figure = two_inputs(
        grid,
        [READINESS, REPLACEMENTS],
        [("area_km2_on_2024-11-23", area), ("withdrawal_began_by_2025-04-30", share)],
        KURSK,
        "the sweep's title",
    )
    try:
        assert figure.get_suptitle() == "the sweep's title"  # not the last panel's outcome
        area_image, share_image = (axis.get_images()[0] for axis in figure.axes[:2])
        assert (area_image.norm.vmin, area_image.norm.vmax) == (851.0, 874.0)  # not 0 to 1,376
        assert (share_image.norm.vmin, share_image.norm.vmax) == (0.0, 1.0)
        assert {text.get_fontsize() for text in figure.axes[0].texts} == {10.0}
        assert figure.axes[0].get_xlabel() == "russia.north_korea.readiness_days (days)"
        assert figure.axes[0].get_ylabel() == "ukraine.replacements_per_day (soldiers per day)"
    finally:
        plt.close(figure)


def test_per_input_figures_promise_only_what_they_draw_and_do_not_clip_shares() -> None:
    points = {"point": list(range(8)), READINESS: [20.0, 25, 30, 35, 40, 45, 50, 55]}
    share = _stats(np.array([0.1, 0.3, 0.5, 1.0, 1.0, 0.9, 1.0, 0.0]), share=True)
    area = _stats(np.linspace(600.0, 640.0, 8))
    sampled = one_input(
        points,
        READINESS,
        [("withdrawal_began_by_2025-04-30", share), ("final_area_km2", area)],
        KURSK,
        "t",
        True,
    )
    grid_figure = one_input(points, READINESS, [("final_area_km2", area)], KURSK, "t", False)
    try:
        share_axis, area_axis = sampled.axes[:2]
        # A sampled design draws one dot per point and a binned median: no bands, no intervals.
        for axis in (share_axis, area_axis):
            assert "10–90%" not in axis.get_ylabel() and "95%" not in axis.get_ylabel()
            assert not axis.collections or all(len(c.get_paths()) == 0 for c in axis.collections)
        assert "median of each point's runs" in area_axis.get_ylabel()
        assert share_axis.get_ylim() == SHARE_LIMITS and SHARE_LIMITS[1] > 1.0
        # A grid of one input draws what its label says: the 10-90% band and the intervals.
        (axis,) = grid_figure.axes
        assert "10–90% of runs" in axis.get_ylabel()
        assert any(c.get_label() == "10–90% of runs" for c in axis.collections)
        low, high = axis.get_ylim()
        assert low > 500 and high < 700  # the range the points span, not 0 to 1,376
    finally:
        plt.close(sampled)
        plt.close(grid_figure)


def test_a_default_outcome_equal_at_every_point_is_left_out_and_said(grid: dict[str, list[float]]) -> None:
    held = _stats(np.zeros(6))
    area = _stats(np.array([851.0, 860.0, 855.0, 868.0, 858.0, 874.0]))
    kept, same = informative([("final_area_km2", held), ("area_km2_on_2024-11-23", area)])
    assert [outcome for outcome, _ in kept] == ["area_km2_on_2024-11-23"]
    assert same == ["held area at the end (km²): 0 at every point"]
    ((name, _, figure),) = sweep_figures(grid, [READINESS, REPLACEMENTS], kept, KURSK, "t", "grid", same)
    try:
        assert name == "sweep_heatmap" and len(figure.axes) == 2  # one panel and its colour bar
        assert "held area at the end (km²): 0 at every point" in figure._supxlabel.get_text()
    finally:
        plt.close(figure)


def test_inputs_have_one_name_everywhere_the_shortest_unambiguous_tail_with_the_side() -> None:
    names = input_names(KURSK, SOBOL_INPUTS)
    assert names["sides.russia.contingents.north_korea.quality"] == "russia.north_korea.quality"
    assert (
        names["sides.russia.contingents.regulars.replacements_per_day"]
        == "russia.regulars.replacements_per_day"
    )
    assert names["sides.ukraine.contingents.brigades.unit_size"] == "ukraine.unit_size"
    assert names["sides.russia.attack.advance_km"] == "russia.advance_km"
    assert names["engagement.kill_rate"] == "kill_rate"
    # Judged against the scenario, not the set named: the same input, the same name, alone or among others.
    for path in SOBOL_INPUTS:
        assert input_names(KURSK, [path]) == {path: names[path]}
    # The sensitivity table names them so.
    rows = [{"input": p, "S1": 0.1, "S1_conf": 0.01, "ST": 0.2, "ST_conf": 0.01} for p in SOBOL_INPUTS]
    table = format_table({"final_area_km2": rows}, names=names)
    for path in SOBOL_INPUTS:
        assert f"  {names[path]} " in table


def test_a_sobol_sweeps_terminal_table_fits_a_terminal() -> None:
    count = 896
    rng = np.random.default_rng(0)
    points = {"point": list(range(count)), **{p: rng.uniform(0, 1, count).tolist() for p in SOBOL_INPUTS}}
    on = "area_km2_on_2024-11-23"
    summary = {
        f"{on}_p50": rng.uniform(300, 900, count).tolist(),
        "final_area_km2_p50": [0.0] * count,
        "p_withdrawal": rng.uniform(0, 1, count).tolist(),
    }
    lines = point_lines(
        points, summary, SOBOL_INPUTS, input_names(KURSK, SOBOL_INPUTS), on, "point_summary.parquet"
    )
    assert max(len(line) for line in lines) <= WIDTH, "\n".join(lines)
    assert lines[0].startswith("896 points over 12 inputs")
    assert lines[-1] == "the same at every point: km² at the end, median: 0 at every point"
    assert not any("km² at the end" in line for line in lines[:-1])


def test_a_small_grids_terminal_table_lists_its_points_with_named_inputs(
    grid: dict[str, list[float]],
) -> None:
    on = "area_km2_on_2024-11-23"
    summary = {
        f"{on}_p50": [851.0, 860.0, 855.0, 868.0, 858.0, 874.0],
        "final_area_km2_p50": [10.0, 0.0, 0.0, 20.0, 0.0, 0.0],
        "p_withdrawal": [0.5] * 6,
    }
    names = input_names(KURSK, [READINESS, REPLACEMENTS])
    lines = point_lines(grid, summary, [READINESS, REPLACEMENTS], names, on, "point_summary.parquet")
    assert lines[0].split() == [
        "russia.north_korea.",
        "ukraine.",
        "km²",
        "on",
        "2024-11-23",
        "km²",
        "at",
        "the",
        "end",
    ]
    assert lines[1].split() == ["point", "readiness_days", "replacements_per_day", "median", "median"]
    assert len(lines) == 2 + 6 + 1 and lines[-1].startswith("the same at every point: withdrawal began")
    assert max(len(line) for line in lines) <= WIDTH


@pytest.mark.parametrize(
    ("values", "shown"),
    [
        ([0.5, 0.4, 0.7, 0.5432, 0.4471, 0.6652], "0.500 (0.400 to 0.700) | 0.543 (0.447 to 0.665)"),
        (
            [0.0015, 0.001, 0.0025, 0.00171, 0.0013, 0.00209],
            "0.00150 (0.00100 to 0.00250) | 0.00171 (0.00130 to 0.00209)",
        ),
        ([80.0, 60.0, 140.0, 101.37, 88.2, 119.9], "80 (60 to 140) | 101 (88 to 120)"),
    ],
)
def test_calibrate_prints_prior_and_posterior_to_the_same_precision(values: list[float], shown: str) -> None:
    fmt = row_format(values)
    prior = "{} ({} to {})".format(*(format(v, fmt) for v in values[:3]))
    posterior = "{} ({} to {})".format(*(format(v, fmt) for v in values[3:]))
    assert f"{prior} | {posterior}" == shown
