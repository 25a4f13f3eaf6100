"""The Python interface: everything the ``sim`` command does, from a notebook or a script.

Each function does what its command does, writes the same folder, and returns an object holding the
folder's path and its tables as pandas DataFrames (``experiments`` with every sampled and varied input
per replication, ``outcomes``, and ``daily`` when the run kept it). The command line calls these
functions. Example (docs/api.md has more, run as a test)::

    from sim import api

    scenario = api.load("scenarios/kursk_2024.yaml", set={"sides.russia.attack.advance_km": 0.6})
    run = api.run(scenario, replications=200, out="results/example")
    run.outcomes["area_km2_on_2024-11-23"].median()

``api.robust`` (in ``sim/api/robust.py``) runs a study of courses of action against deep uncertainties.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from sim.analysis.summary import summarize
from sim.api.inputs import load
from sim.batch.executors import Executor, make_executor
from sim.batch.runner import BatchResult, Progress
from sim.errors import InputError
from sim.experiments.design import SweepSpec, parse_vary
from sim.experiments.runs import default_run_folder, run_batch, run_dynamics_only, start_timed_run
from sim.experiments.sweep import default_sweep_folder, finish_sweep, run_sweep, start_sweep
from sim.results.columns import DailyMode
from sim.results.files import read_json
from sim.results.folder import open_folder as open_folder_of
from sim.results.kinds import DOCUMENTS, RUN_TABLES, Kind, kind_of, tables_of
from sim.results.locate import read_side_table
from sim.results.outputs import check_output_folder
from sim.results.readers import read_table
from sim.results.writing import write_json
from sim.scenario.mechanisms import without_judgement
from sim.scenario.parameters import distribution_leaves, input_names
from sim.scenario.schema import Scenario


@dataclass
class Folder:
    """A folder the simulator wrote, with its tables as pandas DataFrames (read on first use).

    Attributes:
        path: The folder.
        scenario: The scenario it ran (a sweep's base scenario); None for a calibration, backtest or
            comparison opened with ``open_folder`` (their records name the scenarios they used).
        seconds: Wall time of the batch that wrote it (0 if it was opened).
        summary: The folder's record of what it found: ``summary.json`` of a run or a sweep (a sweep's
            with its sensitivity indices under ``indices``), ``diagnostics.json`` of a calibration,
            ``backtest.json``, ``compare.json``.
        kind: ``run``, ``sweep``, ``calibration``, ``backtest`` or ``comparison``.
        notes: What to know about the folder as it stands (an unfinished run: its finished chunks only).
    """

    path: Path
    scenario: Scenario | None
    seconds: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)
    kind: Kind = "run"
    notes: tuple[str, ...] = ()
    _cache: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def tables(self) -> list[str]:
        """The names of the folder's tables, for ``table(name)``."""
        return list(tables_of(self.path, self.kind))

    def table(self, name: str) -> pd.DataFrame:
        """Return one of the folder's tables by name (``tables`` lists them).

        A run has ``outcomes``, ``daily`` and ``sectors`` (as kept), a sweep also ``points``,
        ``point_summary`` and ``sensitivity``; a calibration ``posterior`` and ``diagnostics``; a backtest
        ``backtest``; a comparison ``compare``; a folder with a discovery ``prim_trajectory`` and
        ``feature_scores``.

        Raises:
            InputError: For a table the folder does not have, naming those it has.
        """
        if name not in self._cache:
            found = tables_of(self.path, self.kind)
            where = found.get(name)
            if where is None:
                hint = " (a run made with --daily none keeps no daily table)" if name == "daily" else ""
                raise InputError(
                    f"the {self.kind} has no {name!r} table{hint}; its tables: {', '.join(found) or 'none'}",
                    str(self.path),
                )
            if name in RUN_TABLES:
                self._cache[name] = read_table(self.path, name).to_pandas()
            elif where.suffix == ".csv":
                self._cache[name] = pd.read_csv(where)
            else:
                self._cache[name] = read_side_table(where.parent, where.stem).to_pandas()
        return self._cache[name]

    def _scenario(self) -> Scenario:
        if self.scenario is None:
            raise InputError(f"a {self.kind} folder has no inputs per replication", str(self.path))
        return self.scenario

    @property
    def outcomes(self) -> pd.DataFrame:
        """One row per replication (per point and replication in a sweep): every outcome."""
        return self.table("outcomes")

    @property
    def daily(self) -> pd.DataFrame:
        """One row per replication and day (if the run kept it; ``--daily full`` or ``total``)."""
        return self.table("daily")

    @property
    def experiments(self) -> pd.DataFrame:
        """One row per replication: every input that varied (a sweep's point values, each sampled number)."""
        outcomes = self.outcomes
        sampled = [path for path, _ in distribution_leaves(self._scenario()) if path in outcomes.columns]
        keys = [column for column in ("point", "replication") if column in outcomes.columns]
        frame = outcomes[keys + sampled].copy()
        if "point" in frame.columns and (self.path / "points.parquet").is_file():
            points = self.table("points")
            varied = [column for column in points.columns if column != "point"]
            frame = frame.drop(columns=[c for c in varied if c in frame.columns]).merge(
                points, on="point", how="left"
            )
        return frame

    @property
    def names(self) -> dict[str, str]:
        """How every table, figure and report names each input of ``experiments`` (dotted path -> name).

        The shortest unambiguous tail of the path, with the side (``russia.north_korea.quality``).
        """
        inputs = [column for column in self.experiments.columns if column not in ("point", "replication")]
        return input_names(self._scenario(), inputs)


