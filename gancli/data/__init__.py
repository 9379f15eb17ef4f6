"""Data sources -> one cached tensor form.

An image folder, a built-in set (mnist5k, mnist, fashion-mnist, cifar10, shapes) or a 2-D toy
(ring8, grid25) becomes a `Dataset`: images as uint8 (N, C, H, W) memory-mapped from a disk
cache, points as float32 (N, 2).

`builtin_names` and `DEFAULT_SOURCE` import no torch, so help texts can use them; the rest is
imported on first use for the same reason (`gan --help` must stay instant).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gancli.data.registry import DEFAULT_SOURCE, builtin_names

if TYPE_CHECKING:
    from gancli.data.dataset import Dataset, to_float, to_uint8
    from gancli.data.load import load_data

__all__ = ["DEFAULT_SOURCE", "Dataset", "builtin_names", "load_data", "to_float", "to_uint8"]

_LAZY = {
    "Dataset": "gancli.data.dataset",
    "to_float": "gancli.data.dataset",
    "to_uint8": "gancli.data.dataset",
    "load_data": "gancli.data.load",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
