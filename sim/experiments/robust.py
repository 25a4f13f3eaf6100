"""Running a study: every lever in every future, R replications each, with common random numbers.

A study is a sweep over lever x future points: point ``p = lever x futures + future`` runs the lever's
scenario with the future's values set at the uncertainties' paths. Replication r of future f draws from
``SeedSequence(seed, spawn_key=(f, r))`` whatever the lever: the levers are compared on the same random
numbers (and the scenario's other uncertain inputs take the same values), so differences between levers
are the levers', not the noise's. Each future has replication streams of its own: a metric across
futures then averages futures x R independent draws of everything else that is uncertain, not the same
R draws repeated in every future (as a sweep's common random numbers across points would). The chunks
of all points form one plan, run by the batch layer's ``execute`` like a run or a sweep, with the same
executors, retries, part checks, Ctrl-C handling and ``--resume``. Levers may differ in which numbers are
uncertain (and so in their outcome columns): each chunk's tables are given the study's one schema, the
missing columns null, so the parts merge.

The folder holds the batch's tables (``outcomes.parquet``, ``daily.parquet`` with ``--daily total``),
``futures.parquet`` and ``points.parquet``; ``sim.experiments.robust_finish`` adds the study's own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.batch.chunks import ChunkFunction, ChunkTask
from sim.batch.executors import Executor
from sim.batch.runner import BatchResult, Notify, Progress, check_plan, chunk_records, execute
from sim.errors import InputError
from sim.experiments.runs import ReplicationJob, automatic_chunk_size, simulate_chunk
from sim.experiments.study import Study, resolve
from sim.experiments.study_spec import StudySpec
from sim.results.columns import DailyMode
from sim.results.folder import RunFolder, open_folder
from sim.results.manifest import (
    document_hash,
    empirical_files,
    new_manifest,
    scenario_document,
    scenario_hash,
)
from sim.results.store import RunStore, tables_for, write_table
from sim.results.tables import daily_table, outcomes_table
from sim.scenario.loader import validate
from sim.scenario.paths import with_values
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class StudyJob(ReplicationJob):
    """What a chunk of a study point simulates: the point's scenario, and the schema of each table.

    Attributes:
        schemas: The study's schema of each table (the ``point`` column first), which every chunk's
            tables are given so that parts of different levers merge.
    """

    schemas: Mapping[str, pa.Schema] = field(default_factory=dict)


def jobs_of(
    study: Study, scenarios: Sequence[Scenario], daily: DailyMode, schemas: Mapping[str, pa.Schema]
) -> list[StudyJob]:
    """Return each point's job: its scenario, and its future as the prefix of its replications' seeds."""
    futures = len(study.futures)
    return [
        StudyJob(scenario, daily, (index % futures,), schemas) for index, scenario in enumerate(scenarios)
    ]


def simulate_study_chunk(task: ChunkTask) -> dict[str, pa.Table]:
    """Run a chunk of a study point and return its tables in the study's schemas (a top-level function)."""
    job: StudyJob = task.job
    return {name: conform(table, job.schemas[name]) for name, table in simulate_chunk(task).items()}


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Return ``table`` with exactly ``schema``'s columns, in its order; a column it lacks is all null."""
    columns = [
        table[f.name].cast(f.type) if f.name in table.column_names else pa.nulls(table.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def union_schema(schemas: Sequence[pa.Schema]) -> pa.Schema:
    """Return every column of the schemas, each in the first order it is met (the first schema's first)."""
    fields: dict[str, pa.Field] = {}
    for schema in schemas:
        for column in schema:
            fields.setdefault(column.name, column)
    return pa.schema(list(fields.values()))


def study_schemas(scenarios: Sequence[Scenario], daily: DailyMode) -> dict[str, pa.Schema]:
    """Return the schema of each table a study's chunks write: the union over its points, ``point`` first.

    Raises:
        InputError: For ``--daily full`` (a study keeps daily totals at most).
    """
    point = pa.schema([pa.field("point", pa.int32())])
    makers = {"outcomes": outcomes_table, "daily": daily_table}
    schemas = {}
    for table in tables_for(daily):
        if table not in makers:
            raise InputError("a study keeps daily totals at most (--daily total or none)", field="--daily")
        schemas[table] = union_schema([point, *(makers[table](s, [], []).schema for s in scenarios)])
    return schemas


def point_scenarios(study: Study) -> list[Scenario]:
    """Return the scenario of each point: each lever's scenario with each future's values, lever by lever.

    Raises:
        InputError: If a future's values are not valid in a lever's scenario, naming both.
    """
    scenarios: list[Scenario] = []
    paths = study.paths
    for lever, scenario in study.levers.items():
        document = scenario_document(scenario)
        for future, row in enumerate(study.futures):
            try:
                scenarios.append(validate(with_values(document, paths, list(row)), {}, study.file or "study"))
            except InputError as error:
                setting = ", ".join(f"{p}={v:g}" for p, v in zip(paths, row, strict=True))
                error.message = f"lever {lever}, future {future} ({setting}): {error.message}"
                raise
    return scenarios


def check_outcomes(study: Study, scenarios: Sequence[Scenario]) -> None:
    """Refuse a study whose outcome column some point lacks (a threshold moving with an uncertain area).

    Raises:
        InputError: Naming the outcome, lever and future.
    """
    futures = len(study.futures)
    wanted = [m for m in study.measures if not m.column.startswith("withdrawal_began_by_")]
    for index, scenario in enumerate(scenarios):
        names = set(outcomes_table(scenario, [], []).schema.names)
        for measure in wanted:
            if measure.column not in names:
                lever = list(study.levers)[index // futures]
                raise InputError(
                    f"{measure.column} is not an outcome of lever {lever} in future {index % futures} (a "
                    "threshold's column moves with an uncertain area: choose a threshold of the scenario)",
                    study.file,
                    field=f"outcomes.{measure.name}.column",
                )


def study_record(study: Study) -> dict[str, Any]:
    """Return what the manifest keeps of a study: the spec, and each lever's resolved scenario."""
    return {
        "spec": study.spec.model_dump(mode="json"),
        "levers": [
            {
                "name": name,
                "file": study.lever_files[name],
                "scenario": scenario_document(scenario),
                "scenario_sha256": scenario_hash(scenario),
                "empirical_files": empirical_files(scenario),
            }
            for name, scenario in study.levers.items()
        ],
        "uncertainties": study.paths,
        "futures": len(study.futures),
    }


def default_study_folder(study: Study, root: Path = Path("results")) -> Path:
    """Return ``results/<base scenario>/study-<name>-<timestamp>-<short hash>``."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    text = json.dumps(study_record(study), sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:7]
    return root / study.base.name / f"study-{study.name}-{stamp}-{digest}"


def futures_table(study: Study) -> pa.Table:
    """Return one row per future: ``future`` and each uncertainty's value."""
    columns: dict[str, Any] = {"future": pa.array(np.arange(len(study.futures), dtype=np.int32))}
    for j, path in enumerate(study.paths):
        columns[path] = pa.array(study.futures[:, j], type=pa.float64())
    return pa.table(columns)


def points_table(study: Study) -> pa.Table:
    """Return one row per point: ``point``, ``lever``, ``future`` and each uncertainty's value."""
    futures, levers = len(study.futures), list(study.levers)
    columns: dict[str, Any] = {
        "point": pa.array(np.arange(futures * len(levers), dtype=np.int32)),
        "lever": pa.array([lever for lever in levers for _ in range(futures)], type=pa.string()),
        "future": pa.array(np.tile(np.arange(futures, dtype=np.int32), len(levers))),
    }
    for j, path in enumerate(study.paths):
        columns[path] = pa.array(np.tile(study.futures[:, j], len(levers)), type=pa.float64())
    return pa.table(columns)


def start_study(
    study: Study, directory: Path, chunk_size: int | None, daily: DailyMode, workers: int
) -> tuple[RunStore, list[StudyJob]]:
    """Create a study folder (manifest, futures and points) and return it with each point's job.

    Raises:
        InputError: If the folder is not new or empty, or a point is not a valid scenario.
    """
    replications = study.spec.replications
    points = len(study.levers) * len(study.futures)
    if chunk_size is not None:
        check_plan(replications, chunk_size, points)
    scenarios = point_scenarios(study)
    schemas = study_schemas(scenarios, daily)
    check_outcomes(study, scenarios)
    size = chunk_size or min(replications, automatic_chunk_size(scenarios[0], replications, workers))
    store = RunStore(directory)
    store.create(
        new_manifest(
            study.base,
            study.spec.seed,
            replications,
            size,
            daily,
            chunk_records(replications, size, points),
            None,
            kind="study",
            study=study_record(study),
            study_file=study.file,
            varied=study.paths,
            points=points,
        )
    )
    write_table(directory / "futures.parquet", futures_table(study))
    write_table(directory / "points.parquet", points_table(study))
    return store, jobs_of(study, scenarios, daily, schemas)


def study_of(folder: RunFolder) -> Study:
    """Rebuild a study from its folder's manifest and ``futures.parquet``.

    Raises:
        InputError: If the record is damaged, a lever's scenario was edited, or the futures are unreadable.
    """
    manifest, path = folder.manifest, str(folder.directory / "manifest.json")
    record = manifest.study or {}
    try:
        spec = StudySpec.model_validate(record["spec"])
        levers: dict[str, Scenario] = {}
        files: dict[str, str | None] = {}
        for lever in record["levers"]:
            if document_hash(lever["scenario"]) != lever["scenario_sha256"]:
                raise InputError(
                    f"lever {lever['name']}: its scenario does not match its sha256 (edited or damaged)", path
                )
            levers[lever["name"]] = Scenario.model_validate(lever["scenario"])
            files[lever["name"]] = lever.get("file")
        measures, goals, metric = resolve(spec, folder.scenario.holder)
    except InputError:
        raise
    except Exception as exc:  # a hand-edited record: one line, whatever broke
        raise InputError(
            f"the study in manifest.json is not one this version can read ({exc})", path
        ) from None
    if list(levers) != list(spec.levers):
        raise InputError("the study's levers in manifest.json do not match its spec", path)
    try:
        table = pq.read_table(folder.directory / "futures.parquet", columns=list(spec.uncertainties))
    except (OSError, pa.ArrowException, KeyError) as exc:
        raise InputError(
            f"cannot read futures.parquet ({exc})", str(folder.directory / "futures.parquet")
        ) from None
    futures = np.column_stack([table[p].to_numpy() for p in spec.uncertainties])
    study_file = manifest.study_file
    return Study(spec, study_file, folder.scenario, levers, files, measures, goals, metric, futures)


def open_study(directory: Path) -> tuple[RunStore, Study, list[StudyJob]]:
    """Open an unfinished study folder for ``--resume``, taking it for this process until the batch ends.

    Raises:
        InputError: If the folder holds no study, a complete one, or a lever whose samples files changed.
    """
    store = RunStore(directory)
    if directory.is_dir():
        store.lock("resume")
    try:
        folder = open_folder(directory, "resume", kind="study")
        study = study_of(folder)
        for lever in (folder.manifest.study or {}).get("levers", []):
            now = empirical_files(study.levers[lever["name"]])
            if now != lever.get("empirical_files", now):
                raise InputError(
                    f"lever {lever['name']}: a samples file changed since the study started (its sha256 "
                    "differs); restore it, or start a new study",
                    str(directory),
                )
        scenarios = point_scenarios(study)
        daily = folder.manifest.daily
        schemas = study_schemas(scenarios, daily)
        return store, study, jobs_of(study, scenarios, daily, schemas)
    except BaseException:
        store.release()
        raise


def run_study(
    store: RunStore,
    jobs: Sequence[StudyJob],
    executor: Executor,
    progress: Progress | None = None,
    function: ChunkFunction = simulate_study_chunk,
    notify: Notify | None = None,
) -> BatchResult:
    """Simulate every point's replications that are not done yet, then merge the parts."""
    return execute(store, jobs, function, executor, progress, notify)
