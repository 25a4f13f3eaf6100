"""The ``sim robust`` command: courses of action against deep uncertainties, and where each one fails."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.table import Table

from sim.batch.runner import MAX_REPLICATIONS
from sim.cli.options import allow_outside_option, check_scheduler, chunk_option, executor_options
from sim.errors import InputError

WIDTH = 120
"""Characters per line of the printed sentences, whatever the terminal (stable in logs and tests)."""
TABLE_WIDTH = 400
"""Room for a table: each is as wide as its cells, never cut (a table of many levers is wide)."""
SHOWN = {
    "mean": "mean",
    "p10": "10th percentile",
    "p90": "90th percentile",
    "mean_regret": "mean regret",
    "p90_regret": "90th-pct regret",
    "max_regret": "maximum regret",
}
"""The metrics of each outcome, as the table rows name them."""


@click.command()
@click.argument("study_file", metavar="[STUDY]", required=False, type=click.Path(path_type=Path))
@click.option(
    "-n",
    "--replications",
    type=click.IntRange(min=1, max=MAX_REPLICATIONS),
    help="Replications per lever and future [default: the study file's].",
)
@click.option("--futures", type=click.IntRange(min=2), help="Futures to sample [default: the study file's].")
@click.option("--seed", type=click.IntRange(min=0), help="Root seed [default: the study file's].")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Study folder [default: results/<scenario>/study-<name>-<time>-<hash>].",
)
@allow_outside_option
@executor_options
@chunk_option
@click.option(
    "--daily",
    type=click.Choice(["none", "total"]),
    default="none",
    show_default=True,
    help="Keep daily totals per lever, future and replication, or outcomes only.",
)
@click.option(
    "--resume",
    "resume_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Finish an interrupted study in this folder.",
)
@click.option("--plots/--no-plots", default=True, show_default=True, help="Draw the study's figures.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
def robust(
    study_file: Path | None,
    replications: int | None,
    futures: int | None,
    seed: int | None,
    out_dir: Path | None,
    executor: str,
    scheduler: str | None,
    workers: int | None,
    chunk: int | None,
    daily: str,
    resume_dir: Path | None,
    plots: bool,
    quiet: bool,
) -> None:
    """Run every lever of STUDY in every future, with common random numbers; rank them by robustness.

    STUDY (YAML; docs/robustness.md) names a base scenario, the levers (courses of action: a variant
    file, or path: value changes), the uncertainties (ranges or distributions, sampled by LHS or Sobol'
    into futures), the outcomes and the goals. Every lever runs in every future for -n replications;
    replication r of future f draws the same random numbers whatever the lever. Prints each lever's
    mean and 10th/90th percentile across futures, its regret against the best lever in each future
    (mean, 90th percentile, maximum), its satisficing share (futures meeting every goal), all with 95%
    Monte Carlo intervals; the ranking, saying which levers are not distinguishable; and, by PRIM,
    where each lever misses its goals. Writes the folder's tables, study.json and figures.
    """
    from sim.api.robust import robust as run_study
    from sim.cli.watch import CommandWatch

    check_scheduler(executor, scheduler)
    if resume_dir is not None:
        if study_file is not None or replications or futures or seed is not None:
            raise InputError(
                "--resume takes everything from the study folder", str(resume_dir), field="--resume"
            )
    elif study_file is None:
        raise InputError("missing STUDY (a study YAML file), or --resume DIR")
    done = run_study(
        study_file,
        replications,
        futures,
        seed,
        out_dir,
        daily,  # type: ignore[arg-type]
        executor,
        workers,
        scheduler,
        chunk,
        plots,
        resume=resume_dir,
        watch=CommandWatch(quiet),
    )
    result = done.result
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(report_text(result))
    if not quiet and done.figures:
        click.echo("plots: " + ", ".join(str(p) for p in done.figures), err=True)
    if not quiet:
        click.echo("written: " + ", ".join(str(p) for p in result.written), err=True)


def _cell(row: Any, share: bool) -> str:
    from sim.analysis.robustness import value_words

    text = f"{value_words(row.value, share)} ({value_words(row.low, share)}-{value_words(row.high, share)})"
    return text + (" !" if row.noise_dominated else "")


def report_text(result: Any) -> str:
    """Return what ``sim robust`` prints: the metrics per outcome, satisficing, the ranking, the failures."""
    from sim.analysis.robust_intervals import ranking_rows
    from sim.analysis.robustness import Metric, is_share

    study, assessment = result.study, result.assessment
    table = assessment.table(study.measures)
    summary, levers = result.summary, list(study.levers)
    items: list[Any] = [
        f"{summary['name']}: {len(levers)} levers x {summary['futures']} futures x "
        f"{summary['replications']} replications ({summary['runs']:,} runs), seed {summary['seed']}; "
        "each value with its 95% Monte Carlo interval",
    ]
    for measure in study.measures:
        share = is_share(Metric("mean", measure.name), study.measures)
        grid = _table(["across futures", *levers])
        rows = table[table["outcome"] == measure.name]
        for key, label in SHOWN.items():
            mine = rows[rows["metric"] == key].set_index("lever")
            grid.add_row(label, *(_cell(mine.loc[lever], share) for lever in levers))
        items += ["", f"{measure.name}: {measure.column}, {measure.better} is better", grid]
    if study.goals:
        grid = _table(["share of futures", *levers])
        every = table[table["metric"] == "satisficing"].set_index("lever")
        grid.add_row("meeting every goal", *(_cell(every.loc[lever], True) for lever in levers))
        for goal in study.goals:
            mine = table[table["goal"] == goal.name].set_index("lever")
            grid.add_row(f"meeting {goal.name}", *(_cell(mine.loc[lever], True) for lever in levers))
        items += ["", "goals: " + "; ".join(f"{goal.name}: {goal.words()}" for goal in study.goals), grid]
    ranked = _table(["rank", "lever", "value (95% interval)", "not distinguishable from"], numbers=(2,))
    share = is_share(study.ranking, study.measures)
    for row in ranking_rows(assessment, study.ranking).itertuples():
        cell = _cell(_plain(table, row, study.ranking), share)
        ranked.add_row(str(row.rank), str(row.lever), cell, str(row.not_distinguishable_from) or "-")
    items += ["", f"ranking by the {summary['ranked_by_in_words']} ({summary['ranked_by']})", ranked]
    items += ["", summary["answer"]]
    if result.failures is not None:
        items += ["", f"where each lever misses a goal (PRIM over the {summary['futures']} futures):"]
        items += [f"  {failure.sentence}" for failure in result.failures]
    if summary["noise_dominated"]:
        items += ["", "!: the estimate lies outside its Monte Carlo interval (noise dominates it): raise -n"]
    return _render(*items)


def _plain(table: Any, row: Any, metric: Any) -> Any:
    """Return the robustness table's row of a ranked lever (which carries ``noise_dominated``)."""
    mine = table[(table["lever"] == row.lever) & (table["metric"] == metric.key)]
    if metric.outcome is not None:
        mine = mine[mine["outcome"] == metric.outcome]
    if metric.goal is not None:
        mine = mine[mine["goal"] == metric.goal]
    return mine.iloc[0]


def _indent(line: str) -> int:
    """Return how far a wrapped line's continuation is indented: two more than the line itself."""
    stripped = len(line) - len(line.lstrip(" "))
    return stripped + 2 if stripped else 0


def _table(headers: list[str], numbers: tuple[int, ...] | None = None) -> Table:
    """Return a table whose first column (or all but ``numbers``) is text, the others numbers."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for index, header in enumerate(headers):
        number = index in numbers if numbers is not None else index > 0
        table.add_column(header, justify="right" if number else "left", no_wrap=True)
    return table


def _render(*items: Any) -> str:
    """Return the items as text: sentences wrapped at ``WIDTH``, tables as wide as their cells need."""
    console = Console(file=io.StringIO(), width=TABLE_WIDTH, color_system=None, highlight=False, markup=False)
    for item in items:
        if isinstance(item, str):
            console.print("\n".join(textwrap.wrap(item, WIDTH, subsequent_indent=" " * _indent(item))) or "")
        else:
            console.print(item)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    return "\n".join(line.rstrip() for line in text.splitlines())
