"""The figures of a run folder (``sim plot``, and ``sim run`` at its end), one at a time.

``run_figures`` reads a run folder and yields its figures one at a time, so that only one is in
memory; ``write_plots`` saves them into ``RUN_DIR/plots`` and ``sim report`` embeds them in HTML.

Memory stays bounded for big runs: only the needed columns are read, a row group at a time, and the
daily bands (fan chart, forces, sectors) are drawn from at most ``MAX_BAND_RUNS`` (2,000) runs: beyond
that, an evenly spaced, deterministic sample of replications, and the figure's title says so. Survival,
distribution, observation and withdrawal figures use every run (``outcomes.parquet`` has one row per
run, read a column at a time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from sim.analysis.summary import dynamics_only
from sim.errors import InputError
from sim.plots.run_area import area_distribution, fan_chart, survival_chart
from sim.plots.run_forces import forces_chart, has_withdrawal_rules, sectors_chart, withdrawal_chart
from sim.plots.run_observations import observation_samples, observations_chart
from sim.plots.style import FORMATS, area_observations, fmt_date, save, styled
from sim.results.columns import outcome_dates, outcome_thresholds
from sim.results.folder import RunFolder, open_folder
from sim.results.outputs import check_output_folder
from sim.results.readers import (
    areas_on,
    crossing_days,
    daily_matrices,
    read_column,
    read_table,
    sector_matrices,
)
from sim.scenario.schema import Scenario


# ------------------------------------------------------------------------------- a run's figures
@dataclass
class FigureItem:
    """One figure of a run, or why it was skipped.

    Attributes:
        name: File stem, e.g. ``fan_chart``.
        caption: What the figure shows, in a sentence.
        figure: The figure; None if skipped.
        note: Why it was skipped, if it was.
    """

    name: str
    caption: str
    figure: Figure | None = None
    note: str | None = None


FIGURES = (
    "fan_chart",
    "survival",
    "area_distribution",
    "observations",
    "withdrawal_reasons",
    "forces",
    "sectors",
)
"""Every figure of a run, in order (file stems)."""


def default_date(run: RunFolder) -> dt.date:
    """Return the date whose held-area distribution says most: where the runs differ most.

    Among the dates the run keeps as outcomes (the first of each month and the observation dates), the
    one with the widest spread between runs (interquartile range), an observation date first if one has
    any spread: a date where every run holds the same (before the attack) or nothing (after the end) has
    a one-bar histogram.
    """
    scenario = run.scenario
    observed = {obs.date for obs in area_observations(scenario)}
    spreads: dict[dt.date, float] = {}
    for date in outcome_dates(scenario):
        values = areas_on(run.directory, scenario, date)
        if values is not None and values.size:
            low, high = np.percentile(values, [25, 75])
            spreads[date] = float(high - low)
    if not spreads:
        return min(observed) if observed else scenario.end
    with_spread = {date: spread for date, spread in spreads.items() if spread > 0}
    for pool in ({d: s for d, s in with_spread.items() if d in observed}, with_spread, spreads):
        if pool:
            return max(sorted(pool), key=lambda date: pool[date])
    return scenario.end


def default_thresholds(scenario: Scenario) -> list[float]:
    """Return the survival thresholds: the scenario's plus half the start (its outcome columns)."""
    return outcome_thresholds(scenario)


