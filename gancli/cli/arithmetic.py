"""`gan arithmetic "glasses man - man + woman"`: DCGAN-style vector arithmetic on concepts."""

from __future__ import annotations

from typing import Annotated

import typer

from gancli.api.concepts import ArithmeticOptions
from gancli.cli._common import JsonOpt
from gancli.cli._flags import with_options
from gancli.cli._output import Output, info
from gancli.cli.concept import CkptOpt
from gancli.errors import GanError

ExpressionArg = Annotated[
    str,
    typer.Argument(
        help="e.g. \"glasses man - man + woman\", '0.5*smile + neutral', '2*(a - b) + c', "
        "or one sample edited: 'seed:42 + glasses man - man'."
    ),
]


@with_options(ArithmeticOptions)
def arithmetic(
    expression: ExpressionArg, opts: ArithmeticOptions, ckpt: CkptOpt = None, json: JsonOpt = False
) -> None:
    """Vector arithmetic on named concepts (see gan concept), drawn as DCGAN drew it.

    The result is the centre of a 3x3 grid; the 8 around it add uniform noise of +-NOISE to
    its latent (Radford et al. 2016, figure 7)."""
    from gancli.api.concepts import arithmetic as run
    from gancli.api.concepts import open_concepts
    from gancli.render import save_image

    output = opts.output
    if json and output == "-":
        raise GanError("--json and -o - both want stdout; pick one")
    opts.check()
    model, store, path = open_concepts(ckpt, opts.device, note=info)
    if not store.names and "seed:" not in expression.lower().replace(" ", ""):
        raise GanError(
            f"{path} has no concepts yet: make some with gan concept add NAME --seeds 12,40,77"
        )
    picture, terms = run(model, store, expression, opts)
    save_image(picture, output)
    doc = {
        "checkpoint": str(path),
        "expression": expression,
        "terms": [{"name": t.name, "weight": t.weight} for t in terms],
        "output": output,
    }
    combo = " ".join(f"{t.weight:+g} {t.name}" for t in terms)
    Output(json).done(doc, None if output == "-" else f"wrote {output}: {combo}")
