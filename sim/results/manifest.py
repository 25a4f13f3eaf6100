"""The manifest of a run or sweep folder, typed: what was run, how, and which chunks are done.

``manifest.json`` is written when a folder is created and after every chunk. Reading it goes through
``Manifest`` so that a damaged or hand-edited file ends in one clear line naming the field, never in
a ``KeyError`` deep inside a command.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

import sim
from sim.errors import InputError
from sim.results.columns import DailyMode
from sim.scenario.parameters import distribution_leaves
from sim.scenario.schema import Scenario

Status = Literal["pending", "done", "failed"]
FolderKind = Literal["run", "sweep", "study"]
SHA256 = r"^[0-9a-f]{64}$"


class PartRecord(BaseModel):
    """One Parquet part of a finished chunk, as it was written.

    Attributes:
        sha256: sha256 of the file's bytes.
        rows: Rows in the part.
    """

    model_config = ConfigDict(extra="ignore")

    sha256: str = Field(pattern=SHA256)
    rows: int = Field(ge=0)


class ChunkRecord(BaseModel):
    """One chunk of a folder: its replications, its sweep point and whether it is done.

    Attributes:
        index: Position of the chunk in the folder.
        start: First replication.
        stop: One past the last replication.
        status: pending, done or failed.
        point: The sweep point (None in a run).
        error: The error of a failed chunk.
        parts: The parts of a done chunk by table (``parts/<table>-<index>.parquet``), with their
            checksums; a chunk is done only if every part is on disk with that checksum.
    """

    model_config = ConfigDict(extra="ignore")

    index: int = Field(ge=0)
    start: int = Field(ge=0)
    stop: int = Field(ge=0)
    status: Status = "pending"
    point: int | None = Field(None, ge=0)
    error: str | None = None
    parts: dict[str, PartRecord] | None = None

    @property
    def label(self) -> str:
        """How messages name the chunk: ``chunk 3 (point 1, replications 6-8)``."""
        point = f"point {self.point}, " if self.point is not None else ""
        return f"chunk {self.index} ({point}replications {self.start}-{self.stop - 1})"


class Manifest(BaseModel):
    """What ``manifest.json`` holds (docs/architecture.md, "The results contract").

    Attributes:
        kind: ``run``, ``sweep`` or ``study``.
        status: ``running``, ``complete`` or ``failed``.
        scenario: The resolved scenario as written (distributions kept).
        scenario_sha256: sha256 of ``scenario``'s canonical JSON.
        chunks: Every chunk and its status.
        empirical_files: The sha256 of every ``empirical`` samples file the scenario reads, by path,
            taken when the folder was created (None in folders of older versions).
    """

    model_config = ConfigDict(extra="ignore")

    kind: FolderKind = "run"
    status: Literal["running", "complete", "failed"]
    scenario_name: str
    scenario_file: str | None = None
    scenario: dict[str, Any]
    scenario_sha256: str
    seed: int = Field(ge=0)
    replications: int = Field(ge=1)
    chunk_size: int = Field(ge=1)
    daily: DailyMode
    package_version: str
    command_line: list[str] = []
    started: str
    finished: str | None = None
    chunks: list[ChunkRecord] = Field(min_length=1)
    empirical_files: dict[str, Annotated[str, Field(pattern=SHA256)]] | None = None
    # Sweeps and studies only.
    sweep: dict[str, Any] | None = None
    sweep_file: str | None = None
    varied: list[str] | None = None
    points: int | None = None
    # Studies only: the study as validated, with each lever's resolved scenario.
    study: dict[str, Any] | None = None
    study_file: str | None = None

    @model_validator(mode="after")
    def _chunk_plan(self) -> Manifest:
        """Check that the chunks are a plan this folder can have: in order, within the replications."""
        for position, chunk in enumerate(self.chunks):
            where = f"chunks.{position}"
            if chunk.index != position:
                raise ValueError(f"{where}: index {chunk.index}, expected {position}")
            if not chunk.start < chunk.stop <= self.replications:
                raise ValueError(
                    f"{where}: replications {chunk.start}-{chunk.stop - 1} are not within "
                    f"0-{self.replications - 1}"
                )
            if (chunk.point is None) != (self.kind == "run"):
                raise ValueError(
                    f"{where}: a {self.kind} chunk {'has a' if self.kind == 'run' else 'has no'} point"
                )
            if chunk.point is not None and self.points is not None and chunk.point >= self.points:
                raise ValueError(f"{where}: point {chunk.point}, but the sweep has {self.points} points")
        return self

    def document(self) -> dict[str, Any]:
        """Return the manifest as JSON-ready data (what ``manifest.json`` holds)."""
        data = self.model_dump(mode="json")
        if self.kind == "run":
            for key in ("sweep", "sweep_file", "varied", "points"):
                data.pop(key)
        if self.kind != "study":
            for key in ("study", "study_file"):
                data.pop(key)
        if data["empirical_files"] is None:
            data.pop("empirical_files")
        for chunk in data["chunks"]:
            for key in ("point", "error", "parts"):
                if chunk[key] is None:
                    chunk.pop(key)
        return data


def scenario_document(scenario: Scenario) -> dict[str, Any]:
    """Return the resolved scenario as JSON-ready data (distributions kept as written)."""
    return scenario.model_dump(mode="json", by_alias=True)


def document_hash(document: dict[str, Any]) -> str:
    """Return the sha256 of a scenario document's canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def scenario_hash(scenario: Scenario) -> str:
    """Return the sha256 of the resolved scenario's canonical JSON."""
    return document_hash(scenario_document(scenario))


