"""Folders the simulator wrote, as ``sim.api`` returns and opens them: their tables as DataFrames."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import InputError
from sim.results.files import read_json
from sim.results.folder import open_folder as open_folder_of
from sim.results.kinds import DOCUMENTS, RUN_TABLES, Kind, kind_of, tables_of
from sim.results.locate import read_side_table
from sim.results.readers import read_table
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
        figures: The figures drawn into ``path/plots`` (``plots=True``).
    """

    path: Path
    scenario: Scenario | None
    seconds: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)
    kind: Kind = "run"
    notes: tuple[str, ...] = ()
    figures: list[Path] = field(default_factory=list)
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
