"""The ``sim`` command group: user errors become one line and exit code 2.

Bad input of any kind ends in one line on standard error naming the file, line and field, with
exit code 2 and no traceback; what was already written stays as it was.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click

from sim.errors import InputError

EXIT_INPUT = 2


def fail(error: InputError | str) -> NoReturn:
    """Print one error line and exit with code 2."""
    click.echo(f"error: {error}", err=True)
    sys.exit(EXIT_INPUT)


class _Command(click.Command):
    """A click command that turns user errors into one line and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as error:
            fail(error)


class _Group(click.Group):
    command_class = _Command

    def main(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102 - click's own
        try:
            return super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[call-overload]
        except click.exceptions.Exit as exit_:
            sys.exit(exit_.exit_code)
        except click.Abort:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except click.UsageError as error:
            hint = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
            fail(f"{error.format_message()}{hint}")
        except click.ClickException as error:
            fail(error.format_message())
        except InputError as error:
            fail(error)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="conflict-sim", prog_name="sim")
def cli() -> None:
    """Simulate a contested salient: how fast held ground erodes, and what changes that."""
