"""The report of a sweep folder: design, per-point summary, figures, sensitivity indices, discovery boxes."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sim.analysis.sweep_stats import PointStats
from sim.errors import InputError
from sim.experiments.sensitivity import convergence_issues, convergence_warning
from sim.plots.html import (
    ChartMode,
    Figure,
    Point,
    Table,
    flag,
    number_text,
    pairs,
    png_data_uri,
    read_json,
    render,
    share_text,
    yaml_text,
)
from sim.plots.report_discovery import discoveries
from sim.plots.report_run_tables import manifest_parts
from sim.plots.run import require_outcomes
from sim.plots.sweep import indices_chart, sweep_figures, sweep_panels
from sim.plots.sweep_grid import outcome_title
from sim.results.folder import open_folder
from sim.results.locate import read_side_table
from sim.results.readers import read_table
from sim.scenario.parameters import input_names

ROWS_SHOWN = 40
"""Sweep points listed in the per-point table (all are in point_summary.parquet)."""


def _values_text(values: Any) -> str:
    if isinstance(values, list):
        return ", ".join(number_text(v) for v in values)
    if isinstance(values, dict):
        text = f"{number_text(values.get('low'))} to {number_text(values.get('high'))}"
        return text + (f", {values['n']} evenly spaced values" if values.get("n") else "")
    return str(values)


def _design(manifest: dict[str, Any], points: dict[str, list[Any]], names: dict[str, str]) -> dict[str, Any]:
    sweep = manifest.get("sweep") or {}
    vary = sweep.get("vary") or {}
    count = len(points["point"])
    replications = int(manifest.get("replications") or 0)
    inputs = Table(
        ["input", "short name", "values given", "range in the points", "distinct values"],
        [
            [
                path,
                names[path],
                _values_text(vary.get(path, "–")),
                f"{number_text(min(points[path]))} to {number_text(max(points[path]))}",
                len(set(points[path])),
            ]
            for path in manifest.get("varied") or []
        ],
        text=(0, 1, 2),
    )
    design = sweep.get("design", "grid")
    settings = [
        ("design", design + ("" if design == "grid" else f" ({sweep.get('samples')} base samples)")),
        ("points", f"{count:,}"),
        ("replications per point", f"{replications:,}"),
        ("runs in all", f"{count * replications:,}"),
        ("root seed", f"{sweep.get('seed')} (replication i has the same seed at every point)"),
        ("sweep file", manifest.get("sweep_file") or "– (--vary on the command line)"),
        (
            "base scenario",
            sweep.get("scenario") or manifest.get("scenario_file") or "– (see the command line)",
        ),
        ("outcomes asked for", ", ".join(sweep.get("outcomes") or []) or "– (the standard set)"),
        ("--set overrides", ", ".join(f"{k}={v}" for k, v in (sweep.get("set") or {}).items()) or "none"),
    ]
    return {"inputs": inputs, "settings": pairs(settings)}


def _interval(stats: PointStats, index: int) -> str:
    centre, low, high = stats.centre[index], stats.ci_low[index], stats.ci_high[index]
    if math.isnan(centre):
        return "–"
    if stats.share:
        return f"{share_text(centre)} ({low:.0%}–{high:.0%})"
    return f"{number_text(centre)} ({number_text(low)}–{number_text(high)})"


MOST_INPUTS = 4
"""Up to this many varied inputs, the points are listed with their values (as ``sim sweep`` prints)."""


def _spread_table(panels: list[tuple[str, PointStats]]) -> Table:
    """Each outcome's spread over the points, for a design of too many inputs to list each point."""
    rows = []
    for outcome, stats in panels:
        values = stats.centre[np.isfinite(stats.centre)]
        if not values.size:
            continue
        shown = share_text if stats.share else number_text
        cells = [values.min(), *np.percentile(values, [10, 50, 90]), values.max()]
        what = f"{outcome_title(outcome)}: {'share of runs' if stats.share else 'median'}"
        rows.append([what, *(shown(float(v)) for v in cells)])
    return Table(["outcome, each point's", "lowest", "10%", "median", "90%", "highest"], rows)


