"""Errors a user can cause, carried up to the CLI as one clear line."""

from __future__ import annotations

from dataclasses import dataclass


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

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"
