"""The ``sim schema`` and ``sim new`` commands: scenarios written with an editor's help.

``sim schema`` writes the JSON Schema of scenario files (``sim.scenario.json_schema``), which a YAML
language server (VS Code's YAML extension, say) uses to complete and check keys while a scenario is
typed. ``sim new NAME`` writes a commented starting scenario whose first line points the editor at
that schema (docs/scenarios.md).
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from sim.errors import InputError, clip, shorten
from sim.results.outputs import refuse_special_file

DEFAULT_SCHEMA = Path("scenarios") / "scenario.schema.json"
"""Where ``sim schema`` writes by default (relative to the working folder): the repository's copy."""


@click.command()
@click.option(
    "--out",
    "out",
    default=str(DEFAULT_SCHEMA),
    show_default=True,
    metavar="PATH",
    help="Where to write the schema ('-': print it).",
)
def schema(out: str) -> None:
    """Write the JSON Schema of scenario files, for editors that complete and check YAML.

    A scenario whose first line is "# yaml-language-server: $schema=PATH" (PATH relative to the
    scenario) gets completion, hover help with units, and checks while typed in an editor with a YAML
    language server. The schema comes from the same models the loader validates with; the loader
    still checks what a schema cannot (docs/scenarios.md).
    """
    from sim.scenario.json_schema import schema_text

    text = schema_text()
    if out == "-":
        click.echo(text, nl=False)
        return
    _write(Path(out), text, overwrite=True)
    click.echo(f"wrote {out}")


@click.command()
@click.argument("name")
@click.option(
    "--out",
    "out_dir",
    default=".",
    show_default=True,
    metavar="DIR",
    help="Folder to write NAME.yaml into (made if missing).",
)
@click.option(
    "--schema",
    "schema_ref",
    metavar="PATH|URL",
    help="The schema the file's first line names [default: scenario.schema.json or "
    "scenarios/scenario.schema.json in DIR or a folder above it, or in the working folder; "
    "else a copy is written into DIR].",
)
def new(name: str, out_dir: str, schema_ref: str | None) -> None:
    """Write NAME.yaml: a commented starting scenario that validates and runs as written.

    Every section the model needs is there, each field with what it means and its unit, and neutral
    placeholder numbers to replace; optional blocks (withdrawal rules, strikes, observations,
    calibration) are commented out. An existing file is never overwritten. NAME is a letter, then
    letters, digits or underscores.
    """
    from sim.scenario.json_schema import FILE_NAME, schema_text
    from sim.scenario.template import NAME_RULE, render

    if NAME_RULE.fullmatch(name) is None:
        stem = name.removesuffix(".yaml").removesuffix(".yml")
        hint = f"give it without the extension ({stem})" if stem != name else "for example my_scenario"
        raise InputError(
            f"NAME {shorten(name)} is not a simple name: a letter, then letters, digits or underscores "
            f"(at most 64); {hint}"
        )
    if schema_ref is not None:
        _check_schema_reference(schema_ref)
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise InputError("is not a folder; --out names the folder to write into", str(folder))
    target = folder / f"{name}.yaml"
    if target.exists() or target.is_symlink():
        raise InputError(
            "already exists; sim new does not overwrite it (choose another NAME or --out)", str(target)
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot make the folder ({clip(exc.strerror or type(exc).__name__)})", str(folder)
        ) from None

    copied: Path | None = None
    if schema_ref is not None and "://" not in schema_ref:
        given = Path(schema_ref)
        if not given.is_file():
            raise InputError("no such schema file (--schema)", str(given))
        reference = _relative(given, folder)
    elif schema_ref is not None:
        reference = schema_ref
    else:
        found = _find_schema(folder, FILE_NAME)
        if found is None:
            copied = folder / FILE_NAME
            _write(copied, schema_text(), overwrite=False)
            found = copied
        reference = _relative(found, folder)

    _write(target, render(name, reference), overwrite=False)
    click.echo(f"wrote {target}")
    if copied is not None:
        click.echo(f"wrote {copied} (the schema its first line names, for editors)")
    click.echo(f"next: edit it, then  sim check {target}  and  sim run {target}")


SCHEMES = ("http", "https", "file")
"""URL schemes a new scenario's first line may name its schema by."""


def _check_schema_reference(reference: str) -> None:
    """Refuse a ``--schema`` that is neither a URL nor a path: it is written into the new file's first line.

    Raises:
        InputError: For a control character or a line break (it would start another line of YAML),
            white space in a URL, a URL of another scheme or without a host, or one over 2,000 characters.
    """
    if any(not character.isprintable() for character in reference):
        raise InputError("holds a line break or a control character: give a URL or a path", field="--schema")
    if len(reference) > 2_000:
        raise InputError("is longer than 2,000 characters: give a URL or a path", field="--schema")
    if "://" in reference:
        import urllib.parse

        parts = urllib.parse.urlsplit(reference)
        if parts.scheme not in SCHEMES or (parts.scheme != "file" and not parts.netloc) or " " in reference:
            raise InputError(
                f"{shorten(reference)} is not a URL sim can name (http, https or file, with no spaces)",
                field="--schema",
            )


def _find_schema(folder: Path, file_name: str) -> Path | None:
    """Return the schema file the new scenario should name, if there is one.

    Looks in ``folder`` and each folder above it (and in ``scenarios/`` there), then in the working
    folder's ``scenarios/``.
    """
    try:
        start = folder.resolve()
    except (OSError, RuntimeError):
        return None
    for place in (start, *start.parents):
        for candidate in (place / file_name, place / "scenarios" / file_name):
            if candidate.is_file():
                return candidate
    fallback = Path.cwd() / DEFAULT_SCHEMA
    return fallback if fallback.is_file() else None


def _relative(schema_file: Path, folder: Path) -> str:
    """Return the schema's path relative to ``folder``, with ``/`` (a file URI if there is none)."""
    try:
        return Path(os.path.relpath(schema_file.resolve(), folder.resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        return schema_file.resolve().as_uri()


def _write(path: Path, text: str, *, overwrite: bool) -> None:
    """Write ``text`` to ``path``: replacing it atomically, or only if it does not exist yet.

    Raises:
        InputError: Naming the file, if it exists (and ``overwrite`` is false), is a folder, a device
            or a pipe, or cannot be written.
    """
    if path.is_dir():
        raise InputError("is a folder; give a file path", str(path))
    if overwrite:
        refuse_special_file(path, option="--out")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not overwrite:
            with path.open("x", encoding="utf-8") as handle:
                handle.write(text)
            return
        temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        temporary.unlink(missing_ok=True)
        try:
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    except FileExistsError:
        raise InputError("already exists; sim new does not overwrite it", str(path)) from None
    except OSError as exc:
        raise InputError(
            f"cannot write the file ({clip(exc.strerror or type(exc).__name__)})", str(path)
        ) from None
