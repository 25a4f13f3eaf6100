"""Figures of a sweep folder: outcomes against varied inputs, heatmaps and sensitivity indices."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pyarrow.parquet as pq
from matplotlib.figure import Figure

from sim.plots.style import save
from sim.results.columns import area_column, outcome_dates
from sim.results.folder import open_folder


def _label(path: str) -> str:
    """A readable axis label for a dotted scenario path."""
    parts = path.split(".")
    return " ".join(p for p in parts if p not in ("sides", "contingents")).replace("_", " ")


def outcome_title(outcome: str) -> str:
    """A readable name for a sensitivity outcome column."""
    if outcome.startswith("area_km2_on_"):
        return f"held area on {outcome.removeprefix('area_km2_on_')}"
    if outcome.startswith("day_below_"):
        return f"days until below {outcome.removeprefix('day_below_')} km²"
    if outcome.startswith("withdrawn_by_"):
        return f"P(withdrawal by {outcome.removeprefix('withdrawn_by_')})"
    if outcome == "final_area_km2":
        return "held area at the end"
    return outcome.replace("_", " ")


def one_input(
    points: dict, summary: dict, path: str, outcomes: list[tuple[str, str]], title: str, scatter: bool = False
) -> Figure:
    """Return panels of each outcome, and of P(withdrawal), against one input.

    On a grid: the median and 10-90% band of each point's runs. For sampled designs (``scatter``),
    where the other inputs vary too: each point's median as a dot, and the median of those dots in
    ten bins of the input as a line.
    """
    x = np.asarray(points[path], dtype=float)
    order = np.argsort(x)
    figure, axes = plt.subplots(
        1, len(outcomes) + 1, figsize=(5 * (len(outcomes) + 1), 4.5), layout="constrained"
    )
    panels = [(column + "_p50", f"{label} (km²)") for column, label in outcomes]
    panels.append(("p_withdrawal", "probability of withdrawal by the end"))
    for index, (axis, (column, label)) in enumerate(zip(axes, panels, strict=True)):
        y = np.asarray(summary[column], dtype=float)
        colour = "#a50f15" if column == "p_withdrawal" else "#08306b"
        if scatter:
            axis.plot(
                x, y, ".", color=colour, alpha=0.25, markersize=4, label="one point (median of its runs)"
            )
            edges = np.linspace(x.min(), x.max(), 11)
            bins = np.clip(np.digitize(x, edges) - 1, 0, 9)
            centres = (edges[:-1] + edges[1:]) / 2
            trend = [np.median(y[bins == b]) if np.any(bins == b) else np.nan for b in range(10)]
            axis.plot(
                centres, trend, "-", color="black", linewidth=2, label="median in each tenth of the range"
            )
        elif column == "p_withdrawal":
            axis.plot(x[order], y[order], "o-", color=colour, label="share of runs")
        else:
            base = column.removesuffix("_p50")
            low = np.asarray(summary[f"{base}_p10"])[order]
            high = np.asarray(summary[f"{base}_p90"])[order]
            axis.fill_between(x[order], low, high, color="#9ecae1", label="10-90% of runs")
            axis.plot(x[order], y[order], "o-", color=colour, label="median")
        axis.set_xlabel(_label(path))
        axis.set_ylabel(("median " if column.endswith("_p50") else "") + label)
        axis.set_ylim(0, 1.02) if column == "p_withdrawal" else axis.set_ylim(bottom=0)
        axis.grid(alpha=0.3)
        if index == 0:
            axis.legend(fontsize=8)
    figure.suptitle(title, fontsize=11)
    return figure


def two_inputs(points: dict, summary: dict, paths: list[str], column: str, label: str, title: str) -> Figure:
    """Return heatmaps of an outcome's median and of P(withdrawal) over a grid of two inputs."""
    x_values = np.unique(points[paths[0]])
    y_values = np.unique(points[paths[1]])
    median = np.full((y_values.size, x_values.size), np.nan)
    withdrawal = np.full_like(median, np.nan)
    for i in range(len(points["point"])):
        col = np.searchsorted(x_values, points[paths[0]][i])
        row = np.searchsorted(y_values, points[paths[1]][i])
        median[row, col] = summary[f"{column}_p50"][i]
        withdrawal[row, col] = summary["p_withdrawal"][i]
    figure, axes = plt.subplots(1, 2, figsize=(12, 5), layout="constrained")
    for axis, data, name, cmap, fmt in (
        (axes[0], median, f"median {label} (km²)", "viridis", "{:,.0f}"),
        (axes[1], withdrawal, "probability of withdrawal by the end", "Reds", "{:.0%}"),
    ):
        image = axis.imshow(data, origin="lower", aspect="auto", cmap=cmap)
        axis.set_xticks(range(x_values.size), [f"{v:g}" for v in x_values])
        axis.set_yticks(range(y_values.size), [f"{v:g}" for v in y_values])
        axis.set_xlabel(_label(paths[0]))
        axis.set_ylabel(_label(paths[1]))
        for (row, col), value in np.ndenumerate(data):
            if not np.isnan(value):
                # Dark text on light cells, light text on dark ones.
                red, green, blue, _ = image.cmap(image.norm(value))
                shade = "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.5 else "white"
                axis.text(col, row, fmt.format(value), ha="center", va="center", fontsize=8, color=shade)
        figure.colorbar(image, ax=axis, label=name)
    figure.suptitle(title, fontsize=11)
    return figure


