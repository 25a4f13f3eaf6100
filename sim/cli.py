"""The ``sim`` command line (also ``python -m sim``).

Bad input of any kind ends in one line on standard error naming the file, line and field, with
exit code 2 and no traceback; what was already written stays as it was.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from sim.cli_options import check_scheduler, executor_options, finish_batch_or_exit
from sim.errors import InputError

EXIT_INPUT = 2


def _fail(error: InputError | str) -> NoReturn:
    click.echo(f"error: {error}", err=True)
    sys.exit(EXIT_INPUT)


class _Command(click.Command):
    """A click command that turns user errors into one line and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as error:
            _fail(error)


class _Group(click.Group):
    command_class = _Command

    def main(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102 - click's own
        try:
            return super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.Exit as exit_:
            sys.exit(exit_.exit_code)
        except click.Abort:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except click.UsageError as error:
            hint = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
            _fail(f"{error.format_message()}{hint}")
        except click.ClickException as error:
            _fail(error.format_message())
        except InputError as error:
            _fail(error)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="conflict-sim", prog_name="sim")
def cli() -> None:
    """Simulate a contested salient: how fast held ground erodes, and what changes that."""


def _set_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--set",
        "overrides",
        multiple=True,
        metavar="PATH=VALUE",
        help="Override any scenario field, e.g. --set sides.russia.attack.rate_per_day=2 "
        "(values are YAML: numbers, names or {dist: uniform, low: 1, high: 2}). Repeatable.",
    )(function)


def _load(scenario_file: str, overrides: Sequence[str]) -> Any:
    from sim.scenario import load_scenario

    return load_scenario(scenario_file, overrides)


class _Progress:
    """A progress bar with rate and time left on a terminal; otherwise a log line every few seconds."""

    def __init__(self, quiet: bool, label: str = "replications") -> None:
        self.quiet = quiet
        self.label = label
        self.tty = sys.stderr.isatty()
        self.began = time.monotonic()
        self.last_log = 0.0
        self.first: int | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.quiet:
            return
        now = time.monotonic()
        if self.first is None:
            self.first = done
        elapsed = max(now - self.began, 1e-9)
        rate = (done - self.first) / elapsed
        left = (total - done) / rate if rate > 0 else math.inf
        eta = (
            "--:--"
            if math.isinf(left)
            else time.strftime("%M:%S" if left < 3600 else "%H:%M:%S", time.gmtime(left))
        )
        if self.tty:
            width = 30
            filled = int(width * done / total) if total else width
            bar = "#" * filled + "-" * (width - filled)
            click.echo(
                f"\r[{bar}] {done:,}/{total:,} {self.label}  {rate:,.0f}/s  {eta} left ", nl=False, err=True
            )
            if done >= total:
                click.echo("", err=True)
        elif now - self.last_log >= 5.0 or done >= total:
            self.last_log = now
            click.echo(f"{done:,}/{total:,} {self.label} done, {rate:,.0f}/s, {eta} left", err=True)


@cli.command()
@click.argument("scenario_file", metavar="SCENARIO", required=False)
@click.option(
    "-n",
    "--replications",
    default=1000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Number of replications.",
)
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Root random seed.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Run folder [default: results/<scenario>/<time>-<hash>].",
)
@_set_option
@executor_options
@click.option("--chunk", type=click.IntRange(min=1), help="Replications per task [default: automatic].")
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
    plots: bool,
    quiet: bool,
) -> None:
    """Run SCENARIO's replications, write the run folder and print a summary."""
    from sim.batch.executors import make_executor
    from sim.batch.runner import choose_chunk_size, default_run_folder, execute, open_run, start_run

    check_scheduler(executor, scheduler)
    if resume_dir is not None:
        if scenario_file is not None or overrides:
            raise InputError(
                "--resume takes the scenario from the run folder; give no SCENARIO or --set",
                str(resume_dir),
                field="--resume",
            )
        scenario, store = open_run(resume_dir)
        pool = make_executor(executor, workers, scheduler)
    else:
        if scenario_file is None:
            raise InputError("missing SCENARIO (a scenario YAML file), or --resume RUN_DIR")
        scenario = _load(scenario_file, overrides)
        pool = make_executor(executor, workers, scheduler)
        try:
            size = chunk or choose_chunk_size(scenario, replications, pool.workers)
            directory = out_dir or default_run_folder(scenario, seed, replications)
            store = start_run(scenario, directory, seed, replications, size, daily, scenario_file)  # type: ignore[arg-type]
        except BaseException:
            pool.close()
            raise
    if not quiet:
        click.echo(f"run folder: {store.directory}", err=True)
    result = finish_batch_or_exit(
        "run", store.directory, lambda: execute(scenario, store, pool, _Progress(quiet))
    )
    _finish(scenario, store.directory, plots, result.seconds, quiet)


