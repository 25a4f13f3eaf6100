"""The ``sim`` command group: user errors become one line and exit code 2.

Bad input of any kind ends in one line on standard error naming the file, line and field, with
exit code 2 and no traceback; what was already written stays as it was.

Signals: while a command runs, Ctrl-C (SIGINT) and SIGTERM both stop it as Ctrl-C does (a batch keeps
its finished chunks and prints the resume command), with exit code 130 or 143. The SIGINT handler is
installed explicitly, so a command started from a script whose shell ignores SIGINT can still be
interrupted. A Ctrl-C while the program is still starting (importing) prints ``interrupted``, not a
traceback (the hook that says so is installed first thing by ``sim.cli``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any, NoReturn

import click

from sim.errors import InputError, one_line

EXIT_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread where Ctrl-C would raise ``KeyboardInterrupt``."""


def interrupt_exit_code(interrupt: BaseException) -> int:
    """Return the exit code of an interrupted command: 143 after SIGTERM, 130 after Ctrl-C."""
    return EXIT_TERMINATED if isinstance(interrupt, Terminated) else EXIT_INTERRUPTED


def interrupt_word(interrupt: BaseException) -> str:
    """Return how to say that the command was stopped: ``terminated`` or ``interrupted``."""
    return "terminated" if isinstance(interrupt, Terminated) else "interrupted"


@contextlib.contextmanager
def _stop_signals() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into ``KeyboardInterrupt`` / ``Terminated`` while a command runs.

    A second signal while the first is being handled (the batch is closing its workers and writing
    its manifest) ends the process at once: finished chunks are on disk either way.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def stop(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        if len(received) > 1:
            os.write(2, b"stopped at once; finished chunks are kept (resume with --resume)\n")
            os._exit(EXIT_TERMINATED if signum == signal.SIGTERM else EXIT_INTERRUPTED)
        raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()

    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    for signum in previous:
        signal.signal(signum, stop)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def fail(error: InputError | str) -> NoReturn:
    """Print one error line (at most ``MESSAGE_LIMIT`` characters, whatever it holds); exit with code 2."""
    click.echo(f"error: {one_line(str(error))}", err=True)
    sys.exit(EXIT_INPUT)


EXIT_FAILED = 1
WRITE_ERRORS = frozenset({errno.EROFS, errno.ENOSPC, errno.EDQUOT})
"""Errors only a write gives (a full disk, a read-only one): a command can do nothing but say so."""
FILE_ERRORS = WRITE_ERRORS | {errno.EACCES, errno.EPERM, errno.EIO}
"""Errors using a file that a command reports in one line; a read or a write may give the last three."""


class _Command(click.Command):
    """A click command that turns user errors into one line and exit code 2.

    A file that cannot be written half-way through a command (the disk filled up, the file system turned
    read-only: places are checked before any work, but not against what happens later) is one line and
    exit code 1.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as error:
            fail(error)
        except KeyboardInterrupt as interrupt:
            # Before or after a batch (a batch reports its own interruption with the resume command).
            click.echo(interrupt_word(interrupt), err=True)
            sys.exit(interrupt_exit_code(interrupt))
        except OSError as error:
            _cannot_write(error)


class _Group(click.Group):
    command_class = _Command

    def main(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102 - click's own
        try:
            with _stop_signals():
                return super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[call-overload]
        except click.exceptions.Exit as exit_:
            sys.exit(exit_.exit_code)
        except click.Abort as abort:
            interrupt = abort.__context__ if isinstance(abort.__context__, KeyboardInterrupt) else None
            click.echo("interrupted" if interrupt is None else interrupt_word(interrupt), err=True)
            sys.exit(EXIT_INTERRUPTED if interrupt is None else interrupt_exit_code(interrupt))
        except click.UsageError as error:
            hint = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
            fail(f"{error.format_message()}{hint}")
        except click.ClickException as error:
            fail(error.format_message())
        except InputError as error:
            fail(error)
        except OSError as error:
            _cannot_write(error)


def _cannot_write(error: OSError) -> NoReturn:
    """Say in one line that a file could not be written or read (exit 1); re-raise any other ``OSError``.

    Readers of files a user names turn their own errors into one line (exit 2) before this is reached,
    so what arrives here is almost always a write; only the errors a write alone gives say so.
    """
    if error.errno not in FILE_ERRORS:
        raise error
    from sim.results.outputs import written_reason

    where = error.filename or "a file"
    verb = "write" if error.errno in WRITE_ERRORS else "write or read"
    click.echo(f"error: {one_line(f'cannot {verb} {where} ({written_reason(error)})')}", err=True)
    sys.exit(EXIT_FAILED)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="conflict-sim", prog_name="sim")
def cli() -> None:
    """Simulate a contested salient: how fast held ground erodes, and what changes that."""
