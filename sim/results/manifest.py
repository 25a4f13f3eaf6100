"""The manifest of a run or sweep folder, typed: what was run, how, and which chunks are done.

``manifest.json`` is written when a folder is created and after every chunk. Reading it goes through
``Manifest`` so that a damaged or hand-edited file ends in one clear line naming the field, never in
a ``KeyError`` deep inside a command.

What a folder was started with (the scenario and its digest, the seed, the replications, the daily
mode, the chunk plan, the samples files' digests, the sweep) is *sealed* when it is created: its
sha256 is kept in the manifest (``seal``) and, with the sealed fields themselves, in a sidecar file
written once, ``manifest.seal``. Reading a manifest checks both, so a hand edit of any sealed field
(a seed changed mid-run, ``daily`` switched, a chunk dropped from the plan, the scenario edited with
its digest recomputed) is refused by ``--resume`` and by every reader, naming the field. The chunk
records and the merged tables' records change as the run goes; they are checked against the files
on disk instead (``sim.results.store``, ``sim.results.checks``).
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
from sim.errors import InputError, clip, shorten
from sim.results.columns import DailyMode
from sim.results.files import MANIFEST_BYTES, SEAL_BYTES, read_back
from sim.scenario.parameters import distribution_leaves
from sim.scenario.schema import Scenario

Status = Literal["pending", "done", "failed"]
FolderKind = Literal["run", "sweep"]
SHA256 = r"^[0-9a-f]{64}$"
SEAL_FILE = "manifest.seal"
"""The sidecar that keeps a folder's sealed fields and their digest, written once when it is created."""


class PartRecord(BaseModel):
    """One Parquet part of a finished chunk, as it was written.

    Attributes:
        sha256: sha256 of the file's bytes.
        rows: Rows in the part.
    """

    model_config = ConfigDict(extra="ignore")

    sha256: str = Field(pattern=SHA256)
    rows: int = Field(ge=0)


