"""Reading back the files a folder holds: regular files only, of bounded size, checked before reading.

Whatever sim reads back from a run, sweep, comparison or discovery folder (``manifest.json`` and its
seal, ``summary.json`` and the other JSON documents, the Parquet tables) is read as scenario files
are (``sim.scenario.files.read_limited``): a device, a pipe or a socket is refused before it is
opened (``/dev/zero`` would never end, a pipe would wait forever), and so is a file larger than its
bound. A problem is an ``InputError`` naming the file.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any

from sim.errors import InputError, clip
from sim.scenario.files import FileProblem, read_limited

MANIFEST_BYTES = 256_000_000
"""Largest ``manifest.json``: a folder of 200,000 chunks (the most it may have) needs about 110 MB."""
SEAL_BYTES = 16_000_000
"""Largest ``manifest.seal``: the sealed part holds the scenario (a scenario file is at most 1 MB)."""
JSON_BYTES = 64_000_000
"""Largest other JSON document read back (summary, validation, comparison, discovery, sensitivity)."""

_HASHED: dict[tuple[str, int, int, int], str] = {}
"""sha256 of files already hashed in this process, by (path, inode, size, modification time)."""


def read_back(path: Path, limit: int, what: str | None = None) -> bytes:
    """Return the bytes of a file sim wrote into a folder, refusing anything but a regular file.

    Args:
        path: The file.
        limit: Most bytes it may have.
        what: How to name it when it is missing (``holds no manifest.json``); None lets
            ``FileNotFoundError`` through.

    Raises:
        InputError: If it is not a regular file, is larger than ``limit`` or cannot be read.
        FileNotFoundError: If it is missing and ``what`` is None.
    """
    try:
        return read_limited(path, limit)
    except FileNotFoundError:
        if what is None:
            raise
        raise InputError(what, str(path)) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file", str(path)) from None
    except FileProblem as exc:
        raise InputError(str(exc), str(path)) from None
    except OSError as exc:
        raise InputError(
            f"cannot read the file ({clip(exc.strerror or type(exc).__name__)})", str(path)
        ) from None


def read_json(path: Path, limit: int = JSON_BYTES) -> Any:
    """Return a JSON document sim wrote, read as ``read_back`` reads.

    Raises:
        InputError: If the file is missing, not a regular file, too large, not UTF-8 or not JSON.
    """
    data = read_back(path, limit, f"no {path.name}")
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{path.name} is not UTF-8 text", str(path)) from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"{path.name} is not valid JSON ({clip(str(exc), 80)})", str(path)) from None


def regular_file(path: Path) -> os.stat_result:
    """Return a file's status (links followed), refusing anything that is not a regular file.

    Raises:
        InputError: If it is missing, a folder, a device, a pipe or a socket.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError("is missing", str(path)) from None
    except OSError as exc:
        raise InputError(
            f"cannot read the file ({clip(exc.strerror or type(exc).__name__)})", str(path)
        ) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError("is not a regular file (a folder, a device, a pipe or a socket)", str(path))
    return info


def file_digest(path: Path) -> str:
    """Return the sha256 of a regular file's bytes, hashing each version of a file once per process."""
    info = regular_file(path)
    key = (str(path.resolve()), info.st_ino, info.st_size, info.st_mtime_ns)
    if key not in _HASHED:
        if len(_HASHED) > 100_000:
            _HASHED.clear()
        digest = hashlib.sha256()
        try:
            # Non-blocking, in case the file was swapped for a pipe since it was looked at.
            descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            with os.fdopen(descriptor, "rb") as handle:
                if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                    raise InputError("is not a regular file (a device, a pipe or a socket)", str(path))
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        except OSError as exc:
            raise InputError(
                f"cannot read the file ({clip(exc.strerror or type(exc).__name__)})", str(path)
            ) from None
        _HASHED[key] = digest.hexdigest()
    return _HASHED[key]