def _scenario_with(
    scenario: Scenario | str | Path, overrides: Mapping[str, Any] | Sequence[str] | None
) -> Scenario:
    """A scenario from a loaded one or a file, with ``set=`` overrides applied to a file."""
    if not isinstance(scenario, Scenario):
        return load(scenario, set=overrides)
    if overrides:
        raise InputError(
            "set= applies to a scenario file; for a loaded scenario, give the overrides to api.load",
            field="set",
        )
    return scenario


def _executor(executor: str | Executor, workers: int | None, scheduler: str | None) -> Executor:
    return make_executor(executor, workers, scheduler) if isinstance(executor, str) else executor


def _share(progress: Progress | None, index: int, batches: int) -> Progress | None:
    """Report batch ``index`` of ``batches`` equal batches as its part of the whole."""
    if progress is None:
        return None
    report = progress

    def part(done: int, total: int) -> None:
        report(index * total + done, batches * total)

    return part


def _finished(result: BatchResult, command: str) -> None:
    if result.failed:
        raise InputError(
            f"{len(result.failed)} chunk(s) failed; after fixing the cause: "
            f"sim {command} --resume {result.directory}",
            str(result.directory),
        )


def run(
    scenario: Scenario | str | Path,
    replications: int = 1000,
    seed: int = 0,
    out: str | Path | None = None,
    daily: DailyMode = "full",
    executor: str | Executor = "process",
    workers: int | None = None,
    scheduler: str | None = None,
    chunk: int | None = None,
    plots: bool = False,
    dynamics: bool = True,
    progress: Progress | None = None,
    set: Mapping[str, Any] | Sequence[str] | None = None,  # noqa: A002
) -> Folder:
    """Run a scenario's replications into a run folder (``sim run``) and return it.

    Args:
        scenario: A scenario (``load``) or the path of its YAML.
        replications: Number of replications.
        seed: Root seed.
        out: The run folder [default: ``results/<scenario>/<time>-<hash>``].
        daily: How much daily state to keep: ``full``, ``total`` or ``none``.
        executor: ``process`` (all cores), ``serial``, ``dask``, or an executor object.
        workers: Worker processes.
        scheduler: A Dask scheduler address.
        chunk: Replications per task [default: automatic].
        plots: Draw the run's figures into ``out/plots``.
        dynamics: Also run the same replications with the holder's withdrawal rules off (into
            ``out/dynamics_only``), so the summary gives the forecast of the dynamics alone.
        progress: Called with (replications done, replications in all) after each chunk, the
            dynamics-only companion's counted in. An exception it raises stops the batch as Ctrl-C
            does: the finished chunks stay in ``out``, resumable with ``sim run --resume``, and the
            exception reaches the caller.
        set: Overrides, as for ``load`` and ``--set`` (with a scenario file; a loaded scenario takes them
            from ``load``).

    Raises:
        InputError: For a bad scenario or override, or overrides given with a loaded scenario.
    """
    loaded = _scenario_with(scenario, set)
    pool = _executor(executor, workers, scheduler)
    try:
        directory = Path(out) if out is not None else default_run_folder(loaded, seed, replications)
        store = start_timed_run(loaded, directory, seed, replications, daily, pool.workers, chunk)
    except BaseException:
        pool.close()
        raise
    batches = 2 if dynamics and without_judgement(loaded) is not None else 1
    result = run_batch(loaded, store, pool, _share(progress, 0, batches))
    _finished(result, "run")
    if dynamics:
        companion = run_dynamics_only(
            loaded,
            directory,
            seed,
            replications,
            _executor(executor, workers, scheduler),
            _share(progress, 1, batches),
        )
        if companion is not None:
            _finished(companion, "run")
    summary = summarize(directory, loaded)
    summary["seconds"] = round(result.seconds, 3)
    write_json(directory / "summary.json", summary)
    if plots:
        from sim.plots.run import write_run_plots

        write_run_plots(loaded, directory)
    return Folder(directory, loaded, result.seconds, summary)


