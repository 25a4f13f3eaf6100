"""Command-line options shared by the commands that run replications (run, sweep, robust, calibrate...)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from sim.batch.executors import ExecutorLost, check_scheduler, check_workers
from sim.batch.runner import MAX_CHUNK_SIZE, BatchResult
from sim.cli.app import EXIT_FAILED, interrupt_exit_code, interrupt_word
from sim.cli.progress import Progress
from sim.errors import InputError
from sim.results.store import DamagedPart

__all__ = [
    "allow_outside_option",
    "check_scheduler",
    "chunk_option",
    "executor_options",
    "finish_batch_or_exit",
    "load",
    "set_option",
]


def _workers(ctx: click.Context, param: click.Parameter, value: int | None) -> int | None:
    try:
        check_workers(value)
    except InputError as error:
        raise click.BadParameter(error.message, ctx, param) from None
    return value


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
        click.option(
            "--workers",
            type=click.IntRange(min=1),
            callback=_workers,
            help="Worker processes [default: all cores; at most 4 per core].",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def chunk_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--chunk``: replications per task (the commands that run batches: run, sweep, robust)."""
    return click.option(
        "--chunk",
        type=click.IntRange(min=1, max=MAX_CHUNK_SIZE),
        help="Replications per task, at most 10,000 [default: automatic].",
    )(function)


def finish_batch_or_exit(
    command: str, directory: Path, work: Callable[[], BatchResult], progress: Progress | None = None
) -> BatchResult:
    """Run a batch; when it cannot finish, say why and how to resume in one line, and exit.

    Ctrl-C or SIGTERM: exit 130 or 143. Failed chunks (one line each, then the resume command), a lost
    Dask scheduler, parts that keep failing their check, or a folder that cannot be written (disk
    full): exit 1. In every case the finished chunks are kept.

    Args:
        command: The command that resumes it (``run`` or ``sweep``).
        directory: The run or sweep folder.
        work: Runs the batch and returns its result.
        progress: The batch's progress display, stopped before anything else is printed.

    Returns:
        The result, when every chunk succeeded.
    """
    resume = f"sim {command} --resume {directory}"
    kept = f"finished chunks are kept: {resume}"
    # On a terminal a progress bar other than ours may hold the line: start a new one.
    start = "\n" if sys.stderr.isatty() and progress is None else ""
    try:
        try:
            result = work()
        finally:
            if progress is not None:
                progress.close()
    except KeyboardInterrupt as interrupt:
        click.echo(f"{start}{interrupt_word(interrupt)}; {kept}", err=True)
        sys.exit(interrupt_exit_code(interrupt))
    except ExecutorLost as lost:
        click.echo(f"{start}error: {lost}; {kept}", err=True)
        sys.exit(EXIT_FAILED)
    except DamagedPart as damaged:
        click.echo(
            f"{start}error: {damaged}, again after being run again; check the disk, then: {resume}", err=True
        )
        sys.exit(EXIT_FAILED)
    except OSError as error:
        reason = error.strerror or str(error)
        click.echo(f"{start}error: cannot write to {directory} ({reason}); once fixed, {kept}", err=True)
        sys.exit(EXIT_FAILED)
    if result.failed:
        for failure in result.failed:
            click.echo(f"{failure.label} failed: {failure.error}", err=True)
        click.echo(f"{len(result.failed)} chunk(s) failed; after fixing the cause: {resume}", err=True)
        sys.exit(EXIT_FAILED)
    return result


def renamed_option(old: str, new: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Refuse an option under a name it no longer has, giving the new one (the old name is hidden).

    ``sim discover`` once had ``--outcome`` and ``--threshold``, which other commands use for an outcome
    column and an area; each option name now has one meaning.
    """

    def refuse(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        if value is not None:
            raise InputError(f"{old} is now {new} (one meaning per option name across commands)", field=old)

    return click.option(old, hidden=True, expose_value=False, is_eager=True, callback=refuse)


def set_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--set PATH=VALUE`` (repeatable) and ``--allow-outside-files`` to a command."""
    function = allow_outside_option(function)
    return click.option(
        "--set",
        "overrides",
        multiple=True,
        metavar="PATH=VALUE",
        help="Override any scenario field, e.g. --set sides.russia.attack.advance_km=1.2 "
        "(values are YAML: numbers, names or {dist: uniform, low: 1, high: 2}; a relative samples "
        "file is relative to the scenario's folder). Repeatable.",
    )(function)


def _allow_outside(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        from sim.scenario.files import reset_outside_allowed, set_outside_allowed

        token = set_outside_allowed(True)
        ctx.call_on_close(lambda: reset_outside_allowed(token))


def allow_outside_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--allow-outside-files``: let scenarios read files outside their folder and the working folder.

    The choice holds for every scenario loaded while the command runs (``sim.scenario.files``); it
    takes no parameter in the command's function.
    """
    return click.option(
        "--allow-outside-files",
        is_flag=True,
        expose_value=False,
        callback=_allow_outside,
        help="Let the scenario's extends: and empirical files lie outside its folder and the working "
        "folder (also: SIM_ALLOW_OUTSIDE_FILES=1).",
    )(function)


def load(scenario_file: str, overrides: Sequence[str]) -> Any:
    """Load and validate a scenario file with its ``--set`` overrides."""
    from sim.scenario import load_scenario

    return load_scenario(scenario_file, overrides)
