"""`load_data`: one entry point from a --data string to a Dataset."""

from __future__ import annotations

import numbers
import os
from pathlib import Path

from gancli.data.dataset import Dataset
from gancli.data.parallel import Progress
from gancli.data.registry import (
    DEFAULT_SOURCE,
    SOURCES,
    Request,
    paired_builtins,
    resolve_source,
    unpaired_builtins,
)
from gancli.errors import GanError

MIN_SIZE, MAX_SIZE = 4, 2048


def _check_options(image_size: int | None, channels: int | None) -> tuple[int | None, int | None]:
    """Validate and normalise to plain ints (numpy integers would not hash into the key)."""
    if image_size is not None:
        if isinstance(image_size, bool) or not isinstance(image_size, numbers.Integral):
            raise GanError(f"image size {image_size!r} is not a whole number of pixels")
        if not MIN_SIZE <= int(image_size) <= MAX_SIZE:
            raise GanError(
                f"image size {image_size} is out of range: give a whole number from "
                f"{MIN_SIZE} to {MAX_SIZE}"
            )
        image_size = int(image_size)
    if channels is not None:
        if isinstance(channels, bool) or channels not in (1, 3):
            raise GanError(
                f"channels {channels!r} is not supported: give 1 (grey) or 3 (colour), "
                f"or leave it out"
            )
        channels = int(channels)
    return image_size, channels


def load_data(
    source: str | os.PathLike | None = None,
    *,
    image_size: int | None = None,
    channels: int | None = None,
    cache_dir: str | os.PathLike | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    paired: bool = False,
    unpaired: bool = False,
) -> Dataset:
    """Resolve `source` (a folder, or a built-in name; None means DEFAULT_SOURCE) and load it.

    A built-in name is looked up in `gancli.data.registry.SOURCES`, whose entry carries its
    loader. Image sources are decoded once into the cache and come back memory-mapped;
    `image_size` (square side) and `channels` (1, 3, or None for the source's own) change the
    cache key. For the 2-D toys (`ring8`, `grid25`) `image_size` and `channels` are ignored.
    `seed` only affects the generated sets (shapes, toys); pass a fixed data seed, not the
    training seed, if runs with different seeds should see the same data. `progress(done, total)` is called
    while a cache entry is being built (only then). `paired` reads a folder as image pairs
    (`gancli.data.pairs`) and refuses a built-in set that holds none. `unpaired` reads a folder
    with trainA/ and trainB/ (or A/ and B/) as two unpaired domains (`gancli.data.unpaired`),
    another folder as pairs, and refuses a built-in set of single images.
    """
    text = DEFAULT_SOURCE if source is None else os.fspath(source)
    image_size, channels = _check_options(image_size, channels)
    kind, target = resolve_source(text)
    if kind == "folder":
        assert isinstance(target, Path)
        if unpaired:
            from gancli.data.unpaired import domain_folders, load_unpaired_folder

            if domain_folders(target) is not None:
                return load_unpaired_folder(
                    target,
                    image_size=image_size,
                    channels=channels,
                    cache_dir=cache_dir,
                    progress=progress,
                )
        if paired or unpaired:
            from gancli.data.pairs import load_pair_folder as read_folder
        else:
            from gancli.data.folder import load_folder as read_folder

        return read_folder(
            target,
            image_size=image_size,
            channels=channels,
            cache_dir=cache_dir,
            source=text,
            progress=progress,
        )
    name = str(target)
    load = SOURCES.load(name).load
    assert load is not None
    data = load(
        Request(
            name=name,
            source=text,
            image_size=image_size,
            channels=channels,
            cache_dir=cache_dir,
            seed=seed,
            progress=progress,
        )
    )
    if unpaired and data.pair_names is None:
        raise GanError(
            f"'{name}' holds {'2-D points' if data.kind == 'points' else 'single images'}, "
            f"not two domains: give --data-a A --data-b B (folders or built-in image sets), a "
            f"folder with trainA/ and trainB/, or an unpaired built-in "
            f"({', '.join(unpaired_builtins())})"
        )
    if paired and data.pair_names is None:
        raise GanError(
            f"'{name}' holds {'2-D points' if data.kind == 'points' else 'single images'}, "
            f"not pairs: give a folder of pairs (A/ and B/ with "
            f"matching names, or side-by-side A|B images) or a paired built-in "
            f"({', '.join(paired_builtins())})"
        )
    return data
