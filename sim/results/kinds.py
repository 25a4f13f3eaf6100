"""Every kind of folder the simulator writes, told from what it holds, and the tables each one has.

A run, a sweep or a study has ``manifest.json``; a backtest ``backtest.json``; a comparison
``compare.json``; a calibration ``posterior.parquet`` with ``diagnostics.json``. ``sim report`` and
``sim.api.open_folder`` tell the kind the same way (``kind_of``), and list a folder's tables by name
(``tables_of``): a table is a Parquet or CSV file of the folder (a run's own tables may still be parts
of an unfinished run), and those of the discovery and validation it holds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from sim.errors import InputError
from sim.results.folder import folder_kind
from sim.results.readers import table_path

Kind = Literal["run", "sweep", "study", "calibration", "backtest", "comparison"]

RUN_TABLES = ("outcomes", "daily", "sectors")
"""A run's (and a sweep's) own tables, written in chunks: read with ``sim.results.readers``."""

FILES: dict[str, tuple[str, ...]] = {
    "run": ("validation.csv",),
    "sweep": ("points.parquet", "point_summary.parquet", "sensitivity.csv"),
    "study": (
        "points.parquet",
        "futures.parquet",
        "experiments.parquet",
        "study_outcomes.parquet",
        "per_future.parquet",
        "robustness.parquet",
        "pairs.parquet",
        "ranking.parquet",
    ),
    "calibration": ("posterior.parquet", "diagnostics.csv"),
    "backtest": ("backtest.csv",),
    "comparison": ("compare.parquet",),
}
"""Each kind's tables besides the run tables: files named by their stem."""

DOCUMENTS: dict[str, str] = {
    "run": "summary.json",
    "sweep": "summary.json",
    "study": "study.json",
    "calibration": "diagnostics.json",
    "backtest": "backtest.json",
    "comparison": "compare.json",
}
"""Each kind's JSON record of what it found."""


def kind_of(directory: Path) -> Kind:
    """Return the kind of folder.

    Raises:
        InputError: If the folder is missing, not a folder, or holds none of the six kinds.
    """
    if not directory.exists():
        raise InputError("no such folder", str(directory))
    if not directory.is_dir():
        raise InputError(
            "is not a folder (give a run, sweep, study, calibration, backtest or comparison folder)",
            str(directory),
        )
    if (directory / "manifest.json").exists():
        return folder_kind(directory)
    if (directory / "backtest.json").is_file():
        return "backtest"
    if (directory / "compare.json").is_file():
        return "comparison"
    if (directory / "posterior.parquet").is_file() and (directory / "diagnostics.json").is_file():
        return "calibration"
    raise InputError(
        "holds no run, sweep, study, calibration, backtest or comparison (no manifest.json, backtest.json, "
        "compare.json, or posterior.parquet with diagnostics.json)",
        str(directory),
    )


def tables_of(directory: Path, kind: Kind) -> dict[str, Path]:
    """Return the folder's tables by name: where each is (a run table's parts folder, or a file).

    A discovery the folder holds (``discovery/``) adds ``prim_trajectory`` and ``feature_scores``.
    """
    found: dict[str, Path] = {}
    if kind in ("run", "sweep"):
        for name in RUN_TABLES:
            where = table_path(directory, name)
            if where is not None:
                found[name] = where
    for relative in (*FILES[kind], "discovery/prim_trajectory.csv", "discovery/feature_scores.csv"):
        path = directory / relative
        name = path.name.rsplit(".", 1)[0]
        if path.is_file() and name not in found:
            found[name] = path
    return found