class TableRecord(BaseModel):
    """A merged table of a complete folder (``daily.parquet``...), as it was written.

    Attributes:
        sha256: sha256 of the file's bytes.
        rows: Rows in the table.
        bytes: Size of the file.
    """

    model_config = ConfigDict(extra="ignore")

    sha256: str = Field(pattern=SHA256)
    rows: int = Field(ge=0)
    bytes: int = Field(ge=0)


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
        kind: ``run`` or ``sweep``.
        status: ``running``, ``complete`` or ``failed``.
        scenario: The resolved scenario as written (distributions kept).
        scenario_sha256: sha256 of ``scenario``'s canonical JSON.
        chunks: Every chunk and its status.
        empirical_files: The sha256 of every ``empirical`` samples file the scenario reads, by path,
            taken when the folder was created (None in folders of older versions).
        tables: The merged tables of a complete folder, by name, with their sha256, rows and size.
        seal: sha256 of the sealed fields (``sealed_part``), also kept in ``manifest.seal``.
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
    tables: dict[str, TableRecord] | None = None
    seal: str | None = Field(None, pattern=SHA256)
    # Sweeps only.
    sweep: dict[str, Any] | None = None
    sweep_file: str | None = None
    varied: list[str] | None = None
    points: int | None = None

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
                    f"{where}: a {self.kind} chunk {'has no' if self.kind == 'sweep' else 'has a'} point"
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
        for key in ("empirical_files", "tables", "seal"):
            if data[key] is None:
                data.pop(key)
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
        **sweep: ``kind="sweep"`` and the sweep fields, for a sweep folder.
    """
    manifest = Manifest(
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
    manifest.seal = seal_digest(sealed_part(manifest))
    return manifest


UNSEALED = ("status", "finished", "chunks", "tables", "seal")
"""Fields of a manifest that change as the folder is written; every other field is sealed."""


def sealed_part(manifest: Manifest) -> dict[str, Any]:
    """Return what a folder was started with: every field but ``UNSEALED``, and the chunk plan's digest.

    The chunk plan (each chunk's index, replications and sweep point) is sealed by its sha256, so that
    the sidecar stays small however many chunks a folder has.
    """
    data = manifest.model_dump(mode="json")
    for key in UNSEALED:
        data.pop(key)
    plan = [[chunk.index, chunk.start, chunk.stop, chunk.point] for chunk in manifest.chunks]
    data["chunk_plan_sha256"] = hashlib.sha256(json.dumps(plan, separators=(",", ":")).encode()).hexdigest()
    return data


def seal_digest(part: dict[str, Any]) -> str:
    """Return the sha256 of a sealed part's canonical JSON."""
    return document_hash(part)


def seal_document(manifest: Manifest) -> dict[str, Any]:
    """Return what ``manifest.seal`` holds: the sealed part and its digest."""
    part = sealed_part(manifest)
    return {"sha256": seal_digest(part), "sealed": part}


def read_manifest_data(path: Path) -> dict[str, Any]:
    """Read ``manifest.json`` as plain JSON data, unchecked (a regular file of at most ``MANIFEST_BYTES``).

    Raises:
        InputError: If the file is missing, not a regular file, too large, unreadable, not JSON or not
            a JSON object.
    """
    try:
        raw = read_back(path, MANIFEST_BYTES)
    except FileNotFoundError:
        raise InputError("holds no run (no manifest.json)", str(path.parent)) from None
    except InputError as error:
        raise InputError(f"manifest.json {error.message}", str(path)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("manifest.json is not UTF-8 text", str(path)) from None
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"manifest.json is not valid JSON ({clip(str(exc), 80)})", str(path)) from None
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
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "manifest"
        message = first["msg"].removeprefix("Value error, ")
        raise InputError(f"not a manifest this version can read: {message}", str(path), field=where) from None
    check_seal(path, manifest)
    return manifest


def check_seal(path: Path, manifest: Manifest) -> None:
    """Refuse a manifest whose sealed fields are not those the folder was started with.

    Args:
        path: The manifest file (``manifest.seal`` is beside it).
        manifest: What it holds.

    Raises:
        InputError: If the manifest has no seal, the sidecar is missing or damaged, or a sealed field
            differs from the sidecar's (named, with both values shortened).
    """
    name = str(path)
    if manifest.seal is None:
        raise InputError(
            "manifest.json has no seal: written by a version of sim before folders were sealed, or edited "
            "by hand; what it records cannot be checked (run it again)",
            name,
            field="seal",
        )
    sidecar = path.with_name(SEAL_FILE)
    part = sealed_part(manifest)
    raw = read_back(sidecar, SEAL_BYTES, f"{SEAL_FILE} is missing, so manifest.json cannot be checked")
    try:
        kept = json.loads(raw.decode("utf-8"))
        sealed, digest = kept["sealed"], kept["sha256"]
        intact = isinstance(sealed, dict) and seal_digest(sealed) == digest
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, KeyError, TypeError):
        intact = False
    if not intact:
        raise InputError(f"{SEAL_FILE} is damaged (not the seal sim wrote)", str(sidecar))
    # The plan's digest last: a plan changes with the replications, which say more.
    keys = sorted(set(part) | set(sealed), key=lambda key: (key == "chunk_plan_sha256", key))
    changed = [key for key in keys if part.get(key) != sealed.get(key)]
    if changed:
        key = changed[0]
        values = (
            ""
            if key in ("chunk_plan_sha256", "scenario", "sweep", "command_line")
            else f" ({shorten(part.get(key), 40)} now, {shorten(sealed.get(key), 40)} then)"
        )
        raise InputError(
            f"differs from what the folder was started with{values}: edited by hand or damaged; a folder's "
            "seed, scenario, replications, daily mode and chunk plan never change",
            name,
            field="chunks (the plan)" if key == "chunk_plan_sha256" else key,
        )
    if manifest.seal != digest or seal_digest(part) != digest:
        raise InputError(f"manifest.json's seal does not match {SEAL_FILE} (edited by hand or damaged)", name)
