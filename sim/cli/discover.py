"""The ``sim discover`` command: PRIM boxes and feature scores on a sweep or a run with sampled inputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import numpy as np

from sim.cli.options import renamed_option


@click.command()
@click.argument("folder", type=click.Path(path_type=Path))
@renamed_option("--outcome", "--condition")
@renamed_option("--threshold", "--min-density")
@click.option(
    "--condition",
    "expression",
    required=True,
    metavar="EXPR",
    help="The condition to explain: COLUMN OP NUMBER, OP one of < <= > >= == != (for example "
    "'area_km2_on_2025-02-01 > 300' or 'withdrawal_began_by_2025-02-01 == 0'). COLUMN is an outcome "
    "column, withdrawal_began_by_<date> (1 if the withdrawal began by then, else 0) or day_below_<km2> "
    "(runs that never fall below counted at the horizon).",
)
@click.option(
    "--min-density",
    "min_density",
    type=click.FloatRange(0, 1, min_open=True),
    default=0.8,
    show_default=True,
    help="Choose the box with the most coverage whose density (share of its runs meeting the condition) "
    "reaches this.",
)
@click.option("--box", type=click.IntRange(min=0), help="Choose this box of the trajectory instead.")
@click.option(
    "--peel-alpha",
    type=click.FloatRange(0, 0.5, min_open=True),
    default=0.05,
    show_default=True,
    help="Share of cases PRIM peels off per step.",
)
@click.option(
    "--mass-min",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.05,
    show_default=True,
    help="Smallest share of all runs a box may hold.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Random state of the extra trees.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder [default: FOLDER/discovery].",
)
@click.option("--scores/--no-scores", default=True, show_default=True, help="Score inputs per outcome.")
@click.option("--plots/--no-plots", default=True, show_default=True, help="Write figures.")
@click.option("-q", "--quiet", is_flag=True, help="Do not list the files written.")
def discover(
    folder: Path,
    expression: str,
    min_density: float,
    box: int | None,
    peel_alpha: float,
    mass_min: float,
    seed: int,
    out_dir: Path | None,
    scores: bool,
    plots: bool,
    quiet: bool,
) -> None:
    """Find the ranges of FOLDER's inputs in which a condition on an outcome holds (PRIM).

    FOLDER is a sweep folder (inputs: the varied fields and the sampled ones) or a run folder of a
    scenario with distributions (inputs: the sampled fields). Each replication is a case. Prints
    PRIM's coverage/density trade-off, the chosen box's limits with their quasi-p-values and the box
    in words, and extra-trees feature scores of the inputs for every outcome. Writes
    prim_trajectory.csv, box.json, feature_scores.csv and figures to FOLDER/discovery (or --out).
    """
    from sim import api
    from sim.analysis import discovery as sd

    result = api.discover(
        folder,
        expression,
        min_density=min_density,
        box=box,
        peel_alpha=peel_alpha,
        mass_min=mass_min,
        seed=seed,
        out=out_dir,
        scores=scores,
        plots=plots,
    )
    cases, found, names = result.cases, result.discovery, result.names
    for note in cases.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(_header(cases, folder, found, sd.describe_condition(found.condition, cases.scenario)))
    click.echo(_trajectory(found))
    click.echo(_limits(found, names))
    click.echo("")
    click.echo(result.sentence)
    if result.scores is not None:
        click.echo("")
        click.echo(_scores(result.scores, names, seed, sd.library_version()))
    if not quiet:
        click.echo("written: " + ", ".join(str(p) for p in result.written), err=True)


def _header(cases: Any, folder: Path, found: Any, words: str) -> str:
    what = (
        f"{cases.kind}, {cases.points:,} points, {len(cases.varied)} varied and {len(cases.sampled)} sampled "
        "inputs"
        if cases.kind in ("sweep", "study")
        else f"run, {len(cases.sampled)} sampled inputs"
    )
    return (
        f"{folder}: {found.total:,} runs ({what})\n"
        f"condition: {found.condition} ({words}): {found.of_interest:,} runs "
        f"({found.of_interest / found.total:.1%})\n"
    )


def _trajectory(found: Any) -> str:
    rows = found.trajectory
    shown = sorted({*np.linspace(0, len(rows) - 1, min(len(rows), 9)).round().astype(int), found.box.index})
    lines = [
        f"PRIM trajectory: {len(rows)} boxes (peel alpha {found.peel_alpha:g}, minimum mass "
        f"{found.mass_min:g}); coverage {rows[0]['coverage']:.0%} to {rows[-1]['coverage']:.0%}, "
        f"density {rows[0]['density']:.0%} to {max(r['density'] for r in rows):.0%}",
        f"{'':2}{'box':>4} {'coverage':>9} {'density':>8} {'mass':>7} {'limited inputs':>15}",
    ]
    for i in shown:
        row = rows[i]
        mark = "> " if i == found.box.index else "  "
        lines.append(
            f"{mark}{i:>4} {row['coverage']:>9.1%} {row['density']:>8.1%} {row['mass']:>7.1%} "
            f"{row['restricted']:>15}"
        )
    lines.append(f"chosen: box {found.box.index}, {found.chosen_by}\n")
    return "\n".join(lines)


def _p(value: float | None) -> str:
    if value is None:
        return "-"
    text = "<1e-300" if value == 0 else f"{value:.2g}"
    return text + (" n.s." if value >= 0.05 else "")


def _limits(found: Any, names: dict[str, str]) -> str:
    box = found.box
    if not box.limits:
        return f"box {box.index} limits no input: it is all {box.cases:,} runs"
    width = max(24, *(len(names[limit.name]) for limit in box.limits))
    lines = [
        f"box {box.index}: coverage {box.coverage:.1%}, density {box.density:.1%}, mass {box.mass:.1%} "
        f"({box.cases:,} runs, {box.of_interest:,} of them meeting the condition)",
        f"{'input':<{width}} {'lower':>10} {'upper':>10} {'range in all runs':>22} {'cut':>5} "
        f"{'quasi-p lower':>14} {'quasi-p upper':>14}",
    ]
    for limit in box.limits:
        low = f"{limit.low:.4g}" if limit.qp_low is not None else "-"
        high = f"{limit.high:.4g}" if limit.qp_high is not None else "-"
        span = f"{limit.minimum:.4g} to {limit.maximum:.4g}"
        lines.append(
            f"{names[limit.name]:<{width}} {low:>10} {high:>10} {span:>22} {limit.cut:>5.0%} "
            f"{_p(limit.qp_low):>14} {_p(limit.qp_high):>14}"
        )
    lines.append(
        "cut: share of the input's range outside the box. quasi-p: one-sided binomial test of the box "
        "against the box without that limit (Bryant and Lempert 2010); n.s. = not significant at 5%."
    )
    return "\n".join(lines)


def _scores(table: tuple[list[str], list[str], Any], names: dict[str, str], seed: int, version: str) -> str:
    inputs, outcomes, matrix = table
    width = max(len(o) for o in outcomes)
    lines = [
        f"feature scores (extra trees, ema_workbench {version}, random_state {seed}): the three inputs "
        "that matter most for each outcome"
    ]
    for column, outcome in enumerate(outcomes):
        order = np.argsort(-matrix[:, column], kind="stable")[:3]
        top = ", ".join(f"{names[inputs[i]]} {matrix[i, column]:.2f}" for i in order)
        lines.append(f"  {outcome:<{width}}  {top}")
    return "\n".join(lines)
