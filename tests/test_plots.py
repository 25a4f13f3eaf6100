"""``sim plot``: every figure of a run folder, its labels and dates, the survival estimate, and bad input.

One small run (30 replications of tests/scenarios/small.yaml) is made per module for each ``--daily``
mode; the figure functions are also called directly so their matplotlib objects can be inspected.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib.axis
import matplotlib.dates as mdates
import matplotlib.image as mpimg
import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import SMALL, Result, reseal, run_sim, run_small, sim_in_process

from sim.analysis.survival import kaplan_meier
from sim.plots import run as plots
from sim.plots.run_area import fan_chart, survival_chart
from sim.results import readers
from sim.results.columns import outcome_thresholds, threshold_column
from sim.results.folder import RunFolder, open_folder

PNG = b"\x89PNG\r\n\x1a\n"
DAILY_FIGURES = {"fan_chart", "forces", "sectors"}
"""Figures that need daily.parquet or sectors.parquet (area_distribution can use an outcome column)."""
UNIT = re.compile(r"\(([^()]+)\)\s*$")
"""An axis label ends with its unit in parentheses: "held area (km²)", "runs (count)"."""


# Test oracles: the crossing day and the share not yet below, counted directly from the daily areas.
def first_days_below(areas: np.ndarray, threshold_km2: float) -> np.ndarray:
    """Return each run's first day with held area strictly below the threshold, NaN if never.

    Args:
        areas: Held area, shape (runs, days).
        threshold_km2: The area X.
    """
    below = areas < threshold_km2
    first = np.argmax(below, axis=1).astype(float)
    first[~below.any(axis=1)] = np.nan
    return first


def share_not_yet_below(areas: np.ndarray, threshold_km2: float) -> np.ndarray:
    """Return, for each day, the share of runs whose held area has not yet been below the threshold.

    The direct count that the Kaplan-Meier estimate reduces to when every run reaches the horizon.

    Args:
        areas: Held area, shape (runs, days).
        threshold_km2: The area X.
    """
    return (np.minimum.accumulate(areas, axis=1) >= threshold_km2).mean(axis=0)


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plots") / "full"
    run_small(out, "--no-plots", replications=30)
    return out


@pytest.fixture(scope="module")
def none_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plots") / "none"
    run_small(out, "--no-plots", "--daily", "none", replications=30)
    return out


@pytest.fixture(scope="module")
def total_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plots") / "total"
    run_small(out, "--no-plots", "--daily", "total", replications=30)
    return out


@pytest.fixture(scope="module")
def opened(full_run: Path) -> RunFolder:
    return open_folder(full_run)


@pytest.fixture(scope="module")
def areas(opened: RunFolder) -> np.ndarray:
    return readers.daily_matrices(opened.directory, ["area_km2"], opened.days).values["area_km2"]


@pytest.fixture(scope="module")
def figures(opened: RunFolder) -> dict[str, plots.FigureItem]:
    return {item.name: item for item in plots.run_figures(opened)}


def _one_error_line(result: Result) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in result.stderr
    return lines[0]


# ------------------------------------------------------------------------------------ files
@pytest.mark.slow  # reads a full run and draws its figures or report: long by nature
def test_plot_writes_every_figure_as_png(full_run: Path) -> None:
    result = run_sim("plot", full_run)
    listed = [Path(line) for line in result.stdout.splitlines()]
    assert sorted(p.name for p in listed) == sorted(f"{name}.png" for name in plots.FIGURES)
    for name in plots.FIGURES:
        path = full_run / "plots" / f"{name}.png"
        assert path.read_bytes()[:8] == PNG, name
        assert path.stat().st_size > 20_000, f"{name}.png is suspiciously small"
        image = mpimg.imread(path)
        assert image.shape[0] >= 500 and image.shape[1] >= 1000, (name, image.shape)
        assert float(image[..., :3].std()) > 0.05, f"{name}.png is nearly blank"
    assert not [p for p in (full_run / "plots").iterdir() if ".tmp" in p.name], "temporary files left"


@pytest.mark.slow  # reads a full run and draws its figures or report: long by nature
def test_plot_writes_svg_on_request(full_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sim_in_process(capsys, "plot", full_run, "--format", "svg").returncode == 0
    for name in plots.FIGURES:
        path = full_run / "plots" / f"{name}.svg"
        assert path.stat().st_size > 20_000, name
        root = ET.parse(path).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg", name
        assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) > 50, (
            f"{name}.svg draws almost nothing"
        )


# ----------------------------------------------------------------------- titles, labels, dates
def _is_date_axis(axis: matplotlib.axis.XAxis) -> bool:
    return isinstance(
        axis.get_converter(), mdates.DateConverter | mdates._SwitchableDateConverter
    ) or isinstance(
        axis.get_major_formatter(),
        mdates.DateFormatter | mdates.ConciseDateFormatter | mdates.AutoDateFormatter,
    )


def test_every_figure_is_titled_with_scenario_and_runs_not_the_folder(
    figures: dict[str, plots.FigureItem], full_run: Path
) -> None:
    assert set(figures) == set(plots.FIGURES)
    for name, item in figures.items():
        assert item.figure is not None, f"{name} skipped: {item.note}"
        title = item.figure.get_suptitle()
        assert "small_test" in title, (name, title)
        assert full_run.name not in title, (name, title)  # the folder's name is noise to a reader
        assert "30 runs" in title, (name, title)


def test_axis_labels_carry_units_and_time_axes_show_dates(
    figures: dict[str, plots.FigureItem], opened: RunFolder
) -> None:
    scenario = opened.scenario
    months = {f"{scenario.start + dt.timedelta(days=d):%b}" for d in range(scenario.horizon_days + 1)}
    for name, item in figures.items():
        figure = item.figure
        assert figure is not None
        figure.draw_without_rendering()
        visible = [axis for axis in figure.axes if axis.get_visible()]
        assert visible, name
        dated = 0
        for axis in visible:
            ylabel = axis.get_ylabel()
            ticks = [t.get_text() for t in axis.get_yticklabels()]
            categories = any(re.search(r"[a-z]{3}", t) for t in ticks)  # named bars need no unit
            assert categories or UNIT.search(ylabel), f"{name}: y label {ylabel!r} has no unit"
            if _is_date_axis(axis.xaxis):
                dated += 1
                low, high = (mdates.num2date(x).date() for x in axis.get_xlim())
                assert low <= scenario.start and high >= scenario.end, (name, low, high)
                assert abs((low - scenario.start).days) < 10 and abs((high - scenario.end).days) < 10
                ticks = " ".join(t.get_text() for t in axis.get_xticklabels())
                if ticks.strip():
                    assert any(month in ticks for month in months), (name, ticks)
                    assert "2024" in ticks, (name, ticks)
            else:
                siblings = axis.get_shared_x_axes().get_siblings(axis)  # a twin axis shares its x label
                xlabel = " ".join(other.get_xlabel() for other in siblings)
                assert UNIT.search(xlabel), f"{name}: x label {xlabel!r} has no unit"
        if name not in ("area_distribution", "observations"):
            assert dated, f"{name} has no calendar-date axis"
        labelled = [axis.get_xlabel() for axis in visible if _is_date_axis(axis.xaxis)]
        assert not dated or "date" in labelled, f"{name}: no time axis is labelled 'date'"
        has_legend = bool(figure.legends) or any(axis.get_legend() for axis in visible)
        assert has_legend, f"{name} has no legend"


def test_fan_chart_shows_bands_median_samples_and_observation(
    figures: dict[str, plots.FigureItem], areas: np.ndarray
) -> None:
    figure = figures["fan_chart"].figure
    axis = figure.axes[0]
    # The legend stands under the axes, where it hides no band.
    assert axis.get_legend() is None and len(figure.legends) == 1
    labels = [text.get_text() for text in figure.legends[0].get_texts()]
    for expected in ("middle 95% of runs", "middle 80% of runs", "middle 50% of runs", "median of runs"):
        assert expected in labels, labels
    assert any(label.startswith("5 single runs") for label in labels), labels
    assert [label for label in labels if "reported" in label] == [
        "reported held area (1); bar: its 95% range (±1.96 × sd)"
    ]
    median = next(line for line in axis.get_lines() if line.get_label() == "median of runs")
    np.testing.assert_allclose(median.get_ydata(), np.median(areas, axis=0), rtol=1e-6)
    bar = next(c for c in axis.containers if "reported" in c.get_label())
    segment = bar.lines[2][0].get_segments()[0]
    assert segment[0][1] == pytest.approx(300 - 1.96 * 30) and segment[1][1] == pytest.approx(300 + 1.96 * 30)


def test_survival_legend_counts_runs_that_never_crossed(
    figures: dict[str, plots.FigureItem], opened: RunFolder
) -> None:
    outcomes = pq.read_table(opened.directory / "outcomes.parquet")
    labels = figures["survival"].figure.axes[0].get_legend_handles_labels()[1]
    for threshold in outcome_thresholds(opened.scenario):
        never = outcomes[threshold_column(threshold)].null_count
        assert any(
            label.startswith(f"{threshold:,.0f} km²") and f"{never:,} never crossed" in label
            for label in labels
        ), (threshold, labels)


def test_the_observations_figure_has_a_panel_per_report_and_flags_those_out_of_reach(
    figures: dict[str, plots.FigureItem], opened: RunFolder
) -> None:
    axes = [axis for axis in figures["observations"].figure.axes if axis.get_visible()]
    assert len(axes) == len(opened.scenario.observations)
    outcomes = pq.read_table(opened.directory / "outcomes.parquet")
    values = outcomes["obs0_area_km2_2024-10-15"].to_numpy()
    low, high = np.quantile(values, [0.025, 0.975])
    outside = not low <= 300.0 <= high
    assert ("outside the middle 95% of runs" in axes[0].get_title()) == outside
    assert f"{float(np.mean(values <= 300.0)):.0%} of runs at or below it" in axes[0].texts[0].get_text()


def test_withdrawal_bars_count_every_run(figures: dict[str, plots.FigureItem], opened: RunFolder) -> None:
    reasons = pq.read_table(opened.directory / "outcomes.parquet")["withdrawal_reason"].to_pylist()
    bars = figures["withdrawal_reasons"].figure.axes[0]
    widths = [patch.get_width() for patch in bars.patches]
    labels = [t.get_text() for t in bars.get_yticklabels()]
    assert sum(widths) == len(reasons) == 30
    assert widths[labels.index("no withdrawal\nby the end date")] == reasons.count(None)


# ---------------------------------------------------------------------------------- survival
def test_kaplan_meier_agrees_with_the_direct_count(opened: RunFolder, areas: np.ndarray) -> None:
    scenario = opened.scenario
    thresholds = outcome_thresholds(scenario)
    crossings, notes = readers.crossing_days(opened.directory, scenario, thresholds)
    assert notes == [] and list(crossings) == thresholds
    some_censored = False
    for threshold, days in crossings.items():
        np.testing.assert_array_equal(days, first_days_below(areas, threshold))
        curve = kaplan_meier(days, scenario.horizon_days, threshold)
        direct = share_not_yet_below(areas, threshold)
        np.testing.assert_allclose(curve.sf, direct, atol=1e-12)
        assert np.all(curve.low <= direct + 1e-12) and np.all(direct <= curve.high + 1e-12)
        assert np.all(curve.low <= curve.high) and curve.low.min() >= 0 and curve.high.max() <= 1
        moving = (direct > 0) & (direct < 1)
        assert np.all(curve.high[moving] - curve.low[moving] > 0.01), "the band collapsed"
        assert curve.crossed + curve.censored == 30
        some_censored |= curve.censored > 0
    assert some_censored, "the test run should have runs censored at the horizon"


def test_survival_chart_draws_the_kaplan_meier_curves(
    figures: dict[str, plots.FigureItem], opened: RunFolder, areas: np.ndarray
) -> None:
    axis = figures["survival"].figure.axes[0]
    steps = [line for line in axis.get_lines() if "km²" in line.get_label()]
    assert len(steps) == len(outcome_thresholds(opened.scenario))
    for line, threshold in zip(steps, outcome_thresholds(opened.scenario), strict=True):
        assert line.get_label().startswith(f"{threshold:,.0f} km²")
        np.testing.assert_allclose(line.get_ydata(), share_not_yet_below(areas, threshold), atol=1e-12)


def test_kaplan_meier_edge_cases() -> None:
    never = kaplan_meier(np.full(5, np.nan), 10)
    assert np.all(never.sf == 1) and never.censored == 5
    at_once = kaplan_meier(np.zeros(4), 10)
    assert np.all(at_once.sf == 0) and np.all(at_once.low == 0) and np.all(at_once.high == 0)
    curve = kaplan_meier(np.array([2.0, 2.0, 5.0, np.nan]), 6)
    np.testing.assert_allclose(curve.sf, [1, 1, 0.5, 0.5, 0.5, 0.25, 0.25])
    with pytest.raises(ValueError):
        kaplan_meier(np.array([]), 6)


@pytest.mark.slow  # reads a full run and draws its figures or report: long by nature
def test_other_thresholds_are_computed_from_the_daily_table(
    full_run: Path, opened: RunFolder, areas: np.ndarray, capsys: pytest.CaptureFixture[str]
) -> None:
    crossings, notes = readers.crossing_days(full_run, opened.scenario, [333.0, 400.0])
    assert notes == []
    np.testing.assert_array_equal(crossings[333.0], first_days_below(areas, 333.0))
    result = sim_in_process(
        capsys, "plot", full_run, "--threshold", "333", "--threshold", "150", "--at", "2024-10-01"
    )
    assert (result.returncode, result.stderr) == (0, "")
    figure = survival_chart(opened.scenario, crossings)
    assert [line.get_label().split(" km²")[0] for line in figure.axes[0].get_lines()[:2]] == ["333", "400"]


@pytest.mark.slow  # reads a full run and draws its figures or report: long by nature
@pytest.mark.parametrize("command", ["plot", "report"])
def test_a_threshold_at_or_above_the_start_area_is_refused_before_anything_is_drawn(
    full_run: Path, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Once a gap: --threshold 5000 on a 500 km2 scenario drew a flat zero line without a word."""
    before = sorted((p.name, p.stat().st_mtime_ns) for p in full_run.rglob("*"))
    result = sim_in_process(capsys, command, full_run, "--threshold", "500")
    assert result.returncode == 2, result
    assert result.stderr.strip() == (
        f"error: {full_run}: --threshold: 500 km² is not below the 500 km² held at the start: every run "
        "is below it from the first day"
    )
    assert sorted((p.name, p.stat().st_mtime_ns) for p in full_run.rglob("*")) == before
    elsewhere = ("--out", tmp_path / "report.html") if command == "report" else ()
    assert sim_in_process(capsys, command, full_run, "--threshold", "499", *elsewhere).returncode == 0


