"""The ``sim suite`` command: backtest a suite of scenarios out of sample, with an ablation."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from sim.cli.options import check_scheduler, executor_options

DEFAULT_SUITE = Path("validation") / "suite.yaml"


@click.command()
@click.argument(
    "suite_file", metavar="SUITE", required=False, type=click.Path(path_type=Path), default=DEFAULT_SUITE
)
@click.option(
    "--ablation/--no-ablation",
    default=False,
    show_default=True,
    help="Also backtest each entry with each mechanism it uses switched off, one at a time.",
)
@click.option(
    "--docs",
    "docs_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the tables into this Markdown file (between its sim suite markers) and the figures beside it "
    "(e.g. docs/validation.md).",
)
@click.option(
    "-n",
    "--replications",
    type=click.IntRange(min=2),
    help="Replications of each forecast [default: the suite file's].",
)
@click.option(
    "--population", type=click.IntRange(min=10), help="Particles per generation [default: the suite file's]."
)
@click.option(
    "--generations",
    type=click.IntRange(min=1),
    help="At most this many generations [default: the suite file's].",
)
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Root random seed.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Suite folder [default: results/suite/<time>].",
)
@executor_options
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
def suite(
    suite_file: Path,
    ablation: bool,
    docs_file: Path | None,
    replications: int | None,
    population: int | None,
    generations: int | None,
    seed: int,
    out_dir: Path | None,
    executor: str,
    scheduler: str | None,
    workers: int | None,
    quiet: bool,
) -> None:
    """Backtest every scenario of SUITE (default validation/suite.yaml) and score it out of sample.

    Each entry is calibrated on what was known at its origins only (a campaign's origin is after the first
    third of its windows) and its forecast of everything later is scored (CRPS, 80% band) against a straight
    line and persistence. With --ablation, each mechanism an entry uses is switched off in turn and the
    backtest repeated with the same seed. Writes suite.json, suite.csv and a figure per entry.

    A suite that stopped part way resumes when run again with the same --out: each backtest it finished
    with the same settings is read, one it began and did not finish is set aside as <variant>.unfinished.
    """
    from sim.errors import require_extra

    require_extra("pyabc", "calibrate", "sim suite")
    from sim.batch.executors import make_executor
    from sim.experiments.calibration.problem import Settings
    from sim.experiments.suite import read_suite, run_suite
    from sim.plots.suite import scored_figures, validation_markdown, write_markdown

    check_scheduler(executor, scheduler)
    spec = read_suite(suite_file)
    spec = spec.model_copy(
        update={
            key: value
            for key, value in (
                ("replications", replications),
                ("population", population),
                ("generations", generations),
            )
            if value is not None
        }
    )
    settings = Settings(
        population=spec.population,
        generations=spec.generations,
        min_epsilon="auto",
        max_minutes=spec.max_minutes,
        replications=1,
        seed=seed,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
    )
    directory = out_dir or Path("results") / "suite" / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    say = (lambda line: None) if quiet else (lambda line: click.echo(line, err=True))
    say(f"suite folder: {directory}")
    result = run_suite(
        spec,
        suite_file,
        directory,
        lambda: make_executor(executor, workers=workers, scheduler=scheduler),
        settings,
        ablation,
        announce=say,
    )
    figures_folder = directory / "plots" if docs_file is None else docs_file.parent / "figures" / "validation"
    figures = scored_figures(result.scores, result.scenarios, figures_folder)
    click.echo(validation_markdown(result.scores, {}))
    if docs_file is not None:
        relative = {name: os.path.relpath(path, docs_file.parent) for name, path in figures.items()}
        write_markdown(docs_file, validation_markdown(result.scores, relative))
        click.echo(f"tables in {docs_file}, figures in {figures_folder}")
    click.echo(f"suite folder: {directory}")