def indices_chart(results: dict, title: str) -> Figure:
    """Return horizontal bar charts of sensitivity indices (Sobol' S1/ST or Morris mu*) per outcome."""
    outcomes = list(results)
    figure, axes = plt.subplots(
        1,
        len(outcomes),
        figsize=(6 * len(outcomes), 0.5 * len(results[outcomes[0]]) + 2.5),
        layout="constrained",
        squeeze=False,
    )
    for axis, outcome in zip(axes[0], outcomes, strict=True):
        rows = results[outcome]
        sobol = "ST" in rows[0]
        key = "ST" if sobol else "mu_star"
        rows = sorted(rows, key=lambda r: r[key])
        names = [_label(r["input"]) for r in rows]
        y = np.arange(len(rows))
        if sobol:
            axis.barh(
                y + 0.2,
                [r["ST"] for r in rows],
                0.4,
                xerr=[r["ST_conf"] for r in rows],
                color="#08519c",
                label="total (ST)",
            )
            axis.barh(
                y - 0.2,
                [r["S1"] for r in rows],
                0.4,
                xerr=[r["S1_conf"] for r in rows],
                color="#6baed6",
                label="first order (S1)",
            )
            axis.set_xlabel("Sobol' index (share of output variance), 95% CI")
        else:
            axis.barh(
                y,
                [r["mu_star"] for r in rows],
                0.6,
                xerr=[r["mu_star_conf"] for r in rows],
                color="#08519c",
                label="mu* (mean |elementary effect|)",
            )
            axis.set_xlabel("Morris mu*, in the outcome's unit, 95% CI")
        axis.set_yticks(y, names, fontsize=8)
        axis.set_title(outcome_title(outcome), fontsize=10)
        axis.grid(axis="x", alpha=0.3)
        axis.legend(fontsize=8, loc="lower right")
    figure.suptitle(title, fontsize=11)
    return figure


def write_sweep_plots(directory: Path, fmt: str = "png") -> list[Path]:
    """Write a sweep folder's figures into ``directory/plots`` and return their paths."""
    folder = open_folder(directory, "read", kind="sweep")
    manifest, scenario = folder.manifest, folder.scenario
    points = pq.read_table(directory / "points.parquet").to_pydict()
    summary = pq.read_table(directory / "point_summary.parquet").to_pydict()
    paths: list[str] = manifest.varied or []
    design = (manifest.sweep or {}).get("design", "grid")
    out = directory / "plots"
    out.mkdir(exist_ok=True)
    dates = [obs.date for obs in scenario.observations] or outcome_dates(scenario)[-1:]
    shown = [
        (area_column(dates[0]), f"held area on {dates[0]}"),
        ("final_area_km2", f"held area on {scenario.end}"),
    ]
    title = f"{scenario.name}: {design} sweep, {len(points['point'])} points x {manifest.replications} runs\n"
    title += f"sweep {directory.name}"
    written = []
    if design == "grid" and len(paths) == 1:
        written.append(
            save(one_input(points, summary, paths[0], shown, title), out / f"sweep_outcomes.{fmt}")
        )
    elif design == "grid" and len(paths) == 2:
        column, label = shown[0]
        written.append(
            save(two_inputs(points, summary, paths, column, label, title), out / f"sweep_heatmap.{fmt}")
        )
    else:
        for path in paths:
            name = path.replace(".", "_")
            figure = one_input(points, summary, path, shown, title, scatter=design != "grid")
            written.append(save(figure, out / f"sweep_{name}.{fmt}"))
    sensitivity = directory / "sensitivity.json"
    if sensitivity.exists():
        results = json.loads(sensitivity.read_text(encoding="utf-8"))
        written.append(save(indices_chart(results, title), out / f"sensitivity.{fmt}"))
    return written
