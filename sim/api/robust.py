"""``api.robust``: a study (``sim robust``) from Python, its tables as pandas DataFrames."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.api.folders import Folder
from sim.api.runs import executor_of
from sim.api.watch import Watch
from sim.batch.executors import Executor
from sim.batch.runner import Progress
from sim.errors import InputError
from sim.results.columns import DailyMode


@dataclass
class Robust:
    """A finished study: where it is, its answer and its tables (read on first use).

    Attributes:
        path: The study folder.
        result: What finishing it computed (``.study``, ``.assessment``, ``.failures``; None if opened).
        summary: ``study.json``: the study, the ranking and its answer, where each lever fails.
        seconds: Wall time of the batch (0 if it was finished before).
        figures: The figures drawn into ``path/plots`` (``plots=True``).
        folder: The study folder as ``open_folder`` gives it: its tables, read on first use.
    """

    path: Path
    result: Any
    summary: dict[str, Any]
    seconds: float = 0.0
    figures: list[Path] = field(default_factory=list)
    folder: Folder = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.folder = Folder(self.path, None, self.seconds, self.summary, kind="study")

    @property
    def tables(self) -> list[str]:
        """The names of the study's tables, for ``table(name)``."""
        return self.folder.tables

    def table(self, name: str) -> pd.DataFrame:
        """Return one of the study's tables by file name (``experiments``, ``ranking``, ...).

        Raises:
            InputError: For a table the study does not have, naming those it has.
        """
        return self.folder.table(name)

    @property
    def answer(self) -> str:
        """The most robust lever on the ranking metric, and those it cannot be told from, in a sentence."""
        return str(self.summary["answer"])

    @property
    def experiments(self) -> pd.DataFrame:
        """EMA-style inputs: one row per lever, future and replication (uncertainties, sampled inputs)."""
        return self.table("experiments")

    @property
    def outcomes(self) -> pd.DataFrame:
        """EMA-style outcomes: the same rows, each study outcome's value per run."""
        return self.table("study_outcomes")

    @property
    def per_future(self) -> pd.DataFrame:
        """One row per lever and future: each outcome's mean and regret, each goal met or not."""
        return self.table("per_future")

    @property
    def robustness(self) -> pd.DataFrame:
        """One row per lever and metric: value and 95% Monte Carlo interval."""
        return self.table("robustness")

    @property
    def ranking(self) -> pd.DataFrame:
        """One row per metric and lever, most robust first, with the levers it cannot be told from."""
        return self.table("ranking")

    @property
    def pairs(self) -> pd.DataFrame:
        """One row per metric and pair of levers: the difference with its interval, within noise or not."""
        return self.table("pairs")

    @property
    def failures(self) -> list[dict[str, Any]]:
        """Where each lever misses a goal (PRIM's box and its sentence); empty without goals or the extra."""
        return json.loads((self.path / "failures.json").read_text(encoding="utf-8")) or []


# Over 60 lines only with its docstring: an Args line per option, which the API reference shows.
def robust(
    study: str | Path | None = None,
    replications: int | None = None,
    futures: int | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
    daily: DailyMode = "none",
    executor: str | Executor = "process",
    workers: int | None = None,
    scheduler: str | None = None,
    chunk: int | None = None,
    plots: bool = False,
    resume: str | Path | None = None,
    progress: Progress | None = None,
    watch: Watch | None = None,
) -> Robust:
    """Run a study (``sim robust``): every lever in every future, with common random numbers, and rank them.

    Args:
        study: The study file (YAML; docs/robustness.md).
        replications: Replications per lever and future [default: the file's].
        futures: Futures to sample [default: the file's].
        seed: Root seed [default: the file's].
        out: The study folder [default: ``results/<scenario>/study-<name>-<time>-<hash>``].
        daily: ``none`` or ``total``.
        executor: ``process`` (all cores), ``serial``, ``dask``, or an executor object.
        workers: Worker processes.
        scheduler: A Dask scheduler address.
        chunk: Replications per task [default: automatic].
        plots: Draw the study's figures into ``out/plots``.
        resume: Finish an interrupted study in this folder instead (``study`` and the counts not given).
        progress: Called with (runs done, in all) after each chunk.
        watch: What to tell while it runs, in place of ``progress`` (``sim robust`` passes its progress bar).

    Raises:
        InputError: For a wrong study file (naming file, line and field), or chunks that failed.
    """
    from sim.experiments.robust import run_study
    from sim.experiments.robust_finish import finish_study

    watch = watch if watch is not None else Watch(progress)
    store, loaded, jobs, pool = _started(
        study, replications, futures, seed, out, daily, executor, workers, scheduler, chunk, resume
    )
    runs = len(jobs) * loaded.spec.replications
    watch.tell(
        f"study folder: {store.directory} ({len(loaded.levers)} levers x {len(loaded.futures)} futures x "
        f"{loaded.spec.replications} replications = {runs:,} runs)"
    )
    result = watch.batch(
        "robust", store.directory, lambda report, notify: run_study(store, jobs, pool, report, notify=notify)
    )

    def finish() -> Robust:
        finished = finish_study(store.directory)
        figures: list[Path] = []
        if plots:
            from sim.plots.robust import write_study_plots

            figures = write_study_plots(store.directory)
        return Robust(store.directory, finished, finished.summary, result.seconds, figures)

    return watch.finishing(store.directory, finish)


def _started(
    study: str | Path | None,
    replications: int | None,
    futures: int | None,
    seed: int | None,
    out: str | Path | None,
    daily: DailyMode,
    executor: str | Executor,
    workers: int | None,
    scheduler: str | None,
    chunk: int | None,
    resume: str | Path | None,
) -> tuple[Any, Any, list[Any], Executor]:
    """Start a study folder (or open one to resume): its store, study, jobs, and the executor to run them."""
    from sim.experiments.robust import default_study_folder, open_study, start_study
    from sim.experiments.study import load_study

    if resume is not None:
        if study is not None or replications or futures or seed is not None:
            raise InputError("resume takes everything from the study folder", str(resume), field="resume")
        store, loaded, jobs = open_study(Path(resume))
        try:
            return store, loaded, jobs, executor_of(executor, workers, scheduler)
        except BaseException:
            store.release()
            raise
    if study is None:
        raise InputError("give a study file (or resume=FOLDER)", field="study")
    given = (("replications", replications), ("futures", futures), ("seed", seed))
    loaded = load_study(study, {key: value for key, value in given if value is not None})
    pool = executor_of(executor, workers, scheduler)
    try:
        directory = Path(out) if out is not None else default_study_folder(loaded)
        store, jobs = start_study(loaded, directory, chunk, daily, pool.workers)
    except BaseException:
        pool.close()
        raise
    return store, loaded, jobs, pool


def open_study(path: str | Path) -> Robust:
    """Open a finished study folder (finishing its metrics if the command stopped before them)."""
    from sim.plots.report_study import ready_study

    directory = Path(path)
    ready_study(directory)
    summary = json.loads((directory / "study.json").read_text(encoding="utf-8"))
    return Robust(directory, None, summary)
