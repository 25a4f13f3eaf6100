"""Peak resident memory of a whole ``sim run`` command, per phase (used by benchmarks/run.py).

The command runs in a subprocess; its main process and each worker are polled every 20 ms for
``VmHWM`` (the peak resident set) in ``/proc``. When the merged ``outcomes.parquet`` appears (the merge
is over), the main process's peak so far is the simulate+merge peak; it is then reset (``5`` written to
``/proc/PID/clear_refs``), so what ``VmHWM`` reads from then on is the peak of the summary and plots
alone. Linux only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

POLL_SECONDS = 0.02


@dataclass(frozen=True)
class PhasePeaks:
    """Peak resident memory of one ``sim run``, in MiB.

    Attributes:
        replications: Replications run.
        simulate_merge: Main process, from the start to the end of the merge.
        summary_plots: Main process, from the end of the merge to the end (None if it could not be
            told apart: then ``simulate_merge`` is the peak of the whole command).
        worker: The largest worker process.
        seconds: Wall time of the command.
    """

    replications: int
    simulate_merge: float
    summary_plots: float | None
    worker: float
    seconds: float

    @property
    def main(self) -> float:
        """The main process's peak over the whole command."""
        return max(self.simulate_merge, self.summary_plots or 0.0)


def vm_hwm_mib(pid: int) -> float:
    """Return a process's peak resident set (``VmHWM``) in MiB, 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


def children(pid: int) -> list[int]:
    """Return the process ids of a process's children."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (FileNotFoundError, ProcessLookupError):
        return []


def _reset_peak(pid: int) -> bool:
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def run_peaks(root: Path, scenario: Path, replications: int, plots: bool = True) -> PhasePeaks:
    """Run ``sim run SCENARIO -n N --daily total --executor process`` and return its peaks per phase.

    Args:
        root: The project folder (the command runs there, with its ``sim``).
        scenario: The scenario file.
        replications: How many replications.
        plots: Draw the figures (the default of ``sim run``).

    Raises:
        RuntimeError: If the command fails.
    """
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "run"
        command = [
            sys.executable,
            "-m",
            "sim",
            "run",
            str(scenario),
            "-n",
            str(replications),
            "--daily",
            "total",
            "--executor",
            "process",
            "--quiet",
            "--out",
            str(out),
            *([] if plots else ["--no-plots"]),
        ]
        environment = dict(os.environ, MPLBACKEND="Agg")
        began = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=root, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        first = worker = 0.0
        second: float | None = None
        while process.poll() is None:
            if second is None:
                first = max(first, vm_hwm_mib(process.pid))
                if (out / "outcomes.parquet").exists():
                    first = max(first, vm_hwm_mib(process.pid))
                    second = 0.0 if _reset_peak(process.pid) else None
                    if second is None:  # cannot reset: the whole command's peak is all we have
                        break
            else:
                second = max(second, vm_hwm_mib(process.pid))
            for child in children(process.pid):
                worker = max(worker, vm_hwm_mib(child))
            time.sleep(POLL_SECONDS)
        while process.poll() is None:
            first = max(first, vm_hwm_mib(process.pid))
            time.sleep(POLL_SECONDS)
        _, errors = process.communicate()
        seconds = time.perf_counter() - began
        if process.returncode != 0:
            raise RuntimeError(f"sim run -n {replications} exited {process.returncode}: {errors.strip()}")
    return PhasePeaks(replications, first, second, worker, seconds)