# ----------------------------------------------------------------------- reduced daily tables
def test_daily_none_skips_daily_figures(none_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = sim_in_process(capsys, "plot", none_run)
    assert result.returncode == 0
    written = {Path(line).stem for line in result.stdout.splitlines()}
    assert written == set(plots.FIGURES) - DAILY_FIGURES
    notes = result.stderr.strip().splitlines()
    assert sorted(line.split(":")[1].strip() for line in notes) == sorted(DAILY_FIGURES)
    assert all(line.startswith("note: ") and "skipped" in line and "--daily none" in line for line in notes)
    for name in DAILY_FIGURES:
        assert not (none_run / "plots" / f"{name}.png").exists()


def test_daily_none_with_a_date_not_kept_skips_the_distribution_too(
    none_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = sim_in_process(capsys, "plot", none_run, "--at", "2024-10-02", "--threshold", "123")
    assert result.returncode == 0
    assert "area_distribution: skipped" in result.stderr
    assert "below 123 km2: skipped" in result.stderr
    assert not (none_run / "plots" / "area_distribution.png").exists(), "an older figure was left behind"


@pytest.mark.slow  # reads a full run and draws its figures or report: long by nature
def test_daily_total_skips_only_sectors(total_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = sim_in_process(capsys, "plot", total_run)
    written = {Path(line).stem for line in result.stdout.splitlines()}
    assert written == set(plots.FIGURES) - {"sectors"}
    assert result.stderr.strip().splitlines() == [
        "note: sectors: skipped: the run has no sectors.parquet (made with --daily total)"
    ]


# ------------------------------------------------------------------------------- big runs
def test_bands_use_an_even_subset_beyond_the_memory_limit(opened: RunFolder) -> None:
    data = readers.daily_matrices(
        opened.directory, ["area_km2", "strength_red"], opened.days, max_values=10 * 62 * 2
    )
    assert data.total == 30 and data.subset
    np.testing.assert_array_equal(data.replications, np.unique(np.linspace(0, 29, 10).round().astype(int)))
    assert data.values["area_km2"].shape == (10, opened.days) and data.values["area_km2"].dtype == np.float32
    figure = fan_chart(opened.scenario, data.values["area_km2"], total=data.total)
    assert "bands from 10 evenly spaced runs" in figure.get_suptitle()


# ------------------------------------------------------------------------------- bad input
@pytest.mark.real_command
def test_a_folder_without_a_run_exits_2_with_one_line(tmp_path: Path) -> None:
    result = run_sim("plot", tmp_path, check=False)  # the real command, in its own process
    assert _one_error_line(result) == f"error: {tmp_path}: holds no run (no manifest.json)"
    assert result.stdout == ""


def test_bad_run_folders_are_one_line_errors(
    full_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sim.results.manifest import document_hash

    assert "no such folder" in _one_error_line(sim_in_process(capsys, "plot", tmp_path / "missing"))
    assert "not a folder" in _one_error_line(sim_in_process(capsys, "plot", SMALL))
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    assert "not valid JSON" in _one_error_line(sim_in_process(capsys, "plot", tmp_path))
    (tmp_path / "manifest.json").write_text(json.dumps({"status": "complete", "scenario": {"name": 3}}))
    assert "scenario_name: not a manifest" in _one_error_line(sim_in_process(capsys, "plot", tmp_path))
    manifest = json.loads((full_run / "manifest.json").read_text(encoding="utf-8"))
    shutil.copyfile(full_run / "manifest.seal", tmp_path / "manifest.seal")
    manifest["scenario"]["name"] = 3  # hand-edited: the seal no longer matches
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    line = _one_error_line(sim_in_process(capsys, "plot", tmp_path))
    assert "scenario: differs from what the folder was started with" in line
    manifest["scenario_sha256"] = document_hash(manifest["scenario"])  # edited with its hash
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert "scenario: differs from" in _one_error_line(sim_in_process(capsys, "plot", tmp_path))
    reseal(tmp_path, "running")  # ... and its seal forged too: the scenario itself is refused
    assert "does not validate" in _one_error_line(sim_in_process(capsys, "plot", tmp_path))


def test_bad_options_are_one_line_errors(full_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = sim_in_process(capsys, "plot", full_run, "--at", "2030-01-01")
    assert "outside the run" in _one_error_line(result)
    _one_error_line(sim_in_process(capsys, "plot", full_run, "--at", "2024-13-01"))
    _one_error_line(sim_in_process(capsys, "plot", full_run, "--threshold", "-5"))
    _one_error_line(sim_in_process(capsys, "plot", full_run, "--format", "gif"))


def test_sweep_folders_go_to_the_sweep_plots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sim.plots.sweep as sweep_plots
    from sim.cli import main

    (tmp_path / "manifest.json").write_text(json.dumps({"kind": "sweep"}), encoding="utf-8")
    calls = []

    def fake(directory: Path, fmt: str) -> list[Path]:
        calls.append((directory, fmt))
        return [directory / "plots" / f"a.{fmt}", directory / "plots" / f"b.{fmt}"]

    monkeypatch.setattr(sweep_plots, "write_sweep_plots", fake)
    main(["plot", str(tmp_path), "--format", "svg"])
    assert calls == [(tmp_path, "svg")]
    assert capsys.readouterr().out.splitlines() == [
        str(tmp_path / "plots" / "a.svg"),
        str(tmp_path / "plots" / "b.svg"),
    ]


def test_a_folder_without_its_tables_is_refused_and_nothing_is_deleted(
    full_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Once a known gap: plotting the shipped example folder deleted its tracked fan chart, then failed."""
    import shutil

    copy = tmp_path / "example"
    shutil.copytree(full_run, copy)
    (copy / "plots").mkdir(exist_ok=True)
    (copy / "plots" / "fan_chart.png").write_bytes(b"tracked figure")
    for table in copy.glob("*.parquet"):
        table.unlink()
    for command in ("plot", "report"):
        result = sim_in_process(capsys, command, copy)
        assert "holds no outcomes table" in _one_error_line(result)
    assert (copy / "plots" / "fan_chart.png").read_bytes() == b"tracked figure"
    assert not (copy / "report.html").exists()
