"""Finishing a study: its tables, robustness metrics, ranking and where each lever fails.

The tables are EMA-style (``experiments.parquet``, ``study_outcomes.parquet``: one row per lever, future
and replication, inputs and outcomes apart), written into the study folder with the metrics.

Everything here is computed from the folder alone (its manifest, ``futures.parquet`` and the merged
``outcomes.parquet``), with fixed seeds and no timestamps, so finishing the same folder twice, or an
interrupted and resumed study, writes the same bytes.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.analysis.compare import scenario_changes
from sim.analysis.differences import BOOTSTRAP_SEED, CONFIDENCE, RESAMPLES
from sim.analysis.outcomes import outcome_values
from sim.analysis.robust_failures import Failure, lever_failure
from sim.analysis.robust_intervals import Assessment, assess, finite, ranking_rows, ranking_sentence
from sim.analysis.robustness import future_means, goal_met, goal_shares, metric_words, regret
from sim.errors import InputError, missing_extra
from sim.experiments.robust import study_of
from sim.experiments.study import Study
from sim.results.folder import open_folder
from sim.results.readers import read_table
from sim.results.store import write_json, write_table
from sim.scenario.parameters import distribution_leaves
from sim.scenario.paths import reader_names

FILES = (
    "experiments.parquet",
    "study_outcomes.parquet",
    "per_future.parquet",
    "robustness.parquet",
    "pairs.parquet",
    "ranking.parquet",
    "failures.json",
    "study.json",
)
"""What finishing a study writes into its folder."""
RANKED = ("position", "rank", "lever", "value", "low", "high", "best", "not_distinguishable_from")
"""What study.json says of each lever on the ranking metric."""


@dataclass
class StudyResult:
    """A finished study.

    Attributes:
        directory: The study folder.
        study: The study (rebuilt from the folder).
        assessment: Every metric of every lever with its interval, the pairs and the ranking.
        per_future: One row per lever and future: each outcome's value and regret, each goal.
        failures: Where each lever fails (None without the ``discover`` extra).
        summary: What ``study.json`` holds.
        notes: Anything a reader should know (a part skipped for a missing extra).
        written: The files written.
    """

    directory: Path
    study: Study
    assessment: Assessment
    per_future: pd.DataFrame
    failures: list[Failure] | None
    summary: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


def study_values(table: pa.Table, study: Study) -> dict[str, np.ndarray]:
    """Return each outcome's per-run values as ``(levers, futures, replications)``.

    Raises:
        InputError: If the table does not hold every lever, future and replication exactly once.
    """
    levers, futures, replications = len(study.levers), len(study.futures), study.spec.replications
    point = table["point"].to_numpy()
    replication = table["replication"].to_numpy()
    order = np.lexsort((replication, point))
    expected_points = np.repeat(np.arange(levers * futures), replications)
    expected_replications = np.tile(np.arange(replications), levers * futures)
    if not (
        np.array_equal(point[order], expected_points)
        and np.array_equal(replication[order], expected_replications)
    ):
        raise InputError("outcomes.parquet does not hold every lever, future and replication once")
    shape = (levers, futures, replications)
    return {m.name: outcome_values(table, study.base, m.column)[order].reshape(shape) for m in study.measures}


def _experiments(table: pa.Table, study: Study, order: np.ndarray) -> pa.Table:
    """Return the EMA-style experiments: lever, future, replication, the uncertainties, the sampled inputs."""
    futures = len(study.futures)
    point = table["point"].to_numpy()[order]
    names = list(study.levers)
    columns: dict[str, Any] = {
        "lever": pa.array([names[p // futures] for p in point], type=pa.string()),
        "future": pa.array((point % futures).astype(np.int32)),
        "replication": table["replication"].take(pa.array(order)),
    }
    for j, path in enumerate(study.paths):
        columns[path] = pa.array(study.futures[point % futures, j], type=pa.float64())
    for path in _sampled(study, table.column_names):
        columns[path] = table[path].take(pa.array(order))
    return pa.table(columns)


def _sampled(study: Study, columns: Sequence[str]) -> list[str]:
    """Return the sampled inputs of any lever (uncertainties aside), in the first order they are met."""
    found: dict[str, None] = {}
    for scenario in study.levers.values():
        for path, _ in distribution_leaves(scenario):
            if path not in study.paths and path in columns:
                found.setdefault(path)
    return list(found)


def _study_outcomes(table: pa.Table, study: Study, values: dict[str, np.ndarray]) -> pa.Table:
    """Return the EMA-style outcomes: lever, future, replication and each outcome's per-run value."""
    levers, futures, replications = next(iter(values.values())).shape
    names = list(study.levers)
    columns: dict[str, Any] = {
        "lever": pa.array([n for n in names for _ in range(futures * replications)], type=pa.string()),
        "future": pa.array(np.tile(np.repeat(np.arange(futures, dtype=np.int32), replications), levers)),
        "replication": pa.array(np.tile(np.arange(replications, dtype=np.int64), levers * futures)),
    }
    for name, array in values.items():
        columns[name] = pa.array(array.ravel(), type=pa.float64())
    return pa.table(columns)