def sweep(
    scenario: Scenario | str | Path,
    vary: Mapping[str, Any],
    design: str = "grid",
    samples: int = 16,
    replications: int = 50,
    seed: int = 0,
    outcomes: Sequence[str] = (),
    out: str | Path | None = None,
    daily: DailyMode = "none",
    executor: str | Executor = "process",
    workers: int | None = None,
    scheduler: str | None = None,
    chunk: int | None = None,
    plots: bool = False,
) -> Folder:
    """Run a scenario at every point of a design (``sim sweep``) and return the sweep folder.

    Like the command, it writes ``summary.json`` and, for Sobol' and Morris designs, the sensitivity
    indices (``sensitivity.json``/``.csv``; also in ``Folder.summary["indices"]``).

    Args:
        scenario: A scenario or the path of its YAML.
        vary: Dotted path to values: a list (grid), ``{"low": a, "high": b}`` (other designs), or
            ``{"low": a, "high": b, "n": k}``, or a ``--vary`` string such as ``"0.4:0.8:5"``.
        design: ``grid``, ``lhs``, ``sobol`` or ``morris``.
        samples: Base sample size of the sampled designs.
        replications: Replications per point (the same streams at every point).
        seed: Root seed (also of the design's sampler).
        outcomes: Outcomes for the sensitivity indices and figures.
        out: The sweep folder [default: ``results/<scenario>/sweep-<time>-<hash>``].
        daily: ``none`` or ``total``.
        executor: As for ``run``.
        workers: Worker processes.
        scheduler: A Dask scheduler address.
        chunk: Replications per task.
        plots: Draw the sweep's figures into ``out/plots``.
    """
    loaded = scenario if isinstance(scenario, Scenario) else load(scenario)
    parsed: dict[str, Any] = {}
    for path, values in vary.items():
        parsed[path] = parse_vary(f"{path}={values}", design)[1] if isinstance(values, str) else values  # type: ignore[arg-type]
    spec = SweepSpec.model_validate(
        {
            "design": design,
            "vary": parsed,
            "samples": samples,
            "replications": replications,
            "seed": seed,
            "outcomes": list(outcomes),
        }
    )
    pool = _executor(executor, workers, scheduler)
    try:
        directory = Path(out) if out is not None else default_sweep_folder(loaded, spec)
        store, scenarios, _ = start_sweep(loaded, spec, directory, chunk, daily, pool.workers)
    except BaseException:
        pool.close()
        raise
    result = run_sweep(store, scenarios, pool)
    _finished(result, "sweep")
    finished = finish_sweep(directory, loaded, spec)
    if plots:
        from sim.plots.sweep import write_sweep_plots

        write_sweep_plots(directory, "png")
    summary = read_json(directory / "summary.json")
    return Folder(directory, loaded, result.seconds, {**summary, "indices": finished.indices}, kind="sweep")


def open_folder(path: str | Path) -> Folder:
    """Open any folder the simulator wrote: a run, sweep, study, calibration, backtest or comparison.

    A run or a sweep may be complete or have finished chunks. ``Folder.tables`` lists its tables,
    ``Folder.table(name)`` reads one, ``Folder.summary`` is its record (a sweep's with the sensitivity
    indices that ``api.sweep`` returns, under ``indices``).

    Raises:
        InputError: For a missing folder, one of no known kind, or a damaged run or sweep.
    """
    directory = Path(path)
    kind = kind_of(directory)
    scenario: Scenario | None = None
    notes: tuple[str, ...] = ()
    if kind in ("run", "sweep", "study"):
        opened = open_folder_of(directory, "read", kind=kind)
        scenario, notes = opened.scenario, opened.notes
        for note in notes:  # a partial run says so, here as on the command line
            warnings.warn(note, UserWarning, stacklevel=2)
    record = directory / DOCUMENTS[kind]
    summary = read_json(record) if record.is_file() else {}
    summary = summary if isinstance(summary, dict) else {}
    indices = directory / "sensitivity.json"
    if kind == "sweep" and indices.is_file():
        summary["indices"] = read_json(indices)
    return Folder(directory, scenario, summary=summary, kind=kind, notes=notes)


def open(path: str | Path) -> Folder:  # noqa: A001 - kept for scripts written before open_folder
    """Open a folder: the former name of ``open_folder``, which it calls (deprecated: it shadows ``open``)."""
    warnings.warn("sim.api.open is now sim.api.open_folder", DeprecationWarning, stacklevel=2)
    return open_folder(path)


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


from sim.api.calibration import Backtest, Calibration, backtest, calibrate  # noqa: E402
from sim.api.robust import Robust, open_study, robust  # noqa: E402 - the study functions, beside the rest

__all__ = [
    "Backtest",
    "Calibration",
    "Compared",
    "Discovered",
    "Folder",
    "Robust",
    "backtest",
    "calibrate",
    "compare",
    "discover",
    "load",
    "open",
    "open_study",
    "report",
    "robust",
    "run",
    "sweep",
]
