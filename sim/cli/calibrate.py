"""The ``sim calibrate`` command: ABC-SMC calibration of a scenario's inputs to its observations."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import click

from sim.cli.options import check_scheduler, executor_options, set_option
from sim.scenario.parameters import input_names


@click.command()
@click.argument("scenario_file", metavar="SCENARIO")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder [default: results/<scenario>/calibrate-<time>].",
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
    help="Time budget; checked after each generation [default: calibrate block].",
)
@click.option(
    "--min-epsilon",
    type=click.FloatRange(min=0),
    help="Stop once the acceptance threshold is at or below this [default: calibrate block].",
)
@click.option(
    "-n",
    "--replications",
    type=click.IntRange(min=1),
    help="Replications averaged per particle [default: calibrate block].",
)
@click.option(
    "--seed",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Root seed of the model's streams and of pyabc's sampling.",
)
@set_option
@executor_options
@click.option("--plots/--no-plots", default=True, show_default=True, help="Write plots.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
def calibrate(
    scenario_file: str,
    out_dir: Path | None,
    population: int | None,
    generations: int | None,
    max_minutes: float | None,
    min_epsilon: float | None,
    replications: int | None,
    seed: int,
    executor: str,
    workers: int | None,
    scheduler: str | None,
    overrides: tuple[str, ...],
    plots: bool,
    quiet: bool,
) -> None:
    """Calibrate SCENARIO's calibrate: parameters to its observations (ABC-SMC).

    Writes posterior.parquet, abc.db (pyabc's history), diagnostics.json/.csv, a calibrated
    scenario <name>_calibrated.yaml that extends SCENARIO and draws the calibrated inputs from the
    posterior, and plots/. The options override the scenario's calibrate: block.
    """
    from sim.api.calibration import calibrate as calibrated
    from sim.cli.watch import CommandWatch
    from sim.errors import require_extra

    require_extra("pyabc", "calibrate", "sim calibrate")
    check_scheduler(executor, scheduler)
    done = calibrated(
        scenario_file,
        out_dir,
        list(overrides),
        population,
        generations,
        max_minutes,
        seed,
        executor,
        workers,
        plots,
        min_epsilon,
        replications,
        scheduler,
        watch=CommandWatch(quiet),
    )
    click.echo(format_summary(done.problem, done.result))
    if not quiet:
        click.echo("written: " + ", ".join(str(p) for p in done.written), err=True)


def row_format(values: list[float], digits: int = 3) -> str:
    """Return one fixed-point format for a row of numbers: ``digits`` significant digits of its largest."""
    finite = [abs(v) for v in values if math.isfinite(v) and v != 0.0]
    if not finite:
        return ",.0f"
    decimals = max(0, digits - 1 - math.floor(math.log10(max(finite))))
    return f",.{decimals}f"


def format_summary(problem: Any, result: Any) -> str:
    """Return the text printed at the end of ``sim calibrate``."""
    lines = [
        f"{problem.scenario.name}: {len(result.generations)} generation(s) in {result.seconds:.1f} s, "
        f"stopped by {result.stop_reason.replace('_', ' ')}",
        "",
        f"{'generation':>10} {'epsilon':>10} {'acceptance':>11} {'ESS':>8} {'samples':>9} {'seconds':>9}",
    ]
    for g in result.generations:
        lines.append(
            f"{g.generation:>10} {g.epsilon:>10.4g} {g.acceptance_rate:>10.1%} "
            f"{g.effective_sample_size:>8.1f} {g.samples:>9,} {g.seconds:>9.1f}"
        )
    # Here, not at the top: pyabc takes seconds to import, and every sim command imports this module.
    from sim.experiments.calibration.posterior import correlations, parameter_summary

    summary = parameter_summary(problem, result.posterior)
    names = input_names(problem.scenario, list(summary))
    width = max([24, *(len(name) + 2 for name in names.values())])
    header = f"{'parameter':<{width}} {'prior median (10% to 90%)':>30} {'posterior median (10% to 90%)':>32}"
    lines += ["", header]
    for path, s in summary.items():
        prior_values = (s["prior_median"], s["prior_p10"], s["prior_p90"])
        posterior_values = (s["posterior_median"], s["posterior_p10"], s["posterior_p90"])
        # One precision per row: the prior and the posterior of an input read against each other.
        shown = row_format([*prior_values, *posterior_values])
        prior = "{} ({} to {})".format(*(format(v, shown) for v in prior_values))
        post = "{} ({} to {})".format(*(format(v, shown) for v in posterior_values))
        lines.append(f"{names[path]:<{width}} {prior:>30} {post:>32}")
    pairs = correlations(problem, result.posterior)
    if pairs:
        strongest = max(pairs.items(), key=lambda item: abs(item[1]) if math.isfinite(item[1]) else -1.0)
        a, b = strongest[0].split(" | ")
        named = input_names(problem.scenario, [a, b])
        lines.append(f"\nstrongest posterior correlation: {named[a]} ~ {named[b]}: {strongest[1]:+.2f}")
    return "\n".join(lines)
