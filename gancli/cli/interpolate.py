"""`gan interpolate CKPT`: walks in latent space as a PNG strip, a PNG grid or an animated GIF."""

from __future__ import annotations

from gancli.api.interpolate import InterpolateOptions
from gancli.cli._common import CkptArg, JsonOpt, shows_progress
from gancli.cli._flags import with_options
from gancli.cli._output import Output, info
from gancli.errors import GanError


@shows_progress
@with_options(InterpolateOptions)
def interpolate(ckpt: CkptArg, opts: InterpolateOptions, json: JsonOpt = False) -> None:
    """Walks in latent space as a PNG strip or an animated GIF, as DCGAN showed them.

    Between two seeds (--from/--to), through several (--through), through saved latents
    (--latents), N random walks (-n), or from one seed along a concept direction
    (--from 42 --towards 'glasses man - man'). Conditional and InfoGAN checkpoints can walk one code
    with the noise fixed (--walk class, --walk c2)."""
    from gancli.api.interpolate import interpolate as run

    opts.kind()
    if json and opts.output == "-":
        raise GanError("--json and -o - both want stdout; pick one")
    walked = run(ckpt, opts, note=info)
    out, output = Output(json), opts.output
    if opts.towards is not None:
        start = opts.seed if opts.from_ is None else opts.from_
        doc = {"checkpoint": walked.checkpoint, "from": start, "towards": opts.towards}
        doc.update(frames=walked.frames, output=output)
        said = f"wrote {output} ({walked.frames} frames from seed {start} towards {opts.towards!r})"
    else:
        doc = {"checkpoint": walked.checkpoint, "walks": walked.rows, "frames": walked.frames}
        doc.update(method=walked.method, output=output)
        said = f"wrote {output} ({walked.rows} walk(s) x {walked.frames} frames, {walked.method})"
    out.done(doc, None if output == "-" else said)
