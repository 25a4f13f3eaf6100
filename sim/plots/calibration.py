"""Figures of a calibration: posterior marginals over their priors, pairs, and the generations."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiments.calibration.posterior import (
    CalibrationResult,
    parameter_summary,
    weighted_correlation,
)
from sim.experiments.calibration.problem import WEIGHT_COLUMN, Problem, prior_rv
from sim.plots.style import save, styled, subplots
from sim.scenario.parameters import input_names
from sim.scenario.schema import Scenario
from sim.scenario.units import field_unit, printed


def axis_label(path: str, scenario: Scenario) -> str:
    """Return an axis label: the input's name (``input_names``) and its unit."""
    unit = field_unit(path)
    unit = None if unit is None else printed(unit)
    name = input_names(scenario, [path])[path]
    return f"{name}\n({unit})" if unit else name


def _prior_curve(dist: Any, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
    rv = prior_rv("", dist)
    x = np.linspace(low, high, 300)
    return x, rv.pdf(x)


def bin_count(weights: np.ndarray) -> int:
    """Return a histogram's number of bins for weighted particles: Rice's rule on the effective sample size.

    Forty particles get 6 bins, a thousand 20, never more than 30: enough bars to show a shape, not so many
    that each holds a particle or two.
    """
    total = float(np.sum(weights))
    effective = total * total / float(np.sum(weights**2)) if total > 0 else 0.0
    return int(min(30, max(5, round(2.0 * effective ** (1.0 / 3.0)))))


def _bins(problem: Problem, path: str, posterior: Mapping[str, np.ndarray]) -> tuple[float, float]:
    """Return the range the histograms cover: the prior's support (its 0.1-99.9% if unbounded)."""
    dist = problem.block.parameters[path]
    low, high = dist.support()
    low = low if math.isfinite(low) else dist.ppf(0.001)
    high = high if math.isfinite(high) else dist.ppf(0.999)
    values = posterior[path]
    return min(low, float(values.min())), max(high, float(values.max()))


def _range(problem: Problem, path: str, posterior: Mapping[str, np.ndarray]) -> tuple[float, float]:
    """Return the axis range: the histogram range with a small margin."""
    low, high = _bins(problem, path, posterior)
    pad = 0.02 * (high - low)
    return low - pad, high + pad


@styled
def marginals_figure(problem: Problem, result: CalibrationResult) -> Any:
    """Return the figure of each parameter's posterior histogram over its prior density."""
    paths = problem.paths
    columns = min(2, len(paths))
    rows = math.ceil(len(paths) / columns)
    figure, axes = subplots(
        rows, columns, figsize=(5.2 * columns, 3.6 * rows + 0.8), layout="constrained", squeeze=False
    )
    weights = result.posterior[WEIGHT_COLUMN]
    summary = parameter_summary(problem, result.posterior)
    for axis, path in zip(axes.flat, paths, strict=False):
        low, high = _range(problem, path, result.posterior)
        axis.hist(
            result.posterior[path],
            bins=bin_count(weights),
            range=_bins(problem, path, result.posterior),
            weights=weights,
            density=True,
            color="#6baed6",
            edgecolor="white",
            linewidth=0.4,
            label="posterior (weighted particles)",
        )
        x, density = _prior_curve(problem.block.parameters[path], low, high)
        axis.plot(x, density, color="0.3", linestyle="--", linewidth=1.5, label="prior")
        s = summary[path]
        axis.axvline(s["posterior_median"], color="#08306b", linewidth=1.8, label="posterior median")
        axis.axvspan(
            s["posterior_p10"], s["posterior_p90"], color="#08306b", alpha=0.08, label="posterior 10–90%"
        )
        axis.set_xlim(low, high)
        axis.set_xlabel(axis_label(path, problem.scenario))
        axis.set_ylabel("density")
        axis.set_title(
            f"median {s['posterior_median']:.4g} (prior {s['prior_median']:.4g}); "
            f"10–90% width ×{s['width_ratio']:.2f}",
            fontsize=9,
        )
    for axis in list(axes.flat)[len(paths) :]:
        axis.set_visible(False)
    axes.flat[0].legend(fontsize=8, loc="best")
    last = result.generations[-1]
    figure.suptitle(
        f"{problem.scenario.name}: posterior of the calibrated inputs (ABC-SMC generation {last.generation}, "
        f"{last.particles} particles, threshold {last.epsilon:.3g})",
        fontsize=11,
    )
    return figure


# Over 60 lines: a grid of pair plots whose histograms and scatters share each input's range and one colour
# scale.
@styled
def pairs_figure(problem: Problem, result: CalibrationResult) -> Any:
    """Return the pairwise scatter of the posterior (weights as colour) with correlations."""
    paths = problem.paths
    n = len(paths)
    size = max(2.4, min(3.2, 11.0 / max(n, 1)))
    figure, axes = subplots(
        n, n, figsize=(size * n + 1.2, size * n + 0.9), layout="constrained", squeeze=False
    )
    weights = result.posterior[WEIGHT_COLUMN]
    ranges = {p: _range(problem, p, result.posterior) for p in paths}
    scatter = None
    order = np.argsort(weights)
    for i, row_path in enumerate(paths):
        for j, col_path in enumerate(paths):
            axis = axes[i, j]
            if j > i:
                axis.set_visible(False)
                continue
            x = result.posterior[col_path]
            if i == j:
                axis.hist(
                    x,
                    bins=bin_count(weights),
                    range=_bins(problem, col_path, result.posterior),
                    weights=weights,
                    color="#6baed6",
                    edgecolor="white",
                )
                axis.set_yticks([])
            else:
                y = result.posterior[row_path]
                scatter = axis.scatter(
                    x[order],
                    y[order],
                    c=weights[order] * len(weights),
                    s=10,
                    cmap="viridis",
                    alpha=0.8,
                    linewidths=0,
                )
                r = weighted_correlation(x, y, weights)
                axis.text(
                    0.03,
                    0.95,
                    f"r = {r:+.2f}",
                    transform=axis.transAxes,
                    va="top",
                    fontsize=9,
                    bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1.5},
                )
                axis.set_ylim(*ranges[row_path])
            axis.set_xlim(*ranges[col_path])
            if i == n - 1:
                axis.set_xlabel(axis_label(col_path, problem.scenario), fontsize=8)
            else:
                axis.set_xticklabels([])
            if j == 0 and i > 0:
                axis.set_ylabel(axis_label(row_path, problem.scenario), fontsize=8)
            elif j > 0:
                axis.set_yticklabels([])
            axis.tick_params(labelsize=7)
    if scatter is not None:
        bar = figure.colorbar(scatter, ax=axes[:, -1].tolist(), shrink=0.6, location="right")
        bar.set_label("particle weight × particles (1 = average)", fontsize=8)
    figure.suptitle(
        f"{problem.scenario.name}: posterior pairs (weighted correlation r; diagonal: marginals)", fontsize=11
    )
    return figure


