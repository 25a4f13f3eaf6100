"""The report of a comparison folder (``sim compare``): every variant against the baseline, by outcome.

Everything comes from ``compare.json`` (the runs compared, whether each variant is paired with the
baseline, what its scenario changes), ``compare.parquet`` (one row per variant and outcome) and the
figures in ``plots/``; the runs themselves stay in their own folders and have reports of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.analysis.differences import value_text, verdict
from sim.errors import InputError
from sim.plots.html import ChartMode, Point, Table, file_figure, pairs, read_json, render
from sim.results.locate import read_side_table

FIGURES = (
    (
        "compare_forest",
        "Differences (variant minus baseline) with their 95% intervals, one panel per unit; "
        "hollow, dashed rows are within Monte Carlo noise (the interval contains 0).",
    ),
    ("compare_fan_chart", "Held area over time: median and 10-90% band of each run."),
    ("compare_survival", "Share of runs still holding more than each threshold, over time (Kaplan-Meier)."),
)
KEY_POINTS_PER_VARIANT = 3


def _rows(directory: Path) -> list[dict[str, Any]]:
    path = directory / "compare.parquet"
    try:
        table = read_side_table(directory, "compare")
    except InputError:
        raise InputError("compare.parquet is missing or damaged; run sim compare again", str(path)) from None
    return table.to_pylist()


def _interval(row: dict[str, Any]) -> str:
    unit = row["unit"]
    return f"{value_text(row['low'], unit, True)} to {value_text(row['high'], unit, True)}"


def _changed(row: dict[str, Any]) -> str:
    if not row["paired"]:
        return "n/a (unpaired)"
    return f"{row['share_changed']:.0%} ({row['share_higher']:.0%} up, {row['share_lower']:.0%} down)"


def _tables(rows: list[dict[str, Any]]) -> list[tuple[str, Table]]:
    """Return one table per group of outcomes (held area, days, shares, ...), headed with its statistic."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(str(row["group"]), []).append(row)
    tables = []
    for group, members in groups.items():
        cells, flagged = [], set()
        for index, row in enumerate(members):
            unit = row["unit"]
            words = verdict(row)
            if words.endswith("beyond noise"):
                flagged.add(index)
            cells.append(
                [
                    row["label"],
                    value_text(row["baseline_value"], unit),
                    value_text(row["variant_value"], unit),
                    value_text(row["difference"], unit, True) + (" pts" if unit == "share" else ""),
                    _interval(row),
                    _changed(row),
                    words,
                ]
            )
        headers = ["", "baseline", "variant", "difference", "95% interval", "runs changed", "verdict"]
        heading = f"{group}: {members[0]['statistic']}"
        tables.append((heading, Table(headers, cells, text=(0, 5, 6), flagged=flagged, tone="notable")))
    return tables


def _key_points(runs: list[dict[str, Any]], rows: list[dict[str, Any]]) -> list[Point]:
    base = runs[0]
    points = []
    for run in runs[1:]:
        mine = [row for row in rows if row["variant"] == run.get("label")]
        beyond = [row for row in mine if verdict(row).endswith("beyond noise")]
        pairing = "paired" if run.get("paired") else "unpaired"
        points.append(
            Point(
                f"{run.get('label')} against {base.get('label')} ({pairing}): {len(beyond)} of {len(mine)} "
                "outcomes differ beyond Monte Carlo noise.",
                warn=not run.get("paired"),
            )
        )
        area = [row for row in beyond if row["unit"] == "km2"]
        area.sort(key=lambda row: -abs(row["difference"]))
        for row in area[:KEY_POINTS_PER_VARIANT]:
            points.append(
                Point(
                    f"{run.get('label')}: {row['group'].split(' (')[0]} on {row['label']} "
                    f"{value_text(row['difference'], 'km2', True)} km² ({_interval(row)}), "
                    f"{value_text(row['baseline_value'], 'km2')} → {value_text(row['variant_value'], 'km2')}."
                )
            )
    return points


