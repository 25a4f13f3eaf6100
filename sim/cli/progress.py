"""Progress of a batch on standard error: a ``rich`` bar on a terminal, a log line otherwise."""

from __future__ import annotations

import math
import sys
import time

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress


class Progress:
    """A progress bar with rate and time left on a terminal; otherwise a log line every few seconds.

    Args:
        quiet: Print nothing but ``note`` lines.
        label: What is counted (``replications``, ``points``).
    """

    def __init__(self, quiet: bool, label: str = "replications") -> None:
        self.quiet = quiet
        self.label = label
        self.tty = sys.stderr.isatty()
        self.began = time.monotonic()
        self.last_log = 0.0
        self.first: int | None = None
        self._bar: RichProgress | None = None
        self._task: TaskID | None = None

    def note(self, line: str) -> None:
        """Print a line for the user (a damaged part run again), even when quiet, above the bar."""
        if self._bar is not None:
            self._bar.console.print(line, markup=False, highlight=False)
        else:
            click.echo(line, err=True)

    def _rate(self, done: int, now: float) -> float:
        if self.first is None:
            self.first = done
        return (done - self.first) / max(now - self.began, 1e-9)

    def __call__(self, done: int, total: int) -> None:
        """Report that ``done`` of ``total`` are finished."""
        if self.quiet:
            return
        now = time.monotonic()
        rate = self._rate(done, now)
        if self.tty:
            self._draw(done, total, rate)
            return
        if now - self.last_log >= 5.0 or done >= total:
            self.last_log = now
            left = (total - done) / rate if rate > 0 else math.inf
            eta = (
                "--:--"
                if math.isinf(left)
                else time.strftime("%M:%S" if left < 3600 else "%H:%M:%S", time.gmtime(left))
            )
            click.echo(f"{done:,}/{total:,} {self.label} done, {rate:,.0f}/s, {eta} left", err=True)

    def _draw(self, done: int, total: int, rate: float) -> None:
        if self._bar is None:
            self._bar = RichProgress(
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn(self.label),
                TextColumn("{task.fields[rate]}"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task("batch", total=total, rate="")
        assert self._task is not None
        self._bar.update(self._task, completed=done, total=total, rate=f"{rate:,.0f}/s")
        if done >= total:
            self.close()

    def close(self) -> None:
        """Stop the bar (the batch ended, or was interrupted)."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
