"""Where a folder's tables are: a complete folder's merged files, or an unfinished one's trusted parts.

A merged file counts only once the manifest says the folder is complete (``open_folder`` has then checked
it against the manifest's record). A part counts only if the manifest records its chunk as done with the
part's sha256, and the file still has it. Small tables beside them (``points``, ``point_summary``,
``compare``) are read whole, as regular files only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import InputError, clip
from sim.results.files import regular_file
from sim.results.manifest import read_manifest_data
from sim.results.writing import file_sha256


def table_path(run: Path, name: str) -> Path | None:
    """Return where a run's table lives: the merged file of a complete run, else its parts, else None.

    The merged file counts only once the manifest says the run is complete (``open_folder`` has then
    checked it against the manifest's record); before that, a merged file on disk may be a merge cut
    short. Parts count only if the manifest records their chunk as done and their bytes still have the
    recorded checksum (``checked_parts``).
    """
    merged = run / f"{name}.parquet"
    manifest = run / "manifest.json"
    if _manifest(run).get("status") == "complete" or not (manifest.exists() or manifest.is_symlink()):
        # Without a manifest it is not a folder open_folder opens: only code that built it reads it.
        return merged if merged.is_file() else None
    return run / "parts" if checked_parts(run, name) else None


_MANIFESTS: dict[tuple[str, int, int, int], dict[str, Any]] = {}
"""Manifests already read, by (path, inode, size, modification time): a big one takes a while to parse."""


def _manifest(run: Path) -> dict[str, Any]:
    """Return a folder's manifest as plain data, unchecked ({} if it cannot be read)."""
    path = run / "manifest.json"
    try:
        info = path.stat()
        key = (str(path.resolve()), info.st_ino, info.st_size, info.st_mtime_ns)
    except OSError:
        return {}
    if key not in _MANIFESTS:
        try:
            data = read_manifest_data(path)
        except InputError:
            return {}
        _MANIFESTS.clear()  # one folder at a time is enough; a comparison reads a few in turn
        _MANIFESTS[key] = data
    return _MANIFESTS[key]


_CHECKED: dict[tuple[str, int, int], str] = {}
"""sha256 of part files already hashed, by (path, size, modification time)."""


def checked_parts(run: Path, name: str) -> list[Path]:
    """Return the parts of a table of an unfinished run that can be trusted, in chunk order.

    A part is trusted if the manifest records its chunk as done with the part's sha256, and the file
    still has it; a damaged, missing, swapped or unrecorded part is left out (``--resume`` runs its
    chunk again).
    """
    parts = run / "parts"
    if not parts.is_dir():
        return []
    chunks = _manifest(run).get("chunks")
    found: list[Path] = []
    for chunk in chunks if isinstance(chunks, list) else []:
        if (
            not isinstance(chunk, dict)
            or chunk.get("status") != "done"
            or not isinstance(chunk.get("index"), int)
        ):
            continue
        records = chunk.get("parts")
        record = records.get(name) if isinstance(records, dict) else None
        if not isinstance(record, dict):
            continue
        path = parts / f"{name}-{chunk['index']:06d}.parquet"
        if path.is_file() and not path.is_symlink() and _sha256(path) == record.get("sha256"):
            found.append(path)
    return found


def _sha256(path: Path) -> str:
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _CHECKED:
        if len(_CHECKED) > 100_000:
            _CHECKED.clear()
        _CHECKED[key] = file_sha256(path)
    return _CHECKED[key]


def read_side_table(folder: Path, name: str, columns: Sequence[str] | None = None) -> pa.Table:
    """Read one of a folder's small tables (``points``, ``point_summary``, ``compare``...), as written.

    The file must be a regular file (a pipe or a device is refused before it is opened), and a file
    Arrow cannot read is one line naming it, not a traceback.

    Raises:
        InputError: Naming the file.
    """
    path = folder / f"{name}.parquet"
    regular_file(path)
    try:
        return pq.read_table(path, columns=list(columns) if columns is not None else None, memory_map=False)
    except (OSError, pa.ArrowException, KeyError) as exc:
        raise InputError(f"cannot read {path.name} ({clip(str(exc), 120)})", str(path)) from None
