"""The ``sim sweep`` command: parameter sweeps and sensitivity analysis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from sim.batch.runner import MAX_REPLICATIONS
from sim.cli.options import allow_outside_option, check_scheduler, chunk_option, executor_options
from sim.errors import InputError


@click.command()
@click.argument("scenario_file", metavar="[SCENARIO]", required=False)
@click.option(
    "--vary",
    "varies",
    multiple=True,
    metavar="PATH=VALUES",
    help="A field to vary: path=v1,v2,... or path=lo:hi:n (grid), path=lo:hi (lhs, sobol, morris). "
    "Repeatable.",
)
@click.option(
    "--design",
    type=click.Choice(["grid", "lhs", "sobol", "morris"]),
    help="How points are chosen [default: grid].",
)
@click.option(
    "--samples",
    type=click.IntRange(min=1),
    help="Base sample size for lhs, sobol (a power of 2; N x (fields + 2) points) and morris "
    "(N trajectories) [default: 16, or the sweep file's; given with --sweep, it replaces the file's].",
)
@click.option(
    "--sweep",
    "sweep_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A sweep file (YAML) giving the scenario, design, vary, replications, seed, outcomes.",
)
@click.option(
    "-n",
    "--replications",
    type=click.IntRange(min=1, max=MAX_REPLICATIONS),
    help="Replications per point [default: 50].",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    help="Root seed; replication i uses the same streams at every point [default: 0].",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Sweep folder [default: results/<scenario>/sweep-<time>-<hash>].",
)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override a scenario field at every point. Repeatable.",
)
@allow_outside_option
@click.option(
    "--outcome",
    "outcomes",
    multiple=True,
    help="Outcome for sensitivity indices: final_area_km2, area_km2_on_<date>, day_below_<X>, "
    "withdrawal_began_by_<date>, casualties_<side>. Repeatable [default: a standard set].",
)
@executor_options
@chunk_option
@click.option(
    "--daily",
    type=click.Choice(["none", "total"]),
    default="none",
    show_default=True,
    help="Keep daily totals per point and replication, or outcomes only.",
)
@click.option(
    "--resume",
    "resume_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Finish an interrupted sweep in this folder.",
)
@click.option("--plots/--no-plots", default=True, show_default=True, help="Write plots.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
def sweep(
    scenario_file: str | None,
    varies: tuple[str, ...],
    design: str | None,
    samples: int | None,
    sweep_file: Path | None,
    replications: int | None,
    seed: int | None,
    out_dir: Path | None,
    overrides: tuple[str, ...],
    outcomes: tuple[str, ...],
    executor: str,
    scheduler: str | None,
    workers: int | None,
    chunk: int | None,
    daily: str,
    resume_dir: Path | None,
    plots: bool,
    quiet: bool,
) -> None:
    """Run SCENARIO at each point of a design, with common random numbers across points."""
    from sim.api.sweeps import sweep_design
    from sim.cli.watch import CommandWatch

    check_scheduler(executor, scheduler)
    base = spec = None
    if resume_dir is not None:
        if scenario_file or varies or sweep_file or overrides:
            raise InputError(
                "--resume takes everything from the sweep folder", str(resume_dir), field="--resume"
            )
    else:
        spec, scenario_path = _spec(
            scenario_file, sweep_file, varies, design, samples, replications, seed, outcomes
        )
        from sim.scenario import load_scenario

        set_overrides = [f"{path}={_yaml(value)}" for path, value in spec.set.items()] + list(overrides)
        base = load_scenario(scenario_path, set_overrides)
    swept = sweep_design(
        base,
        spec,
        out_dir,
        daily,  # type: ignore[arg-type]
        executor,
        workers,
        scheduler,
        chunk,
        plots,
        outcomes=outcomes,
        sweep_file=str(sweep_file) if sweep_file else None,
        resume=resume_dir,
        watch=CommandWatch(quiet),
    )
    _report(swept, quiet)


def _yaml(value: Any) -> str:
    import json

    return json.dumps(value)


def _spec(
    scenario_file: str | None,
    sweep_file: Path | None,
    varies: tuple[str, ...],
    design: str | None,
    samples: int | None,
    replications: int | None,
    seed: int | None,
    outcomes: tuple[str, ...],
) -> tuple[Any, str]:
    from sim.experiments.design import SweepSpec, parse_vary

    if sweep_file is not None:
        if varies or design:
            raise InputError(
                "give the design either in the sweep file or as --vary/--design, not both "
                "(--samples, -n, --seed and --outcome may change a sweep file's)",
                str(sweep_file),
            )
        return _file_spec(scenario_file, sweep_file, samples, replications, seed, outcomes)
    if scenario_file is None:
        raise InputError("missing SCENARIO (a scenario YAML file), or --sweep FILE, or --resume DIR")
    if not varies:
        raise InputError("nothing to vary: give --vary path=values (or --sweep FILE)")
    chosen = design or "grid"
    vary = dict(parse_vary(option, chosen) for option in varies)  # type: ignore[arg-type]
    fields: dict[str, Any] = {"design": chosen, "vary": vary, "outcomes": list(outcomes)}
    if samples is not None:
        fields["samples"] = samples
    if replications is not None:
        fields["replications"] = replications
    if seed is not None:
        fields["seed"] = seed
    from pydantic import ValidationError

    try:
        return SweepSpec.model_validate(fields), scenario_file
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        raise InputError(error["msg"].removeprefix("Value error, "), field="--vary") from None


def _report(swept: Any, quiet: bool) -> None:
    """Print each point's summary, the sensitivity indices, and what was written."""
    from sim.cli.sweep_text import point_lines
    from sim.experiments import sensitivity
    from sim.results.columns import area_column, summary_date
    from sim.results.locate import read_side_table
    from sim.scenario.parameters import input_names

    directory, spec = swept.folder.path, swept.spec
    points = read_side_table(directory, "points").to_pydict()
    summary = read_side_table(directory, "point_summary").to_pydict()
    varied = list(spec.vary)
    names = input_names(swept.first, varied)
    on = area_column(summary_date(swept.first))
    more_in = str(directory / "point_summary.parquet")
    click.echo("\n".join(point_lines(points, summary, varied, names, on, more_in)))
    indices = swept.folder.summary["indices"]
    if indices:
        click.echo(sensitivity.format_table(indices, names=names, samples=spec.samples))
        if not quiet:
            click.echo("indices: " + ", ".join(str(p) for p in swept.indices_written), err=True)
    if not quiet and swept.folder.figures:
        click.echo("plots: " + ", ".join(str(p) for p in swept.folder.figures), err=True)


