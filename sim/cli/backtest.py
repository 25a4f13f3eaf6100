"""The ``sim backtest`` command: calibrate on what was known at each origin, score the forecast past it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from sim.cli.options import check_scheduler, executor_options, set_option
from sim.cli.text import score_table, summary_lines


@click.command()
@click.argument("scenario_file", metavar="SCENARIO")
@set_option
@click.option(
    "--origin",
    "origins",
    multiple=True,
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="Calibrate on the observations dated on or before this date, forecast past it. Repeatable "
    "(several origins give a rolling-origin table).",
)
@click.option(
    "-n",
    "--replications",
    default=1000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Replications of each forecast.",
)
@click.option(
    "--population", type=click.IntRange(min=2), help="Particles per generation [default: calibrate block]."
)
@click.option(
    "--generations",
    type=click.IntRange(min=1),
    help="At most this many generations [default: calibrate block].",
)
@click.option(
    "--max-minutes",
    type=click.FloatRange(min=0, min_open=True),
    help="Time budget of each calibration [default: calibrate block].",
)
@click.option(
    "--min-epsilon",
    type=click.FloatRange(min=0),
    help="Stop a calibration once its threshold is at or below this [default: calibrate block].",
)
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Root random seed.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Backtest folder [default: results/<scenario>/backtest-<time>].",
)
@executor_options
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
def backtest(
    scenario_file: str,
    overrides: tuple[str, ...],
    origins: tuple[dt.datetime, ...],
    replications: int,
    population: int | None,
    generations: int | None,
    max_minutes: float | None,
    min_epsilon: float | None,
    seed: int,
    out_dir: Path | None,
    executor: str,
    scheduler: str | None,
    workers: int | None,
    quiet: bool,
) -> None:
    """Backtest SCENARIO: at each --origin, calibrate only on what was known then, and score the forecast.

    For each origin: ABC-SMC fits the scenario's calibrate: inputs to its observations dated on or before
    the origin; the calibrated scenario is run (-n replications); every later observation is scored
    (PIT, 50/80/95% band coverage, CRPS) against the run and against persistence and a straight line
    through the values known at the origin. Writes backtest.json, backtest.csv and plots/backtest.png.
    """
    from sim.api.calibration import backtest as backtested
    from sim.cli.watch import CommandWatch
    from sim.errors import require_extra

    require_extra("pyabc", "calibrate", "sim backtest")
    check_scheduler(executor, scheduler)
    done = backtested(
        scenario_file,
        [origin.date() for origin in origins],
        replications,
        out_dir,
        population,
        generations,
        max_minutes,
        seed,
        executor,
        workers,
        list(overrides),
        min_epsilon,
        scheduler,
        plots=True,
        watch=CommandWatch(quiet),
    )
    click.echo(format_backtest(done.result))
    if not quiet:
        click.echo("written: " + ", ".join(str(path) for path in done.written), err=True)


def format_backtest(result: Any) -> str:
    """Return the rolling-origin table: a line per origin and later observation, then summaries."""
    lines = [f"{result.scenario.name}: backtest at {len(result.origins)} origin(s)", ""]
    lines += score_table([row for origin in result.origins for row in origin.rows], with_origin=True)
    for origin in result.origins:
        lines += summary_lines(origin.summary, prefix=f"origin {origin.origin}: ")
    return "\n".join(lines)
