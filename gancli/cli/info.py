"""`gan info CKPT`: what a checkpoint is, read from its header (no weights are loaded)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from gancli.cli._common import CKPT_HELP, JsonOpt
from gancli.cli._output import Output, table_console

CkptArg = Annotated[
    str,
    typer.Argument(
        help=CKPT_HELP,
        show_default=False,
    ),
]


def show(title: str, lines: list[tuple[str, str]]) -> None:
    from rich.table import Table

    table = Table(show_header=False, box=None, pad_edge=False, title=title, title_justify="left")
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in lines:
        table.add_row(key, value)
    table_console().print(table)


def source_text(where: Any) -> str:
    return {
        "path": str(where.path),
        "local": f"{where.path} (local zoo: {where.name})",
        "curated": f"{where.path} (curated zoo: {where.name})",
        "hf": f"{where.path} (hf://{where.name})",
    }.get(where.source, str(where.path))


def info(ckpt: CkptArg, json: JsonOpt = False) -> None:
    """Say what a checkpoint is: variant, nets and sizes, data, prior, steps, metrics.

    Reads the file's header only: instant, and nothing is unpickled or loaded."""
    from gancli.store.describe import summarize, summary_lines
    from gancli.store.locate import locate

    where = locate(ckpt)
    summary = summarize(where.path)
    summary["source"] = {"kind": where.source, "name": where.name}
    if json:
        return Output(json).document(summary, indent=1)
        return
    show(source_text(where), summary_lines(summary))