def _finish(scenario: Any, directory: Path, plots: bool, seconds: float, quiet: bool) -> None:
    from sim.analysis.summary import format_summary, summarize
    from sim.batch.store import write_json

    summary = summarize(directory, scenario)
    summary["seconds"] = round(seconds, 3)
    write_json(directory / "summary.json", summary)
    click.echo(format_summary(summary))
    if plots:
        from sim.analysis.plots import write_run_plots

        written = write_run_plots(scenario, directory, "png")
        if not quiet:
            click.echo("plots: " + ", ".join(str(p) for p in written), err=True)
    if not quiet:
        click.echo(
            f"{summary['replications']:,} replications in {seconds:.1f} s; results in {directory}", err=True
        )


@cli.command()
@click.argument("scenario_file", metavar="SCENARIO")
@_set_option
def check(scenario_file: str, overrides: tuple[str, ...]) -> None:
    """Validate SCENARIO and print what it contains."""
    from sim.scenario.describe import describe

    scenario = _load(scenario_file, overrides)
    click.echo(describe(scenario))
    click.echo(f"\n{scenario_file}: valid")


@cli.command()
@click.argument("scenario_file", metavar="SCENARIO")
@click.option(
    "--replication",
    "-r",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Which replication (as numbered by sim run).",
)
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Root random seed.")
@_set_option
@click.option("--sector", help="Only events in this sector (and theatre-wide ones).")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    help="Only events of this kind (assault, arrival, ready, commit, "
    "rotate, strike, withdrawal, withdrawn, sector_lost). Repeatable.",
)
def trace(
    scenario_file: str,
    replication: int,
    seed: int,
    overrides: tuple[str, ...],
    sector: str | None,
    kinds: tuple[str, ...],
) -> None:
    """Print one replication's events as a timeline: the same replication sim run makes with that seed."""
    from sim.batch.seeding import replication_seed
    from sim.model.replication import Replication

    scenario = _load(scenario_file, overrides)
    if sector is not None and sector not in scenario.sectors:
        raise InputError(
            f"no sector {sector!r}; sectors are: {', '.join(scenario.sectors)}", field="--sector"
        )
    model = Replication(scenario, replication_seed(seed, replication), trace=True)
    trajectory = model.run()
    click.echo(f"{scenario.name}, replication {replication}, seed {seed}")
    for path, value in trajectory.parameters.items():
        click.echo(f"  sampled {path} = {value:.4g}")
    for event in trajectory.events:
        if sector is not None and event.sector not in ("", sector):
            continue
        if kinds and event.kind not in kinds:
            continue
        when = dt.datetime.combine(scenario.start, dt.time()) + dt.timedelta(days=event.day)
        stamp = when.strftime("%Y-%m-%d %H:%M")
        click.echo(f"{stamp}  {event.sector or '-':<20} {event.kind:<11} {event.text}")
    end_area = float(trajectory.area_km2[-1])
    withdrawal = (
        f"withdrawal began {scenario.start + dt.timedelta(days=trajectory.withdrawal_day)} "
        f"({trajectory.withdrawal_reason})"
        if trajectory.withdrawal_day is not None
        else "no withdrawal"
    )
    click.echo(f"end {scenario.end}: {end_area:,.1f} km2 held; {withdrawal}")


# Commands defined in their own modules register here.
from sim.cli_calibrate import calibrate  # noqa: E402
from sim.cli_plots import plot, report  # noqa: E402
from sim.cli_sweep import sweep  # noqa: E402
from sim.cli_validate import validate  # noqa: E402

cli.add_command(plot)
cli.add_command(report)
cli.add_command(sweep)
cli.add_command(calibrate)
cli.add_command(validate)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="sim")


if __name__ == "__main__":
    main()
