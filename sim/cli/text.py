"""Terminal tables shared by commands that score forecasts (``validate``, ``backtest``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sim.scenario.units import METRIC_UNITS, printed


def score_table(rows: Sequence[dict[str, Any]], with_origin: bool = False) -> list[str]:
    """Return aligned lines: one per scored observation (origin first for a backtest).

    Every number of a row is in the row's unit (km², soldiers, km, m/day), named in its own column: the
    observation, the ensemble's median and band, its CRPS, and the naive forecasts' errors.
    """
    header = (
        (f"{'origin':<11} " if with_origin else "")
        + f"{'observed on':<11} "
        + (f"{'ahead':>5}  " if with_origin else "")
        + f"{'what':<28} {'unit':<8} {'observed':>9} {'median':>9} {'80% band':>17} {'PIT':>5} "
        f"{'in 50/80/95':>11} {'CRPS':>9} {'pers. err':>9} {'line err':>9}"
    )
    lines = [header]
    for row in rows:
        inside = "/".join("yes" if row[f"inside{k}"] else "no" for k in ("50", "80", "95"))
        band = f"{row['band80_low']:,.0f}-{row['band80_high']:,.0f}"
        naive = [
            f"{row[key]:>9,.0f}" if row.get(key) is not None else f"{'-':>9}"
            for key in ("persistence_crps", "line_crps")
        ]
        unit = printed(METRIC_UNITS[row["metric"]]) if row.get("metric") in METRIC_UNITS else ""
        flag = " !" if not row["inside95"] else ""
        lines.append(
            (f"{row['origin']:<11} " if with_origin else "")
            + f"{row['date']:<11} "
            + (f"{row['days_ahead']:>4}d  " if with_origin else "")
            + f"{row['what']:<28} {unit:<8} {row['observed']:>9,.0f} {row['median']:>9,.0f} {band:>17} "
            f"{row['pit']:>5.2f} {inside:>11} {row['crps']:>9,.1f} {naive[0]} {naive[1]}{flag}"
        )
    lines.append("")
    lines.append(
        "CRPS: the ensemble's continuous ranked probability score, in the row's unit (lower is better); "
        "pers. err, line err: the absolute errors (their CRPS) of the naive forecasts, persistence and a "
        "straight line through the values known before each date; ! marks a report outside the middle "
        "95% of runs"
    )
    return lines


def summary_lines(summary: dict[str, dict[str, Any]], prefix: str = "") -> list[str]:
    """Return one line per quantity: mean CRPS, skill against both naive forecasts, band coverage."""
    lines = []
    for what, entry in summary.items():
        parts = []
        for name in ("persistence", "line"):
            crps = entry["naive"][name]["mean_crps"]
            skill = entry["naive"][name]["skill"]
            known = crps is not None and skill is not None
            parts.append(f"{name} {crps:,.1f} (skill {skill:+.2f})" if known else f"{name} n/a")
        coverage = entry["coverage"]
        count = entry["observations"]
        lines.append(
            f"{prefix}{what}: {count} observation(s), mean CRPS {entry['mean_crps']:,.1f}; "
            f"{', '.join(parts)}; inside the 80% band {coverage['80']['inside']}/{count}, "
            f"the 95% band {coverage['95']['inside']}/{count}"
        )
    return lines
