"""`gan arithmetic "glasses man - man + woman"`: DCGAN-style vector arithmetic on concepts."""

from __future__ import annotations

from typing import Annotated

import typer

from gancli.cli._common import DeviceOpt, JsonOpt, SeedOpt, TruncationOpt, info
from gancli.cli.concept import CkptOpt, open_concepts
from gancli.errors import GanError


def arithmetic(
    expression: Annotated[
        str,
        typer.Argument(
            help="e.g. \"glasses man - man + woman\", '0.5*smile + neutral', '2*(a - b) + c', "
            "or one sample edited: 'seed:42 + glasses man - man'."
        ),
    ],
    ckpt: CkptOpt = None,
    output: Annotated[
        str, typer.Option("--output", "-o", help="PNG (or .jpg, .webp), or '-' for PNG on stdout.")
    ] = "arithmetic.png",
    noise: Annotated[
        float,
        typer.Option(help="Scale of the uniform noise added to the result for its 8 neighbours."),
    ] = 0.25,
    show_terms: Annotated[
        bool,
        typer.Option(help="Add a row above: each term's image, then the result."),
    ] = False,
    renorm: Annotated[
        bool,
        typer.Option(
            help="Rescale the result to the prior's typical norm before adding the noise: "
            "means of many exemplars are shorter than the latents G was trained on."
        ),
    ] = False,
    truncation: TruncationOpt = None,
    ema: Annotated[bool, typer.Option("--ema/--no-ema", help="Use the EMA generator.")] = True,
    seed: SeedOpt = 0,
    device: DeviceOpt = "auto",
    json: JsonOpt = False,
) -> None:
    """Vector arithmetic on named concepts (see gan concept), drawn as DCGAN drew it.

    The result is the centre of a 3x3 grid; the 8 around it add uniform noise of +-NOISE to
    its latent (Radford et al. 2016, figure 7)."""
    import torch

    from gancli.latent.expr import parse, seed_of, terms_in_order
    from gancli.latent.priors import renormalize
    from gancli.latent.walks import apply_truncation
    from gancli.render import grid, labelled, save_image, still_format, to_uint8_images

    if json and output == "-":
        raise GanError("--json and -o - both want stdout; pick one")
    if noise < 0:
        raise GanError("--noise must be 0 or more")
    still_format(output)
    model, store, path = open_concepts(ckpt, device)
    if not store.names and "seed:" not in expression.lower().replace(" ", ""):
        raise GanError(
            f"{path} has no concepts yet: make some with gan concept add NAME --seeds 12,40,77"
        )
    terms = parse(expression, store.names)
    z, y = store.combine([(t.name, t.weight) for t in terms], model.variant)

    def term(name: str):
        return (
            store.seed_concept(name, model.variant)
            if seed_of(name) is not None
            else store.get(name)
        )

    hyper = model.variant.hyper
    if renorm:
        z = renormalize(z[None], hyper.prior, hyper.z_dim)[0]
    g = torch.Generator().manual_seed(seed)
    around = z[None] + (torch.rand(8, len(z), generator=g) * 2 - 1) * noise
    zs = torch.cat([around[:4], z[None], around[4:]])  # the result in the centre
    zs = apply_truncation(zs, truncation, hyper.prior, hyper.z_dim)
    ys = None if y is None else y[None].expand(len(zs), -1)
    x = model.sample(zs, ys, ema=ema)
    result_grid = grid(to_uint8_images(x), nrow=3)
    if show_terms:
        result_grid = grid(labelled(to_uint8_images(x), [""] * len(x)), nrow=3)
        shown = terms_in_order(expression, store.names)
        tz = torch.stack([term(t.name).z for t in shown] + [z])
        ty = None
        if y is not None:
            ty = torch.stack([term(t.name).y for t in shown] + [y])
        tags = [f"{'+' if t.weight >= 0 else '-'}{_weight(abs(t.weight))}{t.name}" for t in shown]
        tiles = labelled(to_uint8_images(model.sample(tz, ty, ema=ema)), tags + ["= result"])
        result_grid = _stack(grid(tiles, nrow=len(tiles)), result_grid)
    save_image(result_grid, output)
    combo = " ".join(f"{t.weight:+g} {t.name}" for t in terms)
    if json:
        import json as _json

        print(
            _json.dumps(
                {
                    "checkpoint": str(path),
                    "expression": expression,
                    "terms": [{"name": t.name, "weight": t.weight} for t in terms],
                    "output": output,
                }
            )
        )
    elif output != "-":
        info(f"wrote {output}: {combo}")


def _weight(w: float) -> str:
    return "" if w == 1 else f"{w:g}*"


def _stack(top, bottom):
    """Two pictures one above the other, centred, on black."""
    from PIL import Image

    mode = "RGB" if "RGB" in (top.mode, bottom.mode) else top.mode
    w = max(top.width, bottom.width)
    canvas = Image.new(mode, (w, top.height + bottom.height), 0)
    canvas.paste(top.convert(mode), ((w - top.width) // 2, 0))
    canvas.paste(bottom.convert(mode), ((w - bottom.width) // 2, top.height))
    return canvas
