"""The one folder the explorer serves: every path it is given is checked to lie inside it.

A path from a request is relative to the folder, written with ``/``. It is refused if it is absolute,
holds a NUL, or resolves (symbolic links followed) outside the folder: nothing outside it can be read
or written through the explorer. The folder's contents are listed by kind (run, sweep, calibration,
backtest, comparison) with what their manifests say, and scenario files are found by their keys.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sim.errors import InputError

MAX_DEPTH = 6
"""How deep below the folder the listing looks."""
MAX_ENTRIES = 2000
"""Most folders and files the listing looks at (a large results folder is listed in part)."""
SCENARIO_HEAD = 65536
"""Bytes of a YAML file read to tell whether it is a scenario."""
_SCENARIO_KEYS = re.compile(r"^(sides|extends)\s*:", re.M)
_SKIPPED = {"parts", "plots", ".git", "__pycache__", ".venv", "node_modules"}


class Refused(Exception):
    """A path outside the folder served, or not a usable path; the message says which."""


@dataclass(frozen=True)
class Entry:
    """A folder of results under the folder served.

    Attributes:
        path: Relative to the folder served, with ``/``.
        kind: ``run``, ``sweep``, ``calibration``, ``backtest`` or ``comparison``.
        scenario: The scenario's name, if known.
        replications: Replications (per point, for a sweep), if known.
        status: ``complete``, ``running``, ``failed`` ... for runs and sweeps.
        modified: When the folder's main file was last written (UTC, to the minute).
    """

    path: str
    kind: str
    scenario: str
    replications: int | None
    status: str
    modified: str


class Root:
    """The folder served.

    Args:
        folder: The folder; it must exist.

    Raises:
        InputError: If the folder does not exist or is not a folder.
    """

    def __init__(self, folder: Path) -> None:
        if not folder.is_dir():
            raise InputError("no such folder" if not folder.exists() else "is not a folder", str(folder))
        self.path = folder.resolve()

    def resolve(self, relative: str) -> Path:
        """Return the path ``relative`` names inside the folder.

        Raises:
            Refused: If it is absolute, holds a NUL or a backslash, or lies outside the folder.
        """
        if "\x00" in relative or "\\" in relative:
            raise Refused("not a usable path")
        pure = PurePosixPath(relative)
        if pure.is_absolute() or relative.startswith("~"):
            raise Refused("outside the folder served")
        try:
            resolved = (self.path / pure).resolve()
        except (OSError, RuntimeError, ValueError):
            raise Refused("not a usable path") from None
        if not resolved.is_relative_to(self.path):
            raise Refused("outside the folder served")
        return resolved

    def link_out(self, directory: Path, depth: int = 3) -> str | None:
        """Return the first symbolic link in a folder (a few levels down) that leads outside, if any.

        A report reads files at known places in its folder (figures, summaries, discovery boxes);
        a link among them must not carry a read outside the folder served.
        """
        seen = 0
        for top, folders, files in os.walk(directory, followlinks=False):
            here = Path(top)
            if len(here.relative_to(directory).parts) >= depth:
                folders[:] = []
            for name in [*folders, *files]:
                seen += 1
                path = here / name
                if seen > MAX_ENTRIES * 5:
                    return None
                if path.is_symlink():
                    try:
                        inside = path.resolve().is_relative_to(self.path)
                    except (OSError, RuntimeError):
                        inside = False
                    if not inside:
                        return path.relative_to(directory).as_posix()
        return None

    def relative(self, path: Path) -> str:
        """Return a path inside the folder as the explorer names it (relative, with ``/``)."""
        return path.resolve().relative_to(self.path).as_posix() or "."

    def listing(self) -> tuple[list[Entry], list[str], bool]:
        """Return the folders of results, the scenario files, and whether the listing was cut short."""
        entries: list[Entry] = []
        scenarios: list[str] = []
        seen = 0
        cut = False
        for top, folders, files in os.walk(self.path, followlinks=False):
            here = Path(top)
            depth = len(here.relative_to(self.path).parts)
            seen += len(folders) + len(files)
            if seen > MAX_ENTRIES or depth >= MAX_DEPTH:
                cut = cut or seen > MAX_ENTRIES
                folders[:] = []
                if seen > MAX_ENTRIES:
                    break
            folders[:] = sorted(f for f in folders if f not in _SKIPPED and not f.startswith("."))
            entry = describe(here, self.relative(here))
            if entry is not None:
                entries.append(entry)
                if entry.kind in ("run", "sweep"):
                    folders[:] = []  # only parts, plots and discovery below
            for name in sorted(files):
                if name.endswith((".yaml", ".yml")) and is_scenario(here / name):
                    scenarios.append(self.relative(here / name))
        entries.sort(key=lambda e: (e.modified, e.path), reverse=True)
        return entries, sorted(scenarios), cut


def describe(directory: Path, relative: str) -> Entry | None:
    """Return what a folder holds (None if it is no folder of results)."""
    manifest = directory / "manifest.json"
    if manifest.is_file() and not manifest.is_symlink():
        document = _json(manifest)
        kind = str(document.get("kind", "run"))
        scenario = document.get("scenario_name") or (document.get("scenario") or {}).get("name") or ""
        count = document.get("replications")
        return Entry(
            relative,
            kind,
            str(scenario),
            int(count) if isinstance(count, int) else None,
            str(document.get("status", "")),
            _modified(manifest),
        )
    for name, kind in (("backtest.json", "backtest"), ("compare.json", "comparison")):
        if (directory / name).is_file():
            document = _json(directory / name)
            runs = document.get("runs") if kind == "comparison" else None
            scenario = (runs[0].get("scenario_name") if isinstance(runs, list) and runs else None) or ""
            return Entry(relative, kind, str(scenario), None, "", _modified(directory / name))
    if (directory / "posterior.parquet").is_file() and (directory / "diagnostics.json").is_file():
        document = _json(directory / "diagnostics.json")
        scenario = document.get("scenario") or document.get("scenario_name") or ""
        return Entry(
            relative, "calibration", str(scenario), None, "", _modified(directory / "diagnostics.json")
        )
    return None


def is_scenario(path: Path) -> bool:
    """Whether a YAML file looks like a scenario (a top-level ``sides:`` or ``extends:``)."""
    try:
        if path.is_symlink() or not path.is_file():
            return False
        with path.open("rb") as handle:
            head = handle.read(SCENARIO_HEAD).decode("utf-8", errors="replace")
    except OSError:
        return False
    return bool(_SCENARIO_KEYS.search(head))


def _json(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def _modified(path: Path) -> str:
    try:
        stamp = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    except OSError:
        return ""
    return stamp.strftime("%Y-%m-%d %H:%M")
