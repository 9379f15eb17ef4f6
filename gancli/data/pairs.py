"""Paired images (pix2pix's data): a folder of pairs -> one cached uint8 tensor.

Two layouts, as the papers' tools use them:

- two folders with matching file names, `pairs/A/x.png` and `pairs/B/x.png` (the extensions
  may differ; files without a partner are listed as skipped);
- side-by-side images, A on the left and B on the right in one file (the layout of the
  released pix2pix sets: facades, maps, edges2shoes); a `train/` sub-folder is used when there
  is one, as in those archives.

Each half is made square and resized as any image folder is (`imageops.resize_square`), and the
pair is stored as one image of 2C channels, A's C channels then B's, so every later step (the
memory-mapped cache, device batches, flips and crops) moves both halves together. Which half
is the input is the model's choice (pix2pix `--direction`), not the data's.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image

from gancli.data.cache import ImageArrays, cached_images
from gancli.data.dataset import Dataset, image_dataset
from gancli.data.folder import EXTENSIONS, natural_size, scan_folder
from gancli.data.imageops import normalise_mode, resize_square, to_array, to_channels
from gancli.data.parallel import Progress, thread_map
from gancli.errors import GanError

PAIR_NAMES = ("A", "B")


def split_pair(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """uint8 (N, 2C, H, W) pairs -> (A, B), each (N, C, H, W)."""
    c = x.shape[1] // 2
    return x[:, :c], x[:, c:]


def join_pair(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, C, H, W) A and B images -> the stored pair form (N, 2C, H, W)."""
    if a.shape != b.shape:
        raise ValueError(f"the halves of a pair differ in shape: {a.shape} and {b.shape}")
    return np.ascontiguousarray(np.concatenate([a, b], axis=1))


def _image(img: Image.Image, size: int, channels: int) -> np.ndarray:
    img, _ = normalise_mode(img)
    return to_array(resize_square(to_channels(img, channels), size))


def halves(img: Image.Image, name: str = "") -> tuple[Image.Image, Image.Image]:
    """A side-by-side pair A|B -> (A, B); an odd width has no middle and is refused."""
    w, h = img.size
    if w % 2:
        raise GanError(
            f"{name or 'the image'} is {w}x{h}: a side-by-side pair (A|B) has an even width, "
            "the two halves side by side"
        )
    return img.crop((0, 0, w // 2, h)), img.crop((w // 2, 0, w, h))


def _layout(root: Path) -> tuple[str, Path, list[tuple[str, str]]]:
    """("folders", root, [(A file, B file)]) or ("side-by-side", folder, [(file, file)])."""
    subs = {p.name.lower(): p for p in root.iterdir() if p.is_dir()} if root.is_dir() else {}
    if "a" in subs and "b" in subs:
        a = {os.path.splitext(c.rel)[0]: c.rel for c in scan_folder(subs["a"])}
        b = {os.path.splitext(c.rel)[0]: c.rel for c in scan_folder(subs["b"])}
        common = sorted(set(a) & set(b))
        if not common:
            raise GanError(
                f"no pairs in '{root}': no file name in {subs['a'].name}/ has a partner of the "
                f"same name in {subs['b'].name}/ ({len(a)} and {len(b)} images)"
            )
        pairs = [(f"{subs['a'].name}/{a[k]}", f"{subs['b'].name}/{b[k]}") for k in common]
        return "folders", root, pairs
    folder = subs.get("train", root)
    rels = [c.rel for c in scan_folder(folder)]
    if not rels:
        exts = "/".join(sorted(e[1:] for e in EXTENSIONS))
        raise GanError(
            f"no pairs in '{root}': give a folder with sub-folders A/ and B/ of matching file "
            f"names, or a folder of side-by-side A|B images ({exts})"
        )
    return "side-by-side", folder, [(r, r) for r in rels]


def _decode_pair(
    folder: Path, layout: str, size: int, channels: int, pair: tuple[str, str]
) -> np.ndarray | str:
    try:
        if layout == "side-by-side":
            with Image.open(folder / pair[0]) as img:
                img.load()
                a, b = halves(img, pair[0])
        else:
            with Image.open(folder / pair[0]) as ia, Image.open(folder / pair[1]) as ib:
                ia.load()
                ib.load()
                a, b = ia.copy(), ib.copy()
        return np.concatenate([_image(a, size, channels), _image(b, size, channels)])
    except GanError as e:
        return str(e)
    except Exception as e:  # an unreadable file is skipped, never fatal
        return f"{type(e).__name__}: {' '.join(str(e).split())}"


def decode_pairs(
    folder: Path,
    layout: str,
    pairs: list[tuple[str, str]],
    size: int,
    channels: int,
    progress: Progress | None = None,
) -> ImageArrays:
    """Every pair decoded on all cores into (N, 2C, size, size); unreadable pairs skipped."""
    from functools import partial

    fn = partial(_decode_pair, folder, layout, size, channels)
    kept, out, reasons = [], [], {}
    for pair, res in zip(pairs, thread_map(fn, pairs, len(pairs), progress)):
        if isinstance(res, str):
            reasons[pair[0]] = res
        else:
            kept.append(pair[0])
            out.append(res)
    if not out:
        name, why = next(iter(reasons.items()))
        raise GanError(f"no readable pair in '{folder}': all {len(pairs)} failed ({name}: {why})")
    return ImageArrays(x=np.stack(out), skipped=sorted(reasons), files=kept)


def load_pair_folder(
    root: Path,
    *,
    image_size: int | None,
    channels: int | None,
    cache_dir: str | os.PathLike | None,
    source: str,
    progress: Progress | None = None,
    names: tuple[str, str] = PAIR_NAMES,
    name: str | None = None,
) -> Dataset:
    """A folder of pairs (either layout) as a paired Dataset, served from the cache while the
    folder's listing is unchanged. Both halves get `channels` (3 unless told); `names` say what
    A and B are."""
    root = root.expanduser().resolve()
    layout, folder, pairs = _layout(root)
    first = [p[0] for p in pairs]
    size = image_size or natural_size(folder, first)
    c = channels or 3
    listing = scan_folder(folder)
    material = {
        "kind": "pairs",
        "layout": layout,
        "options": {"image_size": size, "channels": c},
        "identity": [[x.rel, x.size, x.mtime_ns] for x in listing],
    }
    arrays = cached_images(
        f"{root.name}-pairs",
        material,
        lambda: decode_pairs(folder, layout, pairs, size, c, progress),
        cache_dir=cache_dir,
        source=source,
    )
    if arrays.x.shape[1] != 2 * c:  # cannot happen unless the entry was edited
        raise GanError(f"the cache entry for '{root}' does not hold pairs; delete it and rerun")
    return paired_dataset(name or root.name or "pairs", arrays, source, names)


def paired_dataset(
    name: str, arrays: ImageArrays, source: str, names: tuple[str, str] = PAIR_NAMES
) -> Dataset:
    """Cached (N, 2C, H, W) pairs as a Dataset whose spec says what A and B are."""
    ds = image_dataset(name, arrays, source)
    ds.pair_names = (str(names[0]), str(names[1]))
    return ds
