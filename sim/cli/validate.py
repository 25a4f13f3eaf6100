"""The ``sim validate`` command: score a run against reported figures (its own, or a CSV of held areas)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

import sim
from sim.analysis.scoring import LEVELS, level_key
from sim.cli.text import score_table, summary_lines
from sim.errors import InputError


@click.command()
@click.argument("run_dir", metavar="RUN_DIR", type=click.Path(path_type=Path))
@click.option(
    "--observations",
    "observations_file",
    type=click.Path(path_type=Path),
    metavar="FILE.csv",
    help="Observed held areas: columns date (YYYY-MM-DD) and value (km²), optionally low and high (a 95% "
    "range) and scenario (the scenario they belong to, checked); other columns, such as source, are "
    "ignored [default: the scenario's own observations, every kind].",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for validation.json, validation.csv and plots/validation.<format> [default: RUN_DIR].",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["png", "svg"]),
    default="png",
    show_default=True,
    help="Image format of the figures.",
)
def validate(run_dir: Path, observations_file: Path | None, out_dir: Path | None, fmt: str) -> None:
    """Score RUN_DIR against reported figures: its scenario's own observations, or a CSV of held areas.

    For each observation: the predictive quantile of the report among the runs (PIT), whether it lies
    inside the central 50/80/95% bands, and the CRPS; then, per quantity, mean CRPS and band coverage,
    with the skill against two naive forecasts (persistence, and a straight line through the values
    known before each date). Without --observations every observation of the scenario is scored, whatever
    it measures (held area, a sector's area, advance rate, strength); they are what the scenario was
    tuned or calibrated to, so the scores are in-sample (sim backtest scores what a forecast did not see).
    Writes validation.json, validation.csv and figures in plots/.
    """
    from sim.plots.style import FORMATS
    from sim.results.folder import open_folder
    from sim.results.outputs import check_output_folder

    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r} (png or svg)", field="--format")
    run = open_folder(run_dir, "complete")
    out = out_dir if out_dir is not None else run_dir
    check_output_folder(out, reads=run_dir)
    if observations_file is not None:
        from sim.analysis.observed import read_observations

        read_observations(observations_file)  # refused before anything is written
    plots = out / "plots"
    try:
        plots.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the folder ({exc.strerror})", str(plots)) from None
    if observations_file is None:
        written = _validate_own(run, out, fmt)
    else:
        written = _validate_csv(run, observations_file, out, fmt)
    click.echo("written: " + ", ".join(str(path) for path in written), err=True)


def _validate_own(run: Any, out: Path, fmt: str) -> list[Path]:
    """Score the run against its scenario's own observations, every kind."""
    from sim.analysis.forecast import score_each_observation, summarise_by_quantity
    from sim.plots.run_observations import observation_samples, observations_chart
    from sim.plots.style import save
    from sim.results.writing import write_csv, write_json

    scenario = run.scenario
    if not scenario.observations:
        raise InputError(
            "the scenario has no observations to score; give --observations FILE.csv", str(run.directory)
        )
    samples = observation_samples(run.directory, scenario)
    rows = score_each_observation(scenario, samples)
    summary = summarise_by_quantity(rows)
    document = {
        "package_version": sim.__version__,
        "scenario": scenario.name,
        "run": run.name,
        "run_dir": str(run.directory),
        "observations_file": None,
        "source": "the scenario's own observations (in-sample: the scenario was tuned or calibrated to them)",
        "replications": run.replications,
        "levels": list(LEVELS),
        "observations": rows,
        "summary": summary,
    }
    written = [out / "validation.json", out / "validation.csv", out / "plots" / f"validation.{fmt}"]
    write_json(written[0], document)
    write_csv(written[1], rows)
    save(observations_chart(scenario, samples), written[2])
    lines = [
        f"{scenario.name}, run {run.name} ({run.replications:,} replications): the scenario's own "
        f"{len(rows)} observation(s), every kind",
        "",
        *score_table(rows),
        *summary_lines(summary),
        "note: these are the figures the scenario was tuned or calibrated to, so the scores are in-sample; "
        "sim backtest scores forecasts on figures they did not see",
    ]
    click.echo("\n".join(lines))
    return written


def _validate_csv(run: Any, observations_file: Path, out: Path, fmt: str) -> list[Path]:
    """Score the run's held area against a CSV of observed held areas."""
    from sim.analysis.observed import read_observations, scenario_named
    from sim.analysis.validation import calibration_points, score_run
    from sim.plots.style import save
    from sim.plots.validation import validation_chart
    from sim.results.writing import write_csv, write_json

    observations = read_observations(observations_file)
    named = scenario_named(observations_file)
    if named is not None and named != run.scenario.name:
        raise InputError(
            f"holds observations of scenario {named!r}, not of this run's {run.scenario.name!r}",
            str(observations_file),
            field="scenario",
        )
    result = {"package_version": sim.__version__, **score_run(run, observations, str(observations_file))}
    written = [out / "validation.json", out / "validation.csv", out / "plots" / f"validation.{fmt}"]
    write_json(written[0], result)
    write_csv(written[1], result["observations"])
    save(validation_chart(run, observations, calibration_points(run.scenario), result), written[2])
    click.echo(format_table(result))
    if named is None:  # said after the scores, so that bad input still ends in its one line
        click.echo(
            f"note: {observations_file} names no scenario (a 'scenario' column); scored it as held area of "
            f"{run.scenario.name}",
            err=True,
        )
    return written


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _km2(value: float) -> str:
    return f"{value:,.0f}"


def _band(row: dict[str, Any], level: float) -> str:
    key = level_key(level)
    return f"{_km2(row[f'band{key}_low'])}-{_km2(row[f'band{key}_high'])}"


def _skill_text(skill: float | None) -> str:
    return "n/a (naive error 0)" if skill is None else f"{skill:+.2f}"


def _columns(header: Sequence[str], body: Sequence[Sequence[str]], left: int = 1) -> list[str]:
    """Return aligned lines: the first ``left`` columns left-aligned, the rest right-aligned."""
    widths = [max(len(cells[i]) for cells in (header, *body)) for i in range(len(header))]
    return [
        "  ".join(
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()
        for cells in (header, *body)
    ]


def format_table(result: dict[str, Any]) -> str:
    """Return the readable account of a validation: one row per observation, then the summary."""
    rows = result["observations"]
    summary = result["summary"]
    count = summary["observations"]
    lines = [
        f"{result['scenario']}, run {result['run']} ({result['replications']:,} replications): "
        f"{_plural(count, 'observation')} of held area from {result['observations_file']}; every number "
        "in km²",
        "",
    ]
    header = [
        "date",
        "observed",
        "95% range",
        "median",
        "50% band",
        "80% band",
        "95% band",
        "PIT",
        "in 50/80/95",
        "CRPS",
        "persistence forecast",
        "line forecast",
    ]
    body = []
    for row in rows:
        inside = "/".join("yes" if row[f"inside{level_key(level)}"] else "no" for level in LEVELS)
        body.append(
            [
                row["date"],
                _km2(row["observed"]),
                f"{_km2(row['low'])}-{_km2(row['high'])}" if row["low"] is not None else "-",
                _km2(row["median"]),
                _band(row, 0.50),
                _band(row, 0.80),
                _band(row, 0.95),
                f"{row['pit']:.2f}",
                inside,
                f"{row['crps']:,.1f}",
                _km2(row["persistence"]),
                _km2(row["line_forecast"]),
            ]
        )
    lines += _columns(header, body)
    lines.append("")
    naive = summary["naive"]
    lines.append(
        "persistence forecast, line forecast: the naive forecasts' values (persistence: the last known "
        "area; line: the straight line through the known areas); their errors are in the CRPS line below"
    )
    lines.append(
        f"mean CRPS (km²): model {summary['mean_crps']:,.1f}, persistence "
        f"{naive['persistence']['mean_crps']:,.1f}, straight line {naive['line']['mean_crps']:,.1f} "
        "(a point forecast's CRPS is its absolute error)"
    )
    lines.append(
        f"skill 1 - CRPS(model)/CRPS(naive): vs persistence {_skill_text(naive['persistence']['skill'])}, "
        f"vs straight line {_skill_text(naive['line']['skill'])}"
    )
    coverage = summary["coverage"]
    lines.append(
        "inside the central band: "
        + ", ".join(
            f"{key}%: {coverage[key]['inside']}/{count} ({coverage[key]['share']:.0%})"
            for key in (level_key(level) for level in LEVELS)
        )
        + f"; mean PIT {summary['mean_pit']:.2f} (0.50 if calibrated)"
    )
    lines.append(
        "naive forecasts use only the scenario's start area and its own area_km2 observations dated "
        "before each observed date"
    )
    shared = sorted({row["date"] for row in rows if row["calibration_date"]})
    if shared:
        lines.append(
            f"note: the scenario itself has an area_km2 observation on {', '.join(shared)} (its calibration "
            "data), so the model is not tested out of sample there"
        )
    if count < 10:
        lines.append(f"note: coverage and skill from {_plural(count, 'observation')} are only indicative")
    return "\n".join(lines)
