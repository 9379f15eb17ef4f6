"""The root group of `gan`: one line for every error (tracebacks only with --debug), usage
errors included, and the argument rewriting that shells need (greedy --images, expressions
that begin with '-'); and groups and commands whose --help costs nothing."""

from __future__ import annotations

import os
import sys
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from gancli.errors import GanError, Interrupted

state = {"debug": os.environ.get("GANCLI_DEBUG", "") not in ("", "0")}


class QuickHelpGroup(TyperGroup):
    """A group whose unused --help flag reads False, not None.

    Typer coerces every option value that is not already a bool through pydantic, whose import
    costs about a third of `gan train --help`; an absent help flag is None unless told otherwise.
    """

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None and option.default is None:
            option.default = False
        return option


_EXPRESSION_COMMANDS = ("arithmetic",)
# options that take several values after one flag, as shells expand globs: --images a.png b.png
_GREEDY_OPTIONS = ("--images",)


def spread_greedy_options(args: list[str]) -> list[str]:
    """`--images a.png b.png DIR` -> `--images a.png --images b.png --images DIR`: every word
    after a greedy option up to the next option (or '--') is one of its values."""
    out: list[str] = []
    greedy = None
    for a in args:
        if a == "--" or (a.startswith("-") and a != "-"):
            greedy = a if a in _GREEDY_OPTIONS else None
            if greedy and out and out[-1] == greedy:  # `--images --images`: keep it as typed
                greedy = None
            out.append(a)
        elif greedy is not None and out[-1] != greedy:
            out += [greedy, a]
        else:
            out.append(a)
    return out


def protect_expressions(args: list[str]) -> list[str]:
    """An expression argument that begins with '-' ("-man + woman") would read as an option:
    one that holds a space or an operator cannot be one, so it gets a leading space (which the
    expression parser skips and the option parser does not treat as a dash)."""
    if not any(a in _EXPRESSION_COMMANDS for a in args[:3]):
        return args
    return [
        " " + a
        if a.startswith("-") and not a.startswith("--") and any(c in a for c in " \t+*/()")
        else a
        for a in args
    ]


class GanGroup(QuickHelpGroup):
    """The root group: known errors become one line; tracebacks only with --debug. Usage
    errors (exit 2) are one line too, as every other error, with where to read more."""

    def main(self, args: Any = None, *pos: Any, standalone_mode: bool = True, **kw: Any) -> Any:
        try:  # newer typer carries its own click
            from typer._click.exceptions import ClickException, NoSuchOption, UsageError
        except ImportError:
            from click.exceptions import ClickException, NoSuchOption, UsageError

        if args is None:
            args = sys.argv[1:]
        args = spread_greedy_options(protect_expressions(list(args)))
        if not standalone_mode:
            return super().main(args, *pos, standalone_mode=False, **kw)
        try:
            rv = super().main(args, *pos, standalone_mode=False, **kw)
        except UsageError as e:
            if state["debug"]:
                raise
            where = e.ctx.command_path if e.ctx is not None else "gan"
            message = e.format_message()
            if isinstance(e, NoSuchOption) and "arithmetic" in where:
                message += (
                    " (an expression that starts with '-' goes after '--': "
                    "gan arithmetic -c CKPT -- '-man')"
                )
            typer.echo(f"error: {message} (see '{where} --help')", err=True)
            sys.exit(2)
        except typer.Abort:
            typer.echo("interrupted", err=True)
            sys.exit(130)
        except ClickException as e:
            typer.echo(f"error: {e.format_message()}", err=True)
            sys.exit(e.exit_code)
        sys.exit(rv if isinstance(rv, int) else 0)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except GanError as e:
            if state["debug"]:
                raise
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(1) from None
        except Interrupted as e:
            typer.echo(str(e), err=True)
            raise typer.Exit(130) from None
        except KeyboardInterrupt:
            if state["debug"]:
                raise
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None


class QuickHelpCommand(TyperCommand):
    """A command whose unused --help flag reads False, not None, as QuickHelpGroup does for
    groups: Typer then has no value to coerce through pydantic, whose import would cost more
    than a fast command's whole work."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None and option.default is None:
            option.default = False
        return option
