"""The ``sim validate`` command: score a run's predictions of held area against observations."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("run_dir", metavar="RUN_DIR", type=click.Path(path_type=Path))
@click.option(
    "--observations",
    "observations_file",
    required=True,
    type=click.Path(path_type=Path),
    metavar="FILE.csv",
    help="Observed held areas: columns date (YYYY-MM-DD) and value (km2), optionally low and high "
    "(a 95% range); other columns, such as source, are ignored.",
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
    help="Image format of the figure.",
)
def validate(run_dir: Path, observations_file: Path, out_dir: Path | None, fmt: str) -> None:
    """Score RUN_DIR's predictions of held area against observations.

    For each observed date: the predictive quantile of the observation (PIT), whether it lies inside the
    central 50/80/95% bands of the runs, and the CRPS; then mean CRPS and band coverage, with the skill
    against two naive forecasts (persistence and a straight line through the values the scenario knew).
    Writes validation.json and validation.csv, and a fan chart with the observations in plots/.
    """
    from sim.analysis.validation import validate as run_validation

    validation = run_validation(run_dir, observations_file, out_dir, fmt)
    click.echo(validation.table)
    click.echo("written: " + ", ".join(str(path) for path in validation.written), err=True)
