"""Sensitivity indices from a Sobol' or Morris sweep, computed by SALib."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiments.design import SweepSpec, problem
from sim.results.writing import atomic_path, spreadsheet_safe, write_json
from sim.scenario.paths import reader_names


def indices(spec: SweepSpec, values: np.ndarray, outputs: np.ndarray, seed: int = 0) -> list[dict[str, Any]]:
    """Return one row per varied input with its sensitivity indices for one outcome.

    Sobol': first-order ``S1`` and total ``ST`` indices with 95% confidence half-widths (bootstrap).
    Morris: ``mu_star`` (mean absolute elementary effect) with its confidence half-width, and
    ``sigma`` (their spread: interaction or non-linearity).

    Args:
        spec: The sweep (design sobol or morris).
        values: The design's points, as sampled.
        outputs: One outcome value per point.
        seed: Seed of SALib's bootstrap.
    """
    definition = problem(spec)
    names: list[str] = definition["names"]  # type: ignore[assignment]
    if spec.design == "sobol":
        from SALib.analyze import sobol

        # SALib's Sobol' analysis seeds its bootstrap only ``if seed:``, so a seed of 0 would draw from
        # NumPy's global state; a generator is always used (and gives other seeds the same draws).
        bootstrap = np.random.default_rng(seed)
        result = sobol.analyze(definition, outputs, calc_second_order=False, conf_level=0.95, seed=bootstrap)
        return [
            {
                "input": name,
                "S1": float(result["S1"][i]),
                "S1_conf": float(result["S1_conf"][i]),
                "ST": float(result["ST"][i]),
                "ST_conf": float(result["ST_conf"][i]),
            }
            for i, name in enumerate(names)
        ]
    if spec.design == "morris":
        from SALib.analyze import morris

        result = morris.analyze(definition, values, outputs, num_levels=4, conf_level=0.95, seed=seed)
        return [
            {
                "input": name,
                "mu_star": float(result["mu_star"][i]),
                "mu_star_conf": float(result["mu_star_conf"][i]),
                "sigma": float(result["sigma"][i]),
            }
            for i, name in enumerate(names)
        ]
    raise ValueError(f"sensitivity indices need a sobol or morris design, not {spec.design}")


def save(directory: Path, results: dict[str, list[dict[str, Any]]]) -> list[Path]:
    """Write the indices of every outcome as sensitivity.csv and sensitivity.json."""
    json_path = directory / "sensitivity.json"
    write_json(json_path, results)
    csv_path = directory / "sensitivity.csv"
    fields = sorted({key for rows in results.values() for row in rows for key in row} - {"input"})
    with atomic_path(csv_path) as temporary, temporary.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["outcome", "input", *fields])
        for outcome, rows in results.items():
            for row in rows:
                cells = [outcome, row["input"], *(row.get(f, "") for f in fields)]
                writer.writerow([spreadsheet_safe(cell) for cell in cells])
    return [csv_path, json_path]


WIDE_INTERVAL = 0.1
"""A Sobol' index whose 95% interval is wider than ± this has not converged."""


def convergence_issues(row: dict[str, Any]) -> list[str]:
    """Return why one input's Sobol' indices cannot be trusted yet (empty when they can).

    An interval wider than ±``WIDE_INTERVAL``, or a first-order index above the total one beyond both
    intervals (impossible in the limit: S1 <= ST), means too few samples.
    """
    if "S1" not in row:
        return []
    issues = []
    wide = [which for which in ("S1", "ST") if row[f"{which}_conf"] > WIDE_INTERVAL]
    if wide:
        issues.append(f"{' and '.join(wide)} ± more than {WIDE_INTERVAL}")
    if row["S1"] - row["S1_conf"] > row["ST"] + row["ST_conf"]:
        issues.append("S1 above ST")
    return issues


def convergence_warning(results: dict[str, list[dict[str, Any]]], samples: int | None) -> str | None:
    """Return one warning when any Sobol' index has not converged, or None."""
    rows = [row for entries in results.values() for row in entries if "S1" in row]
    wide = sum(row[f"{which}_conf"] > WIDE_INTERVAL for row in rows for which in ("S1", "ST"))
    order = sum("S1 above ST" in convergence_issues(row) for row in rows)
    if not wide and not order:
        return None
    parts = []
    if wide:
        parts.append(f"{wide} of {2 * len(rows)} intervals are wider than ±{WIDE_INTERVAL}")
    if order:
        parts.append(f"{order} inputs have S1 above ST beyond their intervals")
    now = f" (now {samples})" if samples is not None else ""
    return (
        f"The sensitivity indices have not converged ({' and '.join(parts)}): too few samples: raise "
        f"--samples{now}; until then, read the ranking only where the intervals do not overlap."
    )


def format_table(
    results: dict[str, list[dict[str, Any]]],
    names: Mapping[str, str] | None = None,
    samples: int | None = None,
) -> str:
    """Return the indices as a terminal table, inputs sorted by total (or mu*) index.

    Args:
        results: The indices per outcome.
        names: Each input's name (``sim.scenario.parameters.input_names``) [default: ``reader_names``].
        samples: The design's base sample size, for the convergence warning.

    Sobol' rows that have not converged are marked, and a warning closes the table (``convergence_warning``).
    """
    paths = list(dict.fromkeys(row["input"] for rows in results.values() for row in rows))
    named = dict(names) if names is not None else reader_names(paths)
    width = max([24, *(len(named.get(path, path)) + 2 for path in paths)])
    lines = []
    for outcome, rows in results.items():
        lines.append(f"\n{outcome}")
        sobol = rows and "S1" in rows[0]
        key = "ST" if sobol else "mu_star"
        if sobol:
            lines.append(f"  {'input':<{width}}{'S1':>8}{'±95%':>8}{'ST':>8}{'±95%':>8}")
        else:
            lines.append(f"  {'input':<{width}}{'mu*':>10}{'±95%':>10}{'sigma':>10}")
        for row in sorted(rows, key=lambda r: -r[key]):
            name = named.get(row["input"], row["input"])
            if sobol:
                numbers = "".join(f"{row[k]:>8.3f}" for k in ("S1", "S1_conf", "ST", "ST_conf"))
                issues = convergence_issues(row)
                lines.append(f"  {name:<{width}}{numbers}" + (f"  ! {'; '.join(issues)}" if issues else ""))
            else:
                numbers = "".join(f"{row[k]:>10.3g}" for k in ("mu_star", "mu_star_conf", "sigma"))
                lines.append(f"  {name:<{width}}{numbers}")
    warning = convergence_warning(results, samples)
    if warning:
        lines.extend(["", f"warning: {warning}"])
    return "\n".join(lines)
