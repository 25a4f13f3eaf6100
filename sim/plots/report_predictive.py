"""The posterior predictive of a calibration folder: the accepted particles' statistics against the reports.

pyabc's history (``abc.db``) keeps, for the last generation, each accepted particle's simulated
statistics (``obs0``, ``obs1``, ... in the order of ``diagnostics.json``'s observations) and weight.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from sim.plots.html import Table, date_text, flag, number_text, share_text, unit_of, what_of
from sim.plots.style import MEDIAN_COLOUR, OBSERVED_COLOUR, styled, subplots


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, probabilities: list[float]) -> np.ndarray:
    """Return quantiles of a weighted sample (interpolated on the mid-points of the cumulative weights)."""
    order = np.argsort(values)
    values, weights = values[order], weights[order]
    cumulative = (np.cumsum(weights) - 0.5 * weights) / weights.sum()
    return np.interp(probabilities, cumulative, values)


def accepted_statistics(directory: Path) -> tuple[np.ndarray, dict[str, np.ndarray], int] | str:
    """Return the last generation's weights, simulated statistics and index from ``abc.db``, or why not."""
    path = directory / "abc.db"
    if not path.is_file():
        return "the folder has no abc.db (pyabc's history)"
    try:
        import pyabc
    except ImportError:
        return "reading abc.db needs the 'calibrate' extra (pyabc)"
    try:
        history = pyabc.History(f"sqlite:///{path.resolve()}", create=False)
        last = int(history.max_t)
        weights, stats = history.get_weighted_sum_stats(t=last)
    except Exception as exc:  # noqa: BLE001 - any failure of the library to read the file is said, not raised
        return f"abc.db could not be read ({type(exc).__name__})"
    if not stats:
        return "abc.db holds no accepted particles"
    names = sorted({name for row in stats for name in row})
    table = {name: np.array([float(row.get(name, math.nan)) for row in stats]) for name in names}
    return np.asarray(weights, dtype=float), table, last


def predictive_table(
    observations: list[dict[str, Any]], weights: np.ndarray, stats: dict[str, np.ndarray]
) -> tuple[Table, list[dict[str, Any]]]:
    """Return the table of each observation against the accepted statistics, and the scored items.

    An observation is flagged when it lies outside the weighted 2.5-97.5% band of the accepted values.
    """
    rows: list[list[Any]] = []
    flagged: set[int] = set()
    scored: list[dict[str, Any]] = []
    for obs in observations:
        values = stats.get(str(obs.get("statistic")))
        if values is None:
            continue
        keep = np.isfinite(values)
        if not keep.any():
            continue
        v, w = values[keep], weights[keep]
        q = weighted_quantiles(v, w, [0.025, 0.1, 0.5, 0.9, 0.975])
        observed = float(obs["value"])
        below = float(w[v <= observed].sum() / w.sum())
        outside = not q[0] <= observed <= q[4]
        what = what_of(obs)
        scale = float(obs.get("scale") or 0.0)
        low, high = observed - 1.96 * scale, observed + 1.96 * scale
        if outside:
            flagged.add(len(rows))
        rows.append(
            [
                obs.get("date"),
                f"{what} ({unit_of(obs)})",
                number_text(observed),
                f"{number_text(low)} – {number_text(high)}",
                f"{number_text(q[0])} – {number_text(q[4])}",
                number_text(q[2]),
                f"{number_text(q[1])} – {number_text(q[3])}",
                share_text(below),
                flag("no") if outside else "yes",
            ]
        )
        scored.append({**obs, "values": v, "weights": w, "q": q, "outside": outside, "what": what})
    headers = [
        "date",
        "what",
        "reported",
        "its 95% range (± 1.96 scale)",
        "accepted 95% band",
        "median",
        "10–90%",
        "weight at or below the report",
        "inside the 95% band?",
    ]
    return Table(headers, rows, text=(0, 1, 8), flagged=flagged, wide=True), scored


@styled
def predictive_figure(scored: list[dict[str, Any]], title: str) -> Any:
    """Return one panel per observation: the accepted particles' simulated values against the report."""
    columns = min(3, len(scored))
    rows = math.ceil(len(scored) / columns)
    figure, axes = subplots(
        rows, columns, figsize=(4.6 * columns, 3.3 * rows + 0.7), layout="constrained", squeeze=False
    )
    for axis, item in zip(axes.flat, scored, strict=False):
        values, weights = item["values"], item["weights"]
        scale = float(item.get("scale") or 0.0)
        value = float(item["value"])
        low = min(float(values.min()), value - 1.96 * scale)
        high = max(float(values.max()), value + 1.96 * scale)
        if high <= low:
            low, high = low - 1.0, high + 1.0
        # Bins over the whole panel, so that runs that all share one value still show as a bar.
        edges = np.linspace(low, high, max(10, min(40, int(math.sqrt(values.size)) + 1)) + 1)
        axis.hist(
            values,
            bins=edges,
            weights=weights / weights.sum(),
            color="#6baed6",
            edgecolor="white",
            label="accepted particles (weighted)",
        )
        if scale > 0:
            axis.axvspan(
                value - 1.96 * scale,
                value + 1.96 * scale,
                color=OBSERVED_COLOUR,
                alpha=0.08,
                label="the report's 95% range",
            )
        axis.axvline(value, color=OBSERVED_COLOUR, linewidth=2, label="reported")
        for index, end in enumerate((item["q"][0], item["q"][4])):
            axis.axvline(
                end,
                color=MEDIAN_COLOUR,
                linestyle="--",
                linewidth=1.2,
                label="accepted particles' 95% band" if index == 0 else None,
            )
        heading = f"{item['what']} on {date_text(item.get('date'))}"
        axis.set_title(
            heading + (" — outside the band" if item["outside"] else ""),
            fontsize=9.5,
            color=OBSERVED_COLOUR if item["outside"] else "black",
        )
        axis.set_ylabel("share of weight")
        axis.set_xlabel(unit_of(item))
        axis.grid(alpha=0.3)
    axes.flat[0].legend(fontsize=7.5)
    for axis in axes.flat[len(scored) :]:
        axis.set_visible(False)
    figure.suptitle(title, fontsize=11)
    return figure
