"""`gan translate CKPT INPUT...`: apply a translation model (pix2pix, cyclegan) to images, a folder or
stdin."""

from __future__ import annotations

from gancli.api.translate import TranslateOptions
from gancli.cli._common import CkptArg, ImagesArg, JsonOpt, shows_progress
from gancli.cli._flags import with_options
from gancli.cli._output import Output
from gancli.errors import GanError


@shows_progress
@with_options(TranslateOptions)
def translate(
    ckpt: CkptArg, inputs: ImagesArg, opts: TranslateOptions, json: JsonOpt = False
) -> None:
    """Translate images with a trained translation model (gan train pix2pix or cyclegan).

    Inputs of any size and mode are converted to the model's channels, scaled so the shorter
    side is the training size and centre-cropped, as the training data was; --keep-size runs
    the model on the whole image instead. The model's dropout is its noise: --seed fixes it.

    Examples:

        gan translate runs/edges-pix2pix sketch.png -o face.png

        gan translate runs/edges-pix2pix sketches/ --out-dir faces/ --side-by-side

        cat sketch.png | gan translate runs/edges-pix2pix - -o - > face.png

        gan translate runs/synthfaces-glasses-cyclegan face.png -o plain.png --direction BtoA"""
    from gancli.api.translate import translate as run

    if json and opts.output == "-":
        raise GanError("--json and -o - both want stdout; pick one")
    result = run(ckpt, inputs, opts)
    doc = {
        "checkpoint": result.checkpoint,
        "direction": result.direction,
        "from": result.source,
        "to": result.target,
        "n": result.n,
        "outputs": result.outputs,
        "skipped": result.skipped,
    }
    Output(json).images_done(
        doc,
        opts.output,
        f"translated {result.n} image(s) {result.source} -> {result.target} into "
        f"{', '.join(result.outputs)}",
    )
