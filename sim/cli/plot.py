"""The ``sim plot`` and ``sim report`` commands."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from sim.errors import InputError


def _date_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--at",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        metavar="YYYY-MM-DD",
        help="Date of the held-area distribution [default: the kept date where runs differ most, an "
        "observation date first].",
    )(function)


def _threshold_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--threshold",
        "thresholds",
        multiple=True,
        type=click.FloatRange(min=0, min_open=True),
        metavar="KM2",
        help="Area X for the survival and crossing figures, in km². Repeatable "
        "[default: the scenario's thresholds_km2 and half the start].",
    )(function)


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


def _check_thresholds(folder: Path, thresholds: tuple[float, ...]) -> Any:
    """Refuse an area at or above the run's start area: every run is below it from day 0 (a flat line).

    Returns:
        The opened run folder, for the command to draw from (None without thresholds).
    """
    if not thresholds:
        return None
    from sim.results.folder import open_folder

    run = open_folder(folder)
    start = run.scenario.initial_area_km2
    for threshold in thresholds:
        if threshold >= start:
            raise InputError(
                f"{threshold:,g} km² is not below the {start:,g} km² held at the start: every run is "
                "below it from the first day",
                str(folder),
                field="--threshold",
            )
    return run


@click.command()
@click.argument("run_dir", metavar="RUN_DIR", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["png", "svg"]),
    default="png",
    show_default=True,
    help="Image format of the figures.",
)
@_date_option
@_threshold_option
def plot(run_dir: Path, fmt: str, at: dt.datetime | None, thresholds: tuple[float, ...]) -> None:
    """Draw the figures of RUN_DIR (a folder made by sim run) into RUN_DIR/plots.

    Fan chart of held area, survival of "not yet below X km²", the distribution of held area on one
    date, each reported figure against the model, withdrawal reasons, forces and losses, and held area
    per sector. Figures that need a table the run did not keep (--daily total or none) are skipped with
    a note. Given a sweep folder, draws the sweep's figures; given a study folder (sim robust), the
    study's.
    """
    from sim.plots.run import write_plots
    from sim.results.folder import folder_kind

    kind = folder_kind(run_dir)
    if kind != "run":
        if at is not None or thresholds:
            raise InputError(f"--at and --threshold apply to run folders, not to a {kind}", str(run_dir))
        if kind == "sweep":
            from sim.plots.sweep import write_sweep_plots

            written = write_sweep_plots(run_dir, fmt)
        else:
            from sim.plots.report_study import ready_study
            from sim.plots.robust import write_study_plots

            ready_study(run_dir)
            written = write_study_plots(run_dir, fmt)
        for path in written:
            click.echo(str(path))
        return
    opened = _check_thresholds(run_dir, thresholds)
    result = write_plots(run_dir, fmt, _day(at), thresholds or None, run=opened)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    for path in result.written:
        click.echo(str(path))


@click.command()
@click.argument("folder", metavar="FOLDER", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="HTML file to write [default: FOLDER/report.html].",
)
@_date_option
@_threshold_option
@click.option(
    "--static",
    is_flag=True,
    help="PNG figures only, no interactive charts (a smaller file, about 5 MB less).",
)
def report(
    folder: Path, out_file: Path | None, at: dt.datetime | None, thresholds: tuple[float, ...], static: bool
) -> None:
    """Write one self-contained HTML report of FOLDER: a run, sweep, study, calibration, backtest, comparison.

    A run: key points, figures, summary tables (reports outside the model's 95% band flagged),
    validation (after sim validate), scenario and manifest. A sweep: design, per-point summary,
    figures, sensitivity indices with their intervals and a convergence check, discovery boxes (after
    sim discover). A study (sim robust): the answer, the levers and futures, the ranking with the
    levers that cannot be told apart, every robustness metric with its interval, where each lever
    fails, and the figures. A calibration: settings, generations, prior against posterior, figures, the
    posterior predictive against the observations, the calibrated scenario. A backtest: the
    rolling-origin table, per-origin summaries and the figure. A comparison (sim compare): the runs,
    each variant's differences with their intervals and verdicts, and the figures.

    The file embeds everything (images as data URIs; with the explorer extra, the main figures of a
    run or a comparison also as interactive charts, Plotly.js included; no links out), so it opens in
    any browser with no server and no network. --at and --threshold apply to runs only.
    """
    from sim.plots.report import write_report
    from sim.results.folder import folder_kind

    if thresholds and folder_kind(folder) == "run":
        _check_thresholds(folder, thresholds)
    path, notes = write_report(folder, out_file, _day(at), thresholds or None, static)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    click.echo(str(path))
