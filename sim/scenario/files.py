"""Reading the files a scenario names: only regular files, of bounded size, within reach.

A scenario file, the base it ``extends:`` and the samples of an ``empirical`` distribution are read
through ``read_limited``: a device, a pipe or a socket is refused before it is opened (``/dev/zero``
would never end, a pipe would wait forever), and so is a file larger than the limit given.

A file a scenario *refers to* (an ``extends:`` base, an empirical samples file) must lie under the
folder of the file that names it or under the working folder, so a scenario cannot make the
simulator read (and copy into its results) a file from anywhere on the machine. An ``extends:`` base
may also lie directly in a folder above the extending file (``../../base.yaml``), which is how the
scenarios ``sim calibrate`` and ``sim backtest`` write into their output folders refer to the
scenario they calibrated. The user can allow other files explicitly: ``--allow-outside-files`` on
the command line, or the environment variable ``SIM_ALLOW_OUTSIDE_FILES=1`` (for scripts, and for
worker processes).

A program serving one folder (``sim serve``) confines every file a scenario refers to to that folder,
whatever the rules above would allow (``confined_to``).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

from sim.errors import shorten

ALLOW_OUTSIDE_ENV = "SIM_ALLOW_OUTSIDE_FILES"
"""Set to 1 to let scenarios refer to files outside their folder and the working folder."""

_ALLOW_OUTSIDE: ContextVar[bool] = ContextVar("allow_outside_files", default=False)
_CONFINED: ContextVar[Path | None] = ContextVar("confined_to", default=None)


class FileProblem(ValueError):
    """A file cannot be read as asked; the message says why, without quoting the file."""


def outside_allowed() -> bool:
    """Return whether files outside a scenario's folder and the working folder may be read."""
    return _ALLOW_OUTSIDE.get() or os.environ.get(ALLOW_OUTSIDE_ENV, "").strip().lower() in {
        "1",
        "true",
        "yes",
    }


@contextlib.contextmanager
def allowing_outside_files(allow: bool = True) -> Iterator[None]:
    """Allow (or forbid) files outside the scenario's folder within a ``with`` block (the CLI's flag)."""
    token = _ALLOW_OUTSIDE.set(allow)
    try:
        yield
    finally:
        _ALLOW_OUTSIDE.reset(token)


@contextlib.contextmanager
def confined_to(root: Path) -> Iterator[None]:
    """Within a ``with`` block, refuse every file a scenario refers to that does not lie under ``root``.

    This replaces the usual rules (the referring file's folder, the working folder, an allowance for
    files outside): only ``root`` counts.
    """
    token = _CONFINED.set(root.resolve())
    try:
        yield
    finally:
        _CONFINED.reset(token)


def set_outside_allowed(allow: bool) -> object:
    """Allow files outside until ``reset_outside_allowed(token)``; return the token."""
    return _ALLOW_OUTSIDE.set(allow)


def reset_outside_allowed(token: object) -> None:
    """Undo ``set_outside_allowed``."""
    _ALLOW_OUTSIDE.reset(token)  # type: ignore[arg-type]


def check_reach(
    target: Path, referrer: Path, allow_outside: bool | None = None, *, above: bool = False
) -> None:
    """Refuse ``target`` unless it lies under ``referrer`` (a folder) or the working folder.

    Symbolic links are followed first, so a link inside the folder that points elsewhere is outside.

    Args:
        target: The file named.
        referrer: The folder of the file that names it.
        allow_outside: Skip the check; None reads the user's choice (``outside_allowed``).
        above: Also allow a file directly in a folder above ``referrer`` (``../base.yaml``,
            ``../../base.yaml``): how ``sim calibrate`` and ``sim backtest`` refer from their output
            folders to the scenario they calibrated. Never a file in another branch of the tree.

    Raises:
        FileProblem: If the file is out of reach.
    """
    confined = _CONFINED.get()
    if confined is not None:
        try:
            inside = target.resolve().is_relative_to(confined)
        except (OSError, ValueError, RuntimeError):
            inside = False
        if inside:
            return
        raise FileProblem(f"{shorten(str(target), 200)} is outside the folder served ({confined})")
    if outside_allowed() if allow_outside is None else allow_outside:
        return
    try:
        resolved = target.resolve()
        roots = (referrer.resolve(), Path.cwd().resolve())
    except (OSError, ValueError, RuntimeError):
        raise FileProblem(f"{shorten(str(target), 200)} is not a usable path") from None
    if any(resolved.is_relative_to(root) for root in roots):
        return
    if above and resolved.parent in roots[0].parents:
        return
    raise FileProblem(
        f"{shorten(str(target), 200)} is outside the folder of the file naming it ({roots[0]}) "
        f"and the working folder; pass --allow-outside-files (or set {ALLOW_OUTSIDE_ENV}=1) to read it"
    )


def read_limited(path: Path, limit: int) -> bytes:
    """Return the bytes of a regular file of at most ``limit`` bytes.

    Raises:
        FileNotFoundError: If there is no such file.
        IsADirectoryError: If it is a folder.
        FileProblem: If it is not a regular file (a device, pipe, socket) or is larger than ``limit``.
        OSError: If it cannot be read.
    """
    info = path.stat()
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(str(path))
    if not stat.S_ISREG(info.st_mode):
        raise FileProblem("is not a regular file (a device, a pipe or a socket)")
    if info.st_size > limit:
        raise FileProblem(f"is too large ({info.st_size:,} bytes; at most {limit:,})")
    # Non-blocking, in case the file was swapped for a pipe since the check above.
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise FileProblem("is not a regular file (a device, a pipe or a socket)")
        with os.fdopen(handle, "rb", closefd=False) as stream:
            data = stream.read(limit + 1)
    finally:
        os.close(handle)
    if len(data) > limit:
        raise FileProblem(f"is too large (more than {limit:,} bytes)")
    return data
