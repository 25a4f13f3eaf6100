"""Errors a user can cause, carried up to the CLI as one clear line."""

from __future__ import annotations

from dataclasses import dataclass

ECHO_LIMIT = 60
"""Most characters of a user's value (or of a file's content) an error message repeats."""
MESSAGE_LIMIT = 400
"""Most characters of an error message, whatever it holds."""


def shorten(value: object, limit: int = ECHO_LIMIT) -> str:
    """Return ``repr(value)`` on one line and at most ``limit`` characters.

    Errors repeat what the user gave so it can be found, never a whole file or a huge value.
    """
    return clip(repr(value), limit)


def clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """Return ``text`` on one line (runs of white space as one space), at most ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class InputError(Exception):
    """Bad user input: a scenario, an override or an argument.

    Attributes:
        message: What is wrong, in words a user can act on.
        file: The file the input came from, if any.
        line: The 1-based line in that file, if known.
        field: The dotted path of the offending field, if any.
    """

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None
    others: tuple[InputError, ...] = ()
    """The other problems found with the same input (a scenario's validation finds them all at once);
    ``sim check`` lists them, every other command says how many there are."""

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        field = f"{self.field}: " if self.field else ""
        return one_line(f"{where}{field}{self.message}")


def one_line(text: str) -> str:
    """Return ``text`` on one line (control characters and line breaks as spaces), capped in length."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text)
    if len(cleaned) > MESSAGE_LIMIT:
        cleaned = cleaned[: MESSAGE_LIMIT - 3] + "..."
    return cleaned


class FieldValueError(ValueError):
    """A validation error that belongs to a field below the one being validated.

    A check across fields (an observation's date against the scenario's end, say) runs on the
    enclosing block; raising this instead of a plain ``ValueError`` lets the loader name the field
    itself, and so its line.

    Attributes:
        path: The field's path relative to the block that raised the error, e.g.
            ``("observations", 2, "date")``.
    """

    def __init__(self, message: str, path: tuple[str | int, ...]) -> None:
        super().__init__(message)
        self.path = path


def require_extra(module: str, extra: str, what: str) -> None:
    """Refuse, in one line naming the extra to install, when an optional library is missing.

    Args:
        module: The library's import name (``SALib``, ``pyabc``).
        extra: The package extra that installs it (``sensitivity``, ``calibrate``).
        what: What needs it, as the start of the sentence (``a Sobol' sweep``).

    Raises:
        InputError: If ``module`` cannot be imported.
    """
    import importlib

    try:
        importlib.import_module(module)
    except ImportError:
        raise missing_extra(what, extra) from None


def missing_extra(what: str, extra: str, field: str | None = None) -> InputError:
    """Return the one-line error for an optional library that is not installed.

    Args:
        what: What needs it, as the start of the sentence (``the dask executor``).
        extra: The package extra that installs it (``distributed``).
        field: The option that asked for it, if any (``--executor``).
    """
    return InputError(f"{what} needs the '{extra}' extra: pip install 'conflict-sim[{extra}]'", field=field)
