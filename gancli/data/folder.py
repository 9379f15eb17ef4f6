"""A folder of images, any nesting, any format PIL reads -> a cached uint8 tensor.

An `attributes.csv` at the top (a `file` column, then one column per attribute, as
`gan data export` writes it) gives every image its attributes.

The folder is listed (names, sizes, mtimes) on every load because that listing is the cache
key; the pixels are decoded only when the listing changed. Decoding streams the images into the
cache entry's file (see `ImageFile`), so a folder larger than memory builds in bounded memory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from gancli.data.cache import X_FILE, ImageArrays, ImageFile, cached_images
from gancli.data.dataset import Dataset, image_dataset
from gancli.data.export import ATTRIBUTES_FILE, read_attributes
from gancli.data.imageops import load_square
from gancli.data.parallel import Progress, thread_map
from gancli.errors import GanError

EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif"})
DEFAULT_SIZE = 64  # DCGAN's resolution: the largest size a folder gets without --image-size
DEFAULT_SIZES = (16, 32, 64)  # what a folder's own size is rounded to (every net family takes them)
# Decoded images are written through a memory-mapped window of about this many bytes.
CHUNK_BYTES = 64 * 2**20


@dataclass(frozen=True)
class Candidate:
    """A file that looks like an image: its path relative to the root, size and mtime."""

    rel: str
    size: int
    mtime_ns: int


def scan_folder(root: Path) -> list[Candidate]:
    """Every non-hidden file with an image extension under `root`, sorted by relative path.

    Symlinked folders are followed (datasets are often assembled from links), but each real
    folder is visited once so a link loop cannot recurse forever.
    """
    found: list[Candidate] = []
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        st = os.stat(dirpath)
        if (st.st_dev, st.st_ino) in seen:
            dirnames[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for f in filenames:
            if f.startswith(".") or os.path.splitext(f)[1].lower() not in EXTENSIONS:
                continue
            full = os.path.join(dirpath, f)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            try:
                fst = os.stat(full)
                found.append(Candidate(rel, fst.st_size, fst.st_mtime_ns))
            except OSError:  # a dangling link: keep it, it will be reported as skipped
                found.append(Candidate(rel, -1, 0))
    found.sort(key=lambda c: c.rel)
    return found


def natural_size(root: Path, rels: list[str], probe: int = 64) -> int:
    """The size a folder is trained at without --image-size: its images' typical shorter side
    (the median of up to `probe` of them, read from their headers) rounded to the nearest of
    DEFAULT_SIZES on a log scale, so 25x25 photos give 32 and large photos DCGAN's 64."""
    import math

    from PIL import Image

    sides = []
    step = max(1, len(rels) // probe)
    for rel in rels[::step][:probe]:
        try:
            with Image.open(root / rel) as img:
                sides.append(min(img.size))
        except Exception:  # unreadable files are reported when the folder is decoded
            continue
    if not sides:
        return DEFAULT_SIZE
    side = sorted(sides)[len(sides) // 2]
    return min(DEFAULT_SIZES, key=lambda s: (abs(math.log2(s) - math.log2(max(side, 1))), -s))


def class_layout(rels: list[str]) -> tuple[np.ndarray | None, list[str]]:
    """Labels from first-level sub-folders, when every image sits in one and there are >= 2.

    One sub-folder, or images loose at the root, mean the folders are not classes.
    """
    firsts = [r.split("/", 1)[0] if "/" in r else None for r in rels]
    if not firsts or any(f is None for f in firsts):
        return None, []
    names = sorted(set(firsts))  # type: ignore[arg-type]
    if len(names) < 2:
        return None, []
    index = {n: i for i, n in enumerate(names)}
    return np.array([index[f] for f in firsts], dtype=np.int64), names


def _decode_one(
    root: Path, size: int, channels: int | None, rel: str
) -> tuple[np.ndarray, bool] | str:
    try:
        return load_square(str(root / rel), size, channels)
    except Exception as e:  # any unreadable file is skipped, never fatal
        return f"{type(e).__name__}: {' '.join(str(e).split())}"


def decode_images(
    root: Path,
    rels: list[str],
    size: int,
    channels: int | None,
    progress: Progress | None = None,
    *,
    out: Path,
) -> ImageArrays:
    """Decode, convert and resize every file on all cores into the .npy file `out`, in
    bounded memory; unreadable files are listed and left out.

    With channels=None every image is stored with 3 channels (a grey one replicated) until
    the whole folder is known; if every readable file was grey, `finish` keeps one channel.
    """
    n = len(rels)
    c = channels or 3
    images = ImageFile(out, n, (c, size, size), chunk=CHUNK_BYTES // (c * size * size))
    kept: list[str] = []
    reasons: dict[str, str] = {}
    all_grey = True
    fn = partial(_decode_one, root, size, channels)
    for rel, res in zip(rels, thread_map(fn, rels, n, progress)):
        if isinstance(res, str):
            reasons[rel] = res
            continue
        images.append(res[0])
        kept.append(rel)
        all_grey = all_grey and res[1]
    if not kept:
        example = next(iter(reasons.items()))
        raise GanError(
            f"no readable image in '{root}': all {n} image files failed to decode "
            f"(e.g. {example[0]}: {example[1]}); check that they are real, complete images"
        )
    images.finish(channels or (1 if all_grey else 3))
    labels, class_names = class_layout(kept)
    attributes, attribute_names = read_attributes(root, kept)
    return ImageArrays(
        x=np.load(out, mmap_mode="r", allow_pickle=False),
        labels=labels,
        class_names=class_names,
        attributes=attributes,
        attribute_names=attribute_names,
        skipped=sorted(reasons),
        files=kept,
    )


def load_folder(
    root: Path,
    *,
    image_size: int | None,
    channels: int | None,
    cache_dir: str | os.PathLike | None,
    source: str,
    progress: Progress | None = None,
) -> Dataset:
    """An image folder as a Dataset named after the folder, served from the cache when the
    folder's listing is unchanged."""
    root = root.expanduser().resolve()
    candidates = scan_folder(root)
    if not candidates:
        raise GanError(
            f"no images in '{root}': it has no {'/'.join(sorted(e[1:] for e in EXTENSIONS))} files "
            f"(hidden files and folders are ignored); point --data at the folder that holds them"
        )
    size = image_size or natural_size(root, [c.rel for c in candidates])
    material = {
        "kind": "folder",
        "options": {"image_size": size, "channels": channels or "auto"},
        "identity": [[c.rel, c.size, c.mtime_ns] for c in candidates],
    }
    table = root / ATTRIBUTES_FILE
    if table.is_file():  # its labels are part of what is cached
        material["attributes"] = [table.stat().st_size, table.stat().st_mtime_ns]
    rels = [c.rel for c in candidates]
    arrays = cached_images(
        root.name,
        material,
        build_into=lambda tmp: decode_images(
            root, rels, size, channels, progress, out=tmp / X_FILE
        ),
        cache_dir=cache_dir,
        source=source,
    )
    data = image_dataset(root.name or "folder", arrays, source)
    # Captions are read on every load (a text file, quick), so editing them needs no new cache.
    from gancli.data.captions import read_folder_captions

    data.captions = read_folder_captions(root, data.files)
    return data
