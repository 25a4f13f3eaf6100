"""What ``sim.api`` does with folders already written: export, report, scenario discovery, comparison."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from sim.errors import InputError
from sim.results.folder import open_folder as open_folder_of
from sim.results.outputs import check_output_folder
from sim.scenario.parameters import input_names


def export(
    path: str | Path,
    format: Literal["csv", "netcdf"] = "csv",  # noqa: A002
    out: str | Path | None = None,
    first: int | None = None,
) -> list[Path]:
    """Write a run's tables for other tools (``sim export``) and return the files written.

    Args:
        path: A run folder (complete, or with finished chunks).
        format: ``csv`` (one file per table and the summary's month table, for spreadsheets) or
            ``netcdf`` (one file: the replication x day x sector cube and the outcomes; the ``netcdf``
            extra).
        out: A folder for CSV [default: ``RUN/export``], a file for netCDF
            [default: ``RUN/export/<scenario>.nc``].
        first: netCDF only: the first this many replications.

    Raises:
        InputError: For a folder that is not a run, a netCDF cube too big for memory, or a missing extra.
    """
    from sim.results.export import export_csv, export_netcdf

    directory = Path(path)
    run = open_folder_of(directory, "read", kind="run")
    if format == "csv":
        if first is not None:
            raise InputError("--first applies to --format netcdf", field="--first")
        return export_csv(run, Path(out) if out is not None else directory / "export")
    target = Path(out) if out is not None else directory / "export" / f"{run.scenario.name}.nc"
    target.parent.mkdir(parents=True, exist_ok=True)
    return [export_netcdf(run, target, first)]


def report(path: str | Path, out: str | Path | None = None) -> Path:
    """Write the self-contained HTML report of a folder (``sim report``) and return its path."""
    from sim.plots.report import write_report

    written, _ = write_report(Path(path), Path(out) if out is not None else None)
    return written


@dataclass
class Discovered:
    """What ``discover`` found.

    Attributes:
        discovery: PRIM's trajectory and the chosen box (``.box`` with its limits, coverage, density).
        cases: The folder's cases (inputs per replication).
        names: Short readable names of the inputs.
        scores: Feature scores as (inputs, outcomes, matrix), or None.
        sentence: The box in words.
        written: Files written.
    """

    discovery: Any
    cases: Any
    names: dict[str, str]
    scores: Any
    sentence: str
    written: list[Path]

    @property
    def feature_scores(self) -> pd.DataFrame:
        """The feature scores as a DataFrame: inputs (rows) by outcomes (columns)."""
        if self.scores is None:
            return pd.DataFrame()
        inputs, outcomes, matrix = self.scores
        return pd.DataFrame(matrix, index=inputs, columns=outcomes)


def discover(
    folder: str | Path,
    condition: str,
    min_density: float = 0.8,
    box: int | None = None,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    seed: int = 0,
    out: str | Path | None = None,
    scores: bool = True,
    plots: bool = True,
    threshold: float | None = None,
) -> Discovered:
    """Find the ranges of a folder's inputs in which a condition on an outcome holds (``sim discover``).

    Args:
        folder: A sweep folder, or a run folder of a scenario with distributions.
        condition: ``COLUMN OP NUMBER``, e.g. ``area_km2_on_2025-02-01 > 300``.
        min_density: The least density of the chosen box (``--min-density``).
        box: Choose this box of PRIM's trajectory instead.
        peel_alpha: PRIM's peeling share.
        mass_min: PRIM's least box mass.
        seed: Random state of the extra-trees feature scoring.
        out: Folder of the outputs [default: ``FOLDER/discovery``].
        scores: Compute feature scores for every outcome.
        plots: Draw the trade-off, box and score figures.
        threshold: The former name of ``min_density`` (deprecated).

    Raises:
        InputError: For a folder without varied or sampled inputs, a bad condition, or a missing extra.
    """
    from sim.analysis import discovery as sd

    if threshold is not None:
        warnings.warn("discover(threshold=) is now discover(min_density=)", DeprecationWarning, stacklevel=2)
        min_density = threshold

    sd.library()
    directory = Path(folder)
    cases = sd.read_cases(directory)
    target = Path(out) if out is not None else directory / "discovery"
    check_output_folder(target, reads=directory)
    parsed = sd.parse_condition(condition, cases)
    y = parsed.test(sd.outcome_values(cases, parsed.column))
    found = sd.run_prim(cases.inputs, y, parsed, min_density, box, peel_alpha, mass_min)
    names = input_names(cases.scenario, list(cases.inputs))
    table = None
    if scores:
        outcomes = {str(parsed): y.astype(float), **sd.scored_outcomes(cases)}
        table = (list(cases.inputs), list(outcomes), sd.feature_scores(cases.inputs, outcomes, seed))
    written = sd.save(target, found, cases.scenario, names, table)
    if plots:
        from sim.plots.discovery import write_discovery_plots

        written += write_discovery_plots(target, found, cases, names, table)
    return Discovered(found, cases, names, table, sd.box_sentence(found, cases.scenario, names), written)


@dataclass
class Compared:
    """What ``compare`` found and wrote.

    Attributes:
        path: The comparison folder.
        table: ``compare.parquet``: one row per variant and outcome (baseline and variant values, the
            difference with its 95% interval, paired or not, the method, the share of replications
            changed, within Monte Carlo noise or not).
        comparison: The runs, their pairings and scenario changes, the outcomes compared.
        written: Files written.
        notes: Outcomes left out and figures skipped, each in a sentence.
    """

    path: Path
    table: pd.DataFrame
    comparison: Any
    written: list[Path]
    notes: list[str]


def compare(runs: Sequence[str | Path], out: str | Path | None = None, plots: bool = True) -> Compared:
    """Compare courses of action: every run against the first, outcome by outcome (``sim compare``).

    Runs made with the same seed and replication count are paired (common random numbers), and their
    differences get paired intervals, much narrower than unpaired ones.

    Args:
        runs: Run folders, the baseline first.
        out: The comparison folder [default: ``results/compare-<names>``].
        plots: Draw the overlaid fan charts, survival curves and the forest plot into ``out/plots``.

    Raises:
        InputError: For fewer than two runs, a folder that is not a complete run, runs of different
            periods, or an ``out`` that is a file or holds a run.
    """
    from sim.analysis import compare as sc

    if out is not None:
        sc.check_out(Path(out))
    comparison = sc.compare_runs([Path(run) for run in runs])
    target = Path(out) if out is not None else sc.default_compare_folder([r.label for r in comparison.runs])
    sc.check_out(target)
    figures: list[Path] = []
    notes = list(comparison.notes)
    if plots:
        from sim.plots.compare import write_compare_plots

        figures, drawn_notes = write_compare_plots(target / "plots", comparison)
        notes += drawn_notes
    written = sc.save(target, comparison, figures) + figures
    return Compared(target, comparison.table, comparison, written, notes)