def _file_spec(
    scenario_file: str | None,
    sweep_file: Path,
    samples: int | None,
    replications: int | None,
    seed: int | None,
    outcomes: tuple[str, ...],
) -> tuple[Any, str]:
    """Return a sweep file's design, changed by the options given, and the scenario it runs."""
    from sim.experiments.design import SweepSpec
    from sim.scenario.loader import load_raw, validate

    data, origins = load_raw(sweep_file)
    spec = validate(data, origins, str(sweep_file), SweepSpec)
    updates: dict[str, Any] = {}
    if replications is not None:
        updates["replications"] = replications
    if seed is not None:
        updates["seed"] = seed
    if outcomes:
        updates["outcomes"] = list(outcomes)
    if samples is not None:
        # Through validation again: a Sobol' design needs a power of two.
        data = {**spec.model_dump(), "samples": samples}
        try:
            spec = validate(data, {}, str(sweep_file), SweepSpec)
        except InputError as refused:
            raise InputError(refused.message, f"--samples {samples}") from None
    spec = spec.model_copy(update=updates)
    scenario_path = scenario_file or (str(sweep_file.parent / spec.scenario) if spec.scenario else None)
    if scenario_path is None:
        raise InputError("the sweep file names no scenario; give SCENARIO", str(sweep_file), field="scenario")
    return spec, scenario_path
