"""`gan project CKPT IMAGE...`: find the latents whose generated images match given images."""

from __future__ import annotations

from typing import Annotated

import typer

from gancli.api.project import ProjectOptions
from gancli.cli._common import CkptArg, JsonOpt
from gancli.cli._flags import with_options
from gancli.cli._output import Output, info
from gancli.errors import GanError

ImagesArg = Annotated[
    list[str],
    typer.Argument(
        help="Image files or folders (searched recursively); '-' reads one image from "
        "standard input."
    ),
]


@with_options(ProjectOptions)
def project(ckpt: CkptArg, images: ImagesArg, opts: ProjectOptions, json: JsonOpt = False) -> None:
    """Find the latents whose generated images match given images.

    Gradient descent on z so that G(z) matches each image (pixels plus the discriminator's
    features). Writes the latents and a side-by-side reconstruction and reports each image's
    error."""
    from gancli.api.project import project as run
    from gancli.engine.progress import TaskProgress

    if json and opts.output == "-":
        raise GanError("--json and -o - both want stdout; pick one")
    with TaskProgress("project image(s)", json_lines=json) as progress:
        rows = run(ckpt, images, opts, note=info, progress=progress)
    preview = opts.preview_file()
    out = Output(json)
    if json:
        return out.document({"output": opts.output, "preview": opts.preview_name(), "images": rows})
    for r in rows:
        info(f"{r['image']}: mse {r['mse']:.4f}, PSNR {r['psnr']:.1f} dB")
    if opts.output != "-":
        shown = f" and {preview}" if preview else ""
        steps = f"{opts.steps} steps x {opts.restarts} starts"
        info(f"wrote {opts.output}{shown} ({len(rows)} latent(s), {steps})")
