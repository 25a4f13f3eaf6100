"""Courses of action side by side: what difference each variant run makes to every outcome it shares.

The first run is the baseline; every other run is a variant, compared with it outcome by outcome as
``variant - baseline`` with a 95% interval. Runs made with the same root seed and replication count
are *paired*: replication i of both drew the same random numbers (common random numbers,
``sim/batch/seeding.py``), so the noise they share cancels in the difference replication by
replication, and paired intervals are much narrower than those of two independent samples.

Which outcomes are compared, and by which statistic for each kind (means, restricted mean times,
shares), is ``sim.analysis.compare_outcomes``. For paired runs, the share of replications the variant
changes at all, and in each direction. A difference whose interval contains 0 is *within Monte Carlo
noise*. Bootstraps use scipy's percentile method with a fixed seed, so a comparison repeats exactly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

import sim
from sim.analysis.compare_outcomes import Outcome, compare_values, informative, run_outcomes
from sim.analysis.differences import BOOTSTRAP_SEED, CONFIDENCE, RESAMPLES
from sim.errors import InputError
from sim.results.folder import RunFolder, open_folder
from sim.results.outputs import check_output_folder
from sim.results.readers import read_table, table_path
from sim.results.writing import write_json, write_table
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Pairing:
    """Whether a variant is paired with the baseline, and why (or why not)."""

    paired: bool
    reason: str


def pairing(base_seed: int, base_runs: int, seed: int, runs: int) -> Pairing:
    """Return whether two runs are paired: the same root seed and the same number of replications."""
    if (seed, runs) == (base_seed, base_runs):
        return Pairing(
            True,
            f"paired: same seed ({seed}) and replications ({runs:,}), so replication i of both drew the "
            "same random numbers",
        )
    why = [f"seeds {base_seed} and {seed}"] if seed != base_seed else []
    why += [f"{base_runs:,} and {runs:,} replications"] if runs != base_runs else []
    return Pairing(False, f"unpaired: {' and '.join(why)} differ, so the runs are compared as independent")


@dataclass(frozen=True)
class ComparedRun:
    """A run folder opened for comparison.

    Attributes:
        folder: The opened folder.
        label: How tables and figures name it (its folder name, unless two runs share one).
        outcomes: The outcomes it holds, in table order.
        values: Each outcome's value per replication, in replication order.
    """

    folder: RunFolder
    label: str
    outcomes: list[Outcome]
    values: dict[str, np.ndarray]

    @property
    def scenario(self) -> Scenario:
        """The run's scenario."""
        return self.folder.scenario

    def record(self) -> dict[str, Any]:
        """Return what compare.json says of the run: where it is and what its manifest records."""
        manifest = self.folder.manifest.model_dump(mode="json", include=RECORDED)
        return {"path": str(self.folder.directory), "label": self.label, **manifest}


def open_runs(directories: Sequence[Path]) -> list[ComparedRun]:
    """Open the run folders to compare, the baseline first.

    Raises:
        InputError: For fewer than two folders, a folder that is not a complete run with its outcomes
            table, or runs that cover different periods (their dated outcomes would not match).
    """
    if len(directories) < 2:
        raise InputError("give at least two run folders: the baseline first, then each variant", field="RUNS")
    names = [Path(d).resolve().name for d in directories]
    runs = []
    for directory, name in zip(directories, names, strict=True):
        folder = open_folder(Path(directory), "complete", kind="run")
        if table_path(folder.directory, "outcomes") is None:
            raise InputError("holds no outcomes table (its Parquet files were not kept)", str(directory))
        if folder.replications < 2:
            raise InputError(
                f"has {folder.replications} replication: a difference's interval needs at least 2 in every "
                "run compared (run it with -n 2 or more)",
                str(directory),
            )
        outcomes, values = run_outcomes(folder.scenario, read_table(folder.directory, "outcomes"))
        label = name if names.count(name) == 1 else str(directory)
        runs.append(ComparedRun(folder, label, outcomes, values))
    base = runs[0].scenario
    for run in runs[1:]:
        if (run.scenario.start, run.scenario.end) != (base.start, base.end):
            raise InputError(
                f"covers {run.scenario.start} to {run.scenario.end}, the baseline {directories[0]} "
                f"{base.start} to {base.end}: dated outcomes and days until a threshold would not "
                "mean the same; compare runs of the same period",
                str(run.folder.directory),
            )
    return runs


def scenario_changes(base: Any, variant: Any, path: str = "") -> list[str]:
    """Return the dotted paths at which a variant's scenario document differs from the baseline's.

    A distribution, a list or a block present in only one of them is one change; names, descriptions
    and the ``calibrate:`` block are not changes to the model.
    """
    if not (isinstance(base, dict) and isinstance(variant, dict)) or "dist" in base or "dist" in variant:
        return [] if base == variant else [path or "(scenario)"]
    found = []
    for key in dict.fromkeys([*base, *variant]):
        if key in ("description", "calibrate") or (key == "name" and not path):
            continue
        found += scenario_changes(base.get(key), variant.get(key), f"{path}.{key}" if path else str(key))
    return found


