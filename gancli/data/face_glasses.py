"""synthfaces-glasses: two unpaired domains of synthfaces faces, A without glasses and B with
glasses (clear or sunglasses), drawn by the project so that they need no download; CycleGAN's
analogue of horse2zebra in which the attribute to change, and every other one, is known.

The faces of one draw (`synthfaces.face_params`) are split by their glasses: about half have
none (A), the other half clear glasses or sunglasses (B), so A and B are different people, as
horses and zebras are. Each domain keeps its faces' attributes (`glasses_domains`), which the
benchmark reads to check what a translation keeps.

Two names: `synthfaces-glasses` (the faces of 10,000 draws, seed 0) and
`synthfaces-glasses-test` (1,000 draws of another seed) for evaluation; both in the unpaired
form of `data/unpaired.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gancli.data.cache import ImageArrays
from gancli.data.imageops import set_channels
from gancli.data.registry import Request, builtin

if TYPE_CHECKING:
    from gancli.data.dataset import Dataset

COUNTS = {"synthfaces-glasses": 10_000, "synthfaces-glasses-test": 1_000}
SEEDS = {"synthfaces-glasses": 0, "synthfaces-glasses-test": 2_000_003}  # disjoint draws
DEFAULT_SIZE = 64
VERSION = 1  # bump when the drawing or the split changes
NAMES = ("no-glasses", "glasses")


def _select(arrays: ImageArrays, keep: np.ndarray) -> ImageArrays:
    return ImageArrays(
        x=np.ascontiguousarray(arrays.x[keep]),
        labels=None if arrays.labels is None else np.asarray(arrays.labels)[keep],
        class_names=list(arrays.class_names),
        attributes={k: np.asarray(v)[keep] for k, v in arrays.attributes.items()},
        attribute_names={k: list(v) for k, v in arrays.attribute_names.items()},
    )


def glasses_domains(n: int, size: int, seed: int, progress=None) -> tuple[ImageArrays, ImageArrays]:
    """The faces of `n` draws split into (A: no glasses, B: glasses), each with its attributes."""
    from gancli.data.synthfaces import make_faces

    faces = make_faces(n, size, seed, progress)
    glasses = np.asarray(faces.attributes["glasses"])
    return _select(faces, glasses == 0), _select(faces, glasses != 0)


def _build(name: str, size: int, channels: int | None, progress) -> ImageArrays:
    from gancli.data.unpaired import stack_unpaired

    a, b = glasses_domains(COUNTS[name], size, SEEDS[name], progress)
    x = stack_unpaired(set_channels(a.x, channels), set_channels(b.x, channels))
    return ImageArrays(x=x)


@builtin(
    "synthfaces-glasses",
    help="unpaired, synthfaces without glasses (A) and with glasses (B), about 5,000 each, "
    "64x64 (horse2zebra-like; no download)",
    kind="unpaired",
    aliases=("faces-glasses", "glasses2faces"),
)
@builtin(
    "synthfaces-glasses-test",
    help="unpaired, about 500 held-out faces without and 500 with glasses (other faces than "
    "synthfaces-glasses)",
    kind="unpaired",
    aliases=("faces-glasses-test",),
)
def load_face_glasses(request: Request) -> Dataset:
    from gancli.data.dataset import image_dataset
    from gancli.data.synthfaces import drawn_faces

    name = request.name
    ident = {"n": COUNTS[name], "seed": SEEDS[name], "version": VERSION}
    arrays = drawn_faces(request, _build, DEFAULT_SIZE, **ident)
    ds = image_dataset(name, arrays, request.source)
    ds.pair_names, ds.aligned = NAMES, False
    return ds
