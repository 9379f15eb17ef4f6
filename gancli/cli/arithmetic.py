"""`gan arithmetic "glasses man - man + woman"`: DCGAN-style vector arithmetic on concepts."""

from __future__ import annotations

from typing import Annotated

import typer

from gancli.cli._common import DeviceOpt, JsonOpt, PictureOpt, SeedOpt, TruncationOpt
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
RENORM_HELP = (
    "Rescale the result to the prior's typical norm before adding the noise: "
    "means of many exemplars are shorter than the latents G was trained on."
)


def arithmetic(
    expression: ExpressionArg,
    ckpt: CkptOpt = None,
    output: PictureOpt = "arithmetic.png",
    noise: Annotated[
        float,
        typer.Option(help="Scale of the uniform noise added to the result for its 8 neighbours."),
    ] = 0.25,
    show_terms: Annotated[
        bool, typer.Option(help="Add a row above: each term's image, then the result.")
    ] = False,
    renorm: Annotated[bool, typer.Option(help=RENORM_HELP)] = False,
    truncation: TruncationOpt = None,
    ema: Annotated[bool, typer.Option("--ema/--no-ema", help="Use the EMA generator.")] = True,
    seed: SeedOpt = 0,
    device: DeviceOpt = "auto",
    json: JsonOpt = False,
) -> None:
    """Vector arithmetic on named concepts (see gan concept), drawn as DCGAN drew it.

    The result is the centre of a 3x3 grid; the 8 around it add uniform noise of +-NOISE to
    its latent (Radford et al. 2016, figure 7)."""
    from gancli.api.concepts import arithmetic as run
    from gancli.api.concepts import open_concepts
    from gancli.render import save_image, still_format

    if json and output == "-":
        raise GanError("--json and -o - both want stdout; pick one")
    if noise < 0:
        raise GanError("--noise must be 0 or more")
    still_format(output)
    model, store, path = open_concepts(ckpt, device, note=info)
    if not store.names and "seed:" not in expression.lower().replace(" ", ""):
        raise GanError(
            f"{path} has no concepts yet: make some with gan concept add NAME --seeds 12,40,77"
        )
    picture, terms = run(model, store, expression, noise, renorm, truncation, ema, seed, show_terms)
    save_image(picture, output)
    doc = {
        "checkpoint": str(path),
        "expression": expression,
        "terms": [{"name": t.name, "weight": t.weight} for t in terms],
        "output": output,
    }
    combo = " ".join(f"{t.weight:+g} {t.name}" for t in terms)
    Output(json).done(doc, None if output == "-" else f"wrote {output}: {combo}")
