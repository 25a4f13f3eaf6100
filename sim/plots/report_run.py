"""The report of a run folder: key points, figures, summary tables, validation, scenario and manifest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.plots.html import (
    ChartMode,
    Figure,
    Point,
    date_text,
    file_figure,
    km2_text,
    number_text,
    png_data_uri,
    read_json,
    render,
    share_text,
    unit_of,
    what_of,
    yaml_text,
)
from sim.plots.report_discovery import discoveries
from sim.plots.report_run_tables import band_side, manifest_parts, summary_tables
from sim.plots.report_scores import (
    outside_phrase,
    outside_rows,
    quantity_rows,
    quantity_table,
    score_table,
)
from sim.plots.run import require_outcomes, run_figures
from sim.results.folder import RunFolder, open_folder


def _summary(run: RunFolder, notes: list[str]) -> dict[str, Any]:
    from sim.analysis.summary import summarize

    summary = read_json(run.directory / "summary.json", notes)
    if summary is None:
        notes.append("the run has no usable summary.json; the summary was computed from its tables")
        return summarize(run.directory, run.scenario)
    if any("outside_95" not in obs for obs in summary.get("observations", [])):
        summary["observations"] = summarize(run.directory, run.scenario)["observations"]
        notes.append(
            "summary.json predates the 95% check of reported figures; the observations were summarised "
            "again from the tables"
        )
    return summary


def outside(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The summarised observations whose reported range lies outside the middle 95% of runs."""
    return [obs for obs in summary.get("observations", []) if obs.get("outside_95")]


# Over 60 lines: one sentence per finding, in the order the page lists them.
def _key_points(summary: dict[str, Any], run: RunFolder, validation: dict[str, Any] | None) -> list[Point]:
    scenario = run.scenario
    points = []
    final = summary.get("final_area_km2") or {}
    if final.get("p50") is not None:
        points.append(
            Point(
                f"Held area on {date_text(scenario.end)}: median {km2_text(final['p50'])} km² (80% of runs "
                f"between {km2_text(final.get('p10'))} and {km2_text(final.get('p90'))} km²), from "
                f"{km2_text(summary.get('initial_area_km2'))} km² on {date_text(scenario.start)}."
            )
        )
    if summary.get("p_withdrawal_by_end") is not None:
        points.append(
            Point(
                f"Share of runs whose withdrawal began by {date_text(scenario.end)}: "
                f"{share_text(summary['p_withdrawal_by_end'])}."
            )
        )
    points.extend(_judgement_points(summary, scenario.end))
    for crossing in summary.get("crossings", []):
        if crossing.get("is_half_of_start"):
            when = date_text(crossing.get("median_date")) if crossing.get("median_date") else None
            points.append(
                Point(
                    "Median date the held area first fell below half the start "
                    f"({km2_text(crossing['threshold_km2'])} km²): {when or 'not reached by half the runs'}; "
                    f"{share_text(crossing.get('share_crossed'))} of runs fell below it by the end."
                )
            )
    observations = summary.get("observations", [])
    missed = outside(summary)
    if missed:
        listed = "; ".join(
            f"{what_of(obs)} on {date_text(obs.get('date'))} (reported {number_text(obs.get('observed'))} "
            f"{unit_of(obs)}, {band_side(obs)}; model median {number_text(obs.get('predicted_p50'))})"
            for obs in missed
        )
        points.append(
            Point(
                f"{len(missed)} of {len(observations)} reported figures have their whole reported range "
                f"outside the middle 95% of runs (the model does not reach them): {listed}.",
                warn=True,
            )
        )
    elif observations:
        points.append(
            Point(
                f"Every one of the {len(observations)} reported figures lies inside the middle 95% of runs."
            )
        )
    if validation is not None:
        for name, value in _quantities(validation):
            coverage = value.get("coverage", {}).get("95", {})
            points.append(
                Point(
                    f"Validation ({_validation_source(validation)}): {name}, mean CRPS "
                    f"{number_text(value.get('mean_crps'))}; {coverage.get('inside', 0)} of "
                    f"{value.get('observations', 0)} inside the 95% band."
                )
            )
    return points


def _judgement_points(summary: dict[str, Any], end: Any) -> list[Point]:
    """Say in how many runs a withdrawal rule began the withdrawal, and what the dynamics alone forecast."""
    from sim.scenario.rules.withdrawal import label_of

    points = []
    shares = summary.get("endings") or {}
    decided = [(rule, share) for rule, share in shares.items() if rule != "no_withdrawal" and share > 0]
    if decided:
        listed = "; ".join(
            f"{label_of(rule)}: {share_text(share)}" for rule, share in sorted(decided, key=lambda x: -x[1])
        )
        points.append(
            Point(
                f"Withdrawals begun by a withdrawal rule, that is by judgement rather than by the fighting: "
                f"{listed}; no withdrawal began in {share_text(shares.get('no_withdrawal'))} of runs."
            )
        )
    alone = summary.get("dynamics_only")
    if alone:
        final = alone.get("final_area_km2") or {}
        points.append(
            Point(
                f"The dynamics alone (the same {alone.get('replications', 0):,} runs with the withdrawal "
                f"rules off): held area on {date_text(end)} median {km2_text(final.get('p50'))} km² (80% of "
                f"runs {km2_text(final.get('p10'))}-{km2_text(final.get('p90'))}); all ground lost in "
                f"{share_text(alone.get('share_all_lost'))} of runs. The fan chart's dashed line is its "
                "median."
            )
        )
    return points


