"""`gan project CKPT IMAGE...`: find the latents whose generated images match given images."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gancli.cli._common import CkptArg, DeviceOpt, JsonOpt, SeedOpt, class_index, info
from gancli.errors import GanError


def project(
    ckpt: CkptArg,
    images: Annotated[
        list[str],
        typer.Argument(
            help="Image files or folders (searched recursively); '-' reads one image from "
            "standard input."
        ),
    ],
    output: Annotated[
        str,
        typer.Option(
            "--output", "-o", help="The latents: .safetensors (tensor 'z'), .npy, or '-' (npy)."
        ),
    ] = "z.safetensors",
    preview: Annotated[
        str | None,
        typer.Option(
            help="Side-by-side PNG, each image beside its reconstruction "
            "(default: the output's name with .png; 'none' to skip)."
        ),
    ] = None,
    steps: Annotated[int, typer.Option(help="Optimisation steps.")] = 500,
    restarts: Annotated[
        int, typer.Option(help="Random starts per image, optimised together; the best wins.")
    ] = 4,
    lr: Annotated[float, typer.Option(help="Adam learning rate on z.")] = 0.05,
    feature_weight: Annotated[
        float, typer.Option(help="Weight of the discriminator-feature error beside the pixels'.")
    ] = 0.1,
    class_: Annotated[
        str | None,
        typer.Option("--class", help="Conditional checkpoints: the class the images show."),
    ] = None,
    ema: Annotated[bool, typer.Option("--ema/--no-ema", help="Use the EMA generator.")] = True,
    seed: SeedOpt = 0,
    device: DeviceOpt = "auto",
    json: JsonOpt = False,
) -> None:
    """Find the latents whose generated images match given images.

    Gradient descent on z so that G(z) matches each image (pixels plus the discriminator's
    features). Writes the latents and a side-by-side reconstruction and reports each image's
    error."""
    import torch

    from gancli.engine.device import resolve_device
    from gancli.engine.model import load_model
    from gancli.latent.io import save_latents
    from gancli.latent.project import load_targets
    from gancli.latent.project import project as run_projection
    from gancli.render import grid, save_image, still_format, to_uint8_images
    from gancli.store.locate import resolve

    if json and output == "-":
        raise GanError("--json and -o - both want stdout; pick one")
    if preview is None and output != "-":
        preview = str(Path(output).with_suffix(".png"))
    if preview and preview != "none":
        still_format(preview, "--preview")
    model = load_model(resolve(ckpt), resolve_device(device))
    variant = model.variant
    if model.spec["kind"] != "image":
        raise GanError("project works on image checkpoints; this one makes 2-D points")
    targets, names = load_targets(images, model.spec)
    labels = None
    if variant.conditional:
        if class_ is None:
            raise GanError("a conditional checkpoint needs --class: the class the images show")
        k = int(variant.num_classes)
        labels = torch.nn.functional.one_hot(
            torch.full((len(targets),), class_index(class_, model.spec)), k
        ).float()
    elif class_ is not None:
        raise GanError(f"--class needs a conditional checkpoint; this one is {variant.name}")
    if model.slim and feature_weight > 0:
        info("this checkpoint is a slim export without its discriminator: matching pixels only")
    from gancli.engine.progress import TaskProgress

    with TaskProgress(f"project {len(targets)} image(s)", json_lines=json) as progress:
        result = run_projection(
            model, targets, steps, restarts, lr, feature_weight, labels, seed=seed, ema=ema,
            progress=progress,
        )  # fmt: skip
    save_latents(output, result.z, prior=variant.hyper.prior)
    if preview and preview != "none":
        pairs = torch.stack([targets, result.images], 1).flatten(0, 1)
        save_image(grid(to_uint8_images(pairs), nrow=2), preview)
    rows = [
        {"image": name, "mse": float(m), "psnr": float(p)}
        for name, m, p in zip(names, result.mse, result.psnr)
    ]
    if json:
        import json as _json

        print(_json.dumps({"output": output, "preview": preview, "images": rows}))
        return
    for r in rows:
        info(f"{r['image']}: mse {r['mse']:.4f}, PSNR {r['psnr']:.1f} dB")
    if output != "-":
        shown = f" and {preview}" if preview and preview != "none" else ""
        info(f"wrote {output}{shown} ({len(rows)} latent(s), {steps} steps x {restarts} starts)")
