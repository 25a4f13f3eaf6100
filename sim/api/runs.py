"""``api.run``: a scenario's replications into a run folder, the orchestration ``sim run`` calls too.

One function starts (or resumes) the run folder, runs its chunks, runs the dynamics-only companion,
writes the summary and draws the figures; what the caller sees while it runs (a progress bar, lines on
standard error, how a batch that cannot finish ends) is its ``Watch``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.analysis.summary import summarize
from sim.api.folders import Folder
from sim.api.inputs import load
from sim.api.watch import Watch
from sim.batch.executors import Executor, make_executor
from sim.batch.runner import BatchResult, Progress
from sim.errors import InputError
from sim.experiments.runs import (
    default_run_folder,
    dynamics_pending,
    open_run,
    run_batch,
    run_dynamics_only,
    start_timed_run,
)
from sim.results.columns import DailyMode
from sim.results.folder import open_folder as open_folder_of
from sim.results.store import RunStore
from sim.results.writing import write_json
from sim.scenario.schema import Scenario


def scenario_with(
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


def executor_of(executor: str | Executor, workers: int | None, scheduler: str | None) -> Executor:
    """The executor named (``process``, ``serial``, ``dask``), or the one given."""
    return make_executor(executor, workers, scheduler) if isinstance(executor, str) else executor


# Over 60 lines only with its docstring: an Args line per option, which the API reference shows.
def run(
    scenario: Scenario | str | Path | None = None,
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
    resume: str | Path | None = None,
    watch: Watch | None = None,
) -> Folder:
    """Run a scenario's replications into a run folder (``sim run``) and return it.

    Args:
        scenario: A scenario (``load``) or the path of its YAML (recorded in the manifest as given).
        replications: Number of replications.
        seed: Root seed.
        out: The run folder [default: ``results/<scenario>/<time>-<hash>``].
        daily: How much daily state to keep: ``full``, ``total`` or ``none``.
        executor: ``process`` (all cores), ``serial``, ``dask``, or an executor object.
        workers: Worker processes.
        scheduler: A Dask scheduler address.
        chunk: Replications per task [default: automatic].
        plots: Draw the run's figures into ``out/plots`` (``Folder.figures`` lists them).
        dynamics: Also run the same replications with the holder's withdrawal rules off (into
            ``out/dynamics_only``), so the summary gives the forecast of the dynamics alone.
        progress: Called with (replications done, replications in all) after each chunk, the
            dynamics-only companion's counted in. An exception it raises stops the batch as Ctrl-C
            does: the finished chunks stay in ``out``, resumable with ``resume=``, and the
            exception reaches the caller.
        set: Overrides, as for ``load`` and ``--set`` (with a scenario file; a loaded scenario takes them
            from ``load``).
        resume: Finish an interrupted or partly failed run in this folder instead (its scenario, seed,
            replications and chunks are the folder's; ``scenario`` and ``set`` not given).
        watch: What to tell while it runs, in place of ``progress`` (``sim run`` passes its progress bar).

    Raises:
        InputError: For a bad scenario or override, overrides given with a loaded scenario, a folder
            that cannot be resumed, or chunks that failed (with the ``Watch`` of ``progress``).
    """
    watch = watch if watch is not None else Watch(progress)
    if resume is not None:
        if scenario is not None or set:
            raise InputError("resume takes the scenario from the run folder", str(resume), field="resume")
        directory = Path(resume)
        if dynamics_pending(directory):
            # The run is complete and only its companion without the withdrawal rules is left to finish.
            loaded = open_folder_of(directory, "read").scenario
            _companion(loaded, RunStore(directory), lambda: executor_of(executor, workers, scheduler), watch)
            return _finish(loaded, directory, 0.0, plots, watch)
        loaded, store = open_run(directory)
        try:
            pool = executor_of(executor, workers, scheduler)
        except BaseException:
            store.release()
            raise
    else:
        if scenario is None:
            raise InputError("give a scenario (or resume=FOLDER)", field="scenario")
        loaded = scenario_with(scenario, set)
        named = None if isinstance(scenario, Scenario) else str(scenario)
        pool = executor_of(executor, workers, scheduler)
        store = _started(pool, loaded, named, out, seed, replications, daily, chunk, watch)
    watch.tell(f"run folder: {store.directory}")
    batches = 2 if dynamics and _has_withdrawal(loaded) else 1
    result = watch.batch(
        "run",
        store.directory,
        lambda report, notify: run_batch(loaded, store, pool, report, notify=notify),
        0,
        batches,
    )
    if dynamics:
        # The batch closed its pool: the companion gets a new one.
        _companion(loaded, store, lambda: executor_of(executor, workers, scheduler), watch)
    return _finish(loaded, store.directory, result.seconds, plots, watch)


def _started(
    pool: Executor,
    scenario: Scenario,
    named: str | None,
    out: str | Path | None,
    seed: int,
    replications: int,
    daily: DailyMode,
    chunk: int | None,
    watch: Watch,
) -> RunStore:
    """Create the run folder (its chunk size from its first replication's time unless ``chunk``).

    The executor is closed if the folder cannot be made: nothing else would close it.
    """
    try:
        directory = Path(out) if out is not None else default_run_folder(scenario, seed, replications)
        return start_timed_run(
            scenario, directory, seed, replications, daily, pool.workers, chunk, named, watch.tell
        )
    except BaseException:
        pool.close()
        raise


def _has_withdrawal(scenario: Scenario) -> bool:
    return scenario.sides[scenario.holder].command.withdrawal is not None


def _companion(scenario: Scenario, store: RunStore, executor: Any, watch: Watch) -> None:
    """Run (or finish) the replications without the withdrawal rules, if the holder has any."""
    if not _has_withdrawal(scenario):
        return
    manifest = store.read_manifest()
    watch.tell("the same replications with the withdrawal rules off (the dynamics alone):")

    def work(report: Progress | None, notify: Any) -> BatchResult:
        done = run_dynamics_only(
            scenario,
            store.directory,
            manifest.seed,
            manifest.replications,
            executor(),
            report,
            chunk_size=manifest.chunk_size,
        )
        return done if done is not None else BatchResult(store.directory, 0.0)

    watch.batch("run", store.directory, work, 1, 2)


def _finish(scenario: Scenario, directory: Path, seconds: float, plots: bool, watch: Watch) -> Folder:
    """Write the run's summary and draw its figures."""

    def finish() -> Folder:
        summary = summarize(directory, scenario)
        summary["seconds"] = round(seconds, 3)
        write_json(directory / "summary.json", summary)
        watch.summarized(summary)
        figures: list[Path] = []
        if plots:
            from sim.plots.run import write_run_plots

            figures = write_run_plots(scenario, directory, "png")
        return Folder(directory, scenario, seconds, summary, figures=figures)

    return watch.finishing(directory, finish)