@styled
def generations_figure(problem: Problem, result: CalibrationResult) -> Any:
    """Return the threshold and the acceptance rate per generation."""
    generations = [g.generation for g in result.generations]
    figure, (left, right) = subplots(1, 2, figsize=(10, 4), layout="constrained")
    epsilons = [g.epsilon for g in result.generations]
    left.plot(generations, epsilons, marker="o", color="#08306b")
    left.set_xlabel("generation")
    left.set_ylabel("acceptance threshold ε\n(distance, in observation standard deviations)")
    left.set_title("threshold per generation")
    floor = result.epsilon_floor
    top = max([*epsilons, floor]) * 1.15
    left.set_ylim(0, top)
    if floor > 0:
        left.axhline(floor, color="0.4", linestyle="--", linewidth=1)
        left.text(
            generations[0],
            floor + 0.02 * top,
            f" stop at ε = {floor:.3g}",
            fontsize=8.5,
            color="0.3",
            va="bottom",
        )
    right.plot(
        generations, [100 * g.acceptance_rate for g in result.generations], marker="o", color="#d62728"
    )
    right.set_xlabel("generation")
    right.set_ylabel("acceptance rate (% of particles simulated)")
    right.set_title("acceptance rate per generation")
    right.set_ylim(bottom=0)
    for axis in (left, right):
        axis.set_xticks(generations)
        axis.grid(alpha=0.3)
    figure.suptitle(
        f"{problem.scenario.name}: ABC-SMC progress ({_duration(result.seconds)}, stopped by "
        f"{result.stop_reason.replace('_', ' ')})",
        fontsize=11,
    )
    return figure


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def write_calibration_plots(problem: Problem, result: CalibrationResult) -> list[Path]:
    """Write the marginals, pairs and generations figures into ``<folder>/plots``."""
    folder = result.directory / "plots"
    folder.mkdir(exist_ok=True)
    written = []
    for name, make in (
        ("calibration_marginals.png", marginals_figure),
        ("calibration_pairs.png", pairs_figure),
        ("calibration_generations.png", generations_figure),
    ):
        written.append(save(make(problem, result), folder / name))
    return written