def per_future_table(study: Study, values: dict[str, np.ndarray]) -> pd.DataFrame:
    """Return one row per lever and future: uncertainties, each outcome's value and regret, each goal."""
    levers, futures = len(study.levers), len(study.futures)
    frame: dict[str, Any] = {
        "lever": np.repeat(list(study.levers), futures),
        "future": np.tile(np.arange(futures, dtype=np.int32), levers),
    }
    for j, path in enumerate(study.paths):
        frame[path] = np.tile(study.futures[:, j], levers)
    for measure in study.measures:
        means = future_means(values[measure.name])
        frame[measure.name] = means.ravel()
        frame[f"{measure.name}_regret"] = regret(means, measure.better).ravel()
    met = []
    for goal in study.goals:
        if goal.share is not None:
            frame[f"{goal.name}_share"] = goal_shares(goal, values[goal.outcome]).ravel()
        met.append(goal_met(goal, values[goal.outcome]))
        frame[f"{goal.name}_met"] = met[-1].ravel()
    if met:
        frame["all_goals_met"] = np.logical_and.reduce(met).ravel()
    return pd.DataFrame(frame)


def _failures(study: Study, per_future: pd.DataFrame, notes: list[str]) -> list[Failure] | None:
    """Return where each lever fails (PRIM), or None with a note when there are no goals or no extra."""
    if not study.goals:
        notes.append("no goals: no satisficing and no failures to locate")
        return None
    if importlib.util.find_spec("ema_workbench") is None:
        notes.append(f"where each lever fails: skipped; {missing_extra('PRIM', 'discover').message}")
        return None
    names = reader_names(study.paths)
    inputs = {path: study.futures[:, j] for j, path in enumerate(study.paths)}
    failed = ~per_future["all_goals_met"].to_numpy().reshape(len(study.levers), -1)
    return [lever_failure(lever, inputs, failed[i], names) for i, lever in enumerate(study.levers)]


