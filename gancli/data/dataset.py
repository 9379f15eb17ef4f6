"""The one in-memory form every data source ends as, and the uint8 <-> float convention.

Images stay uint8 (N, C, H, W) on the CPU, usually memory-mapped from the cache, so a data set
costs a quarter of its float size and nothing is decoded twice. The nets see floats in [-1, 1];
`to_float` and `to_uint8` are the only two places that convention is written down.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from gancli.data.cache import ImageArrays


@dataclass
class Dataset:
    """A loaded data source: images (uint8 NCHW) or 2-D points (float32 N x 2)."""

    name: str
    kind: str  # "image" or "points"
    x: torch.Tensor
    labels: torch.Tensor | None = None
    class_names: list[str] = field(default_factory=list)
    attributes: dict[str, torch.Tensor] = field(default_factory=dict)
    attribute_names: dict[str, list[str]] = field(default_factory=dict)
    modes: torch.Tensor | None = None
    mode_std: float | None = None
    skipped: list[str] = field(default_factory=list)
    source: str = ""
    # Relative paths of the images, in the order of `x` (image folders only): lets a
    # memorisation check name the training file nearest to a sample.
    files: list[str] = field(default_factory=list)
    # Paired sets (pix2pix): each item of `x` is an A|B pair stored as 2C channels, A's first;
    # these name the two domains (e.g. ("edges", "faces")).
    pair_names: tuple[str, str] | None = None
    # The captions of each image (text-to-image models): one list per item of `x`, several
    # captions per image allowed (`gancli.data.captions`); empty when the set has none.
    captions: list[list[str]] = field(default_factory=list)
    # Sets that write their captions from their labels (shapes, synthfaces) make them on first
    # use (`load_captions`), a text model's run only: 50,000 captions take most of a second.
    caption_maker: Callable[[], list[list[str]]] | None = field(
        default=None, repr=False, compare=False
    )
    _text: dict | None = field(default=None, init=False, repr=False, compare=False)
    # False for unpaired domains (CycleGAN, data/unpaired.py): item i's A and B are unrelated
    aligned: bool = True

    def __len__(self) -> int:
        return int(self.x.shape[0])

    @property
    def num_classes(self) -> int:
        """How many classes the labels index (0 when the data set has no labels)."""
        return len(self.class_names)

    def spec(self) -> dict:
        """What a checkpoint must remember about its data to rebuild and use the nets.

        JSON-serialisable; the value range is what the nets see (images in [-1, 1]), not the
        stored uint8 range.
        """
        if self.kind == "image":
            shape = [int(s) for s in self.x.shape[1:]]
            if self.pair_names is not None:  # one image of the pair: what a translator makes
                shape[0] //= 2
            value_range = [-1.0, 1.0]
        else:
            shape = [int(self.x.shape[1])]
            value_range = _rounded_bounds(self.x)
        spec: dict = {
            "name": self.name,
            "kind": self.kind,
            "shape": shape,
            "value_range": value_range,
            "num_classes": self.num_classes,
            "class_names": list(self.class_names),
        }
        if self.pair_names is not None:
            spec["pair"] = {"names": list(self.pair_names), "layout": "channels"}
            if not self.aligned:
                spec["pair"]["aligned"] = False
        if self.attribute_names:
            spec["attribute_names"] = {k: list(v) for k, v in self.attribute_names.items()}
        if self.captions:
            spec["text"] = self.text_spec()
        if self.modes is not None:
            spec["modes"] = [[float(v) for v in row] for row in self.modes.tolist()]
            spec["mode_std"] = float(self.mode_std) if self.mode_std is not None else None
        return spec

    def load_captions(self) -> list[list[str]]:
        """The captions, made now if the set makes them on first use; until then `captions`
        is empty and `spec()` names no vocabulary."""
        if not self.captions and self.caption_maker is not None:
            self.captions = self.caption_maker()
            self._text = None
        return self.captions

    def text_spec(self) -> dict:
        """The words a text model reads (its vocabulary) and the captions it draws when no
        text is given (the first caption of the first images, `EXAMPLE_CAPTIONS` of them)."""
        if self._text is None:
            from gancli.data.captions import vocabulary

            examples = [caps[0] for caps in self.captions if caps][:EXAMPLE_CAPTIONS]
            self._text = {"vocabulary": vocabulary(self.captions), "examples": examples}
        return self._text


EXAMPLE_CAPTIONS = 8


def _rounded_bounds(x: torch.Tensor, step: float = 0.5) -> list[float]:
    """The points' bounding box over both axes, rounded outward to a multiple of `step`,
    so plots and generators get a stable, slightly padded range (ring8 -> [-1.5, 1.5])."""
    lo = float(x.min()) if x.numel() else -1.0
    hi = float(x.max()) if x.numel() else 1.0
    lo_r = math.floor(lo / step) * step
    hi_r = math.ceil(hi / step) * step
    # A point exactly on a multiple would sit on the edge; pad by one more step.
    if lo_r == lo:
        lo_r -= step
    if hi_r == hi:
        hi_r += step
    return [lo_r, hi_r]


def to_float(x_uint8: torch.Tensor) -> torch.Tensor:
    """uint8 pixels -> float32 in [-1, 1] (x / 127.5 - 1), on the tensor's own device."""
    # out-of-place div: `.to` returns the input itself when it is already float32
    return x_uint8.to(torch.float32).div(127.5).sub_(1.0)


def to_uint8(x_float: torch.Tensor) -> torch.Tensor:
    """Floats in [-1, 1] -> uint8, rounded and clamped; NaN becomes 0 so a diverged
    generator still yields an image rather than undefined bytes."""
    y = torch.nan_to_num(x_float.detach().to(torch.float32), nan=-1.0)
    return y.add(1.0).mul_(127.5).round_().clamp_(0, 255).to(torch.uint8)


def image_dataset(name: str, arrays: ImageArrays, source: str) -> Dataset:
    """Wrap cached numpy arrays as a Dataset without copying the pixels."""
    with warnings.catch_warnings():
        # The cache maps x copy-on-write (writable), so this never fires for it; it only
        # guards a caller passing a read-only array, which is still safe to read.
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        x = torch.from_numpy(arrays.x)
    return Dataset(
        name=name,
        kind="image",
        x=x,
        labels=None
        if arrays.labels is None
        else torch.from_numpy(np.asarray(arrays.labels, dtype=np.int64)),
        class_names=list(arrays.class_names),
        attributes={
            k: torch.from_numpy(np.asarray(v, dtype=np.int64)) for k, v in arrays.attributes.items()
        },
        attribute_names={k: list(v) for k, v in arrays.attribute_names.items()},
        skipped=list(arrays.skipped),
        source=source,
        files=list(arrays.files),
    )
