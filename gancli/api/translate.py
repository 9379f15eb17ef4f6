"""Applying a translation model (pix2pix) to images: one file, a folder, or PNG bytes from
stdin to stdout. `gan translate` is this with flags; Python callers fill `TranslateOptions`.

    from gancli.api.translate import TranslateOptions, translate
    translate("runs/edges-pix2pix", ["sketch.png"], TranslateOptions(output="face.png"))

An input of any size and mode is converted to the model's channels and, as the training data
was, scaled so its shorter side is the training size and centre-cropped square; with
`keep_size` the model runs fully convolutionally on the whole image instead: each side is
padded (mirrored) up to the multiple the generator needs and the output cropped back, so it has
the input's size. With `pairs` each input is a side-by-side A|B pair, as
trained on: the model's input half is translated and the other half is the target.
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gancli.errors import GanError
from gancli.optionspec import (
    at_least,
    device_option,
    image_output_option,
    option,
    out_dir_option,
    seed_option,
)


@dataclass
class TranslateOptions:
    output: str | None = image_output_option("translated")
    out_dir: Path | None = out_dir_option()
    direction: str | None = option(
        None,
        help="Which way to translate, e.g. AtoB or BtoA; default: the model's own. "
        "A pix2pix model goes one way only; a cyclegan model both (AtoB by default).",
    )
    pairs: bool = option(
        False,
        "--pairs",
        help="The inputs are side-by-side A|B pairs, as trained on: translate the model's input "
        "half; the other half is the target (shown by --side-by-side).",
    )
    side_by_side: bool = option(
        False, "--side-by-side", help="Write input | output (| target with --pairs) in one image."
    )
    keep_size: bool = option(
        False,
        "--keep-size",
        help="Run fully convolutionally on the whole input at its own size: each side is padded "
        "(mirrored) up to the multiple the generator needs (2^depth of its U-Net: 32 for a "
        "32x32 pix2pix, 256 for the paper's 256x256) and the output cropped back to the "
        "input's size. Default: scale the shorter side to the training size and centre-crop, "
        "as the training data was.",
    )
    batch_size: int = option(16, help="Images per forward pass (without --keep-size).")
    seed: int = seed_option()
    device: str = device_option()
    inputs: list[str] = field(default_factory=list, init=False)

    def check(self, inputs: list[str]) -> None:
        """Refuse contradictory options before the model is loaded."""
        check_inputs(inputs, self.output, self.out_dir)
        at_least(self.batch_size, 1, "--batch-size")
        self.inputs = list(inputs)


def check_inputs(inputs: list[str], output: str | None, out_dir: Path | None) -> None:
    """The inputs and outputs of a command that maps images to images (translate, upscale):
    files, folders or '-' in; one of -o (one image) and --out-dir."""
    from gancli.render import still_format

    if not inputs:
        raise GanError("give an input: an image file, a folder of images, or '-' for stdin")
    if (output is None) == (out_dir is None):
        raise GanError("give one of -o FILE (or -o -) and --out-dir DIR")
    if output is not None:
        still_format(output)
        if len(inputs) > 1 or Path(inputs[0]).is_dir():
            raise GanError("-o writes one image: for several inputs or a folder use --out-dir")
    if out_dir is not None and "-" in inputs:
        raise GanError("stdin holds one image: write it with -o FILE or -o -")


@dataclass
class TranslateResult:
    checkpoint: str
    direction: str
    source: str  # what the model translates from ...
    target: str  # ... and to
    n: int
    outputs: list[str]
    skipped: list[str]


def translation_of(model: Any, ckpt: str) -> dict[str, Any]:
    """The checkpoint's translation entry, or one line saying it is not a translation model."""
    info = model.config.get("translation")
    if not model.variant.translates or not info:
        raise GanError(
            f"{ckpt} is a {model.variant.name} model, which draws images from noise: "
            "gan translate needs a translation model (gan train pix2pix or cyclegan); use gan sample for it"
        )
    return info


def _direction(info: dict[str, Any], asked: str | None) -> str:
    ways = info["directions"]
    if asked is None:
        return str(info["default"])
    if asked not in ways:
        raise GanError(
            f"--direction {asked}: this model translates {', '.join(ways)} only "
            f"({'; '.join(f'{k}: {v[0]} -> {v[1]}' for k, v in ways.items())})"
        )
    return asked


def list_inputs(inputs: list[str]) -> tuple[list[tuple[str, str]], Path | None]:
    """[(path or '-', output name)], and the folder when the input is one folder."""
    from gancli.data.folder import scan_folder

    if len(inputs) == 1 and Path(inputs[0]).is_dir():
        root = Path(inputs[0])
        found = [
            (str(root / c.rel), str(Path(c.rel).with_suffix(".png"))) for c in scan_folder(root)
        ]
        if not found:
            raise GanError(f"no images in '{root}'")
        return found, root
    out = []
    for p in inputs:
        if p != "-" and not Path(p).is_file():
            raise GanError(f"{p}: no such image file")
        out.append((p, "stdin.png" if p == "-" else Path(p).with_suffix(".png").name))
    return out, None


def _open(path: str) -> Any:
    from PIL import Image

    if path == "-":
        data = sys.stdin.buffer.read()
        if not data:
            raise GanError(
                "stdin is empty: pipe an image in, e.g. gan sample ... -o - | gan translate CKPT - -o -"
            )
        return Image.open(io.BytesIO(data))
    return Image.open(path)


