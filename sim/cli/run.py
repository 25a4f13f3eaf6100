"""The ``sim run`` command: a batch of replications into a run folder, a summary and figures."""

from __future__ import annotations

from pathlib import Path

import click

from sim.batch.runner import MAX_REPLICATIONS
from sim.cli.options import check_scheduler, chunk_option, executor_options, set_option
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
@chunk_option
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
    from sim.api import run as run_folder
    from sim.cli.watch import CommandWatch

    check_scheduler(executor, scheduler)
    if resume_dir is not None and (scenario_file is not None or overrides):
        raise InputError(
            "--resume takes the scenario from the run folder; give no SCENARIO or --set",
            str(resume_dir),
            field="--resume",
        )
    if resume_dir is None and scenario_file is None:
        raise InputError("missing SCENARIO (a scenario YAML file), or --resume RUN_DIR")
    watch = CommandWatch(
        quiet,
        summarized=lambda summary: click.echo(format_summary(summary)),
        finished=lambda directory: (
            f"the run itself is complete: sim plot {directory} draws its figures again"
        ),
    )
    folder = run_folder(
        scenario_file,
        replications,
        seed,
        out_dir,
        daily,  # type: ignore[arg-type]
        executor,
        workers,
        scheduler,
        chunk,
        plots,
        dynamics,
        set=list(overrides),
        resume=resume_dir,
        watch=watch,
    )
    if not quiet:
        click.echo(
            f"{folder.summary['replications']:,} replications in {folder.seconds:.1f} s; "
            f"results in {folder.path}",
            err=True,
        )
        for line in written_lines(folder.path, folder.figures):
            click.echo(line, err=True)
