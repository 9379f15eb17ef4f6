"""Turn one image of any PIL mode into a square uint8 array, the same way everywhere.

Every path into the cache (folders, torchvision sets, resized built-ins) resizes through
`resize_square`, so a data set looks the same whichever source it came from.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image, ImageOps

# Modes whose pixels carry no colour: these make a folder single-channel under channels=auto.
_GREY_MODES = frozenset({"1", "L", "LA", "La", "I", "F", "I;16", "I;16L", "I;16B", "I;16N"})
_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})
_WHITE = (255, 255, 255, 255)
_ORIENTATION = 0x0112  # EXIF tag


def load_square(path: Any, size: int, channels: int | None) -> tuple[np.ndarray, bool]:
    """Decode one file (a path or a binary file object) -> (uint8 (C, size, size), is_grey);
    raises on a corrupt file.

    With channels=None the array is 1-channel for grey sources and 3-channel otherwise, so
    the caller can decide for the whole folder after one pass.
    """
    with Image.open(path) as img:
        img = _decode(img, size)
        img, grey = normalise_mode(img)
        if channels is not None:
            img = to_channels(img, channels)
        return to_array(resize_square(img, size)), grey


def _decode(img: Image.Image, size: int) -> Image.Image:
    """Fully decode the first frame (so a truncated file fails here and is skipped).

    For JPEGs, `draft` lets libjpeg decode at 1/2..1/8 scale while staying at least twice
    the target size, which makes big photos several times cheaper without visible loss.
    """
    if img.format == "JPEG" and min(img.size) > 0:
        scale = 2 * size / min(img.size)
        if scale < 1:
            img.draft(
                img.mode, (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
            )
    img.load()
    # Phone photos store their rotation in EXIF; users expect them upright. Checked first
    # because exif_transpose copies the image even when there is nothing to do.
    if img.getexif().get(_ORIENTATION, 1) != 1:
        img = ImageOps.exif_transpose(img)
    return img


def _is_grey_palette(img: Image.Image) -> bool:
    """A palette image is grey when every colour it uses has R == G == B. Read from the
    palette, not by converting, which would warn about byte transparency."""
    idx = np.asarray(img)
    if idx.ndim == 3:  # PA
        idx = idx[..., 0]
    pal = img.getpalette("RGB")
    if not pal:
        return True
    colours = np.asarray(pal, dtype=np.uint8).reshape(-1, 3)
    used = np.unique(idx)
    c = colours[used[used < len(colours)]]
    return bool((c[:, 0] == c[:, 1]).all() and (c[:, 1] == c[:, 2]).all())


def _high_depth_to_l(img: Image.Image) -> Image.Image:
    """I;16 / I / F -> 8-bit L: 16-bit ranges scale by 255/65535, floats in [0, 1] by 255;
    anything else is stretched over its own min..max so it is not clipped to black/white."""
    a = np.asarray(img).astype(np.float64)
    lo, hi = (float(a.min()), float(a.max())) if a.size else (0.0, 0.0)
    if img.mode.startswith("I;16"):
        a = a * (255.0 / 65535.0)
    elif img.mode == "F" and lo >= 0.0 and hi <= 1.0:
        a = a * 255.0
    elif lo >= 0.0 and hi <= 255.0:
        pass
    elif img.mode == "I" and lo >= 0.0 and hi <= 65535.0:
        a = a * (255.0 / 65535.0)
    elif hi > lo:
        a = (a - lo) * (255.0 / (hi - lo))
    else:
        a = np.zeros_like(a)
    return Image.fromarray(np.clip(np.rint(a), 0, 255).astype(np.uint8))


def _composite_on_white(img: Image.Image) -> Image.Image:
    rgba = img.convert("RGBA")
    return Image.alpha_composite(Image.new("RGBA", rgba.size, _WHITE), rgba).convert("RGB")


def normalise_mode(img: Image.Image) -> tuple[Image.Image, bool]:
    """Any PIL mode -> ("L" or "RGB" image, is_grey). Alpha is composited onto white, because
    the transparent parts of icons and cut-outs are meant to be background, not black."""
    mode = img.mode
    has_alpha = (
        mode in _ALPHA_MODES
        or (mode in ("P", "L", "RGB") and "transparency" in img.info)
        or (mode == "P" and img.palette is not None and img.palette.mode == "RGBA")
    )
    if mode == "P" or mode == "PA":
        grey = _is_grey_palette(img)
    else:
        grey = mode in _GREY_MODES
    if mode.startswith("I") or mode == "F":
        out = _high_depth_to_l(img)
    elif has_alpha:
        out = _composite_on_white(img)
    elif mode in ("L", "RGB"):
        out = img
    elif mode == "1":
        out = img.convert("L")
    else:  # P, CMYK, YCbCr, RGBX, HSV, ...
        out = img.convert("RGB")
    if grey and out.mode != "L":
        out = out.convert("L")
    return out, grey


def to_channels(img: Image.Image, channels: int) -> Image.Image:
    """L or RGB -> the mode for `channels` (1 -> L with PIL's ITU-R 601 luma, 3 -> RGB)."""
    want = "L" if channels == 1 else "RGB"
    return img if img.mode == want else img.convert(want)


def resize_square(img: Image.Image, size: int) -> Image.Image:
    """Scale the shorter side to `size` and keep the centred square.

    Resizing only the centred box in one call is the same as scale-then-crop but never
    scales pixels that are thrown away; `reducing_gap` pre-shrinks big images by an integer
    factor first, which is much faster and indistinguishable from plain Lanczos.
    """
    w, h = img.size
    m = min(w, h)
    if (w, h) == (size, size):
        return img
    box = ((w - m) / 2, (h - m) / 2, (w + m) / 2, (h + m) / 2)
    return img.resize((size, size), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)


def to_array(img: Image.Image) -> np.ndarray:
    """L or RGB image -> uint8 (C, H, W)."""
    a = np.asarray(img, dtype=np.uint8)
    return a[None] if a.ndim == 2 else a.transpose(2, 0, 1)


def luma(x: np.ndarray) -> np.ndarray:
    """uint8 (N, 3, H, W) -> (N, 1, H, W) with PIL's weights, so forcing channels=1 on an
    in-memory set gives the same pixels as converting each file to L."""
    out = np.empty((x.shape[0], 1, *x.shape[2:]), dtype=np.uint8)
    for i in range(0, x.shape[0], 1024):  # chunked: keeps the float temporary small
        c = x[i : i + 1024].astype(np.float32)
        y = c[:, 0] * 0.299 + c[:, 1] * 0.587 + c[:, 2] * 0.114
        out[i : i + 1024, 0] = np.clip(np.rint(y), 0, 255).astype(np.uint8)
    return out


def set_channels(x: np.ndarray, channels: int | None) -> np.ndarray:
    """uint8 (N, C, H, W) with C in {1, 3} -> `channels` channels (None keeps C)."""
    if channels is None or channels == x.shape[1]:
        return x
    if channels == 3:
        return np.ascontiguousarray(np.repeat(x, 3, axis=1))
    return luma(x)
