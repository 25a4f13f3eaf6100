"""Figures of a run: fan chart of held area and survival of "still holding more than X km2"."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim.scenario.schema import Scenario  # noqa: E402

BANDS = ((0.95, "#c6dbef"), (0.80, "#9ecae1"), (0.50, "#6baed6"))


def _dates(scenario: Scenario, days: int) -> np.ndarray:
    return np.array([scenario.start + dt.timedelta(days=d) for d in range(days)])


def _style_time_axis(axis: plt.Axes) -> None:
    axis.xaxis.set_major_locator(mdates.MonthLocator())
    axis.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    axis.grid(True, alpha=0.3)


def fan_chart(scenario: Scenario, areas: np.ndarray, run_label: str, samples: int = 5) -> Figure:
    """Return the fan chart of held area over dates.

    Args:
        scenario: The run's scenario (dates, observations).
        areas: Held area, shape (replications, days).
        run_label: Names the run in the title.
        samples: How many individual runs to draw.
    """
    dates = _dates(scenario, areas.shape[1])
    figure, axis = plt.subplots(figsize=(10, 5.5), layout="constrained")
    for level, colour in BANDS:
        low, high = np.quantile(areas, [(1 - level) / 2, (1 + level) / 2], axis=0)
        axis.fill_between(dates, low, high, color=colour, label=f"{level:.0%} of runs", linewidth=0)
    for row in areas[: min(samples, len(areas))]:
        axis.plot(dates, row, color="0.35", linewidth=0.6, alpha=0.7)
    axis.plot([], [], color="0.35", linewidth=0.6, label=f"{min(samples, len(areas))} sample runs")
    axis.plot(dates, np.median(areas, axis=0), color="#08306b", linewidth=2, label="median")
    for obs in scenario.observations:
        if obs.metric != "area_km2":
            continue
        if obs.sd is not None:
            low, high = obs.value - 1.96 * obs.sd, obs.value + 1.96 * obs.sd
        else:
            low = obs.low if obs.low is not None else obs.value
            high = obs.high if obs.high is not None else obs.value
        axis.errorbar(
            [obs.date],
            [obs.value],
            yerr=[[obs.value - low], [high - obs.value]],
            fmt="o",
            color="#d62728",
            capsize=4,
            zorder=5,
        )
    if scenario.observations:
        axis.plot([], [], "o", color="#d62728", label="reported (95% range)")
    axis.set_ylim(0, scenario.initial_area_km2 * 1.05)
    axis.set_ylabel("held area (km²)")
    axis.set_xlabel("date")
    axis.set_title(f"{scenario.name}: held area, {len(areas):,} runs\n{run_label}", fontsize=11)
    _style_time_axis(axis)
    axis.legend(loc="upper right", fontsize=9)
    return figure


def survival_chart(scenario: Scenario, areas: np.ndarray, thresholds: list[float], run_label: str) -> Figure:
    """Return the probability that held area is still above each threshold, by date.

    Every run is observed to the horizon, so the Kaplan-Meier estimate is the share of runs not
    yet below the threshold; the band is a 95% Wilson interval for that share.
    """
    dates = _dates(scenario, areas.shape[1])
    figure, axis = plt.subplots(figsize=(10, 5.5), layout="constrained")
    count = len(areas)
    z = 1.96
    colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(thresholds)))
    for threshold, colour in zip(thresholds, colours, strict=True):
        crossed = np.minimum.accumulate(areas, axis=1) < threshold
        share = 1.0 - crossed.mean(axis=0)
        centre = (share + z * z / (2 * count)) / (1 + z * z / count)
        half = z * np.sqrt(share * (1 - share) / count + z * z / (4 * count * count)) / (1 + z * z / count)
        axis.fill_between(dates, centre - half, centre + half, color=colour, alpha=0.25, linewidth=0)
        axis.step(dates, share, where="post", color=colour, linewidth=2, label=f"> {threshold:,.0f} km²")
    axis.set_ylim(0, 1.02)
    axis.set_ylabel("probability still holding more than")
    axis.set_xlabel("date")
    axis.set_title(f"{scenario.name}: chance the salient still exceeds each area\n{run_label}", fontsize=11)
    _style_time_axis(axis)
    axis.legend(title="held area", loc="lower left", fontsize=9)
    return figure


def save(figure: Figure, path: Path) -> Path:
    """Save a figure (format from the suffix) atomically and close it."""
    temporary = path.with_name(f".{path.stem}.tmp{path.suffix}")
    figure.savefig(temporary, dpi=120)
    plt.close(figure)
    temporary.replace(path)
    return path


def write_run_plots(scenario: Scenario, directory: Path, fmt: str = "png") -> list[Path]:
    """Write a run folder's standard figures into ``directory/plots`` and return their paths."""
    from sim.analysis.results import area_matrix
    from sim.batch.tables import outcome_thresholds

    areas = area_matrix(directory, scenario.horizon_days + 1)
    label = f"run {directory.name}"
    out = directory / "plots"
    out.mkdir(exist_ok=True)
    return [
        save(fan_chart(scenario, areas, label), out / f"fan_chart.{fmt}"),
        save(survival_chart(scenario, areas, outcome_thresholds(scenario), label), out / f"survival.{fmt}"),
    ]
