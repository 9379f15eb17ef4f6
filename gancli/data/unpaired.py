"""Unpaired images (CycleGAN's data): two domains A and B -> the one stored pair form.

CycleGAN (Zhu et al. 2017) learns from a set of A images and a set of B images with no
correspondence between them. Here the two sets ride the same form as pix2pix's pairs: item i
is an A image stacked on the channel axis with a B image (2C channels, A's first), so the
memory-mapped cache, device batches, the data order saved for --resume and the DDP shards all
work unchanged. The B image of item i is drawn independently of A: each domain is walked in
its own seeded random order, the smaller one repeated (a fresh order each time round) until
both have `max(len(A), len(B))` items, so every image of both domains is used. The pairing is
fixed once the set is built; the released code draws B's index at random for every A instead,
which a CycleGAN's losses cannot tell apart (no term looks at A and B together).

The Dataset says it is unaligned (`aligned` is false in its spec), so a paired-only model
(pix2pix) refuses it, and its `pair_names` name the two domains.

Sources: `load_unpaired(A, B)` for two folders or built-in image sets (`gan train cyclegan
--data-a A/ --data-b B/`), or one folder in the released sets' layout (`trainA/` and `trainB/`,
or `A/` and `B/`) through `load_unpaired_folder`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from gancli.data.cache import ImageArrays
from gancli.errors import GanError

if TYPE_CHECKING:
    from gancli.data.dataset import Dataset
    from gancli.data.parallel import Progress

ORDER_SEED = 20170330  # the seed of the two domains' orders (the paper's arXiv date)
SUBFOLDERS = (("trainA", "trainB"), ("A", "B"))


def interleave_orders(n_a: int, n_b: int, seed: int = ORDER_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Indices (ia, ib), each of length max(n_a, n_b): each domain in its own random order,
    repeated with a new order until it is long enough."""
    if n_a < 1 or n_b < 1:
        raise GanError(f"an unpaired set needs images in both domains; got {n_a} and {n_b}")
    n = max(n_a, n_b)
    rng = np.random.default_rng(seed)

    def walk(k: int) -> np.ndarray:
        rounds = [rng.permutation(k) for _ in range(-(-n // k))]
        return np.concatenate(rounds)[:n]

    return walk(n_a), walk(n_b)


def stack_unpaired(a: np.ndarray, b: np.ndarray, seed: int = ORDER_SEED) -> np.ndarray:
    """uint8 (Na, C, H, W) and (Nb, C, H, W) -> (max(Na, Nb), 2C, H, W): A's channels, then an
    independently ordered B image's."""
    if a.shape[1:] != b.shape[1:]:
        raise GanError(
            f"the two domains differ in shape: {tuple(a.shape[1:])} and {tuple(b.shape[1:])} "
            "(give --image-size and --channels to bring them to one)"
        )
    ia, ib = interleave_orders(len(a), len(b), seed)
    return np.ascontiguousarray(np.concatenate([a[ia], b[ib]], axis=1))


def unpaired_dataset(
    name: str, a: np.ndarray, b: np.ndarray, names: tuple[str, str], source: str
) -> Dataset:
    """Two domains' uint8 images as one unaligned pair Dataset named `name`."""
    from gancli.data.dataset import image_dataset

    ds = image_dataset(name, ImageArrays(x=stack_unpaired(a, b)), source)
    ds.pair_names = (str(names[0]), str(names[1]))
    ds.aligned = False
    return ds


def _domain(
    source: str,
    which: str,
    image_size: int | None,
    channels: int | None,
    cache_dir: str | os.PathLike | None,
    progress: Progress | None,
) -> Dataset:
    from gancli.data.load import load_data

    data = load_data(
        source, image_size=image_size, channels=channels, cache_dir=cache_dir, progress=progress
    )
    if data.kind != "image" or data.pair_names is not None:
        what = "2-D points" if data.kind == "points" else "image pairs"
        raise GanError(
            f"--data-{which} {source}: holds {what}; each domain of an unpaired set is a folder "
            "of images or a built-in image set"
        )
    return data


def load_unpaired(
    source_a: str,
    source_b: str,
    *,
    image_size: int | None = None,
    channels: int | None = None,
    cache_dir: str | os.PathLike | None = None,
    progress: Progress | None = None,
) -> Dataset:
    """Two image sources (folders or built-in image sets) as the domains A and B. Both are
    brought to one size (A's, unless `image_size` is given) and one channel count (colour if
    either is)."""
    a = _domain(source_a, "a", image_size, channels, cache_dir, progress)
    size = image_size or int(a.x.shape[-1])
    c = channels or (3 if a.x.shape[1] == 3 else None)
    b = _domain(source_b, "b", size, c, cache_dir, progress)
    if c is None and b.x.shape[1] == 3:  # A grey, B colour: both in colour
        a = _domain(source_a, "a", size, 3, cache_dir, progress)
    names = (Path(str(source_a)).name or "A", Path(str(source_b)).name or "B")
    return unpaired_dataset(
        f"{names[0]}2{names[1]}",
        np.asarray(a.x.numpy()),
        np.asarray(b.x.numpy()),
        (a.name, b.name),
        f"{source_a}+{source_b}",
    )


def domain_folders(root: Path) -> tuple[Path, Path] | None:
    """The two domain folders of a CycleGAN-layout folder (trainA/ trainB/, or A/ B/)."""
    if not root.is_dir():
        return None
    subs = {p.name.lower(): p for p in root.iterdir() if p.is_dir()}
    for a, b in SUBFOLDERS:
        if a.lower() in subs and b.lower() in subs:
            return subs[a.lower()], subs[b.lower()]
    return None


def load_unpaired_folder(
    root: Path,
    *,
    image_size: int | None = None,
    channels: int | None = None,
    cache_dir: str | os.PathLike | None = None,
    progress: Progress | None = None,
    names: tuple[str, str] | None = None,
    name: str | None = None,
) -> Dataset:
    """A folder holding trainA/ and trainB/ (the released CycleGAN sets) or A/ and B/."""
    found = domain_folders(root)
    if found is None:
        raise GanError(
            f"'{root}' is not an unpaired set: give a folder with sub-folders trainA/ and "
            "trainB/ (or A/ and B/), or two sources with --data-a and --data-b"
        )
    ds = load_unpaired(
        str(found[0]),
        str(found[1]),
        image_size=image_size,
        channels=channels,
        cache_dir=cache_dir,
        progress=progress,
    )
    ds.name = name or root.name
    if names is not None:
        ds.pair_names = names
    return ds
