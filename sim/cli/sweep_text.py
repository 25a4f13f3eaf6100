"""What ``sim sweep`` prints of its points: a table that fits a terminal whatever the design.

A grid of a few inputs lists its points, one column per input; a design of many inputs (a Sobol' study
varies a dozen) cannot, so it gives the spread of each outcome over the points instead, and the
sensitivity indices that follow say which input moves it. Either way an outcome that is the same at
every point gets one line, not a column of equal numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

WIDTH = 100
"""The widest line printed (a terminal is at least 80 columns; most are wider)."""

MOST_INPUTS = 4
"""Up to this many varied inputs, the points are listed with their values."""

ROWS = 40
"""Points listed in full (more: the first ``ROWS // 2``, then where the rest are)."""


def _label(header: tuple[str, str]) -> str:
    """A two-line header as one phrase: ``km² at the end, median``, ``withdrawal began by the end``."""
    return ", ".join(header) if header[1] == "median" else " ".join(header)


def _outcomes(on: str) -> list[tuple[str, tuple[str, str], str]]:
    """The per-point outcomes shown: (column of point_summary, header on two lines, format)."""
    date = on.removeprefix("area_km2_on_")
    return [
        (f"{on}_p50", (f"km² on {date}", "median"), ",.0f"),
        ("final_area_km2_p50", ("km² at the end", "median"), ",.0f"),
        ("p_withdrawal", ("withdrawal began", "by the end"), ".1%"),
    ]


def _two_lines(name: str) -> tuple[str, str]:
    """An input's name as a header on two lines: what it belongs to, then the field."""
    head, _, field = name.rpartition(".")
    return (head + "." if head else "", field)


def _constant(values: Sequence[float]) -> bool:
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    return bool(finite.size) and float(np.ptp(finite)) == 0.0


def point_lines(
    points: dict[str, list[Any]],
    summary: dict[str, list[Any]],
    varied: Sequence[str],
    names: dict[str, str],
    on: str,
    more_in: str,
) -> list[str]:
    """Return the lines that sum up a sweep's points, none wider than ``WIDTH``.

    Args:
        points: ``points.parquet`` as columns.
        summary: ``point_summary.parquet`` as columns.
        varied: The varied inputs' dotted paths.
        names: Each input's name (``sim.scenario.parameters.input_names``).
        on: The held-area column the sweep is summed up on (``area_km2_on_<summary date>``).
        more_in: Where the full per-point table is, for the points not listed.
    """
    count = len(points["point"])
    shown, same = [], []
    for column, header, fmt in _outcomes(on):
        values = summary[column]
        if _constant(values):
            same.append(f"{_label(header)}: {float(values[0]):{fmt}} at every point")
        else:
            shown.append((column, header, fmt))
    lines = _listing(points, summary, varied, names, shown, more_in) if len(varied) <= MOST_INPUTS else []
    if not lines or max(len(line) for line in lines) > WIDTH:
        lines = _spread(summary, shown, count, len(varied), more_in)
    lines.extend(f"the same at every point: {text}" for text in same)
    return lines


def _listing(
    points: dict[str, list[Any]],
    summary: dict[str, list[Any]],
    varied: Sequence[str],
    names: dict[str, str],
    shown: list[tuple[str, tuple[str, str], str]],
    more_in: str,
) -> list[str]:
    """One row per point: its number, each input's value, each outcome; headers on two lines."""
    count = len(points["point"])
    rows = range(count) if count <= ROWS else range(ROWS // 2)
    headers = [_two_lines(names[p]) for p in varied] + [header for _, header, _ in shown]
    widths = [max(len(header[0]), len(header[1]), 8) + 2 for header in headers]
    lines = [
        f"{'':>5}" + "".join(f"{h[0]:>{w}}" for h, w in zip(headers, widths, strict=True)),
        f"{'point':>5}" + "".join(f"{h[1]:>{w}}" for h, w in zip(headers, widths, strict=True)),
    ]
    inputs, outcomes = widths[: len(varied)], widths[len(varied) :]
    for i in rows:
        lines.append(
            f"{i:>5}"
            + "".join(f"{points[p][i]:>{w}.4g}" for p, w in zip(varied, inputs, strict=True))
            + "".join(
                f"{summary[column][i]:>{w}{fmt}}" for (column, _, fmt), w in zip(shown, outcomes, strict=True)
            )
        )
    if count > len(rows):
        lines.append(f"... {count - len(rows)} more points in {more_in}")
    return lines


def _spread(
    summary: dict[str, list[Any]],
    shown: list[tuple[str, tuple[str, str], str]],
    count: int,
    inputs: int,
    more_in: str,
) -> list[str]:
    """The spread of each outcome over the points (too many inputs to list each point's values)."""
    lines = [
        f"{count:,} points over {inputs} inputs (each point's values and outcomes: {more_in})",
        f"{'outcome, over the points':<32}{'lowest':>12}{'10%':>12}{'median':>12}{'90%':>12}{'highest':>12}",
    ]
    for column, header, fmt in shown:
        values = np.asarray(summary[column], dtype=float)
        values = values[np.isfinite(values)]
        if not values.size:
            continue
        cells = [values.min(), *np.percentile(values, [10, 50, 90]), values.max()]
        lines.append(f"{_label(header):<32}" + "".join(f"{float(v):>12{fmt}}" for v in cells))
    return lines
