"""What the ``sim`` commands show of a job that ``sim.api`` runs: bars, lines, and how a batch ends."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from sim.api.watch import BatchWork, Watch
from sim.batch.runner import BatchResult
from sim.cli.options import finish_batch_or_exit
from sim.cli.progress import Progress

T = TypeVar("T")


class CommandWatch(Watch):
    """A ``Watch`` for the command line: lines and a progress display on standard error.

    Each batch gets a bar of its own (a log line every few seconds when not on a terminal); a batch
    that cannot finish (Ctrl-C, failed chunks, a lost scheduler, a full disk) ends the command with one
    line and the resume command (``finish_batch_or_exit``).

    Args:
        quiet: Show no lines and no progress (a part run again is still said).
        summarized: Called with a run's summary once it is written, before its figures are drawn.
        finished: What to say when what follows the batches cannot write its files (the batches'
            results are kept): given the folder, it returns the line's end; None lets the error through.
    """

    def __init__(
        self,
        quiet: bool,
        summarized: Callable[[dict[str, Any]], None] | None = None,
        finished: Callable[[Path], str] | None = None,
    ) -> None:
        super().__init__()
        self.quiet = quiet
        self._summarized = summarized
        self._finished = finished

    def tell(self, line: str) -> None:  # noqa: D102 - Watch's
        if not self.quiet:
            click.echo(line, err=True)

    def reporter(self, index: int = 0, batches: int = 1) -> Progress:  # noqa: D102 - Watch's
        return Progress(self.quiet)

    def batch(  # noqa: D102 - Watch's
        self, command: str, directory: Path, work: BatchWork, index: int = 0, batches: int = 1
    ) -> BatchResult:
        progress = self.reporter(index, batches)
        return finish_batch_or_exit(command, directory, lambda: work(progress, progress.note), progress)

    def summarized(self, summary: dict[str, Any]) -> None:  # noqa: D102 - Watch's
        if self._summarized is not None:
            self._summarized(summary)

    def finishing(self, directory: Path, work: Callable[[], T]) -> T:  # noqa: D102 - Watch's
        if self._finished is None:
            return work()
        try:
            return work()
        except OSError as error:
            where = error.filename or directory
            click.echo(
                f"error: cannot write {where} ({error.strerror or error}); {self._finished(directory)}",
                err=True,
            )
            sys.exit(1)
