"""Where a command may write: never into another run's folder, never through a link, never a dead end.

``sim run`` and ``sim sweep`` write only into a new or empty folder and refuse a linked ``parts/`` or
``plots/`` (``sim.results.store``). Every other command that writes (``plot``, ``report``,
``validate``, ``compare``, ``discover``, ``calibrate``, ``backtest``) checks its output place here
first, with the same rules:

* it does not lie inside a run or sweep folder other than the one the command reads (a folder holding
  ``manifest.json``): another run's ``plots/`` or the run folder itself is someone else's;
* the sub-folder it writes into inside the folder it reads (``discovery/``, ``plots/``) is not a
  symbolic link, and neither is the ``plots/`` of the output folder: a write would follow it out;
* it can be written: a read-only file system, a missing permission or a path through a file is one
  line naming the place, before any work is done;
* an output file given by name is a regular file or not there yet: a device or a pipe is never
  replaced.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

from sim.errors import InputError, clip


def run_folder_above(path: Path) -> Path | None:
    """Return the nearest folder holding ``manifest.json`` that ``path`` is or lies inside, if any."""
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):
        return None
    for place in (resolved, *resolved.parents):
        if (place / "manifest.json").exists() or (place / "manifest.json").is_symlink():
            return place
    return None


def check_output_folder(out: Path, reads: Path | None = None, option: str = "--out") -> None:
    """Refuse an output folder a command must not write into (nothing is made or written).

    Args:
        out: The folder the command writes into (its files, and figures in ``out/plots``).
        reads: The run or sweep folder the command reads, whose inside it may write into (a discovery
            into ``RUN/discovery``, a validation into ``RUN``); None if it reads none.
        option: The option that named ``out``, for the message.

    Raises:
        InputError: If ``out`` lies inside another run's folder, is a link inside the folder read, has
            a linked ``plots/``, is not a folder, or cannot be created or written.
    """
    name = str(out)
    own = _resolved(reads) if reads is not None else None
    holder = run_folder_above(out)
    if holder is not None and holder != own:
        raise InputError(
            f"lies inside the run or sweep folder {holder}, which is not the one read: sim writes only into "
            f"its own output folders; give another {option}",
            name,
            field=option,
        )
    if own is not None and out.is_symlink() and _inside(out.parent, own):
        raise InputError(
            "is a symbolic link inside the folder read; sim writes only inside it: replace the link by a "
            "folder",
            name,
            field=option,
        )
    if (out / "plots").is_symlink():
        raise InputError(
            "plots/ is a symbolic link; sim writes only inside the output folder: replace it by a folder",
            str(out / "plots"),
            field=option,
        )
    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a folder", name, field=option)
    check_writable(out, option)


def check_output_file(out: Path, reads: Path | None = None, option: str = "--out") -> None:
    """Refuse an output file inside another run's folder, or in a folder that cannot be written.

    Raises:
        InputError: Naming the file.
    """
    holder = run_folder_above(out.parent)
    if holder is not None and holder != (_resolved(reads) if reads is not None else None):
        raise InputError(
            f"lies inside the run or sweep folder {holder}, which is not the one read: give another {option}",
            str(out),
            field=option,
        )
    if out.is_dir():
        raise InputError("is a folder; give a file path", str(out), field=option)
    refuse_special_file(out, option)
    check_writable(out.parent, option)


def refuse_special_file(out: Path, option: str | None = "--out") -> None:
    """Refuse to write over anything but a regular file (or a symbolic link, which is replaced itself).

    A file is written under a temporary name and renamed over ``out``: over a device (``/dev/null``, for
    whoever may write ``/dev``), a pipe or a socket, that would put a regular file in its place.

    Raises:
        InputError: Naming the file, if it is a device, a pipe or a socket.
    """
    try:
        mode = os.lstat(out).st_mode
    except OSError:
        return  # Nothing there (or nothing to see): the write says what is wrong, if anything.
    if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode) or stat.S_ISDIR(mode)):
        raise InputError(
            "is not a regular file (a device, a pipe or a socket); sim replaces only files: give a file path",
            str(out),
            field=option,
        )


def check_writable(folder: Path, option: str | None = None) -> None:
    """Make sure files can be written in ``folder`` (or, if it does not exist yet, that it can be made).

    Nothing is left behind: a probe file is made and removed in the folder, or in the nearest folder
    above it that exists.

    Raises:
        InputError: If it cannot be written or made (a read-only file system, no permission, a path
            through a file), in one line naming it.
    """
    place = folder
    while not place.exists() and not place.is_symlink() and place != place.parent:
        place = place.parent
    if not place.is_dir():
        raise InputError(
            f"cannot write here ({place} is a file, not a folder)" if place != folder else "is not a folder",
            str(folder),
            field=option,
        )
    probe = place / f".sim-write-test-{os.getpid()}"
    try:
        with contextlib.suppress(FileNotFoundError):
            probe.unlink()
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        probe.unlink()
    except OSError as exc:
        raise InputError(f"cannot write here ({written_reason(exc)})", str(folder), field=option) from None


def written_reason(error: OSError) -> str:
    """Say why a file could not be written, in a few words (``read-only file system``)."""
    known = {
        errno.EROFS: "a read-only file system",
        errno.EACCES: "no permission",
        errno.EPERM: "not permitted",
        errno.ENOSPC: "no space left on the device",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
    }
    return known.get(error.errno or 0) or clip(error.strerror or type(error).__name__)


def _resolved(path: Path) -> Path | None:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return None


def _inside(path: Path, folder: Path) -> bool:
    resolved = _resolved(path)
    return resolved is not None and resolved.is_relative_to(folder)
