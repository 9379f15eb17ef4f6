"""Turning samples into pictures and files: image grids, 2-D scatter plots, PNG to stdout."""

from __future__ import annotations

import io
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from gancli.errors import GanError


def to_uint8_images(x: Any) -> np.ndarray:
    """(N, C, H, W) float in [-1, 1] -> (N, H, W, C) uint8."""
    import torch

    x = x.detach().float().cpu().clamp(-1, 1).add(1).mul(127.5).round().to(torch.uint8)
    return x.permute(0, 2, 3, 1).numpy()


def grid(images: np.ndarray, nrow: int | None = None, padding: int = 2) -> Image.Image:
    """Tile (N, H, W, C) uint8 images into one picture, nrow images per row."""
    n, h, w, c = images.shape
    nrow = nrow or max(1, math.ceil(math.sqrt(n)))
    rows = math.ceil(n / nrow)
    canvas = np.zeros((rows * (h + padding) + padding, nrow * (w + padding) + padding, c), np.uint8)
    for i in range(n):
        r, col = divmod(i, nrow)
        y, x = padding + r * (h + padding), padding + col * (w + padding)
        canvas[y : y + h, x : x + w] = images[i]
    return Image.fromarray(canvas[..., 0] if c == 1 else canvas, "L" if c == 1 else "RGB")


def scatter(
    points: np.ndarray,
    modes: np.ndarray | None = None,
    bounds: tuple[float, float] | None = None,
    size: int = 512,
    real: np.ndarray | None = None,
) -> Image.Image:
    """A scatter plot of 2-D samples (blue) over the true modes (red rings), PIL only."""
    img = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(img)
    lo, hi = bounds or (float(np.min(points)) - 0.5, float(np.max(points)) + 0.5)
    margin = 16

    def to_px(p: np.ndarray) -> np.ndarray:
        return margin + (p - lo) / (hi - lo) * (size - 2 * margin)

    draw.rectangle([margin, margin, size - margin, size - margin], outline=(180, 180, 180))
    if real is not None:
        for x, y in to_px(real):
            draw.point((x, size - y), fill=(200, 200, 200))
    for x, y in to_px(points):
        draw.ellipse([x - 1.5, size - y - 1.5, x + 1.5, size - y + 1.5], fill=(40, 90, 200))
    if modes is not None:
        for x, y in to_px(modes):
            draw.ellipse([x - 6, size - y - 6, x + 6, size - y + 6], outline=(220, 40, 40), width=2)
    return img


# Still pictures (grids, strips): the formats they are written in, by extension.
STILL_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}


def still_format(path: str | Path, option: str = "-o", also: str = "") -> str:
    """The format a still picture at `path` is written in ('-' is PNG on stdout), or one
    clear line naming what is accepted. `also` lists other extensions the caller accepts
    there, for that line."""
    if str(path) == "-":
        return "PNG"
    fmt = STILL_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        accepted = ".png, .jpg, .webp" + (f", {also}" if also else "")
        raise GanError(f"{option} {path}: use a {accepted} file, or '-' for PNG on stdout")
    return fmt


def save_image(img: Image.Image, path: str | Path) -> None:
    """Save a picture in the format its extension names (see STILL_FORMATS); the path '-'
    writes a PNG to standard output for pipelines."""
    fmt = still_format(path)
    if str(path) == "-":
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        sys.stdout.buffer.write(buf.getvalue())
        sys.stdout.buffer.flush()
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "JPEG" and img.mode not in ("L", "RGB"):
        img = img.convert("RGB")  # JPEG has no alpha or palette
    img.save(path, format=fmt, **({"quality": 95} if fmt == "JPEG" else {}))


def picture(samples: Any, spec: dict[str, Any], nrow: int | None = None) -> Image.Image:
    """The natural picture of a batch of samples: an image grid, or a scatter for 2-D data."""
    if spec["kind"] == "points":
        modes = np.asarray(spec["modes"]) if spec.get("modes") else None
        return scatter(samples.detach().float().cpu().numpy(), modes, tuple(spec["value_range"]))
    return grid(to_uint8_images(samples), nrow)


def labelled(images: np.ndarray, labels: list[str], min_side: int = 64) -> np.ndarray:
    """Draw a label (e.g. the seed number) in the corner of each (H, W, C) tile; small tiles are
    first enlarged (nearest neighbour) to `min_side` so that the text stays readable."""
    n, h, w, c = images.shape
    scale = max(1, math.ceil(min_side / max(h, w)))
    out = []
    for img, text in zip(images, labels):
        tile = Image.fromarray(img[..., 0] if c == 1 else img, "L" if c == 1 else "RGB")
        tile = tile.convert("RGB").resize((w * scale, h * scale), Image.NEAREST)
        if not text:
            out.append(np.asarray(tile))
            continue
        draw = ImageDraw.Draw(tile)
        left, top, right, bottom = draw.textbbox((2, 1), text)
        draw.rectangle([0, 0, right + 2, bottom + 1], fill=(0, 0, 0))
        draw.text((2, 1), text, fill=(255, 255, 0))
        out.append(np.asarray(tile))
    return np.stack(out)


def save_gif(
    frames: list[Image.Image], path: str | Path, fps: float = 8.0, loop: bool = True
) -> None:
    """An animated GIF (path '-' writes it to standard output)."""
    duration = max(20, round(1000 / fps))  # ms; most viewers clamp below 20
    frames = [f.convert("RGB") if f.mode not in ("L", "RGB", "P") else f for f in frames]
    kwargs: dict[str, Any] = {"save_all": True, "append_images": frames[1:], "duration": duration}
    if loop:
        kwargs["loop"] = 0
    if str(path) == "-":
        buf = io.BytesIO()
        frames[0].save(buf, format="GIF", **kwargs)
        sys.stdout.buffer.write(buf.getvalue())
        sys.stdout.buffer.flush()
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    frames[0].save(tmp, format="GIF", **kwargs)
    tmp.replace(path)


def stack(top, bottom):
    """Two pictures one above the other, centred, on black."""
    from PIL import Image

    mode = "RGB" if "RGB" in (top.mode, bottom.mode) else top.mode
    w = max(top.width, bottom.width)
    canvas = Image.new(mode, (w, top.height + bottom.height), 0)
    canvas.paste(top.convert(mode), ((w - top.width) // 2, 0))
    canvas.paste(bottom.convert(mode), ((w - bottom.width) // 2, top.height))
    return canvas
