"""`gan data list | export`: the built-in data sets, and any set written out as a folder."""

from __future__ import annotations

from typing import Annotated

import typer

from gancli.cli._common import JsonOpt
from gancli.cli._group import GanGroup
from gancli.cli._output import Output

app = typer.Typer(
    cls=GanGroup,
    help="The built-in data sets; write any set out as a folder of PNGs with its labels.",
    no_args_is_help=True,
)


@app.command("list")
def list_sets(json: JsonOpt = False) -> None:
    """The built-in data sets (--data NAME) and what each needs."""
    from gancli.data.registry import BUILTINS

    rows = sorted(BUILTINS.items())
    if json:
        return Output(json).lines({"name": name, "about": about} for name, about in rows)
    Output().table(["name", "what"], rows, box=None)


@app.command("export")
def export(
    source: Annotated[
        str, typer.Argument(help="A built-in set (e.g. synthfaces) or an image folder.")
    ],
    folder: Annotated[str, typer.Argument(help="A new or empty folder to write into.")],
    count: Annotated[
        int | None, typer.Option("-n", "--count", help="Only the first N images (default: all).")
    ] = None,
    image_size: Annotated[
        int | None, typer.Option(help="Side in pixels (default: the set's own).")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Write a data set as a folder of PNGs, with attributes.csv (one row per file, one
    column per attribute) beside them; `--data FOLDER` reads both back."""
    from gancli.data import load_data
    from gancli.data.export import ATTRIBUTES_FILE, export_folder
    from gancli.engine.progress import TaskProgress

    with TaskProgress("preparing", json_lines=json) as progress:
        ds = load_data(source, image_size=image_size, progress=progress)
    with TaskProgress("export", json_lines=json) as progress:
        n = export_folder(ds, folder, count, progress)
    columns = list(ds.attribute_names) or (["label"] if ds.class_names else [])
    table = f" and {ATTRIBUTES_FILE} ({', '.join(columns)})" if columns else ""
    doc = {"event": "done", "folder": folder, "images": n, "columns": columns}
    Output(json).done(doc, f"wrote {n:,} images of {ds.name} to {folder}{table}")
