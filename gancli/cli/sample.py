"""`gan sample CKPT`: draw samples as a grid, one PNG each, an array, or PNG on stdout."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gancli.cli._common import DeviceOpt, JsonOpt, SeedOpt, info
from gancli.errors import GanError


def sample(
    ckpt: Annotated[str, typer.Argument(help="A checkpoint: .safetensors file or run folder.")],
    n: Annotated[int, typer.Option("-n", "--num", help="How many samples.")] = 64,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="grid.png, '-' (PNG on stdout) or samples.npy (float32 NCHW in [-1, 1], or (N, 2) points).",
        ),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option(help="Write one PNG per sample here, named by seed.")
    ] = None,
    nrow: Annotated[int | None, typer.Option(help="Images per grid row (default: square).")] = None,
    ema: Annotated[bool, typer.Option("--ema/--no-ema", help="Use the EMA generator.")] = True,
    latents: Annotated[
        Path | None,
        typer.Option(
            help="Read exact latents (.safetensors with 'z', or .npy) instead of drawing them."
        ),
    ] = None,
    save_latents: Annotated[
        str | None, typer.Option(help="Write the latents used (.safetensors or .npy).")
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Samples per forward pass.")] = 256,
    seed: SeedOpt = 0,
    device: DeviceOpt = "auto",
    json: JsonOpt = False,
) -> None:
    """Draw samples from a trained generator. Sample i uses the latent of seed SEED+i."""
    import numpy as np

    from gancli.engine.device import resolve_device
    from gancli.engine.model import load_model
    from gancli.latent.io import load_latents
    from gancli.latent.io import save_latents as write_latents
    from gancli.latent.priors import seeded_latents
    from gancli.render import picture, save_image, to_uint8_images
    from gancli.zoo import resolve

    if n < 1:
        raise GanError("-n must be at least 1")
    if output is None and out_dir is None:
        output = "samples.png"
    model = load_model(resolve(ckpt), resolve_device(device))
    hyper = model.variant.hyper
    if latents is not None:
        z = load_latents(latents, hyper.z_dim)
        seeds = list(range(len(z)))
    else:
        seeds = list(range(seed, seed + n))
        z = seeded_latents(hyper.prior, hyper.z_dim, seeds)
    x = model.sample(z, ema=ema, batch=batch_size).cpu()
    if save_latents:
        write_latents(save_latents, z, prior=hyper.prior)
    written = []
    if output is not None:
        if output.endswith(".npy"):
            np.save(output, x.numpy().astype(np.float32))
        elif output == "-" or output.lower().endswith(".png"):
            save_image(picture(x, model.spec, nrow), output)
        else:
            raise GanError(f"-o {output}: use a .png file, a .npy file, or '-' for PNG on stdout")
        written.append(output)
    if out_dir is not None:
        if model.spec["kind"] != "image":
            raise GanError(
                "--out-dir writes one PNG per image; this model makes 2-D points: use -o"
            )
        from PIL import Image

        out_dir.mkdir(parents=True, exist_ok=True)
        for s, img in zip(seeds, to_uint8_images(x)):
            Image.fromarray(img[..., 0] if img.shape[-1] == 1 else img).save(
                out_dir / f"{s:06d}.png"
            )
        written.append(str(out_dir))
    if json:
        import json as _json

        if output == "-":
            raise GanError("--json and -o - both want stdout; pick one")
        print(
            _json.dumps(
                {
                    "checkpoint": str(resolve(ckpt)),
                    "n": len(x),
                    "seed": seed,
                    "ema": ema,
                    "outputs": written,
                }
            )
        )
    elif output != "-":
        info(f"wrote {', '.join(written)} ({len(x)} samples)")
