"""Command-line options shared by the commands that run replications (run, sweep, calibrate)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from sim.batch.executors import check_scheduler

__all__ = ["check_scheduler", "executor_options"]


def executor_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--executor``, ``--scheduler`` and ``--workers`` to a command."""
    options = [
        click.option(
            "--executor",
            type=click.Choice(["process", "serial", "dask"]),
            default="process",
            show_default=True,
            help="Where replications run: all local cores, this process, or Dask distributed.",
        ),
        click.option(
            "--scheduler",
            metavar="tcp://HOST:PORT",
            help="Dask scheduler for --executor dask [default: a LocalCluster on this machine].",
        ),
        click.option("--workers", type=click.IntRange(min=1), help="Worker processes [default: all cores]."),
    ]
    for option in reversed(options):
        function = option(function)
    return function
