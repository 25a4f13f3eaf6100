"""Courses of action side by side: what difference each variant run makes to every outcome it shares.

The first run is the baseline; every other run is a variant, compared with it outcome by outcome as
``variant - baseline`` with a 95% interval. Runs made with the same root seed and replication count
are *paired*: replication i of both drew the same random numbers (common random numbers,
``sim/batch/seeding.py``), so the noise they share cancels in the difference replication by
replication, and paired intervals are much narrower than those of two independent samples.

Per kind of outcome (one row of ``compare.parquet`` per variant and outcome):

* held area on a date, casualties, advance rate, each observation's model value: the difference of
  means (paired t-interval on the differences, or Welch's) and of medians (bootstrap, paired when the
  runs are);
* days until the held area first falls below X, runs that never do censored at the end date: the
  difference of restricted mean times (Kaplan-Meier area up to the end date) and of Kaplan-Meier
  medians, both with a bootstrap interval;
* withdrawal began by a date (yes/no): the difference of shares with Newcombe's interval (paired: method 10,
  1998; unpaired: the hybrid score interval), from Wilson intervals of each share.

For paired runs, the share of replications the variant changes at all, and in each direction. A
difference whose interval contains 0 is *within Monte Carlo noise*. Bootstraps use scipy's percentile
method with a fixed seed, so a comparison repeats exactly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import sys
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

import sim
from sim.analysis.differences import (
    BOOTSTRAP_SEED,
    CONFIDENCE,
    RESAMPLES,
    Difference,
    Kind,
    changed,
    km_median_difference,
    mean_difference,
    median_difference,
    rmst_difference,
    share_difference,
)
from sim.analysis.outcomes import TableColumns, outcome_values
from sim.errors import InputError
from sim.results.columns import area_column, month_starts, observation_column, outcome_thresholds
from sim.results.columns import threshold_column as day_column
from sim.results.folder import RunFolder, open_folder
from sim.results.outputs import check_output_folder
from sim.results.readers import read_table, table_path
from sim.results.writing import write_json, write_table
from sim.scenario.schema import Scenario
from sim.scenario.units import METRIC_NAMES, METRIC_UNITS

DESCRIBED = ("group", "label", "unit", "kind")
MAIN = ("baseline_value", "variant_value", "difference", "low", "high", "method")
"""Columns of compare.parquet holding the main statistic (mean, restricted mean or share)."""
MEDIAN = tuple(f"median_{name}" for name in ("baseline", "variant", "difference", "low", "high", "method"))
"""Columns holding the median (Kaplan-Meier median for days; none for shares)."""


@dataclass(frozen=True)
class Outcome:
    """One outcome compared across runs.

    Attributes:
        key: Its name (the outcome column, or ``withdrawal_began_by_<date>``).
        group: What it measures, with its unit (one block of the table and one panel of the forest plot).
        label: Which one of the group (a date, a threshold, a side).
        unit: ``km2``, ``days``, ``share``, ``personnel`` or ``m/day``.
        kind: ``continuous``, ``days`` (censored at the end date) or ``binary``.
        date: The date it refers to, if any.
        threshold_km2: The area X of a days outcome.
    """

    key: str
    group: str
    label: str
    unit: str
    kind: Kind
    date: dt.date | None = None
    threshold_km2: float | None = None


def words(date: dt.date) -> str:
    """Return a date as "1 Feb 2025"."""
    return f"{date.day} {date:%b %Y}"


def _number(values: Any) -> np.ndarray:
    """Return a column as floats, nulls as NaN."""
    return np.asarray(values.cast(pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False), dtype=float)


def candidate_outcomes(scenario: Scenario) -> list[tuple[Outcome, str]]:
    """Return every outcome a run of the scenario may hold, with the outcomes column it is read from.

    The held area on each kept date (first of each month, observation dates) and on the end date;
    days until each threshold; withdrawal began by each first of the month and by the end date;
    casualties per side; the advance rate; every observation's model value except the held area's,
    which repeats ``area_km2_on_<date>``.
    """
    start, end = scenario.start, scenario.end
    months = month_starts(start, end)
    dates = sorted({*months, *(obs.date for obs in scenario.observations)})
    area, days = (
        "held area (km2)",
        f"days until the held area first falls below X (days; never counts as {words(end)})",
    )
    found = [(Outcome(area_column(d), area, words(d), "km2", "continuous", d), area_column(d)) for d in dates]
    if end not in dates:
        found.append(
            (Outcome("final_area_km2", area, words(end), "km2", "continuous", end), "final_area_km2")
        )
    for x in outcome_thresholds(scenario):
        crossing = Outcome(day_column(x), days, f"below {x:,.6g} km2", "days", "days", None, x)
        found.append((crossing, day_column(x)))
    for d in dict.fromkeys([*months, end]):
        began = Outcome(
            f"withdrawal_began_by_{d}", "withdrawal began by (share of runs)", words(d), "share", "binary", d
        )
        found.append((began, "withdrawal_day"))
    for side in scenario.sides:
        lost = Outcome(
            f"casualties_{side}", "casualties by the end (personnel)", side, "personnel", "continuous"
        )
        found.append((lost, f"casualties_{side}"))
    advance = Outcome("advance_m_per_day", "advance rate (m/day)", "attacker's mean", "m/day", "continuous")
    found.append((advance, "advance_m_per_day"))
    for index, obs in enumerate(scenario.observations):
        if obs.metric != "area_km2":
            column, unit = observation_column(index, scenario), METRIC_UNITS[obs.metric]
            what = " ".join(filter(None, [METRIC_NAMES[obs.metric], obs.sector or obs.side]))
            group = f"reported figures, model value ({unit})"
            found.append(
                (Outcome(column, group, f"{what} on {words(obs.date)}", unit, "continuous", obs.date), column)
            )
    return found


def run_outcomes(scenario: Scenario, table: pa.Table) -> tuple[list[Outcome], dict[str, np.ndarray]]:
    """Return the outcomes a run's ``outcomes`` table holds, with each replication's value.

    Each is ``sim.analysis.outcomes.outcome_values`` of the table, censored: days outcomes keep NaN for
    runs that never fell below X (censored at the end date); ``withdrawal_began_by_<date>`` is 1 if the
    withdrawal began on or before the date, else 0.

    Args:
        scenario: The run's scenario (dates, thresholds, sides, observations).
        table: Its outcomes table (any row order; values come out in replication order).
    """
    order = np.argsort(_number(table["replication"]), kind="stable")
    columns = TableColumns(table)
    outcomes, values = [], {}
    for outcome, column in candidate_outcomes(scenario):
        if column in columns:
            outcomes.append(outcome)
            values[outcome.key] = outcome_values(columns, scenario, outcome.key, censored=True)[order]
    return outcomes, values


def compare_values(
    outcomes: Sequence[Outcome],
    base: dict[str, np.ndarray],
    variant: dict[str, np.ndarray],
    horizon: int,
    paired: bool,
) -> list[dict[str, Any]]:
    """Return one row per outcome: both runs' values, the difference, its interval and what changed.

    Args:
        outcomes: The outcomes to compare (each a key of both ``base`` and ``variant``).
        base: The baseline's values per replication.
        variant: The variant's values per replication (in the same replication order if paired).
        horizon: Days from start to end (days outcomes are censored there).
        paired: Whether replication i of both runs drew the same random numbers.
    """
    rows = []
    for outcome in outcomes:
        x, y = base[outcome.key], variant[outcome.key]
        median: Difference | None = None
        if outcome.kind == "binary":
            main, statistic = share_difference(x, y, paired), "share"
        elif outcome.kind == "days":
            main, statistic = rmst_difference(x, y, horizon, paired), "restricted mean"
            median = km_median_difference(x, y, paired)
        else:
            main, statistic = mean_difference(x, y, paired), "mean"
            median = median_difference(x, y, paired)
        moved = changed(x, y, outcome.kind, horizon) if paired else (math.nan,) * 3
        row: dict[str, Any] = {"outcome": outcome.key, **{k: getattr(outcome, k) for k in DESCRIBED}}
        row["date"] = outcome.date.isoformat() if outcome.date else None
        row["threshold_km2"] = math.nan if outcome.threshold_km2 is None else outcome.threshold_km2
        row["statistic"] = statistic
        row.update(zip(MAIN, astuple(main), strict=True))
        row.update(zip(MEDIAN, astuple(median) if median else (math.nan,) * 5 + (None,), strict=True))
        row.update(paired=paired, share_changed=moved[0], share_higher=moved[1], share_lower=moved[2])
        row.update(within_noise=main.within_noise, confidence=CONFIDENCE)
        rows.append(row)
    return rows


def informative(
    outcomes: Sequence[Outcome], values: Sequence[dict[str, np.ndarray]]
) -> tuple[list[Outcome], list[str]]:
    """Split outcomes into those that vary somewhere and those equal in every run and replication.

    An outcome that is one number everywhere (no withdrawal allowed before October, a threshold no run
    reaches) has nothing to compare; it is left out of the table and named as dropped.
    """
    kept: list[Outcome] = []
    dropped: list[str] = []
    for outcome in outcomes:
        together = np.concatenate([v[outcome.key] for v in values])
        missing = np.isnan(together)
        if missing.all() or (not missing.any() and np.ptp(together) == 0):
            dropped.append(outcome.key)
        else:
            kept.append(outcome)
    return kept, dropped


# --- run folders -------------------------------------------------------------------------------


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
