"""What every command shares: option aliases, error handling, output helpers."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from gancli.errors import GanError, Interrupted
from gancli.optionspec import DEVICE_HELP, SEED_HELP, TRUNCATION_HELP

state = {"debug": os.environ.get("GANCLI_DEBUG", "") not in ("", "0")}

SeedOpt = Annotated[int, typer.Option("--seed", help=SEED_HELP)]
DeviceOpt = Annotated[str, typer.Option("--device", help=DEVICE_HELP)]
TruncationOpt = Annotated[
    float | None,
    typer.Option(help=TRUNCATION_HELP),
]
PictureOpt = Annotated[
    str, typer.Option("--output", "-o", help="PNG (or .jpg, .webp), or '-' for PNG on stdout.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]
CKPT_HELP = (
    "A checkpoint: a .safetensors file, a run folder, a zoo name (gan zoo list; "
    "curated:NAME for the shipped one), or hf://owner/repo, optionally @revision."
)
CkptArg = Annotated[str, typer.Argument(help=CKPT_HELP, show_default=False)]


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


def reflow(text: str | None) -> str | None:
    """Help text as paragraphs that wrap to the terminal: the lines of each paragraph (split at
    blank lines) are joined, so a docstring's hard breaks at 80-odd columns do not leave ragged
    short lines; indented lines (examples) keep their own."""
    import inspect

    if not text:
        return text
    paragraphs = []
    for block in inspect.cleandoc(text).split("\n\n"):
        lines = block.splitlines()
        if any(line.startswith((" ", "\t")) for line in lines[1:]):
            paragraphs.append(block)
        else:
            paragraphs.append(" ".join(line.strip() for line in lines))
    return "\n\n".join(paragraphs)


def reflow_help(app: Any) -> None:
    """Reflow the help of every command and group under a Typer app (see `reflow`)."""
    for cmd in app.registered_commands:
        if cmd.help:
            cmd.help = reflow(cmd.help)
        elif cmd.callback is not None and cmd.callback.__doc__:
            cmd.callback.__doc__ = reflow(cmd.callback.__doc__)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            info_ = group.typer_instance.info
            if isinstance(info_.help, str):
                info_.help = reflow(info_.help)
            reflow_help(group.typer_instance)


def shows_progress(fn: Any) -> Any:
    """A command whose long library loops (a classifier's training, drawing samples, feature
    extraction) show progress bars with an ETA on a terminal, JSON lines on stderr with --json."""
    import functools

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        from gancli.engine.progress import TaskProgress

        with TaskProgress(fn.__name__, json_lines=bool(kwargs.get("json"))):
            return fn(*args, **kwargs)

    return run
