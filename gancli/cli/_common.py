"""What every command shares: option aliases, error handling, output helpers."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import click
import typer
from typer.core import TyperGroup

from gancli.errors import GanError, Interrupted

state = {"debug": os.environ.get("GANCLI_DEBUG", "") not in ("", "0")}

SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same result.")]
DeviceOpt = Annotated[str, typer.Option("--device", help="auto (cuda > mps > cpu), cpu, cuda, cuda:N, mps.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


class UserError(click.ClickException):
    """A GanError as Click shows it: one line on stderr, exit 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class GanGroup(TyperGroup):
    """The root group: known errors become one line; tracebacks only with --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GanError as e:
            if state["debug"]:
                raise
            raise UserError(str(e)) from e
        except Interrupted as e:
            click.echo(str(e), err=True)
            raise click.exceptions.Exit(130) from e
        except KeyboardInterrupt as e:
            if state["debug"]:
                raise
            click.echo("interrupted", err=True)
            raise click.exceptions.Exit(130) from e


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def info(message: str) -> None:
    """A human note on stderr, so that stdout stays clean for pipelines."""
    click.echo(message, err=True)
