"""The ``sim export`` command: a run's tables as CSV for spreadsheets, or its cube as netCDF."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("run_dir", metavar="RUN_DIR", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "netcdf"]),
    default="csv",
    show_default=True,
    help="csv: one file per table (outcomes, daily, sectors as kept) and the summary's month table; "
    "netcdf: one file, the replication x day x sector cube with each run's outcomes (the netcdf extra).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Where to write: a folder for csv [default: RUN_DIR/export], a file for netcdf "
    "[default: RUN_DIR/export/<scenario>.nc].",
)
@click.option(
    "--first",
    type=click.IntRange(min=1),
    help="netcdf only: the first N replications (the cube is built in memory, at most 2 GiB).",
)
def export(run_dir: Path, fmt: str, out: Path | None, first: int | None) -> None:
    """Write RUN_DIR's tables for other tools, and print the files written.

    CSV opens in any spreadsheet; netCDF (xarray, netCDF4) holds the daily state per replication and day,
    the held area per replication, day and sector, and each replication's outcomes, with dates.
    """
    from sim import api

    for path in api.export(run_dir, fmt, out, first):  # type: ignore[arg-type]
        click.echo(str(path))
