"""Projection: the latents whose generated images match given images (gradient descent on z,
pixels plus the discriminator's features). `gan project` is this with flags.

    from gancli.api.project import ProjectOptions, project
    rows = project("mnist5k-dcgan", ["digit.png"], ProjectOptions(output="z.safetensors"))
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gancli.errors import GanError
from gancli.optionspec import device_option, ema_option, option, seed_option


@dataclass
class ProjectOptions:
    output: str = option(
        "z.safetensors",
        "--output",
        "-o",
        help="The latents: .safetensors (tensor 'z'), .npy, or '-' (npy).",
    )
    preview: str | None = option(
        None,
        help="Side-by-side PNG, each image beside its reconstruction "
        "(default: the output's name with .png; 'none' to skip).",
    )
    steps: int = option(500, help="Optimisation steps.")
    restarts: int = option(4, help="Random starts per image, optimised together; the best wins.")
    lr: float = option(0.05, help="Adam learning rate on z.")
    feature_weight: float = option(
        0.1, help="Weight of the discriminator-feature error beside the pixels'."
    )
    class_: str | None = option(
        None, "--class", help="Conditional checkpoints: the class the images show."
    )
    ema: bool = ema_option()
    seed: int = seed_option()
    device: str = device_option()

    def preview_name(self) -> str | None:
        """--preview as given, or its default from the output's name."""
        if self.preview is None and self.output != "-":
            return str(Path(self.output).with_suffix(".png"))
        return self.preview

    def preview_file(self) -> str | None:
        """The preview PNG to write, or None."""
        from gancli.render import still_format

        preview = self.preview_name()
        if not preview or preview == "none":
            return None
        still_format(preview, "--preview")
        return preview


def _labels(model: Any, opts: ProjectOptions, n: int) -> Any:
    import torch

    from gancli.latent.draw import class_index

    variant = model.variant
    if not variant.conditional:
        if opts.class_ is not None:
            raise GanError(f"--class needs a conditional checkpoint; this one is {variant.name}")
        return None
    if opts.class_ is None:
        raise GanError("a conditional checkpoint needs --class: the class the images show")
    c = class_index(opts.class_, model.spec)
    return torch.nn.functional.one_hot(torch.full((n,), c), int(variant.num_classes)).float()


def project(
    ckpt: str, images: list[str], opts: ProjectOptions, note: Any = None, progress: Any = None
) -> list[dict[str, Any]]:
    """Write the latents (and the preview); one row per image: its name, mse and PSNR."""
    import torch

    from gancli.engine.device import resolve_device
    from gancli.engine.model import load_model
    from gancli.latent.io import save_latents
    from gancli.latent.project import load_targets
    from gancli.latent.project import project as descend
    from gancli.render import grid, save_image, to_uint8_images
    from gancli.store.describe import applying_command
    from gancli.store.locate import resolve

    preview = opts.preview_file()
    model = load_model(resolve(ckpt), resolve_device(opts.device))
    if model.spec["kind"] != "image":
        raise GanError("project works on image checkpoints; this one makes 2-D points")
    if model.variant.translates:
        raise GanError(
            f"this is a {model.variant.name} model: it has no latent to project into; "
            f"gan {applying_command(model.config.get('translation'))} CKPT IMAGE -o OUT applies it"
        )
    targets, names = load_targets(images, model.spec)
    labels = _labels(model, opts, len(targets))
    if opts.feature_weight > 0 and note is not None:
        if model.slim:
            note("this checkpoint is a slim export without its discriminator: matching pixels only")
        elif not model.variant.adversarial:
            note(f"{model.variant.name} has no discriminator: matching pixels only")
    result = descend(
        model, targets, opts.steps, opts.restarts, opts.lr, opts.feature_weight, labels,
        seed=opts.seed, ema=opts.ema, progress=progress,
    )  # fmt: skip
    save_latents(opts.output, result.z, prior=model.variant.hyper.prior)
    if preview:
        pairs = torch.stack([targets, result.images], 1).flatten(0, 1)
        save_image(grid(to_uint8_images(pairs), nrow=2), preview)
    return [
        {"image": name, "mse": float(m), "psnr": float(p)}
        for name, m, p in zip(names, result.mse, result.psnr)
    ]