def read_image(
    path: str, channels: int, size: int | None, pairs: bool, direction: str
) -> tuple[Any, Any]:
    """One input as float (C, H, W) in [-1, 1], and its target (or None): scaled and cropped to
    `size` as trained, or (size None) at its own size."""
    import numpy as np
    import torch

    from gancli.data.imageops import normalise_mode, resize_square, to_array, to_channels
    from gancli.data.pairs import halves

    with _open(path) as img:
        img.load()
        parts = list(halves(img, path)) if pairs else [img]
    if pairs and direction == "BtoA":
        parts.reverse()
    out = []
    for part in parts:
        part = to_channels(normalise_mode(part)[0], channels)
        if size is not None:
            part = resize_square(part, size)
        out.append(torch.from_numpy(to_array(part).astype(np.float32)).div(127.5).sub(1.0))
    return out[0], (out[1] if pairs else None)


def pad_to_multiple(x: Any, multiple: int) -> Any:
    """(N, C, H, W) -> each side padded at its end to a multiple of `multiple`, mirroring the
    border (repeating it where the image is too small to mirror)."""
    import torch.nn.functional as F

    h, w = x.shape[-2:]
    pad = (0, -w % multiple, 0, -h % multiple)
    if not any(pad):
        return x
    mode = "reflect" if pad[1] < w and pad[3] < h else "replicate"
    return F.pad(x, pad, mode=mode)


def run_generator(model: Any, x: Any, keep_size: bool) -> Any:
    """G(x) for a batch; with `keep_size` padded to the sides the U-Net takes and cropped back,
    so the output has the input's size."""
    if not keep_size:
        return model.sample(x, batch=len(x)).cpu()
    multiple = int(getattr(model.variant.generator, "multiple", 1))
    h, w = x.shape[-2:]
    return model.sample(pad_to_multiple(x, multiple), batch=len(x))[..., :h, :w].cpu()


def _write(out: str, x: Any, y: Any, target: Any, side_by_side: bool) -> None:
    """Save output `y` (float (C, H, W)), or input | output (| target) side by side."""
    import torch
    from PIL import Image

    from gancli.render import grid, save_image, to_uint8_images

    if side_by_side:
        tiles = [x, y] + ([target] if target is not None else [])
        img = grid(to_uint8_images(torch.stack(tiles)), nrow=len(tiles))
    else:
        a = to_uint8_images(y[None])[0]
        img = Image.fromarray(a[..., 0] if a.shape[-1] == 1 else a)
    save_image(img, out)


def read_or_skip(path: str, read: Any, alone: bool, skipped: list[str]) -> Any:
    """`read(path)`, or None when the file is not a readable image among several (then listed
    in `skipped`); a run of one input stops with one line instead."""
    try:
        return read(path)
    except GanError:
        raise
    except Exception as e:
        if alone:
            where = "stdin" if path == "-" else path
            raise GanError(f"{where}: not a readable image ({type(e).__name__}: {e})") from e
        skipped.append(path)
        return None


def _read_chunk(
    files: list[tuple[str, str]], read: Any, alone: bool, skipped: list[str]
) -> tuple[list[str], list[Any], list[Any]]:
    """Read a chunk of inputs. A file that is not a readable image stops a run of one input
    with one line; among several it is listed in `skipped` and the rest go on."""
    names, xs, ts = [], [], []
    for path, name in files:
        got = read_or_skip(path, read, alone, skipped)
        if got is None:
            continue
        x, t = got
        names.append(name)
        xs.append(x)
        ts.append(t)
    return names, xs, ts


def translate(ckpt: str, inputs: list[str], opts: TranslateOptions) -> TranslateResult:
    """Translate each input with the model `ckpt`; outputs as `opts` says (see the module)."""
    import functools

    import torch

    from gancli.engine.device import resolve_device
    from gancli.engine.model import load_model
    from gancli.reporting import report
    from gancli.store.locate import resolve

    opts.check(inputs)
    files, _ = list_inputs(opts.inputs)
    source = resolve(ckpt)
    model = load_model(source, resolve_device(opts.device))
    info = translation_of(model, ckpt)
    direction = _direction(info, opts.direction)
    src_name, dst_name = info["directions"][direction]
    model.variant.direction = direction  # the way its generate() goes (CycleGAN has two)
    size = None if opts.keep_size else int(info["image_size"])
    read = functools.partial(
        read_image,
        channels=int(info["channels"]),
        size=size,
        pairs=opts.pairs,
        direction=direction,
    )
    torch.manual_seed(opts.seed)  # the model's noise (pix2pix: dropout)
    written: list[str] = []
    skipped: list[str] = []
    batch = 1 if opts.keep_size else opts.batch_size
    if opts.out_dir is not None:
        Path(opts.out_dir).mkdir(parents=True, exist_ok=True)
    for start in range(0, len(files), batch):
        chunk = files[start : start + batch]
        names, xs, ts = _read_chunk(chunk, read, len(files) == 1, skipped)
        if xs:
            x = torch.stack(xs)
            y = run_generator(model, x, opts.keep_size)
            for i, name in enumerate(names):
                dest = opts.output if opts.output is not None else str(Path(opts.out_dir) / name)
                _write(dest, x[i], y[i], ts[i], opts.side_by_side)
                written.append(dest)
        report("translating", start + len(chunk), len(files))
    outputs = [opts.output] if opts.output is not None else [str(opts.out_dir)]
    return TranslateResult(
        str(source), direction, src_name, dst_name, len(written), outputs, skipped
    )