def _point_table(
    points: dict[str, list[Any]],
    paths: list[str],
    names: dict[str, str],
    panels: list[tuple[str, PointStats]],
) -> Table:
    if len(paths) > MOST_INPUTS:
        return _spread_table(panels)
    headers = ["point"]
    headers += [
        f"{outcome_title(o)}: {'share of runs' if s.share else 'median'} (95% interval)" for o, s in panels
    ]
    headers += [names[p] for p in paths]
    rows = []
    for index in range(min(ROWS_SHOWN, len(points["point"]))):
        row: list[Any] = [points["point"][index], *(_interval(stats, index) for _, stats in panels)]
        row += [number_text(points[p][index]) for p in paths]
        rows.append(row)
    return Table(headers, rows, text=())


def _sensitivity(results: dict[str, Any], names: dict[str, str], samples: Any) -> dict[str, Any]:
    """Tables of the indices per outcome, and the convergence problems found."""
    tables = []
    sobol = False
    for outcome, entries in results.items():
        if not entries:
            continue
        sobol = "ST" in entries[0]
        key = "ST" if sobol else "mu_star"
        rows, flagged = [], set()
        for index, entry in enumerate(sorted(entries, key=lambda e: -float(e.get(key) or 0.0))):
            name = names.get(entry["input"], entry["input"])
            if not sobol:
                rows.append(
                    [
                        name,
                        f"{number_text(entry['mu_star'])} ± {number_text(entry['mu_star_conf'])}",
                        number_text(entry.get("sigma")),
                    ]
                )
                continue
            issues = convergence_issues(entry)
            if issues:
                flagged.add(index)
            rows.append(
                [
                    name,
                    f"{entry['S1']:.3f} ± {entry['S1_conf']:.3f}",
                    f"{entry['ST']:.3f} ± {entry['ST_conf']:.3f}",
                    flag("; ".join(issues)) if issues else "ok",
                ]
            )
        headers = (
            ["input", "first order S1 ± 95%", "total ST ± 95%", "converged?"]
            if sobol
            else ["input", "mu* ± 95% (outcome's unit)", "sigma"]
        )
        tables.append((outcome_title(outcome), Table(headers, rows, text=(0, 3), flagged=flagged)))
    warning = convergence_warning(results, samples) if sobol else None
    return {"tables": tables, "warning": warning, "sobol": sobol}


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _spread(
    points: dict[str, list[Any]],
    paths: list[str],
    names: dict[str, str],
    panels: list[tuple[str, PointStats]],
) -> list[Point]:
    """For each outcome, its lowest and highest point (with the inputs there, if they are few)."""
    said = []
    for outcome, stats in panels:
        if np.all(np.isnan(stats.centre)):
            continue
        low, high = int(np.nanargmin(stats.centre)), int(np.nanargmax(stats.centre))

        def at(index: int) -> str:
            where = ", ".join(f"{names[p]} {number_text(points[p][index])}" for p in paths)
            return f"point {points['point'][index]}" + (f": {where}" if len(paths) <= 3 else "")

        value = share_text if stats.share else number_text
        said.append(
            Point(
                _capital(outcome_title(outcome))
                + f", {'share of runs' if stats.share else 'median'} per point: from "
                f"{value(stats.centre[low])} ({at(low)}) to {value(stats.centre[high])} ({at(high)})."
            )
        )
    return said


def _key_points(
    design: str,
    count: int,
    replications: int,
    spread: list[Point],
    sensitivity: dict[str, Any] | None,
    found: list[dict[str, Any]],
) -> list[Point]:
    points = [Point(f"A {design} sweep: {count:,} points × {replications:,} replications.")]
    points.extend(spread)
    if sensitivity is not None:
        tops: dict[str, list[str]] = {}
        for title, table in sensitivity["tables"]:
            if table.rows:
                tops.setdefault(str(table.rows[0][0]), []).append(title)
        measure = "total index ST" if sensitivity["sobol"] else "mu*"
        if tops:
            said = "; ".join(f"{name} for {_listed(titles)}" for name, titles in tops.items())
            points.append(Point(f"The most influential input (largest {measure}): {said}."))
        if sensitivity["warning"]:
            points.append(Point(sensitivity["warning"], warn=True))
    points.extend(
        Point(f"Discovery ({box['folder']}/): {box['sentence']}") for box in found if box.get("sentence")
    )
    return points


