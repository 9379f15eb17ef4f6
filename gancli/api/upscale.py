"""Applying a super-resolution model (srresnet, srgan) to images: one file, a folder, or PNG
bytes from stdin to stdout. `gan upscale` is this with flags; Python callers fill
`UpscaleOptions`.

    from gancli.api.upscale import UpscaleOptions, upscale
    upscale("runs/synthfaces-srgan", ["small.png"], UpscaleOptions(output="big.png"))

The generator is fully convolutional: an input of any size is upscaled whole, by the model's
scale, each at its own size (one image per forward pass); only its mode is converted to the
model's channels. `side_by_side` writes bicubic | model, both at the output's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gancli.errors import GanError
from gancli.optionspec import device_option, image_output_option, option, out_dir_option


@dataclass
class UpscaleOptions:
    output: str | None = image_output_option("upscaled")
    out_dir: Path | None = out_dir_option()
    side_by_side: bool = option(
        False,
        "--side-by-side",
        help="Write bicubic | model in one image, both at the output's size.",
    )
    device: str = device_option()
    inputs: list[str] = field(default_factory=list, init=False)

    def check(self, inputs: list[str]) -> None:
        """Refuse contradictory options before the model is loaded."""
        from gancli.api.translate import check_inputs

        check_inputs(inputs, self.output, self.out_dir)
        self.inputs = list(inputs)


@dataclass
class UpscaleResult:
    checkpoint: str
    scale: int
    n: int
    outputs: list[str]
    sizes: list[list[int]]  # [width, height] of each image written
    skipped: list[str]


def scale_of(model: Any, ckpt: str) -> int:
    """The model's upscaling factor, or one line saying it does not upscale."""
    info = model.config.get("translation") or {}
    if not model.variant.translates or "scale" not in info:
        what = "translates images" if model.variant.translates else "draws images from noise"
        raise GanError(
            f"{ckpt} is a {model.variant.name} model, which {what} and does not upscale: "
            "gan upscale needs a super-resolution model (gan train srresnet or srgan)"
        )
    return int(info["scale"])


def read_image(path: str, channels: int) -> Any:
    """One input at its own size as float (C, H, W) in [-1, 1], in the model's channels."""
    import numpy as np
    import torch

    from gancli.api.translate import _open
    from gancli.data.imageops import normalise_mode, to_array, to_channels

    with _open(path) as img:
        img.load()
        img = to_channels(normalise_mode(img)[0], channels)
    return torch.from_numpy(to_array(img).astype(np.float32)).div(127.5).sub(1.0)


def _write(out: str, x: Any, y: Any, scale: int, side_by_side: bool) -> None:
    """Save the output `y` (float (C, H, W)), or bicubic(x) | y side by side."""
    import torch
    from PIL import Image

    from gancli.render import grid, save_image, to_uint8_images
    from gancli.variants._superres import bicubic_up

    if side_by_side:
        tiles = torch.stack([bicubic_up(x[None], scale)[0], y])
        img = grid(to_uint8_images(tiles), nrow=2)
    else:
        a = to_uint8_images(y[None])[0]
        img = Image.fromarray(a[..., 0] if a.shape[-1] == 1 else a)
    save_image(img, out)


def upscale(ckpt: str, inputs: list[str], opts: UpscaleOptions) -> UpscaleResult:
    """Upscale each input with the model `ckpt`; outputs as `opts` says (see the module)."""
    from gancli.api.translate import list_inputs, read_or_skip
    from gancli.engine.device import resolve_device
    from gancli.engine.model import load_model
    from gancli.reporting import report
    from gancli.store.locate import resolve

    opts.check(inputs)
    files, _ = list_inputs(opts.inputs)
    source = resolve(ckpt)
    model = load_model(source, resolve_device(opts.device), channels_last=False)
    scale = scale_of(model, ckpt)
    channels = int(model.config["translation"]["channels"])
    written: list[str] = []
    sizes: list[list[int]] = []
    skipped: list[str] = []
    if opts.out_dir is not None:
        Path(opts.out_dir).mkdir(parents=True, exist_ok=True)
    for i, (path, name) in enumerate(files):
        x = read_or_skip(path, lambda p: read_image(p, channels), len(files) == 1, skipped)
        if x is not None:
            y = model.sample(x[None], batch=1)[0].cpu().clamp(-1, 1)
            dest = opts.output if opts.output is not None else str(Path(opts.out_dir) / name)
            _write(dest, x, y, scale, opts.side_by_side)
            written.append(dest)
            sizes.append([int(y.shape[-1]), int(y.shape[-2])])
        report("upscaling", i + 1, len(files))
    outputs = [opts.output] if opts.output is not None else [str(opts.out_dir)]
    return UpscaleResult(str(source), scale, len(written), outputs, sizes, skipped)
