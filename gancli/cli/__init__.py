"""The `gan` command. The root only wires the commands; each lives in its own module.

Nothing here imports torch: commands import what they need when they run.
"""

from __future__ import annotations

from typing import Annotated

import typer

from gancli import __version__
from gancli.cli import (
    arithmetic,
    concept,
    data,
    evaluate,
    interpolate,
    project,
    report,
    sample,
    train,
    translate,
    upscale,
)
from gancli.cli import info as info_command
from gancli.cli import zoo as zoo_command
from gancli.cli._common import reflow_help
from gancli.cli._group import GanGroup, QuickHelpCommand, state

app = typer.Typer(
    name="gan",
    cls=GanGroup,
    help="Train, sample, explore and evaluate generative adversarial networks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gancli {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks (also GANCLI_DEBUG=1).")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    if debug:
        state["debug"] = True


app.add_typer(train.app, name="train")
app.command("sample")(sample.sample)
app.command("translate")(translate.translate)
app.command("upscale")(upscale.upscale)
app.command("interpolate")(interpolate.interpolate)
app.command("arithmetic")(arithmetic.arithmetic)
app.add_typer(concept.app, name="concept")
app.command("project")(project.project)
app.command("evaluate")(evaluate.evaluate)
app.command("info", cls=QuickHelpCommand)(info_command.info)
app.command("report")(report.report)
app.add_typer(zoo_command.app, name="zoo")
app.add_typer(data.app, name="data")
reflow_help(app)


def main() -> None:
    app()
