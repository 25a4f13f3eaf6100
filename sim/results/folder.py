"""Opening a run or sweep folder: one function, one set of rules, for every command that reads one.

The rules: the folder must exist and hold a readable ``manifest.json`` of the expected kind; the
scenario stored in it must match its sha256 (otherwise the manifest was edited or damaged, and the
tables can no longer be trusted to belong to it) and still validate. What else is required depends
on the purpose:

* ``read`` (plots, report): a finished run, or an unfinished one with finished chunks (with a note);
* ``complete`` (validation, comparison): a complete run;
* ``resume`` (``--resume``): a run that is not yet complete, whose ``empirical`` samples files still
  have the content they had when it started (else its replications would mix two distributions).

Whatever the purpose, ``parts/`` and ``plots/`` must not be symbolic links: sim reads and writes only
inside the folder. The manifest's sealed fields must be those the folder was started with
(``sim.results.manifest.check_seal``), and a complete folder's merged tables must be those its manifest
records (``sim.results.checks.check_tables``): checked on every open, for every purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from sim.errors import InputError
from sim.results.checks import check_tables
from sim.results.manifest import (
    FolderKind,
    Manifest,
    document_hash,
    empirical_files,
    read_manifest,
    read_manifest_data,
)
from sim.results.readers import checked_parts, table_path
from sim.results.store import check_links
from sim.scenario.schema import Scenario

Purpose = Literal["read", "complete", "resume"]


@dataclass(frozen=True)
class RunFolder:
    """An opened run or sweep folder.

    Attributes:
        directory: The folder.
        manifest: Its manifest.
        scenario: The scenario rebuilt from the manifest (a sweep's base scenario).
        notes: Warnings about the folder (an unfinished run read as it stands).
    """

    directory: Path
    manifest: Manifest
    scenario: Scenario
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The folder's own name (resolved, so ``.`` gives a real name)."""
        return self.directory.resolve().name

    @property
    def label(self) -> str:
        """How figures name the run."""
        return f"run folder {self.name}"

    @property
    def days(self) -> int:
        """Recorded days, 0 ... horizon."""
        return self.scenario.horizon_days + 1

    @property
    def replications(self) -> int:
        """Replications the manifest records (per point, in a sweep)."""
        return self.manifest.replications

    def has(self, table: str) -> bool:
        """Whether the folder has that table (merged or as parts)."""
        return table_path(self.directory, table) is not None


def folder_kind(directory: Path) -> FolderKind:
    """Return whether a folder holds a run or a sweep.

    Raises:
        InputError: If the folder is missing or holds no readable manifest.
    """
    _check_directory(directory)
    kind = read_manifest_data(directory / "manifest.json").get("kind", "run")
    return "sweep" if kind == "sweep" else "run"


def _invalid_scenario(error: ValidationError) -> str:
    """Say why a manifest's scenario no longer validates, naming the field in a scenario's own terms.

    Of a union's alternatives (a number or each kind of distribution), the one that says something
    (a missing samples file, a bound) is chosen over "Input should be a valid number".
    """
    problems = error.errors(include_url=False)
    chosen = next((p for p in problems if p["msg"].startswith("Value error, ")), problems[0])
    # Drop the union's branch names (``float``, ``tagged-union[...]``, ``empirical``) from the path.
    parts = [str(part) for part in chosen["loc"]]
    while parts and (not parts[-1].replace("_", "").isalnum() or parts[-1] in _BRANCHES):
        parts.pop()
    where = ".".join(parts)
    message = chosen["msg"].removeprefix("Value error, ")
    hint = ""
    if message.startswith("no such file"):
        hint = " (a samples file the run read: put it back where it was to reopen the folder)"
    fields = {".".join(str(part) for part in p["loc"][: len(parts)]) for p in problems}
    more = f" (and {len(fields) - 1} more fields)" if len(fields) > 1 else ""
    return f"the scenario in manifest.json does not validate: {where}: {message}{hint}{more}"


_BRANCHES = {"float", "int", "str", "bool", "fixed", "uniform", "normal", "lognormal", "triangular", "beta"}
_BRANCHES |= {"choice", "empirical"}


def open_folder(directory: Path, purpose: Purpose = "read", kind: FolderKind = "run") -> RunFolder:
    """Open a folder that ``sim run`` (or ``sim sweep``) wrote.

    Args:
        directory: The folder.
        purpose: What it is opened for (see the module's rules).
        kind: The kind of folder expected.

    Raises:
        InputError: If the folder breaks a rule, with one line saying which.
    """
    _check_directory(directory)
    check_links(directory)
    path = directory / "manifest.json"
    manifest = read_manifest(path)
    name = str(directory)
    if manifest.kind != kind:
        what = "a sweep folder, not a run folder" if manifest.kind == "sweep" else "a run folder, not a sweep"
        raise InputError(f"is {what}", name)
    if document_hash(manifest.scenario) != manifest.scenario_sha256:
        raise InputError(
            "the scenario in manifest.json does not match its scenario_sha256 (edited by hand or damaged)",
            str(path),
        )
    try:
        scenario = Scenario.model_validate(manifest.scenario)
    except ValidationError as exc:
        raise InputError(_invalid_scenario(exc), str(path)) from None
    notes: list[str] = []
    status = manifest.status
    if status == "complete":
        check_tables(directory, manifest, scenario)
    if purpose == "resume" and status == "complete":
        raise InputError(f"the {kind} is already complete; there is nothing to resume", name)
    if purpose == "resume" and manifest.empirical_files is not None:
        _check_samples(manifest.empirical_files, empirical_files(scenario))
    if purpose == "complete" and status != "complete":
        raise InputError(
            f"the {kind} is not complete (status {status}); finish it first with sim {kind} --resume {name}",
            name,
        )
    if purpose == "read" and status != "complete":
        if table_path(directory, "outcomes") is None:
            raise InputError(f"the {kind} is {status} and has no finished replications yet", name)
        done = sum(chunk.status == "done" for chunk in manifest.chunks)
        trusted = checked_parts(directory, "outcomes")
        runs = sum(c.stop - c.start for c in manifest.chunks if c.status == "done")
        total = sum(c.stop - c.start for c in manifest.chunks)
        notes.append(
            f"the {kind} is {status}, not complete: only its finished chunks are read (at most {runs:,} of "
            f"{total:,} replications); sim {kind} --resume {name} finishes it"
        )
        left_out = done - len(trusted)
        if left_out > 0:
            notes.append(
                f"{left_out} finished chunk(s) left out: their parts are missing or damaged "
                f"(sim {kind} --resume {name} runs them again)"
            )
    return RunFolder(directory, manifest, scenario, tuple(notes))


def _check_samples(recorded: dict[str, str], now: dict[str, str]) -> None:
    """Refuse a resume whose samples files are not the ones the run started with."""
    for file, sha256 in recorded.items():
        if now.get(file) != sha256:
            raise InputError(
                "the samples file changed since the run started (its sha256 differs): resuming would "
                "draw the remaining replications from other samples; restore it, or start a new run",
                file,
            )
    for file in now.keys() - recorded.keys():
        raise InputError("the run reads a samples file the manifest does not record", file)


def _check_directory(directory: Path) -> None:
    if not directory.exists():
        raise InputError("no such folder", str(directory))
    if not directory.is_dir():
        raise InputError("is not a folder (give the folder that sim run or sim sweep wrote)", str(directory))
