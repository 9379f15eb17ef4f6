"""What a command shows: one object for JSON, tables and notes, so stdout stays clean for
pipelines. Results go to stdout (a JSON document with --json, else a table); notes go to
stderr, and none with --quiet."""

from __future__ import annotations

import json as _json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import typer

# Into a pipe or a file, a table is as wide as its rows (up to this), not folded at 80 columns.
PIPE_WIDTH = 1000


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def table_console() -> Any:
    """The Rich console for tables on stdout. On a terminal they fit its width; into a pipe or
    a file every row stays on one line, so that grep, cut and sort see whole rows."""
    from rich.console import Console

    if stdout_is_terminal():
        return Console(soft_wrap=False, highlight=False)
    return Console(soft_wrap=False, highlight=False, width=PIPE_WIDTH)


def info(message: str) -> None:
    """A human note on stderr, so that stdout stays clean for pipelines."""
    typer.echo(message, err=True)


class Output:
    """`json`: results are JSON documents on stdout; `quiet`: no notes on stderr."""

    def __init__(self, json: bool = False, quiet: bool = False) -> None:
        self.json = json
        self.quiet = quiet

    def note(self, message: str) -> None:
        if not self.quiet:
            info(message)

    def document(self, doc: Any, indent: int | None = None) -> None:
        """One JSON document on stdout."""
        print(_json.dumps(doc, indent=indent))

    def done(self, doc: dict[str, Any], message: str | None) -> None:
        """The result of a command that wrote files: the document with --json, else the note."""
        if self.json:
            self.document(doc)
        elif message:
            self.note(message)

    def images_done(self, doc: dict[str, Any], output: str | None, message: str) -> None:
        """The end of an image-to-image command (translate, upscale): a note for the inputs it
        could not read, then `done`; no message when the image went to stdout."""
        skipped = doc.get("skipped") or []
        if skipped:
            self.note(f"skipped {len(skipped)} unreadable file(s): {', '.join(skipped[:5])}")
        self.done(doc, None if output == "-" else message)

    def lines(self, docs: Iterable[Any]) -> None:
        """JSON lines on stdout, one document each."""
        for doc in docs:
            print(_json.dumps(doc))

    def table(
        self,
        columns: Sequence[str | tuple[str, dict[str, Any]]],
        rows: Iterable[Sequence[Any]],
        title: str | None = None,
        **table_kw: Any,
    ) -> None:
        """A Rich table on stdout; a column is a name or (name, Column keywords)."""
        from rich.table import Table

        table = Table(title=title, title_justify="left", **table_kw)
        for c in columns:
            name, kw = (c, {}) if isinstance(c, str) else c
            table.add_column(name, **kw)
        for row in rows:
            table.add_row(*(str(v) for v in row))
        table_console().print(table)
