"""The ``sim compare`` command: courses of action side by side, every run against the first."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    import pandas as pd

LABEL_WIDTH = 30
HEADER = (
    f"{'':<{LABEL_WIDTH + 2}} {'baseline':>9} {'variant':>9} {'difference':>11} {'95% interval':>21}  "
    f"{'runs changed (up/down)':<23} verdict"
)


@click.command()
@click.argument(
    "runs", nargs=-1, required=True, metavar="RUN_A RUN_B [RUN_C ...]", type=click.Path(path_type=Path)
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Comparison folder [default: results/compare-<run names>].",
)
@click.option("--plots/--no-plots", default=True, show_default=True, help="Draw the comparison's figures.")
@click.option("-q", "--quiet", is_flag=True, help="Do not list the files written.")
def compare(runs: tuple[Path, ...], out_dir: Path | None, plots: bool, quiet: bool) -> None:
    """Compare courses of action: every run against the first (the baseline), outcome by outcome.

    For each outcome the runs share (held area on each kept date, days until the held area falls
    below each threshold, withdrawal by each month, casualties, the advance rate, each reported
    figure's model value) it prints the baseline's and the variant's value, their difference with a
    95% interval, the share of replications the variant changed, and whether the difference is beyond
    Monte Carlo noise. Runs made with the same --seed and -n are paired (common random numbers) and get
    paired intervals, much narrower than unpaired ones. Writes compare.parquet, compare.json (which
    runs were compared, and how) and figures in plots/ to results/compare-<names> (or --out).
    """
    from sim import api

    result = api.compare(runs, out_dir, plots)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    click.echo("\n".join(report_lines(result.comparison, result.table)))
    if not quiet:
        click.echo("written: " + ", ".join(str(p) for p in result.written), err=True)


def report_lines(comparison: Any, table: pd.DataFrame) -> list[str]:
    """Return the terminal report: the runs, then one block per variant, one line per outcome."""
    base = comparison.runs[0]
    lines = [_run_line("baseline", base)]
    for run, pair, changes in zip(comparison.runs[1:], comparison.pairings, comparison.changes, strict=True):
        shown = ", ".join(changes[:4]) + (f" and {len(changes) - 4} more" if len(changes) > 4 else "")
        lines += [_run_line("variant", run), f"{'':10}changes: {shown or 'none'}", f"{'':10}{pair.reason}"]
    for run in comparison.runs[1:]:
        rows = table[table["variant"] == run.label]
        lines += ["", f"{run.label} minus {base.label}, with 95% intervals", HEADER]
        for group, block in rows.groupby("group", sort=False):
            lines.append(f"{group}: {block['statistic'].iloc[0]}")
            lines += [_row(row) for row in block.to_dict("records")]
    legend = (
        "difference: variant minus baseline. Means: t-interval (paired: on each replication's difference); "
        "days: restricted mean to the end date (a run that never falls below X counts as the end date), "
        "bootstrap; shares: Newcombe, in percentage points. within noise: the interval contains 0 (no run "
        "changed: the variant left every paired replication as it was). "
        "runs changed: share of paired replications whose value the variant changed, up and down."
    )
    lines += ["", *textwrap.wrap(legend, 110)]
    return lines


def _run_line(role: str, run: Any) -> str:
    manifest = run.folder.manifest
    return (
        f"{role:<10}{run.folder.directory}: {manifest.scenario_name}, {manifest.replications:,} runs, "
        f"seed {manifest.seed}"
    )


def _row(row: dict[str, Any]) -> str:
    # Here, not at the top: scipy.stats and pandas take most of a second, and every command imports this.
    from sim.analysis.differences import value_text, verdict

    unit = row["unit"]
    interval = f"{value_text(row['low'], unit, True)} to {value_text(row['high'], unit, True)}"
    difference = value_text(row["difference"], unit, True) + (" pts" if unit == "share" else "")
    if row["paired"]:
        changed = f"{row['share_changed']:.0%} ({row['share_higher']:.0%}/{row['share_lower']:.0%})"
    else:
        changed = "n/a (unpaired)"
    return (
        f"  {row['label']:<{LABEL_WIDTH}} {value_text(row['baseline_value'], unit):>9} "
        f"{value_text(row['variant_value'], unit):>9} {difference:>11} {interval:>21}  {changed:<23} "
        f"{verdict(row)}"
    )
