"""`gan zoo list|info|add|rm|export|push|pull`: named models, here and on the Hugging Face Hub."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from gancli.cli import zoo_hub
from gancli.cli._common import JsonOpt
from gancli.cli._group import QuickHelpCommand, QuickHelpGroup
from gancli.cli._output import Output, info, table_console
from gancli.cli.zoo_hub import ForceOpt, NameArg
from gancli.errors import GanError

app = typer.Typer(
    cls=QuickHelpGroup,
    help="Named models: trained here, pulled from the Hugging Face Hub, or shipped with gancli.",
    no_args_is_help=True,
)


@app.command("list", cls=QuickHelpCommand)
def list_(json: JsonOpt = False) -> None:
    """List the zoo: local entries, then the curated ones shipped with gancli."""
    from gancli.api.zoo import rows
    from gancli.store import zoo
    from gancli.store.describe import human_bytes, metrics_text

    entries = rows()
    if json:
        return Output(json).document(entries, indent=1)
    if not entries:
        return info(
            f"the zoo is empty ({zoo.root()}): gan train adds each model it trains, "
            "gan zoo pull owner/repo adds one from the Hugging Face Hub"
        )
    from rich.table import Table

    table = Table(
        title=f"gan zoo ({zoo.root()})", title_justify="left", box=None,
        padding=(0, 2, 0, 0), header_style="bold underline",
    )  # fmt: skip
    for col in ("name", "variant", "data", "resolution", "steps", "metrics", "size", "from"):
        wrap = col in ("metrics", "resolution")  # the rest keep their one line
        just = "right" if col in ("steps", "size") else "left"
        table.add_column(col, justify=just, overflow="fold", no_wrap=not wrap)  # type: ignore[arg-type]
    for r in entries:
        if "error" in r:
            table.add_row(r["name"], "[red]unreadable[/red]", r["error"], "", "", "", "", r["from"])
            continue
        metrics = metrics_text(r["metrics"], limit=2) or "-"
        size = human_bytes(r["bytes"])
        table.add_row(
            r["name"], r["variant"], str(r["data"]), r["resolution"], f"{r['steps']:,}",
            metrics, size, r["from"],
        )  # fmt: skip
    table_console().print(table)


@app.command("info", cls=QuickHelpCommand)
def info_(name: NameArg, json: JsonOpt = False) -> None:
    """What an entry is (as gan info says), with its files and where it came from."""
    from gancli.api.zoo import origin_line
    from gancli.cli.info import show
    from gancli.store import zoo
    from gancli.store.describe import human_bytes, summarize, summary_lines

    entry = zoo.get(name)
    summary = summarize(entry.model)
    files = {p.name: p.stat().st_size for p in entry.files()}
    if json:
        where = {"name": entry.name, "where": entry.where, "path": str(entry.path)}
        doc = {**summary, **where, "files": files, "origin": entry.origin()}
        return Output(json).document(doc, indent=1)
    lines = [("entry", f"{entry.path} ({entry.where})")]
    came = origin_line(entry.origin())
    if came:
        lines.append(("from", came))
    lines += summary_lines(summary)
    lines.append(("files", ", ".join(f"{n} ({human_bytes(b)})" for n, b in files.items())))
    show(f"zoo entry {entry.name}", lines)


SLIM_HELP = (
    "Keep only the EMA generator, in fp16: a fraction of the size, enough to sample, walk, do "
    "arithmetic and evaluate (not to resume training)."
)


@app.command("add", cls=QuickHelpCommand)
def add(
    ckpt: Annotated[
        str,
        typer.Argument(
            help="A checkpoint: a .safetensors file, a run folder or hf://owner/repo@revision.",
            show_default=False,
        ),
    ],
    name: Annotated[
        str | None,
        typer.Option("--name", help="The entry's name (default: the folder's or file's)."),
    ] = None,
    force: ForceOpt = False,
    slim: Annotated[bool, typer.Option("--slim", help=SLIM_HELP)] = False,
    json: JsonOpt = False,
) -> None:
    """Copy a checkpoint into the local zoo (with its concepts, metrics and a sample grid)."""
    from gancli.api.zoo import add_checkpoint, use_hint

    entry = add_checkpoint(ckpt, name, force, slim)
    said = f"added {entry.name} to the zoo ({entry.path}); {use_hint(entry)}"
    out = Output(json)
    out.document({"name": entry.name, "path": str(entry.path)}, indent=1) if json else out.note(
        said
    )


@app.command("rm", cls=QuickHelpCommand)
def rm(
    name: NameArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Remove an entry from the local zoo."""
    from gancli.store import zoo

    entry = zoo.get(name, local_only=True)
    if not yes:
        if not sys.stdin.isatty():
            raise GanError(f"pass --yes to remove {name} without asking")
        typer.confirm(f"remove {entry.path}?", abort=True, err=True)
    zoo.remove(name)
    info(f"removed {name} ({entry.path})")


@app.command("export", cls=QuickHelpCommand)
def export(
    name: NameArg,
    dest: Annotated[Path, typer.Argument(help="The folder to write into.", show_default=False)],
    force: ForceOpt = False,
) -> None:
    """Copy an entry's files into a folder, to share it another way.

    The files are those that go to the Hub: model, card, samples, concepts, metrics."""
    from gancli.store import zoo

    written = zoo.export(name, dest, force)
    info(f"wrote {len(written)} files to {dest}: {', '.join(p.name for p in written)}")


app.command("push", cls=QuickHelpCommand)(zoo_hub.push)
app.command("pull", cls=QuickHelpCommand)(zoo_hub.pull)
