"""Parameter sweeps: a batch of replications at each point of a design, with common random numbers.

Replication i uses the same seed, so the same random streams, at every point: differences between
points come from the parameters, not from the noise. Each point's scenario is the base scenario
with the point's values set at the varied paths, validated like any scenario.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from sim.analysis.outcomes import outcome_values
from sim.analysis.summary import median_crossing_day
from sim.batch.chunks import ChunkFunction
from sim.batch.executors import Executor
from sim.batch.runner import BatchResult, Notify, Progress, check_plan, chunk_records, execute
from sim.errors import InputError
from sim.experiments.design import SweepSpec, points
from sim.experiments.runs import ReplicationJob, automatic_chunk_size, simulate_chunk
from sim.results.columns import (
    DailyMode,
    area_column,
    outcome_dates,
    outcome_thresholds,
    summary_date,
    threshold_column,
)
from sim.results.folder import open_folder
from sim.results.locate import read_side_table
from sim.results.manifest import new_manifest, scenario_document, scenario_hash
from sim.results.readers import read_table
from sim.results.store import RunStore
from sim.results.writing import write_json, write_table
from sim.scenario.loader import validate
from sim.scenario.paths import set_path
from sim.scenario.schema import Scenario


def point_scenarios(base: Scenario, paths: Sequence[str], values: np.ndarray) -> list[Scenario]:
    """Return the scenario of each point: ``base`` with each path set to the point's value.

    Raises:
        InputError: If a path does not exist or a value is invalid there, naming the point.
    """
    document = scenario_document(base)
    scenarios: list[Scenario] = []
    for index, row in enumerate(values):
        data = copy.deepcopy(document)
        origins = {}
        for path, value in zip(paths, row, strict=True):
            key = set_path(data, path, float(value), f"--vary {path}")
            origins[key] = (f"--vary {path}", None)
        try:
            scenarios.append(validate(data, origins, "--vary"))
        except InputError as error:
            if not error.message.startswith("unknown key"):
                setting = ", ".join(f"{p}={v:g}" for p, v in zip(paths, row, strict=True))
                error.message = f"at sweep point {index} ({setting}): {error.message}"
            raise
    return scenarios


def default_sweep_folder(base: Scenario, spec: SweepSpec, root: Path = Path("results")) -> Path:
    """Return ``results/<scenario>/sweep-<timestamp>-<short hash>``."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    digest = hashlib.sha256((scenario_hash(base) + spec.model_dump_json()).encode()).hexdigest()[:7]
    return root / base.name / f"sweep-{stamp}-{digest}"


def start_sweep(
    base: Scenario,
    spec: SweepSpec,
    directory: Path,
    chunk_size: int | None,
    daily: DailyMode,
    workers: int,
    spec_file: str | None = None,
) -> tuple[RunStore, list[Scenario], np.ndarray]:
    """Create a sweep folder: manifest, points.parquet; return the store, point scenarios and values.

    Raises:
        InputError: If the folder already holds a run, or a point is not a valid scenario.
    """
    paths = list(spec.vary)
    values = points(spec)
    if chunk_size is not None:
        check_plan(spec.replications, chunk_size, len(values))
    scenarios = point_scenarios(base, paths, values)
    store = RunStore(directory)
    store.check_new()  # before the timing replication: a bad --out costs nothing
    size = chunk_size or min(
        spec.replications, automatic_chunk_size(scenarios[0], spec.replications, workers)
    )
    store.create(
        new_manifest(
            base,
            spec.seed,
            spec.replications,
            size,
            daily,
            chunk_records(spec.replications, size, len(values)),
            kind="sweep",
            sweep=spec.model_dump(mode="json"),
            sweep_file=spec_file,
            varied=paths,
            points=len(values),
        )
    )
    write_table(directory / "points.parquet", points_table(paths, values))
    return store, scenarios, values


def points_table(paths: Sequence[str], values: np.ndarray) -> pa.Table:
    """Return one row per point: ``point`` and each varied path as a column."""
    columns: dict[str, Any] = {"point": pa.array(np.arange(len(values), dtype=np.int32))}
    for column, path in enumerate(paths):
        columns[path] = pa.array(values[:, column], type=pa.float64())
    return pa.table(columns)


def open_sweep(directory: Path) -> tuple[RunStore, list[Scenario], SweepSpec]:
    """Open a sweep folder for ``--resume``: rebuild its point scenarios from the manifest.

    Raises:
        InputError: If the folder holds no sweep, or it is complete.
    """
    store = RunStore(directory)
    if directory.is_dir():
        store.lock("resume")
    try:
        folder = open_folder(directory, "resume", kind="sweep")
        manifest = folder.manifest
        spec = SweepSpec.model_validate(manifest.sweep)
        varied = manifest.varied or []
        table = read_side_table(directory, "points", varied)
        values = np.column_stack([table[path].to_numpy() for path in varied])
        return store, point_scenarios(folder.scenario, varied, values), spec
    except BaseException:
        store.release()
        raise


