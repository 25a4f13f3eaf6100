"""The cases of scenario discovery: one per replication, with the inputs that vary and its outcomes.

A case's inputs are its sweep point's varied values (``points.parquet``) and every sampled parameter
that varies (the dotted-path columns of ``outcomes.parquet``); its outcomes are the other numeric
columns, read by name with ``Cases.values`` (``sim.analysis.outcomes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.analysis.outcomes import outcome_values
from sim.errors import InputError
from sim.results.folder import folder_kind, open_folder
from sim.results.locate import read_side_table
from sim.results.readers import numpy_of, read_table
from sim.scenario.parameters import distribution_leaves
from sim.scenario.schema import Scenario


@dataclass
class Cases:
    """One row per replication: the inputs that vary and the outcomes table.

    Attributes:
        scenario: The run's (or the sweep's base) scenario.
        kind: ``run``, ``sweep`` or ``study``.
        inputs: Input name (dotted path) to its value per case, varied inputs first.
        varied: The sweep's varied inputs, or a study's uncertainties (none in a run).
        outcomes: Outcome column to its values per case (numbers only, as stored).
        points: Sweep points (0 in a run).
        notes: Notes about the folder (an unfinished run read as it stands).
    """

    scenario: Scenario
    kind: str
    inputs: dict[str, np.ndarray]
    varied: list[str]
    outcomes: dict[str, np.ndarray]
    points: int = 0
    notes: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        """The number of cases (replications, over all points)."""
        return len(next(iter(self.outcomes.values())))

    @property
    def sampled(self) -> list[str]:
        """The sampled inputs."""
        return [name for name in self.inputs if name not in self.varied]

    def values(self, column: str) -> np.ndarray:
        """Return one value per case of an outcome, stored or derived (``sim.analysis.outcomes``).

        Raises:
            InputError: For an outcome the cases do not have (naming ``--condition``), as
                ``sim.analysis.outcomes.outcome_values``.
        """
        return outcome_values(self.outcomes, self.scenario, column, option="--condition")


def read_cases(directory: Path) -> Cases:
    """Read a run or sweep folder's cases.

    Raises:
        InputError: If the folder cannot be read or has no varied or sampled input.
    """
    kind = folder_kind(directory)
    folder = open_folder(directory, "read", kind=kind)
    table = read_table(directory, "outcomes")
    keys = [numpy_of(table["replication"])]
    if "point" in table.column_names:
        keys.append(numpy_of(table["point"]))
    order = np.lexsort(keys)
    columns = {name: numpy_of(table[name])[order] for name in table.column_names}
    inputs: dict[str, np.ndarray] = {}
    varied: list[str] = []
    points = 0
    if kind in ("sweep", "study"):
        grid = read_side_table(directory, "points")
        where = np.searchsorted(numpy_of(grid["point"]), columns["point"])
        points = grid.num_rows
        for name in folder.manifest.varied or []:
            values = numpy_of(grid[name]).astype(float)
            if np.ptp(values) > 0:
                inputs[name] = values[where]
                varied.append(name)
    parameters = [path for path, _ in distribution_leaves(folder.scenario)]
    for name in parameters:
        if name in columns and name not in inputs and np.nanmax(columns[name]) > np.nanmin(columns[name]):
            inputs[name] = columns[name].astype(float)
    if not inputs:
        raise InputError(
            "has no varied or sampled inputs: nothing to discover (give a sweep, or a run of a scenario "
            "with distributions)",
            str(directory),
        )
    skip = {"point", "replication", *parameters}
    outcomes = {
        name: values.astype(float)
        for name, values in columns.items()
        if name not in skip and np.issubdtype(values.dtype, np.number)
    }
    return Cases(folder.scenario, kind, inputs, varied, outcomes, points, folder.notes)
