"""`gan sample CKPT`: draw samples as a grid, one PNG each, an array, or PNG on stdout."""

from __future__ import annotations

from gancli.api.sample import SampleOptions
from gancli.cli._common import CkptArg, JsonOpt, shows_progress
from gancli.cli._flags import with_options
from gancli.cli._output import Output
from gancli.errors import GanError


@shows_progress
@with_options(SampleOptions)
def sample(ckpt: CkptArg, opts: SampleOptions, json: JsonOpt = False) -> None:
    """Draw samples from a trained generator.

    Sample i uses the latent of seed SEED+i (and, for a conditional checkpoint without
    --class, class (SEED+i) mod K; for a text-to-image one without --text, its example
    caption (SEED+i) mod K)."""
    from gancli.api.sample import sample as run

    if json and opts.output == "-":
        raise GanError("--json and -o - both want stdout; pick one")
    result = run(ckpt, opts)
    doc = {
        "checkpoint": result.checkpoint,
        "n": result.n,
        "seed": opts.seed,
        "ema": opts.ema,
        "outputs": result.outputs,
    }
    if result.score is not None:
        doc["discriminator_score"] = result.score
    message = (
        None if opts.output == "-" else f"wrote {', '.join(result.outputs)} ({result.n} samples)"
    )
    if result.score is not None and message is not None:
        s = result.score
        message += f"; D's score ({s['meaning']}) went from {s['start']:.4g} to {s['end']:.4g}"
    Output(json).done(doc, message)
