"""Procedural coloured shapes: a labelled image set that needs no download.

Each image is one fully saturated circle, square or triangle on black, at one of two sizes
and in one of nine grid positions, with every attribute drawn independently and uniformly.
Known factors make it a good set for conditional GANs, latent arithmetic and mode counting:
a tiny classifier recovers each attribute exactly.

`--data shapes`: `load_shapes` below, registered by `@builtin`, draws the set once into the
cache at the asked size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw

from gancli.data import captions
from gancli.data.cache import ImageArrays
from gancli.data.registry import Request, builtin

if TYPE_CHECKING:
    from gancli.data.dataset import Dataset

COUNT = 10_000
DEFAULT_SIZE = 32
SUPERSAMPLE = 4  # drawn at 4x and box-averaged down: exact-coverage antialiasing

SHAPES = ["circle", "square", "triangle"]
COLOURS = ["red", "green", "blue", "yellow", "magenta", "cyan"]
SIZES = ["small", "large"]
POSITIONS = [
    "top-left",
    "top",
    "top-right",
    "left",
    "centre",
    "right",
    "bottom-left",
    "bottom",
    "bottom-right",
]
ATTRIBUTE_NAMES = {"shape": SHAPES, "colour": COLOURS, "size": SIZES, "position": POSITIONS}

_RGB = {
    "red": (255, 0, 0),
    "green": (0, 255, 0),
    "blue": (0, 0, 255),
    "yellow": (255, 255, 0),
    "magenta": (255, 0, 255),
    "cyan": (0, 255, 255),
}
_EXTENT = {"small": 0.22, "large": 0.45}  # bounding-box side as a fraction of the image side
_MIN_SMALL_PX = 5.0  # below this a small triangle is a blob at 16x16
_JITTER = 0.2  # of a cell's width each way: leaves a clear gap between neighbouring cells
_MARGIN_PX = 0.5  # kept clear at the image border, so no shape is cut by the edge


def _extent_px(size_name: str, side: int) -> float:
    small = max(_EXTENT["small"] * side, _MIN_SMALL_PX)
    return small if size_name == "small" else max(_EXTENT["large"] * side, small + 2.0)


def _centre(cell: int, jitter: float, extent: float, side: int) -> float:
    """Centre along one axis: the free range [e/2, side - e/2] cut into three cells.

    Cells are laid over the range the shape can occupy rather than the raw image, so a
    large shape in a corner cell still fits wholly inside the image.
    """
    half = extent / 2 + _MARGIN_PX * SUPERSAMPLE
    width = (side - 2 * half) / 3
    return half + width * (cell + 0.5) + jitter * _JITTER * width


def _draw(
    draw: ImageDraw.ImageDraw, shape: str, cx: float, cy: float, e: float, colour: tuple
) -> None:
    h = e / 2
    if shape == "circle":
        draw.ellipse((cx - h, cy - h, cx + h, cy + h), fill=colour)
    elif shape == "square":
        draw.rectangle((cx - h, cy - h, cx + h, cy + h), fill=colour)
    else:  # equilateral, point up, centred on its bounding box
        th = e * 0.8660254
        draw.polygon([(cx, cy - th / 2), (cx + h, cy + th / 2), (cx - h, cy + th / 2)], fill=colour)


def make_shapes(
    n: int = COUNT, size: int = DEFAULT_SIZE, seed: int = 0, position: str | None = None
) -> ImageArrays:
    """`n` images of `size` x `size` (3 channels), deterministic for `seed`.

    `position` (one of POSITIONS) puts every shape in that cell, as aligned face sets put
    every face in the same place; shape, colour, size and jitter are drawn as without it.
    """
    if position is not None and position not in POSITIONS:
        raise ValueError(f"position {position!r} is not one of {', '.join(POSITIONS)}")
    rng = np.random.default_rng(seed)
    attrs = {
        "shape": rng.integers(0, len(SHAPES), n),
        "colour": rng.integers(0, len(COLOURS), n),
        "size": rng.integers(0, len(SIZES), n),
        "position": rng.integers(0, len(POSITIONS), n),
    }
    if position is not None:
        attrs["position"] = np.full(n, POSITIONS.index(position))
    jitter = rng.uniform(-1.0, 1.0, (n, 2))
    big = size * SUPERSAMPLE
    x = np.empty((n, 3, size, size), dtype=np.uint8)
    for i in range(n):
        img = Image.new("RGB", (big, big))
        e = _extent_px(SIZES[attrs["size"][i]], size) * SUPERSAMPLE
        row, col = divmod(int(attrs["position"][i]), 3)
        cx = _centre(col, jitter[i, 0], e, big)
        cy = _centre(row, jitter[i, 1], e, big)
        _draw(
            ImageDraw.Draw(img),
            SHAPES[attrs["shape"][i]],
            cx,
            cy,
            e,
            _RGB[COLOURS[attrs["colour"][i]]],
        )
        x[i] = np.asarray(img.reduce(SUPERSAMPLE)).transpose(2, 0, 1)
    return ImageArrays(
        x=x,
        labels=attrs["shape"].astype(np.int64),
        class_names=list(SHAPES),
        attributes={k: v.astype(np.int64) for k, v in attrs.items()},
        attribute_names={k: list(v) for k, v in ATTRIBUTE_NAMES.items()},
    )


@builtin(
    "shapes",
    help="10,000 procedural coloured shapes, 32x32, labelled shape/colour/size/position",
    kind="image",
)
def load_shapes(request: Request) -> Dataset:
    from gancli.data.builtins import drawn_set

    size = request.image_size or DEFAULT_SIZE
    data = drawn_set(
        request,
        lambda: make_shapes(COUNT, size, request.seed),
        size,
        n=COUNT,
        seed=request.seed,
        supersample=SUPERSAMPLE,
    )
    attrs = {k: v.numpy() for k, v in data.attributes.items()}
    names, seed = data.attribute_names, request.seed
    data.caption_maker = lambda: captions.shape_captions(attrs, names, seed)
    return data
