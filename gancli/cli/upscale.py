"""`gan upscale CKPT INPUT...`: apply a super-resolution model (srresnet, srgan) to images, a
folder or stdin."""

from __future__ import annotations

from gancli.api.upscale import UpscaleOptions
from gancli.cli._common import CkptArg, ImagesArg, JsonOpt, shows_progress
from gancli.cli._flags import with_options
from gancli.cli._output import Output
from gancli.errors import GanError


@shows_progress
@with_options(UpscaleOptions)
def upscale(ckpt: CkptArg, inputs: ImagesArg, opts: UpscaleOptions, json: JsonOpt = False) -> None:
    """Upscale images with a super-resolution model (gan train srresnet or srgan: Ledig et al.
    2017).

    The generator is fully convolutional: each input is upscaled whole, at its own size, by the
    model's factor (x4 by default). --side-by-side shows bicubic | model.

    Examples:

        gan upscale runs/synthfaces-srgan small.png -o big.png

        gan upscale runs/synthfaces-srgan photos/ --out-dir big/ --side-by-side

        cat small.png | gan upscale runs/synthfaces-srgan - -o - > big.png"""
    from gancli.api.upscale import upscale as run

    if json and opts.output == "-":
        raise GanError("--json and -o - both want stdout; pick one")
    result = run(ckpt, inputs, opts)
    doc = {
        "checkpoint": result.checkpoint,
        "scale": result.scale,
        "n": result.n,
        "outputs": result.outputs,
        "sizes": result.sizes,
        "skipped": result.skipped,
    }
    Output(json).images_done(
        doc,
        opts.output,
        f"upscaled {result.n} image(s) x{result.scale} into {', '.join(result.outputs)}",
    )