def run_sweep(
    store: RunStore,
    scenarios: Sequence[Scenario],
    executor: Executor,
    progress: Progress | None = None,
    function: ChunkFunction = simulate_chunk,
    notify: Notify | None = None,
) -> BatchResult:
    """Simulate every point's replications (resuming what is done) and write the per-point summary."""
    daily = store.read_manifest().daily
    jobs = [ReplicationJob(scenario, daily) for scenario in scenarios]
    result = execute(store, jobs, function, executor, progress, notify)
    if not result.failed:
        began = time.perf_counter()
        summary = point_summary(store.directory, scenarios[0])
        write_table(store.directory / "point_summary.parquet", summary)
        result.seconds += time.perf_counter() - began
    return result


def point_summary(directory: Path, scenario: Scenario) -> pa.Table:
    """Return one row per point summarising its replications.

    Columns: quantiles (10/50/90%) of final area and of the area on each kept date, the probability
    of withdrawal by the end, and the median day below each threshold (censored at the horizon).
    """
    outcomes = read_table(directory, "outcomes")
    point = outcomes["point"].to_numpy()
    count = int(point.max()) + 1 if point.size else 0
    rows: dict[str, list[float | None]] = {"point": list(range(count))}
    groups = [np.flatnonzero(point == p) for p in range(count)]

    def quantiles(column: str, name: str) -> None:
        values = outcomes[column].to_numpy(zero_copy_only=False).astype(float)
        for q, label in ((10, "p10"), (50, "p50"), (90, "p90")):
            rows[f"{name}_{label}"] = [float(np.percentile(values[g], q)) for g in groups]

    quantiles("final_area_km2", "final_area_km2")
    for date in outcome_dates(scenario):
        quantiles(area_column(date), area_column(date))
    began = ~np.isnan(outcomes["withdrawal_day"].to_numpy(zero_copy_only=False).astype(float))
    rows["p_withdrawal"] = [float(began[g].mean()) for g in groups]
    for threshold in outcome_thresholds(scenario):
        column = threshold_column(threshold)
        days = outcomes[column].to_numpy(zero_copy_only=False).astype(float)
        rows[f"median_{column}"] = [median_crossing_day(days[g]) for g in groups]
    return pa.table(rows)


def outcome_per_point(directory: Path, scenario: Scenario, outcome: str) -> np.ndarray:
    """Return one number per point for a sensitivity outcome.

    Outcomes: ``final_area_km2``, ``area_km2_on_<date>`` (mean held area), ``day_below_<X>`` (mean days
    until below X, runs that never cross counted at the horizon), ``withdrawal_began_by_<date>`` (probability
    of a withdrawal by that date), ``casualties_<side>`` (mean).

    Raises:
        InputError: For an outcome the run does not have.
    """
    outcomes = read_table(directory, "outcomes")
    point = outcomes["point"].to_numpy()
    count = int(point.max()) + 1
    per_run = outcome_values(outcomes, scenario, outcome)
    sums = np.bincount(point, weights=per_run, minlength=count)
    sizes = np.bincount(point, minlength=count)
    return sums / np.maximum(sizes, 1)


def default_outcomes(scenario: Scenario) -> list[str]:
    """Return the default sensitivity outcomes.

    They are: final area, area on the latest reported held area's date (``summary_date``), days
    until below half the start, and withdrawal by the end.
    """
    date = summary_date(scenario)
    half = threshold_column(scenario.initial_area_km2 / 2.0)
    return ["final_area_km2", area_column(date), half, f"withdrawal_began_by_{scenario.end.isoformat()}"]


@dataclass(frozen=True)
class SweepFinish:
    """What finishing a sweep computed and wrote.

    Attributes:
        indices: Sensitivity indices by outcome (Sobol' and Morris designs; empty for grid and LHS).
        written: The files written (``sensitivity.json``/``.csv`` and ``summary.json``).
    """

    indices: dict[str, list[dict[str, Any]]]
    written: list[Path]


def finish_sweep(
    directory: Path, scenario: Scenario, spec: SweepSpec, outcomes: Sequence[str] = ()
) -> SweepFinish:
    """Compute a finished sweep's sensitivity indices (Sobol', Morris) and write them and ``summary.json``.

    Args:
        directory: The sweep folder, every chunk done.
        scenario: The base scenario.
        spec: The sweep's design.
        outcomes: Outcomes for the indices [default: the spec's, else ``default_outcomes``].
    """
    from sim.experiments import sensitivity

    points = read_side_table(directory, "points").to_pydict()
    varied = list(spec.vary)
    record: dict[str, Any] = {"points": len(points["point"]), "varied": varied, "design": spec.design}
    indices: dict[str, list[dict[str, Any]]] = {}
    written: list[Path] = []
    if spec.design in ("sobol", "morris"):
        design = np.column_stack([points[p] for p in varied])
        chosen = list(outcomes) or list(spec.outcomes) or default_outcomes(scenario)
        indices = {
            outcome: sensitivity.indices(
                spec, design, outcome_per_point(directory, scenario, outcome), spec.seed
            )
            for outcome in chosen
        }
        written += sensitivity.save(directory, indices)
        record["sensitivity_outcomes"] = chosen
    write_json(directory / "summary.json", record)
    written.append(directory / "summary.json")
    return SweepFinish(indices, written)
