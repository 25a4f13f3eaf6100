"""``api.sweep``: a scenario at every point of a design, the orchestration ``sim sweep`` calls too."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.api.folders import Folder
from sim.api.inputs import load
from sim.api.runs import executor_of
from sim.api.watch import Watch
from sim.batch.executors import Executor
from sim.batch.runner import Progress
from sim.errors import InputError
from sim.experiments.design import SweepSpec, parse_vary
from sim.experiments.sweep import default_sweep_folder, finish_sweep, open_sweep, run_sweep, start_sweep
from sim.results.columns import DailyMode, check_summary_outcome
from sim.results.files import read_json
from sim.results.folder import open_folder as open_folder_of
from sim.results.store import RunStore
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Swept:
    """A finished sweep as ``sweep_design`` ran it.

    Attributes:
        folder: The sweep folder (its summary with the sensitivity indices under ``indices``).
        spec: The design.
        first: The first point's scenario, which the point summary and the indices read outcomes by.
        indices_written: The sensitivity indices' files (none for a grid or LHS).
    """

    folder: Folder
    spec: SweepSpec
    first: Scenario
    indices_written: list[Path]


# Over 60 lines only with its docstring: an Args line per option, which the API reference shows.
def sweep(
    scenario: Scenario | str | Path | None,
    vary: Mapping[str, Any] | None = None,
    design: str = "grid",
    samples: int = 16,
    replications: int = 50,
    seed: int = 0,
    outcomes: Sequence[str] = (),
    out: str | Path | None = None,
    daily: DailyMode = "none",
    executor: str | Executor = "process",
    workers: int | None = None,
    scheduler: str | None = None,
    chunk: int | None = None,
    plots: bool = False,
    progress: Progress | None = None,
    resume: str | Path | None = None,
) -> Folder:
    """Run a scenario at every point of a design (``sim sweep``) and return the sweep folder.

    Like the command, it writes ``summary.json`` and, for Sobol' and Morris designs, the sensitivity
    indices (``sensitivity.json``/``.csv``; also in ``Folder.summary["indices"]``).

    Args:
        scenario: A scenario or the path of its YAML (None with ``resume``).
        vary: Dotted path to values: a list (grid), ``{"low": a, "high": b}`` (other designs), or
            ``{"low": a, "high": b, "n": k}``, or a ``--vary`` string such as ``"0.4:0.8:5"``.
        design: ``grid``, ``lhs``, ``sobol`` or ``morris``.
        samples: Base sample size of the sampled designs.
        replications: Replications per point (the same streams at every point).
        seed: Root seed (also of the design's sampler).
        outcomes: Outcomes for the sensitivity indices and figures.
        out: The sweep folder [default: ``results/<scenario>/sweep-<time>-<hash>``].
        daily: ``none`` or ``total``.
        executor: As for ``run``.
        workers: Worker processes.
        scheduler: A Dask scheduler address.
        chunk: Replications per task.
        plots: Draw the sweep's figures into ``out/plots``.
        progress: Called with (replications done, in all) after each chunk.
        resume: Finish an interrupted sweep in this folder instead (its design is the folder's;
            ``scenario`` None and no ``vary``).
    """
    if resume is not None:
        if scenario is not None or vary:
            raise InputError("resume takes everything from the sweep folder", str(resume), field="resume")
        return sweep_design(
            None, None, out, daily, executor, workers, scheduler, chunk, plots,
            outcomes=outcomes, resume=resume, watch=Watch(progress),
        ).folder  # fmt: skip
    if scenario is None or not vary:
        raise InputError("give a scenario and what to vary (or resume=FOLDER)", field="vary")
    loaded = scenario if isinstance(scenario, Scenario) else load(scenario)
    parsed: dict[str, Any] = {}
    for path, values in vary.items():
        parsed[path] = parse_vary(f"{path}={values}", design)[1] if isinstance(values, str) else values  # type: ignore[arg-type]
    spec = SweepSpec.model_validate(
        {
            "design": design,
            "vary": parsed,
            "samples": samples,
            "replications": replications,
            "seed": seed,
            "outcomes": list(outcomes),
        }
    )
    swept = sweep_design(
        loaded, spec, out, daily, executor, workers, scheduler, chunk, plots, watch=Watch(progress)
    )
    return swept.folder


def _started(
    base: Scenario | None,
    spec: SweepSpec | None,
    out: str | Path | None,
    daily: DailyMode,
    executor: str | Executor,
    workers: int | None,
    scheduler: str | None,
    chunk: int | None,
    outcomes: Sequence[str],
    sweep_file: str | None,
    resume: str | Path | None,
) -> tuple[RunStore, list[Scenario], SweepSpec, Executor]:
    """Create the sweep folder (or open one to resume): its store, point scenarios, design and executor."""
    if resume is not None:
        store, scenarios, spec = open_sweep(Path(resume))
        try:
            for outcome in outcomes:
                check_summary_outcome(scenarios[0], outcome)
            return store, scenarios, spec, executor_of(executor, workers, scheduler)
        except BaseException:
            store.release()
            raise
    if base is None or spec is None:
        raise InputError("a sweep needs a scenario and a design (or resume=FOLDER)", field="vary")
    for outcome in spec.outcomes:
        # Before any work: a misspelt outcome once surfaced only after the whole sweep had run.
        check_summary_outcome(base, outcome)
    pool = executor_of(executor, workers, scheduler)
    try:
        directory = Path(out) if out is not None else default_sweep_folder(base, spec)
        store, scenarios, _ = start_sweep(base, spec, directory, chunk, daily, pool.workers, sweep_file)
    except BaseException:
        pool.close()
        raise
    return store, scenarios, spec, pool


# Over 60 lines only with its docstring: an Args line per option, which the API reference shows.
def sweep_design(
    base: Scenario | None,
    spec: SweepSpec | None,
    out: str | Path | None,
    daily: DailyMode,
    executor: str | Executor,
    workers: int | None,
    scheduler: str | None,
    chunk: int | None,
    plots: bool,
    *,
    outcomes: Sequence[str] = (),
    sweep_file: str | None = None,
    resume: str | Path | None = None,
    watch: Watch | None = None,
) -> Swept:
    """Start (or, with ``resume``, finish) a sweep folder, run its points, compute its indices, draw it.

    ``api.sweep`` and ``sim sweep`` both run a sweep through this; they differ in how they build the
    design and in their ``Watch``.

    Args:
        base: The scenario every point changes (None with ``resume``).
        spec: The design (None with ``resume``: the folder's).
        out: The sweep folder [default: ``results/<scenario>/sweep-<time>-<hash>``].
        daily: ``none`` or ``total``.
        executor: As for ``run``.
        workers: Worker processes.
        scheduler: A Dask scheduler address.
        chunk: Replications per task [default: automatic].
        plots: Draw the sweep's figures into ``out/plots``.
        outcomes: Outcomes for the indices in place of the design's.
        sweep_file: The sweep file named on the command line, recorded in the manifest.
        resume: An interrupted sweep folder to finish.
        watch: What to tell while it runs.

    Raises:
        InputError: For an outcome the runs will not have (before any work), a folder that cannot take
            the sweep or be resumed, or chunks that failed (with the default ``Watch``).
    """
    watch = watch if watch is not None else Watch()
    store, scenarios, spec, pool = _started(
        base, spec, out, daily, executor, workers, scheduler, chunk, outcomes, sweep_file, resume
    )
    watch.tell(
        f"sweep folder: {store.directory} ({len(scenarios)} points x {spec.replications} replications)"
    )
    result = watch.batch(
        "sweep",
        store.directory,
        lambda report, notify: run_sweep(store, scenarios, pool, report, notify=notify),
    )
    directory, first, design = store.directory, scenarios[0], spec

    def finish() -> Swept:
        finished = finish_sweep(directory, first, design, list(outcomes) or list(design.outcomes))
        figures: list[Path] = []
        if plots:
            from sim.plots.sweep import write_sweep_plots

            figures = write_sweep_plots(directory, "png")
        summary = {**read_json(directory / "summary.json"), "indices": finished.indices}
        scenario = base if base is not None else open_folder_of(directory, "read", kind="sweep").scenario
        folder = Folder(directory, scenario, result.seconds, summary, kind="sweep", figures=figures)
        return Swept(folder, design, first, finished.written[:-1])

    return watch.finishing(directory, finish)
