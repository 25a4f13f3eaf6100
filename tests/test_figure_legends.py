"""Legends that hide nothing and say each thing once; figures drawn only when they have something to show.

The fan chart and the backtest figure put their legends under the axes (once, the fan chart's covered
the top of the 95% band from October to January, and the backtest's the persistence line); the fan
chart names the reported figures once however many there are; the backtest tells the runs before the
origin (in-sample) from the forecast; the withdrawal figure is not drawn for a side with no withdrawal
rule; every time axis runs from the scenario's start to its end.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
from conftest import SMALL, run_small
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.plots.backtest import forecast_panel
from sim.plots.run import run_figures
from sim.plots.run_area import fan_chart
from sim.plots.run_forces import has_withdrawal_rules, withdrawal_chart
from sim.results.folder import open_folder
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
KURSK = load_scenario(ROOT / "scenarios" / "kursk_2024.yaml")


def _areas(scenario, runs: int = 40) -> np.ndarray:
    days = scenario.horizon_days + 1
    rng = np.random.default_rng(1)
    slope = rng.uniform(3.0, 8.0, size=(runs, 1))
    return np.clip(scenario.initial_area_km2 - slope * np.arange(days), 0.0, None)


def _time_axis(scenario) -> tuple[float, float]:
    """Every time axis: two days before the start to two days after the end."""
    start = mdates.date2num(np.datetime64(scenario.start))
    return (start - 2, start + scenario.horizon_days + 2)


def test_the_fan_charts_legend_is_beside_the_axes_and_names_the_reports_once() -> None:
    figure = fan_chart(KURSK, _areas(KURSK))
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    axis = figure.axes[0]
    (legend,) = figure.legends
    renderer = canvas.get_renderer()
    box, frame = legend.get_window_extent(renderer), axis.get_window_extent(renderer)
    assert box.y1 <= frame.y0  # under the axes: it covers no band
    labels = [text.get_text() for text in legend.get_texts()]
    reported = [label for label in labels if "reported" in label]
    assert reported == ["reported held area (4); bar: its 95% range (reported low–high)"], labels
    assert sum("95% range" in label for label in labels) == 1
    assert axis.get_xlim() == _time_axis(KURSK)


def test_the_backtest_panel_tells_in_sample_runs_from_the_forecast() -> None:
    scenario = load_scenario(SMALL)
    origin = dt.date(2024, 10, 1)
    axis = Figure().subplots()
    forecast_panel(axis, scenario, origin, _areas(scenario), {})
    handles, labels = axis.get_legend_handles_labels()
    assert "before the origin: in-sample" in labels and "forecast: median" in labels
    split = mdates.date2num(np.datetime64(origin))
    median = dict(zip(labels, handles, strict=True))["forecast: median"]
    assert mdates.date2num(median.get_xdata()[0]) == split  # the forecast starts at the origin
    in_sample = dict(zip(labels, handles, strict=True))["before the origin: in-sample"]
    assert mdates.date2num(in_sample.get_xdata()[-1]) == split
    assert axis.get_legend() is None  # the figure puts one legend beside all panels


def test_no_withdrawal_figure_for_a_side_without_withdrawal_rules(tmp_path: Path) -> None:
    out = tmp_path / "run"
    run_small(
        out, "--no-plots", "--no-dynamics", "--set", "sides.blue.command.withdrawal=null", replications=4
    )
    folder = open_folder(out)
    assert not has_withdrawal_rules(folder.scenario) and has_withdrawal_rules(load_scenario(SMALL))
    (item,) = [item for item in run_figures(folder) if item.name == "withdrawal_reasons"]
    assert item.figure is None and "has no withdrawal rules" in (item.note or "")


def test_the_withdrawal_figures_time_axis_is_the_scenarios() -> None:
    scenario = load_scenario(SMALL)
    figure = withdrawal_chart(scenario, ["area_below", None, None], np.array([20.0, np.nan, np.nan]))
    assert figure.axes[1].get_xlim() == _time_axis(scenario)
