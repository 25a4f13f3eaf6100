"""The ``sim run`` command: a batch of replications into a run folder, a summary and figures."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from sim.batch.runner import MAX_CHUNK_SIZE, MAX_REPLICATIONS, BatchResult
from sim.cli.options import check_scheduler, executor_options, finish_batch_or_exit, load, set_option
from sim.cli.progress import Progress
from sim.cli.summary_text import format_summary, written_lines
from sim.errors import InputError


@click.command()
@click.argument("scenario_file", metavar="[SCENARIO]", required=False)
@click.option(
    "-n",
    "--replications",
    default=1000,
    show_default=True,
    type=click.IntRange(min=1, max=MAX_REPLICATIONS),
    help="Number of replications (at most 100 million).",
)
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Root random seed.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Run folder [default: results/<scenario>/<time>-<hash>].",
)
@set_option
@executor_options
@click.option(
    "--chunk",
    type=click.IntRange(min=1, max=MAX_CHUNK_SIZE),
    help="Replications per task, at most 10,000 [default: automatic].",
)
@click.option(
    "--daily",
    type=click.Choice(["full", "total", "none"]),
    default="full",
    show_default=True,
    help="Daily state kept: per sector too, totals only, or none (outcomes only).",
)
@click.option(
    "--resume",
    "resume_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Finish an interrupted or partly failed run in this folder.",
)
@click.option(
    "--dynamics/--no-dynamics",
    default=True,
    show_default=True,
    help="Also run the same replications with the holder's withdrawal rules off (into RUN/dynamics_only), "
    "so the summary shows what the judgement rules decide beside the forecast of the dynamics alone.",
)
@click.option("--plots/--no-plots", default=True, show_default=True, help="Write plots.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
def run(
    scenario_file: str | None,
    replications: int,
    seed: int,
    out_dir: Path | None,
    overrides: tuple[str, ...],
    executor: str,
    scheduler: str | None,
    workers: int | None,
    chunk: int | None,
    daily: str,
    resume_dir: Path | None,
    dynamics: bool,
    plots: bool,
    quiet: bool,
) -> None:
    """Run SCENARIO's replications, write the run folder and print a summary."""
    from sim.batch.executors import make_executor
    from sim.experiments.runs import (
        default_run_folder,
        dynamics_pending,
        open_run,
        run_batch,
        start_timed_run,
    )

    check_scheduler(executor, scheduler)
    if resume_dir is not None:
        if scenario_file is not None or overrides:
            raise InputError(
                "--resume takes the scenario from the run folder; give no SCENARIO or --set",
                str(resume_dir),
                field="--resume",
            )
        if dynamics_pending(resume_dir):
            # The run is complete and only its companion without the withdrawal rules is left to finish.
            from sim.results.folder import open_folder
            from sim.results.store import RunStore

            scenario, store = open_folder(resume_dir, "read").scenario, RunStore(resume_dir)
            _companion(scenario, store, lambda: make_executor(executor, workers, scheduler), quiet)
            _finish(scenario, store.directory, plots, 0.0, quiet)
            return
        scenario, store = open_run(resume_dir)
        try:
            pool = make_executor(executor, workers, scheduler)
        except BaseException:
            store.release()
            raise
    else:
        if scenario_file is None:
            raise InputError("missing SCENARIO (a scenario YAML file), or --resume RUN_DIR")
        scenario = load(scenario_file, overrides)
        pool = make_executor(executor, workers, scheduler)
        try:
            directory = out_dir or default_run_folder(scenario, seed, replications)
            store = start_timed_run(
                scenario,
                directory,
                seed,
                replications,
                daily,  # type: ignore[arg-type]
                pool.workers,
                chunk,
                scenario_file,
                tell=None if quiet else lambda line: click.echo(line, err=True),
            )
        except BaseException:
            pool.close()
            raise
    if not quiet:
        click.echo(f"run folder: {store.directory}", err=True)
    progress = Progress(quiet)
    result = finish_batch_or_exit(
        "run",
        store.directory,
        lambda: run_batch(scenario, store, pool, progress, notify=progress.note),
        progress,
    )
    if dynamics:
        # The batch closed its pool: the companion gets a new one.
        _companion(scenario, store, lambda: make_executor(executor, workers, scheduler), quiet)
    try:
        _finish(scenario, store.directory, plots, result.seconds, quiet)
    except OSError as error:
        where = error.filename or store.directory
        click.echo(
            f"error: cannot write {where} ({error.strerror or error}); the run itself is complete: "
            f"sim plot {store.directory} draws its figures again",
            err=True,
        )
        sys.exit(1)


def _companion(scenario: Any, store: Any, executor: Callable[[], Any], quiet: bool) -> None:
    """Run (or finish) the replications without the withdrawal rules; exit as a run does if interrupted."""
    from sim.experiments.runs import run_dynamics_only

    if scenario.sides[scenario.holder].command.withdrawal is None:
        return
    manifest = store.read_manifest()
    if not quiet:
        click.echo("the same replications with the withdrawal rules off (the dynamics alone):", err=True)
    progress = Progress(quiet)

    def work() -> Any:
        pool = executor()
        done = run_dynamics_only(
            scenario, store.directory, manifest.seed, manifest.replications, pool, progress
        )
        return done if done is not None else BatchResult(store.directory, 0.0)

    finish_batch_or_exit("run", store.directory, work, progress)


def _finish(scenario: Any, directory: Path, plots: bool, seconds: float, quiet: bool) -> None:
    from sim.analysis.summary import summarize
    from sim.results.writing import write_json

    summary = summarize(directory, scenario)
    summary["seconds"] = round(seconds, 3)
    write_json(directory / "summary.json", summary)
    click.echo(format_summary(summary))
    written: list[Path] = []
    if plots:
        from sim.plots.run import write_run_plots

        written = write_run_plots(scenario, directory, "png")
    if not quiet:
        click.echo(
            f"{summary['replications']:,} replications in {seconds:.1f} s; results in {directory}", err=True
        )
        for line in written_lines(directory, written):
            click.echo(line, err=True)