# Over 60 lines: the page's sections gathered in the order it shows them and handed to its template in one
# call.
def sweep_page(
    directory: Path, chart_mode: ChartMode = "static", app_bar: Sequence[tuple[str, str]] | None = None
) -> tuple[str, list[str]]:
    """Return a sweep folder's report page and the notes to print.

    Raises:
        InputError: If the folder is not a usable sweep folder.
    """
    folder = open_folder(directory, "read", kind="sweep")
    require_outcomes(folder)
    notes = list(folder.notes)
    if not (directory / "points.parquet").is_file():
        raise InputError("holds no points.parquet: the sweep's design is missing", str(directory))
    scenario = folder.scenario
    manifest = folder.manifest.document()
    sweep = manifest.get("sweep") or {}
    design = sweep.get("design", "grid")
    points = read_side_table(directory, "points").to_pydict()
    paths: list[str] = list(manifest.get("varied") or [])
    names = input_names(scenario, paths)
    count = len(points["point"])
    replications = int(manifest.get("replications") or 0)
    table = read_table(directory, "outcomes")
    panels, left_out = sweep_panels(table, scenario, list(sweep.get("outcomes") or []), count)
    del table
    title = f"{scenario.name}: {design} sweep, {count} points × {replications} runs"
    figures = []
    if chart_mode != "static":
        from sim.plots.charts_spec import spec_json
        from sim.plots.charts_sweep import sweep_chart

        spec = sweep_chart(points, paths, panels, names)
        if spec is not None:
            caption = "Each outcome per point against the varied inputs (choose the outcome above the chart)."
            figures.append(Figure("sweep_points", caption, chart=spec_json(spec)))
    figures += [
        Figure(name, caption, png_data_uri(figure))
        for name, caption, figure in sweep_figures(points, paths, panels, scenario, title, design, left_out)
    ]
    sensitivity = None
    results = read_json(directory / "sensitivity.json", notes)
    if results:
        sensitivity = _sensitivity(results, names, sweep.get("samples"))
        chart = indices_chart(results, title, scenario)
        caption = "Sensitivity indices of each outcome with their 95% intervals."
        sensitivity["figure"] = Figure("sensitivity", caption, png_data_uri(chart))
    found = discoveries(directory, notes)
    contents = [("design", "Design"), ("points", "Per-point summary")]
    if sensitivity is not None:
        contents.append(("sensitivity", "Sensitivity indices"))
    contents.append(("figures", "Figures"))
    if found:
        contents.append(("discovery", "Scenario discovery"))
    contents += [("scenario", "Base scenario"), ("manifest", "Manifest")]
    manifest_table, manifest_rest, manifest_json = manifest_parts(folder)
    outcomes_missing = [o for o, s in panels if np.all(np.isnan(s.centre))]
    notes.extend(f"the outcome {o} has no value at any point" for o in outcomes_missing)
    page = render(
        "sweep.html.j2",
        chart_mode,
        app_bar=app_bar,
        kind="sweep",
        title=f"{scenario.name}: sweep report ({folder.name})",
        heading=f"{scenario.name}: sweep report",
        lead=(
            f"Sweep folder {folder.name} · {design} design · {count:,} points × {replications:,} "
            f"replications · seed {manifest.get('seed', '?')} · sim {manifest.get('package_version', '?')}"
        ),
        description=scenario.description,
        notes=notes,
        key_points=_key_points(
            design, count, replications, _spread(points, paths, names, panels), sensitivity, found
        ),
        contents=contents,
        design=_design(manifest, points, names),
        point_table=_point_table(points, paths, names, panels),
        shown_rows=min(ROWS_SHOWN, count) if len(paths) <= MOST_INPUTS else 0,
        point_count=count,
        figures=figures,
        sensitivity=sensitivity,
        discoveries=found,
        scenario_yaml=yaml_text(manifest.get("scenario", {})),
        manifest_table=manifest_table,
        manifest_rest=manifest_rest,
        manifest_json=manifest_json,
        directory=str(directory),
    )
    return page, notes