def empirical_files(scenario: Scenario) -> dict[str, str]:
    """Return the sha256 of the content of every samples file the scenario's ``empirical`` draws read.

    The manifest keeps them so that ``--resume`` can refuse a file that changed since: its replications
    would otherwise be drawn partly from the old samples, partly from the new.
    """
    files: dict[str, str] = {}
    for _, dist in distribution_leaves(scenario):
        if getattr(dist, "dist", None) == "empirical":
            files[str(dist.file)] = str(dist.content_hash)  # type: ignore[attr-defined]
    return files


def new_manifest(
    scenario: Scenario,
    seed: int,
    replications: int,
    chunk_size: int,
    daily: DailyMode,
    chunks: list[ChunkRecord],
    scenario_file: str | None = None,
    **sweep: Any,
) -> Manifest:
    """Return the manifest of a folder about to be created (status ``running``).

    Args:
        scenario: The run's (or the sweep's base) scenario.
        seed: The root seed.
        replications: Replications (per point, in a sweep).
        chunk_size: Replications per chunk.
        daily: How much daily state is kept.
        chunks: The planned chunks.
        scenario_file: The scenario file named on the command line.
        **sweep: ``kind="sweep"`` and the sweep fields, for a sweep folder (``kind="study"`` and the
            study fields for a study folder).
    """
    return Manifest(
        status="running",
        scenario_name=scenario.name,
        scenario_file=scenario_file,
        scenario=scenario_document(scenario),
        scenario_sha256=scenario_hash(scenario),
        seed=seed,
        replications=replications,
        chunk_size=chunk_size,
        daily=daily,
        package_version=sim.__version__,
        command_line=list(sys.argv),
        started=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        chunks=chunks,
        empirical_files=empirical_files(scenario),
        **sweep,
    )


def read_manifest_data(path: Path) -> dict[str, Any]:
    """Read ``manifest.json`` as plain JSON data, unchecked.

    Raises:
        InputError: If the file is missing, unreadable, not JSON or not a JSON object.
    """
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise InputError("holds no run (no manifest.json)", str(path.parent)) from None
    except UnicodeDecodeError:
        raise InputError("manifest.json is not UTF-8 text", str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read manifest.json ({exc.strerror})", str(path)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"manifest.json is not valid JSON ({exc})", str(path)) from None
    if not isinstance(data, dict):
        raise InputError("manifest.json does not hold a JSON object", str(path))
    return data


def read_manifest(path: Path) -> Manifest:
    """Read and check ``manifest.json``.

    Raises:
        InputError: If the file is missing, unreadable, not JSON, or not a manifest (naming the field).
    """
    data = read_manifest_data(path)
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "manifest"
        message = first["msg"].removeprefix("Value error, ")
        raise InputError(f"not a manifest this version can read: {message}", str(path), field=where) from None
