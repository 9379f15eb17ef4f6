"""What every command shares: option aliases, error handling, output helpers."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from gancli.errors import GanError, Interrupted

state = {"debug": os.environ.get("GANCLI_DEBUG", "") not in ("", "0")}

SeedOpt = Annotated[
    int, typer.Option("--seed", help="Random seed: the same seed gives the same result.")
]
DeviceOpt = Annotated[
    str, typer.Option("--device", help="auto (cuda > mps > cpu), cpu, cuda, cuda:N, mps.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


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


class GanGroup(QuickHelpGroup):
    """The root group: known errors become one line; tracebacks only with --debug."""

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


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def info(message: str) -> None:
    """A human note on stderr, so that stdout stays clean for pipelines."""
    typer.echo(message, err=True)