def finish_study(directory: Path) -> StudyResult:
    """Compute a complete study's metrics and write its tables, ``failures.json`` and ``study.json``.

    Raises:
        InputError: If the folder is not a complete study, or its outcomes have runs without a value.
    """
    folder = open_folder(directory, "complete", kind="study")
    study = study_of(folder)
    stored = pq.read_schema(directory / "outcomes.parquet").names
    needed = {"point", "replication", "withdrawal_day", *(m.column for m in study.measures)}
    sampled = _sampled(study, stored)
    table = read_table(directory, "outcomes", [c for c in stored if c in needed or c in sampled])
    values = study_values(table, study)
    try:
        assessment = assess(values, list(study.levers), study.measures, study.goals)
    except ValueError as error:
        raise InputError(f"outcomes.parquet: {error}", str(directory)) from None
    per_future = per_future_table(study, values)
    notes: list[str] = []
    failures = _failures(study, per_future, notes)
    order = np.lexsort((table["replication"].to_numpy(), table["point"].to_numpy()))
    written = [directory / name for name in FILES]
    write_table(written[0], _experiments(table, study, order))
    write_table(written[1], _study_outcomes(table, study, values))
    write_table(written[2], pa.Table.from_pandas(per_future, preserve_index=False))
    write_table(written[3], pa.Table.from_pandas(assessment.table(study.measures), preserve_index=False))
    write_table(written[4], pa.Table.from_pandas(assessment.pairs, preserve_index=False))
    write_table(written[5], pa.Table.from_pandas(assessment.ranking, preserve_index=False))
    names = reader_names(study.paths)
    write_json(written[6], [f.record(names) for f in failures] if failures is not None else None)
    summary = _summary(folder.manifest.model_dump(mode="json"), study, assessment, failures, notes)
    write_json(written[7], summary)
    return StudyResult(directory, study, assessment, per_future, failures, summary, notes, written)


def _summary(
    manifest: dict[str, Any],
    study: Study,
    assessment: Assessment,
    failures: list[Failure] | None,
    notes: list[str],
) -> dict[str, Any]:
    """Return what ``study.json`` holds: the study, the answer on the ranking metric, where levers fail."""
    futures = len(study.futures)
    return {
        **_study_record(manifest, study),
        "ranked_by": study.ranking.label(),
        "ranked_by_in_words": metric_words(study.ranking),
        "answer": ranking_sentence(assessment, study.ranking, study.measures, futures),
        "ranking": [
            {key: finite(row[key]) if key in ("value", "low", "high") else row[key] for key in RANKED}
            for _, row in ranking_rows(assessment, study.ranking).iterrows()
        ],
        "failures": [f.sentence for f in failures] if failures is not None else None,
        "confidence": CONFIDENCE,
        "bootstrap": {
            "method": "basic",
            "resamples": RESAMPLES,
            "seed": BOOTSTRAP_SEED,
            "unit": "each future's replications, the same for every lever",
        },
        "noise_dominated": [
            f"{row['lever']}: {row['metric']}{':' + row['outcome'] if row['outcome'] else ''}"
            for _, row in assessment.table(study.measures).iterrows()
            if row["noise_dominated"]
        ],
        "notes": notes,
        "files": list(FILES),
    }


def _study_record(manifest: dict[str, Any], study: Study) -> dict[str, Any]:
    """Return the study as ``study.json`` records it: levers with changes, uncertainties, outcomes, goals."""
    spec, futures = study.spec, len(study.futures)
    base = manifest["scenario"]
    levers = [
        {
            "name": record["name"],
            "description": spec.levers[record["name"]].description,
            "file": record["file"],
            "changes": scenario_changes(base, record["scenario"]),
        }
        for record in manifest["study"]["levers"]
    ]
    names = reader_names(study.paths)
    return {
        "kind": "study",
        "name": study.name,
        "description": spec.description,
        "study_file": study.file,
        "scenario": study.base.name,
        "levers": levers,
        "uncertainties": [
            {"path": p, "short_name": names[p], "distribution": d.describe()}
            for p, d in spec.uncertainties.items()
        ],
        "futures": futures,
        "design": spec.design,
        "replications": spec.replications,
        "seed": spec.seed,
        "runs": len(study.levers) * futures * spec.replications,
        "outcomes": [
            {
                "name": m.name,
                "column": m.column,
                "better": m.better,
                "description": spec.outcomes[m.name].description,
            }
            for m in study.measures
        ],
        "goals": [
            {
                "name": g.name,
                "outcome": g.outcome,
                "op": g.op,
                "threshold": g.threshold,
                "in_share": g.share,
                "in_words": g.words(),
                "description": spec.goals[g.name].description,
            }
            for g in study.goals
        ],
    }