def compare_charts(
    directory: Path, runs: list[dict[str, Any]], rows: list[dict[str, Any]], within: Path | None = None
) -> dict[str, str]:
    """Return a comparison's interactive charts by figure name (as JSON for the page).

    The fan chart reads the runs' folders where compare.json says they are, if they are still there
    (and, when ``within`` is given, lie under it: a run elsewhere is left out of the chart).
    """
    from sim.plots.charts_compare import compare_fan_chart, forest_chart
    from sim.plots.charts_spec import spec_json

    places = []
    for run in runs:
        path = Path(str(run.get("path")))
        if not path.is_absolute() and not path.is_dir():
            path = directory / path
        if within is not None and not path.resolve().is_relative_to(within.resolve()):
            continue
        places.append((str(run.get("label")), path))
    specs = {"compare_forest": forest_chart(rows), "compare_fan_chart": compare_fan_chart(places)}
    return {name: spec_json(spec) for name, spec in specs.items() if spec is not None}


# Over 60 lines: the page's sections gathered in the order it shows them and handed to its template in one
# call.
def compare_page(
    directory: Path,
    chart_mode: ChartMode = "static",
    app_bar: Sequence[tuple[str, str]] | None = None,
    within: Path | None = None,
) -> tuple[str, list[str]]:
    """Return a comparison folder's report page and the notes to print.

    Args:
        directory: The comparison folder.
        chart_mode: How interactive charts are shown (``html.ChartMode``).
        app_bar: Links above the page (the explorer's), as (address, label).
        within: Read the compared runs' folders only if they lie under this folder.

    Raises:
        InputError: If ``compare.json`` or ``compare.parquet`` is unreadable or holds no comparison.
    """
    notes: list[str] = []
    document = read_json(directory / "compare.json", notes)
    if document is None or not isinstance(document.get("runs"), list) or len(document["runs"]) < 2:
        raise InputError("compare.json holds no comparison (fewer than two runs)", str(directory))
    runs = [run for run in document["runs"] if isinstance(run, dict)]
    rows = _rows(directory)
    base = runs[0]
    variants = []
    for run in runs[1:]:
        mine = [row for row in rows if row["variant"] == run.get("label")]
        variants.append(
            {
                "label": run.get("label"),
                "pairing": run.get("pairing", ""),
                "changes": ", ".join(run.get("changes") or []) or "none",
                "tables": _tables(mine),
            }
        )
    runs_table = Table(
        ["role", "run", "scenario", "scenario file", "seed", "replications", "daily"],
        [
            [
                r.get("role"),
                r.get("path"),
                r.get("scenario_name"),
                r.get("scenario_file"),
                r.get("seed"),
                value_text(float(r.get("replications") or 0), ""),
                r.get("daily"),
            ]  # fmt: skip
            for r in runs
        ],
        text=(0, 1, 2, 3, 6),
        long=(1, 3),
    )
    bootstrap = document.get("bootstrap") or {}
    settings = pairs(
        [
            ("confidence", f"{float(document.get('confidence', 0.95)):.0%}"),
            (
                "bootstrap",
                f"{bootstrap.get('method')}, {bootstrap.get('resamples')} resamples, "
                f"seed {bootstrap.get('seed')}",
            ),  # fmt: skip
            ("left out (one number everywhere)", ", ".join(document.get("dropped") or []) or "none"),
        ]
    )
    drawn = compare_charts(directory, runs, rows, within) if chart_mode != "static" else {}
    figures = []
    for name, caption in FIGURES:
        figure = file_figure(directory / "plots" / f"{name}.png", name, caption)
        figure.chart = drawn.get(name)
        if figure.chart is not None and figure.uri is None:
            figure.note = None  # the chart shows it
        figures.append(figure)
    notes += [f"{figure.name}: {figure.note}" for figure in figures if figure.uri is None and figure.note]
    title = f"{', '.join(str(r.get('label')) for r in runs[1:])} against {base.get('label')}"
    page = render(
        "compare.html.j2",
        chart_mode,
        app_bar=app_bar,
        kind="comparison",
        title=f"Comparison: {title}",
        heading=f"Comparison: {title}",
        lead=(
            f"Comparison folder {directory.resolve().name} · baseline {base.get('label')} · "
            f"{len(runs) - 1} variant(s) · difference = variant minus baseline"
        ),
        description=None,
        notes=list(notes) + [str(n) for n in document.get("notes") or []],
        key_points=_key_points(runs, rows),
        contents=[
            ("runs", "Runs compared"),
            *[(f"variant-{i}", f"{v['label']} minus {base.get('label')}") for i, v in enumerate(variants)],
            ("figures", "Figures"),
            ("method", "Method"),
        ],
        runs=runs_table,
        variants=variants,
        baseline=base.get("label"),
        figures=figures,
        settings=settings,
        directory=str(directory),
    )
    return page, notes
