"""How a job started through ``sim.api`` reports to whoever started it, while it runs.

Every function of ``sim.api`` that runs batches (``run``, ``sweep``, ``robust``, ``calibrate``,
``backtest``) takes a ``Watch``. This one says nothing but passes each chunk's progress to a callback,
and raises ``InputError`` when chunks fail; the ``sim`` command's (``sim.cli.progress.CommandWatch``)
draws a progress bar per batch, prints the lines on standard error, and turns a batch that cannot
finish into one line with the resume command. So the command line and the Python interface run the
same orchestration and differ only in what they show.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sim.batch.runner import BatchResult, Notify, Progress
from sim.errors import InputError

BatchWork = Callable[[Progress | None, Notify | None], BatchResult]
"""One batch of a job, given its progress callback and where to tell of a part run again."""
T = TypeVar("T")


class Watch:
    """What the caller sees of a job: lines, the progress of each batch, how a batch ends.

    Args:
        progress: Called with (done, in all) after each chunk; a job of several batches of the same
            size (a run and its dynamics-only companion) counts them all in. An exception it raises
            stops the batch as Ctrl-C does: the finished chunks stay, resumable.
    """

    def __init__(self, progress: Progress | None = None) -> None:
        self.progress = progress

    def tell(self, line: str) -> None:
        """Take a line for the user: where the folder is, how long the job should take, what runs next."""

    def reporter(self, index: int = 0, batches: int = 1) -> Progress | None:
        """Return the progress callback of batch ``index`` of ``batches`` batches of the same size."""
        if self.progress is None:
            return None
        report = self.progress

        def part(done: int, total: int) -> None:
            report(index * total + done, batches * total)

        return part

    def batch(
        self, command: str, directory: Path, work: BatchWork, index: int = 0, batches: int = 1
    ) -> BatchResult:
        """Run one batch of the job and return its result once every chunk has finished.

        Args:
            command: The command that resumes it (``run``, ``sweep``, ``robust``).
            directory: The folder the batch writes.
            work: The batch.
            index: Which batch of the job this is.
            batches: How many batches of the same size the job runs.

        Raises:
            InputError: Saying how many chunks failed and how to resume.
        """
        result = work(self.reporter(index, batches), None)
        if result.failed:
            raise InputError(
                f"{len(result.failed)} chunk(s) failed; after fixing the cause: "
                f"sim {command} --resume {result.directory}",
                str(result.directory),
            )
        return result

    def summarized(self, summary: dict[str, Any]) -> None:
        """Take the summary of a run, written to its folder before its figures are drawn."""

    def finishing(self, directory: Path, work: Callable[[], T]) -> T:
        """Run what follows a job's batches (its summary, tables and figures) and return what it returns."""
        return work()
