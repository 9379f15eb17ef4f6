"""synthfaces-edges: outline -> face pairs, the analogue of pix2pix's edges2shoes, drawn by the
project so that it needs no download.

B is a synthfaces face (`synthfaces.render_face`), A its edge map: the Sobel gradient magnitude
of the face's luma, thresholded to black lines on white (edges2shoes's A is HED edges, a learned
detector; a thresholded gradient is the cheap stand-in). The face is rendered at twice the size
(at most synthfaces' largest), the edges found there and both halves box-averaged down, so the
lines are thin and anti-aliased. Like edges2shoes, A leaves the colours open (skin, hair,
background): an L1-only translator averages them, a cGAN must choose.

Two names: `synthfaces-edges` (10,000 training pairs, faces of seed 0) and
`synthfaces-edges-test` (1,000 held-out pairs, the faces of another seed) for evaluation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gancli.data.cache import ImageArrays
from gancli.data.imageops import set_channels
from gancli.data.registry import Request, builtin

if TYPE_CHECKING:
    from gancli.data.dataset import Dataset

COUNTS = {"synthfaces-edges": 10_000, "synthfaces-edges-test": 1_000}
SEEDS = {"synthfaces-edges": 0, "synthfaces-edges-test": 1_000_003}  # disjoint draws
DEFAULT_SIZE = 64
THRESHOLD = 0.12  # of the luma's range per pixel: where the Sobel magnitude counts as a line
VERSION = 1  # bump when the drawing changes
NAMES = ("edges", "faces")


def sobel_edges(luma: np.ndarray, threshold: float = THRESHOLD) -> np.ndarray:
    """float (H, W) in [0, 1] -> bool (H, W): where the Sobel gradient magnitude (normalised
    by the kernel's weight of 4 per direction) exceeds `threshold`. Edge-replicated borders."""
    p = np.pad(luma, 1, mode="edge")
    gx = (p[:-2, 2:] + 2 * p[1:-1, 2:] + p[2:, 2:]) - (p[:-2, :-2] + 2 * p[1:-1, :-2] + p[2:, :-2])
    gy = (p[2:, :-2] + 2 * p[2:, 1:-1] + p[2:, 2:]) - (p[:-2, :-2] + 2 * p[:-2, 1:-1] + p[:-2, 2:])
    return np.hypot(gx, gy) / 4.0 > threshold


def _box_down(a: np.ndarray, f: int) -> np.ndarray:
    """float (C, H, W) -> (C, H/f, W/f) by averaging f x f blocks."""
    c, h, w = a.shape
    return a.reshape(c, h // f, f, w // f, f).mean(axis=(2, 4))


def edge_pair(face: np.ndarray, factor: int) -> tuple[np.ndarray, np.ndarray]:
    """uint8 (3, S, S) face -> (edge map, face), both uint8 (3, S/factor, S/factor)."""
    f = face.astype(np.float32) / 255.0
    luma = 0.299 * f[0] + 0.587 * f[1] + 0.114 * f[2]
    lines = sobel_edges(luma).astype(np.float32)[None]
    edges = 1.0 - _box_down(lines, factor)  # black lines on white
    small = _box_down(f, factor)
    to8 = lambda a: np.clip(np.rint(a * 255.0), 0, 255).astype(np.uint8)  # noqa: E731
    return np.repeat(to8(edges), 3, axis=0), to8(small)


def make_face_edges(n: int, size: int, seed: int, progress=None) -> ImageArrays:
    """`n` (edges | face) pairs of `size` x `size`, stored as 6 channels (see data/pairs.py)."""
    from gancli.data.parallel import thread_map
    from gancli.data.synthfaces import MAX_SIZE, face_params, render_face

    factor = 2 if 2 * size <= MAX_SIZE else 1
    x = np.empty((n, 6, size, size), dtype=np.uint8)

    def one(i: int) -> tuple[int, np.ndarray, np.ndarray]:
        return i, *edge_pair(render_face(face_params(seed, i), size * factor), factor)

    for i, a, b in thread_map(one, range(n), n, progress):
        x[i, :3], x[i, 3:] = a, b
    return ImageArrays(x=x)


def _build(name: str, size: int, channels: int | None, progress) -> ImageArrays:
    arrays = make_face_edges(COUNTS[name], size, SEEDS[name], progress)
    if channels == 1:  # each half to grey on its own
        arrays.x = np.concatenate(
            [set_channels(arrays.x[:, :3], 1), set_channels(arrays.x[:, 3:], 1)], axis=1
        )
    return arrays


@builtin(
    "synthfaces-edges",
    help="pairs, 10,000 edge maps -> synthfaces faces, 64x64 (edges2shoes-like; no download)",
    kind="pairs",
    aliases=("faces-edges", "edges2faces"),
)
@builtin(
    "synthfaces-edges-test",
    help="pairs, 1,000 held-out edge maps -> faces (other faces than synthfaces-edges)",
    kind="pairs",
    aliases=("faces-edges-test", "edges2faces-test"),
)
def load_face_edges(request: Request) -> Dataset:
    from gancli.data.pairs import paired_dataset
    from gancli.data.synthfaces import drawn_faces

    name = request.name
    ident = {"n": COUNTS[name], "seed": SEEDS[name], "version": VERSION}
    arrays = drawn_faces(request, _build, DEFAULT_SIZE, **ident)
    return paired_dataset(name, arrays, request.source, NAMES)