@dataclass
class Comparison:
    """Runs compared with the first.

    Attributes:
        runs: The baseline, then the variants.
        pairings: Each variant's pairing with the baseline.
        changes: Each variant's scenario changes from the baseline (dotted paths).
        outcomes: The outcomes compared (shared by every run, not one number everywhere).
        table: compare.parquet: one row per variant and outcome.
        dropped: Outcomes left out because they are one number in every run and replication.
        notes: Anything else worth saying (outcomes some runs lack).
    """

    runs: list[ComparedRun]
    pairings: list[Pairing]
    changes: list[list[str]]
    outcomes: list[Outcome]
    table: pd.DataFrame
    dropped: list[str]
    notes: list[str]


RECORDED = {"scenario_name", "scenario_file", "scenario_sha256", "seed", "replications", "daily", "finished"}
"""Manifest keys compare.json repeats for each run."""


def compare_runs(directories: Sequence[Path]) -> Comparison:
    """Compare every run with the first, outcome by outcome (see the module's description).

    Raises:
        InputError: As ``open_runs``.
    """
    runs = open_runs(directories)
    base = runs[0]
    shared = [o for o in base.outcomes if all(o.key in run.values for run in runs[1:])]
    kept, dropped = informative(shared, [run.values for run in runs])
    if not kept:
        raise InputError(
            "the runs share no outcome that is not one number in every run and replication: nothing to "
            "compare",
            str(directories[0]),
        )
    missing = [o.key for o in base.outcomes if o not in shared]
    notes = [f"not in every run, left out: {', '.join(missing)}"] if missing else []
    notes += [f"one number in every run and replication, left out: {', '.join(dropped)}"] if dropped else []
    rows: list[dict[str, Any]] = []
    pairings = []
    for run in runs[1:]:
        first, other = base.folder.manifest, run.folder.manifest
        pair = pairing(first.seed, first.replications, other.seed, other.replications)
        pairings.append(pair)
        for row in compare_values(kept, base.values, run.values, base.scenario.horizon_days, pair.paired):
            rows.append({"variant": run.label, "baseline": base.label, **row})
    changes = [scenario_changes(base.folder.manifest.scenario, r.folder.manifest.scenario) for r in runs[1:]]
    return Comparison(runs, pairings, changes, kept, pd.DataFrame(rows), dropped, notes)


# --- the comparison folder ---------------------------------------------------------------------


def default_compare_folder(labels: Sequence[str], root: Path = Path("results")) -> Path:
    """Return ``results/compare-<baseline>-vs-<variant>...`` (shortened with a hash when long)."""
    name = "-vs-".join(Path(label).name for label in labels)
    if len(name) > 100:
        name = f"{name[:80]}-{hashlib.sha256(name.encode()).hexdigest()[:7]}"
    return root / f"compare-{name}"


def check_out(out: Path) -> None:
    """Refuse an output folder that is a file, holds a run or sweep, or holds other files.

    Raises:
        InputError: If ``out`` cannot take a comparison.
    """
    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a folder", str(out), field="--out")
    if (out / "manifest.json").exists():
        raise InputError("holds a run or sweep (manifest.json): give another --out", str(out), field="--out")
    if out.is_dir() and any(out.iterdir()) and not (out / "compare.json").is_file():
        # As sim run does: never write into a folder of other files (a comparison's own is rewritten).
        raise InputError(
            "is not empty and holds no comparison: give a new or empty folder, or an earlier comparison's",
            str(out),
            field="--out",
        )
    check_output_folder(out)


def save(out: Path, comparison: Comparison, figures: Sequence[Path] = ()) -> list[Path]:
    """Write ``compare.parquet`` and ``compare.json`` (which runs were compared, and how) into ``out``.

    The caller checks ``out`` with ``check_out`` first, before any figure is drawn into it.
    """
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "compare.parquet", out / "compare.json"]
    write_table(written[0], pa.Table.from_pandas(comparison.table, preserve_index=False))
    base, variants = comparison.runs[0], comparison.runs[1:]
    records = [{**base.record(), "role": "baseline"}]
    for run, pair, changes in zip(variants, comparison.pairings, comparison.changes, strict=True):
        role = {"role": "variant", "paired": pair.paired, "pairing": pair.reason, "changes": changes}
        records.append({**run.record(), **role})
    write_json(
        written[1],
        {
            "kind": "compare",
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "package_version": sim.__version__,
            "command_line": list(sys.argv),
            "runs": records,
            "confidence": CONFIDENCE,
            "bootstrap": {"method": "percentile", "resamples": RESAMPLES, "seed": BOOTSTRAP_SEED},
            "outcomes": [o.key for o in comparison.outcomes],
            "dropped": comparison.dropped,
            "notes": comparison.notes,
            "files": [path.name for path in written] + [str(f.relative_to(out)) for f in figures],
        },
    )
    return written
