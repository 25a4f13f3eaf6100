"""What-if runs: a scenario with changed inputs, run in the background beside its baseline.

A what-if runs N replications of the changed scenario through ``sim.api.run`` into an ordinary run
folder (the contract of ``sim run``), and compares it with the unchanged scenario's run of the same
seed and count through ``sim.api.compare``: replication i of both drew the same random numbers, so the
paired differences have narrow intervals. The baseline run is made once per scenario, seed and count,
and reused while its scenario is unchanged. Everything is written under ``whatif/`` in the folder
served:

    whatif/<scenario>/baseline-n<N>-seed<S>/      the unchanged scenario's run
    whatif/<scenario>/<time>-<hash>/              the changed scenario's run
    whatif/<scenario>/compare-<time>-<hash>/      the comparison

One what-if runs at a time, on every core. Its progress is read by polling; cancelling stops it as
Ctrl-C stops ``sim run``: the finished chunks stay, and ``sim run --resume`` completes the folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim import api
from sim.errors import InputError
from sim.results.manifest import document_hash, scenario_document
from sim.scenario.files import confined_to

MAX_REPLICATIONS = 20_000
"""Most replications one what-if may ask for (each of the two runs)."""
MAX_SEED = 2**63 - 1


class Cancelled(Exception):
    """The user cancelled the what-if."""


@dataclass
class Request:
    """What to run.

    Attributes:
        scenario_file: The scenario YAML the form was built from (inside the folder served).
        key: Names the what-if folder of this scenario (``whatif/<key>``).
        overrides: The changed inputs as ``--set`` strings.
        replications: Replications of each run.
        seed: Root seed of both runs.
        baseline_run: An existing run of the unchanged scenario to reuse if its seed and count match.
    """

    scenario_file: Path
    key: str
    overrides: list[str]
    replications: int
    seed: int
    baseline_run: Path | None = None


@dataclass
class Job:
    """A what-if in the background: its state and progress, read by the page while it runs."""

    id: str
    request: Request
    state: str = "queued"
    phase: str = ""
    done: int = 0
    total: int = 0
    message: str = ""
    result: dict[str, Any] | None = None
    folders: dict[str, Path] = field(default_factory=dict)
    cancel: threading.Event = field(default_factory=threading.Event)

    def status(self, relative: Any) -> dict[str, Any]:
        """Return what the page shows (folders relative to the folder served)."""
        return {
            "id": self.id,
            "state": self.state,
            "phase": self.phase,
            "done": self.done,
            "total": self.total,
            "message": self.message,
            "folders": {name: relative(path) for name, path in self.folders.items()},
            "result": self.result,
        }


def check_numbers(replications: Any, seed: Any) -> dict[str, str]:
    """Return a message per bad field (``replications``, ``seed``), as the command line words it."""
    problems = {}
    count = _whole(replications)
    if count is None or not 1 <= count <= MAX_REPLICATIONS:
        problems["replications"] = (
            f"-n/--replications: {str(replications)[:40]!r} is not a whole number from 1 to "
            f"{MAX_REPLICATIONS:,}"
        )
    number = _whole(seed)
    if number is None or not 0 <= number <= MAX_SEED:
        problems["seed"] = f"--seed: {str(seed)[:40]!r} is not a whole number from 0 up"
    return problems


def _whole(value: Any) -> int | None:
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number


class Runner:
    """Runs one what-if at a time in a background thread.

    Args:
        root: The folder served (every file the runs read or write lies under it).
        executor: Where replications run (``process``: every core; ``serial`` in tests).
    """

    def __init__(self, root: Path, executor: str = "process") -> None:
        self.root = root
        self.executor = executor
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()

    def busy(self) -> Job | None:
        """The what-if running now, if any."""
        with self.lock:
            return next((j for j in self.jobs.values() if j.state in ("queued", "running")), None)

    def start(self, request: Request) -> Job:
        """Start a what-if in the background.

        Raises:
            InputError: If one is running already.
        """
        with self.lock:
            if any(j.state in ("queued", "running") for j in self.jobs.values()):
                raise InputError("a what-if is running already: wait for it or cancel it")
            job = Job(uuid.uuid4().hex[:12], request)
            self.jobs[job.id] = job
        threading.Thread(target=self._run, args=(job,), name=f"whatif-{job.id}", daemon=True).start()
        return job

    def _run(self, job: Job) -> None:
        job.state = "running"
        try:
            with confined_to(self.root):
                self._steps(job)
            job.state = "done"
            job.message = "done"
        except Cancelled:
            job.state = "cancelled"
            kept = ", ".join(str(p) for p in job.folders.values())
            job.message = (
                f"cancelled; finished chunks are kept in {kept} (sim run --resume DIR completes a run)"
            )
        except InputError as error:
            job.state = "failed"
            job.message = str(error)
        except Exception as error:  # noqa: BLE001 - the page must learn that it failed, and why
            job.state = "failed"
            job.message = f"{type(error).__name__}: {error}"
            traceback.print_exc()

    def _steps(self, job: Job) -> None:
        request = job.request
        base = api.load(request.scenario_file)
        variant = api.load(request.scenario_file, set=request.overrides)
        folder = self.root / "whatif" / request.key
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        digest = hashlib.sha256("\n".join(request.overrides).encode()).hexdigest()[:7]
        baseline = self._baseline(request, base, folder)
        runs = [("variant", variant, folder / f"{stamp}-{digest}")]
        if baseline is None:
            baseline = folder / f"baseline-n{request.replications}-seed{request.seed}"
            runs.insert(0, ("baseline", base, baseline))
        job.folders["baseline"] = baseline
        job.total = request.replications * len(runs)
        for index, (phase, scenario, out) in enumerate(runs):
            job.phase = phase
            job.folders[phase] = out

            # A run counts its dynamics-only companion in its total (twice the replications).
            def progress(done: int, total: int, index: int = index, count: int = len(runs)) -> None:
                job.total = total * count
                job.done = index * total + done
                if job.cancel.is_set():
                    raise Cancelled()

            if job.cancel.is_set():
                raise Cancelled()
            api.run(
                scenario,
                replications=request.replications,
                seed=request.seed,
                out=out,
                executor=self.executor,
                progress=progress,
            )
        job.phase = "comparing"
        variant_folder = job.folders["variant"]
        compared = api.compare(
            [baseline, variant_folder], out=folder / f"compare-{variant_folder.name}", plots=False
        )
        job.folders["comparison"] = compared.path
        job.result = {"changes": list(compared.comparison.changes[0])}

    def _baseline(self, request: Request, scenario: Any, folder: Path) -> Path | None:
        """Return a complete run of the unchanged scenario with this seed and count, if there is one."""
        wanted = document_hash(scenario_document(scenario))
        candidates = [folder / f"baseline-n{request.replications}-seed{request.seed}"]
        if request.baseline_run is not None:
            candidates.insert(0, request.baseline_run)
        for candidate in candidates:
            try:
                opened = api.open_folder(candidate)
            except InputError:
                continue
            manifest = opened_manifest(candidate)
            if (
                manifest.get("status") == "complete"
                and manifest.get("scenario_sha256") == wanted
                and (manifest.get("seed"), manifest.get("replications"))
                == (request.seed, request.replications)
                and opened.path.is_dir()
            ):
                return candidate
        return None


def opened_manifest(folder: Path) -> dict[str, Any]:
    """Return a run folder's manifest as a mapping (empty if unreadable)."""
    import json

    try:
        document = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def result_charts(folders: dict[str, Path]) -> dict[str, Any]:
    """The finished what-if's charts and differences, for the page."""
    import pyarrow.parquet as pq

    from sim.analysis.differences import value_text, verdict
    from sim.plots.charts_compare import compare_fan_chart, forest_chart

    comparison = folders["comparison"]
    rows = pq.read_table(comparison / "compare.parquet").to_pylist()
    runs = [
        (folders["baseline"].name, folders["baseline"]),
        (f"what-if {folders['variant'].name}", folders["variant"]),
    ]
    fan = compare_fan_chart(runs)
    groups = [str(row["group"]) for row in rows if str(row["unit"]) in ("km2", "share")]
    forest = forest_chart(rows, list(dict.fromkeys(groups)))
    table = [
        {
            "group": str(row["group"]),
            "label": str(row["label"]),
            "baseline": value_text(float(row["baseline_value"]), str(row["unit"])),
            "variant": value_text(float(row["variant_value"]), str(row["unit"])),
            "difference": value_text(float(row["difference"]), str(row["unit"]), True),
            "interval": f"{value_text(float(row['low']), str(row['unit']), True)} to "
            f"{value_text(float(row['high']), str(row['unit']), True)}",
            "verdict": verdict(row),
        }
        for row in rows
    ]
    return {"fan": fan, "forest": forest, "rows": table, "paired": bool(rows and rows[0]["paired"])}