def _quantities(validation: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return quantity_rows(validation.get("summary") or {})


def _validation_source(validation: dict[str, Any]) -> str:
    if validation.get("observations_file"):
        return f"against {validation['observations_file']}"
    return "in-sample, against the scenario's own observations"


def _validation(directory: Path, notes: list[str]) -> dict[str, Any] | None:
    validation = read_json(directory / "validation.json", notes)
    if validation is None:
        return None
    if not isinstance(validation.get("observations"), list) or not isinstance(
        validation.get("summary"), dict
    ):
        notes.append("validation.json does not hold scored observations and a summary; left out")
        return None
    return validation


def run_charts(run: RunFolder, at: dt.date | None, thresholds: Sequence[float] | None) -> dict[str, str]:
    """Return a run's interactive charts by figure name (as JSON for the page), those it can draw."""
    from sim.plots import charts
    from sim.plots.charts_spec import spec_json
    from sim.plots.run import default_date, default_thresholds

    levels = sorted(set(thresholds), reverse=True) if thresholds else default_thresholds(run.scenario)
    specs = {
        "fan_chart": charts.fan_chart(run),
        "survival": charts.survival_chart(run, levels),
        "area_distribution": charts.distribution_chart(run, at or default_date(run)),
        "forces": charts.forces_chart(run),
    }
    return {name: spec_json(spec) for name, spec in specs.items() if spec is not None}


def _figures(
    run: RunFolder,
    at: dt.date | None,
    thresholds: Sequence[float] | None,
    chart_mode: ChartMode,
    notes: list[str],
) -> list[Figure]:
    """Return the run's figures for the page (PNG, interactive chart or both); note each one skipped."""
    figures = []
    drawn = run_charts(run, at, thresholds) if chart_mode != "static" else {}
    skip = set(drawn) if chart_mode == "served" else set()
    for item in run_figures(run, at, thresholds, skip):
        if item.note:
            notes.append(f"{item.name}: {item.note}")
        uri = png_data_uri(item.figure) if item.figure is not None else None
        figures.append(Figure(item.name, item.caption, uri, item.note, drawn.get(item.name)))
    return figures


def _validation_parts(directory: Path, validation: dict[str, Any]) -> dict[str, Any]:
    """Return the validation section: its source, scored rows, summary and figure (if a file was used)."""
    rows = validation["observations"]
    figure = None
    if validation.get("observations_file"):
        figure = file_figure(
            directory / "plots" / "validation.png",
            "validation",
            "The run's held area against the observed held areas of the validation file.",
        )
    return {
        "source": validation.get("source") or _validation_source(validation),
        "file": validation.get("observations_file"),
        "rows": score_table(rows),
        "summary": quantity_table(validation["summary"], rows),
        "outside": [outside_phrase(row) for row in outside_rows(rows)],
        "figure": figure,
    }


# Over 60 lines: the template's thirty-odd values named in one render call.
def run_page(
    directory: Path,
    at: dt.date | None,
    thresholds: Sequence[float] | None,
    chart_mode: ChartMode = "static",
    app_bar: Sequence[tuple[str, str]] | None = None,
) -> tuple[str, list[str]]:
    """Return a run folder's report page and the notes to print (figures skipped, warnings).

    Args:
        directory: The run folder.
        at: Date of the held-area distribution.
        thresholds: Areas X of the survival figure.
        chart_mode: How interactive charts are shown (``html.ChartMode``).
        app_bar: Links above the page (the explorer's), as (address, label).

    Raises:
        InputError: If the folder is not a usable run folder, or an option is out of range.
    """
    run = open_folder(directory)
    require_outcomes(run)
    notes = list(run.notes)
    summary = _summary(run, notes)
    validation = _validation(directory, notes)
    found = discoveries(directory, notes)
    shown = list(notes)
    figures = _figures(run, at, thresholds, chart_mode, notes)
    scenario = run.scenario
    manifest = run.manifest.document()
    replications = int(manifest.get("replications") or summary.get("replications") or 0)
    contents = [("figures", "Figures"), ("summary", "Summary tables")]
    validation_parts = None if validation is None else _validation_parts(directory, validation)
    if validation is not None:
        contents.append(("validation", "Validation"))
    if found:
        contents.append(("discovery", "Scenario discovery"))
    contents += [("scenario", "Scenario"), ("manifest", "Manifest")]
    manifest_table, manifest_rest, manifest_json = manifest_parts(run)
    page = render(
        "run.html.j2",
        chart_mode,
        app_bar=app_bar,
        kind="run",
        title=f"{scenario.name}: simulation report ({run.name})",
        heading=f"{scenario.name}: simulation report",
        lead=(
            f"Run folder {run.name} · {replications:,} replications · seed {manifest.get('seed', '?')} · "
            f"{date_text(scenario.start)} to {date_text(scenario.end)} · "
            f"sim {manifest.get('package_version', '?')}"
        ),
        description=scenario.description,
        notes=shown,
        key_points=_key_points(summary, run, validation),
        contents=contents,
        figures=figures,
        tables=summary_tables(summary, run),
        outside=outside(summary),
        scenario_end=date_text(scenario.end),
        seconds=summary.get("seconds"),
        validation=validation_parts,
        discoveries=found,
        scenario_yaml=yaml_text(manifest.get("scenario", {})),
        seed=manifest.get("seed", "?"),
        manifest_table=manifest_table,
        manifest_rest=manifest_rest,
        manifest_json=manifest_json,
        directory=str(directory),
    )
    return page, notes
