"""Progress of a batch on standard error."""

from __future__ import annotations

import math
import sys
import time

import click


class Progress:
    """A progress bar with rate and time left on a terminal; otherwise a log line every few seconds."""

    def __init__(self, quiet: bool, label: str = "replications") -> None:
        self.quiet = quiet
        self.label = label
        self.tty = sys.stderr.isatty()
        self.began = time.monotonic()
        self.last_log = 0.0
        self.first: int | None = None
        self.bar_open = False

    def note(self, line: str) -> None:
        """Print a line for the user (a damaged part run again), even when quiet, off the bar's line."""
        click.echo(("\n" if self.bar_open else "") + line, err=True)
        self.bar_open = False

    def __call__(self, done: int, total: int) -> None:
        """Report that ``done`` of ``total`` are finished."""
        if self.quiet:
            return
        now = time.monotonic()
        if self.first is None:
            self.first = done
        elapsed = max(now - self.began, 1e-9)
        rate = (done - self.first) / elapsed
        left = (total - done) / rate if rate > 0 else math.inf
        eta = (
            "--:--"
            if math.isinf(left)
            else time.strftime("%M:%S" if left < 3600 else "%H:%M:%S", time.gmtime(left))
        )
        if self.tty:
            width = 30
            filled = int(width * done / total) if total else width
            bar = "#" * filled + "-" * (width - filled)
            click.echo(
                f"\r[{bar}] {done:,}/{total:,} {self.label}  {rate:,.0f}/s  {eta} left ", nl=False, err=True
            )
            self.bar_open = True
            if done >= total:
                click.echo("", err=True)
                self.bar_open = False
        elif now - self.last_log >= 5.0 or done >= total:
            self.last_log = now
            click.echo(f"{done:,}/{total:,} {self.label} done, {rate:,.0f}/s, {eta} left", err=True)