# Over 60 lines: one step per figure, each read, drawn and yielded before the next is read so that one
# figure's data is in memory at a time; as separate functions each step would hand the generator's state
# around.
@styled
def run_figures(
    run: RunFolder,
    at: dt.date | None = None,
    thresholds: Sequence[float] | None = None,
    skip: Collection[str] = (),
) -> Iterator[FigureItem]:
    """Yield a run's figures one at a time, each as soon as it is drawn (the caller saves it and lets it go).

    Args:
        run: The opened run folder.
        at: Date of the held-area distribution (default ``default_date``).
        thresholds: Areas X for the survival and crossing figures (default ``default_thresholds``).
        skip: Figures not to draw (yielded with neither figure nor note): ``fan_chart``, ``survival``,
            ``area_distribution`` or ``forces``, shown another way (interactive charts).

    Raises:
        InputError: If ``at`` is outside the run's dates.
    """
    scenario, directory = run.scenario, run.directory
    at = at or default_date(run)
    if not scenario.start <= at <= scenario.end:
        raise InputError(
            f"{at} is outside the run ({scenario.start} to {scenario.end})", str(directory), field="--at"
        )
    levels = sorted(set(thresholds), reverse=True) if thresholds else default_thresholds(scenario)
    has_daily = run.has("daily")
    no_daily = "skipped: the run has no daily.parquet (made with --daily none)"

    caption = "Held area over time: median and bands of the middle 50/80/95% of runs, with reported figures."
    if "fan_chart" in skip:
        yield FigureItem("fan_chart", caption)
    elif has_daily:
        data = daily_matrices(directory, ["area_km2"], run.days)
        alone = dynamics_only(directory, scenario)
        item = FigureItem(
            "fan_chart",
            caption,
            fan_chart(
                scenario,
                data.values["area_km2"],
                total=data.total,
                sample_ids=data.replications,
                dynamics=alone["by_month"] if alone else None,
            ),
        )
        del data
        yield item
        del item  # the caller saves the figure and lets it go; this frame must not keep it alive
    else:
        yield FigureItem("fan_chart", caption, note=no_daily)

    caption = "Kaplan–Meier probability that the held area has not yet fallen below each threshold, by date."
    crossings, notes = ({}, []) if "survival" in skip else crossing_days(directory, scenario, levels)
    partly = "; ".join(notes) or None
    if "survival" in skip:
        yield FigureItem("survival", caption)
    elif crossings:
        yield FigureItem("survival", caption, survival_chart(scenario, crossings), partly)
    else:
        yield FigureItem("survival", caption, note=f"skipped: {partly}")
    del crossings

    caption = f"Distribution of the held area across runs on {fmt_date(at)}, with its cumulative share."
    values = None if "area_distribution" in skip else areas_on(run.directory, run.scenario, at)
    if "area_distribution" in skip:
        yield FigureItem("area_distribution", caption)
    elif values is not None:
        yield FigureItem("area_distribution", caption, area_distribution(scenario, values, at))
        del values
    else:
        yield FigureItem(
            "area_distribution",
            caption,
            note="skipped: the run has no daily.parquet (made with --daily none) and keeps the held area "
            "as an outcome only on the first of each month, observation dates and the end date",
        )

    caption = "Each reported figure against the model's distribution of the same quantity on its date."
    if scenario.observations:
        samples = observation_samples(directory, scenario)
        yield FigureItem("observations", caption, observations_chart(scenario, samples))
        del samples
    else:
        yield FigureItem("observations", caption, note="skipped: the scenario has no observations")

    caption = (
        "Which withdrawal rule fired in each run, and the share of runs whose withdrawal began by each date."
    )
    if has_withdrawal_rules(scenario):
        # The reasons stay an Arrow column (counted with pyarrow compute), never a Python list of every run.
        reasons = read_table(directory, "outcomes", ["withdrawal_reason"])["withdrawal_reason"]
        days = read_column(directory, "outcomes", "withdrawal_day")
        yield FigureItem("withdrawal_reasons", caption, withdrawal_chart(scenario, reasons, days))
        del reasons, days
    else:
        note = f"skipped: {scenario.holder} has no withdrawal rules, so no run's withdrawal began"
        yield FigureItem("withdrawal_reasons", caption, note=note)

    caption = "Strength in theatre and cumulative casualties of each side: median and middle 80% of runs."
    if "forces" in skip:
        yield FigureItem("forces", caption)
    elif has_daily:
        columns = [f"{what}_{side}" for side in scenario.sides for what in ("strength", "casualties")]
        data = daily_matrices(directory, columns, run.days)
        yield FigureItem("forces", caption, forces_chart(scenario, data.values, total=data.total))
        del data
    else:
        yield FigureItem("forces", caption, note=no_daily)

    caption = "Held area in each sector: median and middle 50/80/95% of runs."
    if run.has("sectors"):
        data = sector_matrices(directory, list(scenario.sectors), run.days)
        yield FigureItem("sectors", caption, sectors_chart(scenario, data.values, total=data.total))
        del data
    else:
        mode = "--daily none" if not has_daily else "--daily total"
        yield FigureItem(
            "sectors", caption, note=f"skipped: the run has no sectors.parquet (made with {mode})"
        )


@dataclass
class PlotResult:
    """What ``write_plots`` did.

    Attributes:
        written: Figure files written.
        notes: One line for each figure skipped, and any warning about the run folder.
    """

    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def write_plots(
    directory: Path,
    fmt: str = "png",
    at: dt.date | None = None,
    thresholds: Sequence[float] | None = None,
    run: RunFolder | None = None,
) -> PlotResult:
    """Write every figure of a run folder into ``directory/plots``.

    Args:
        directory: The run folder.
        fmt: ``png`` or ``svg``.
        at: Date of the held-area distribution.
        thresholds: Areas X for the survival and crossing figures.
        run: The folder already opened (else it is opened here).

    Raises:
        InputError: If the folder is not a usable run folder, or an option is out of range.
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}", field="--format")
    run = run or open_folder(directory)
    require_outcomes(run)
    result = PlotResult(notes=list(run.notes))
    out = directory / "plots"
    check_output_folder(out, reads=directory, option="RUN_DIR")
    out.mkdir(exist_ok=True)
    skipped: list[tuple[Path, str]] = []
    for item in run_figures(run, at, thresholds):
        path = out / f"{item.name}.{fmt}"
        if item.figure is not None:
            result.written.append(save(item.figure, path))
            item.figure = None  # saved: its data goes before the next figure is drawn
            if item.note:
                result.notes.append(f"{item.name}: {item.note}")
        else:
            skipped.append((path, f"{item.name}: {item.note}"))
    # Only now, with every figure drawn, is a figure left from other options removed: a command that
    # fails half-way leaves the folder as it found it.
    for path, note in skipped:
        if path.exists():
            path.unlink()
            note = f"{note} (removed the older {path.name}, drawn with other options)"
        result.notes.append(note)
    return result


def require_outcomes(run: RunFolder) -> None:
    """Refuse a run folder whose outcomes table was not kept (a copied or shipped example).

    Raises:
        InputError: If the folder has no outcomes table.
    """
    if not run.has("outcomes"):
        raise InputError(
            "holds no outcomes table (its Parquet files were not kept): run the scenario again to draw it",
            str(run.directory),
        )


def write_run_plots(scenario: Scenario, directory: Path, fmt: str = "png") -> list[Path]:
    """Write a run folder's figures into ``directory/plots`` and return their paths (used by ``sim run``)."""
    run = open_folder(directory)
    return write_plots(directory, fmt, run=run).written
