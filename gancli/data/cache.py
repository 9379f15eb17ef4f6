"""Decode once, keep forever: the on-disk cache every image source goes through.

A cache entry is a folder `data/<name>-<key>/` holding `x.npy` (uint8 N,C,H,W), `labels.npy`
(if any), `attributes.npz` (if any) and `meta.json`. The key hashes everything that decides
the pixels, so a stale entry is never read: it simply stops being found. Entries are built in
a temporary folder and renamed into place, so a crash or a concurrent build never leaves a
half-written entry under a final name.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gancli.errors import GanError

CACHE_FORMAT = 1  # bump when the stored layout or the decoding changes
_STALE_S = 24 * 3600  # temp folders older than this belong to builds that died


@dataclass
class ImageArrays:
    """What a builder produces and the cache returns (x memory-mapped on the way out)."""

    x: np.ndarray
    labels: np.ndarray | None = None
    class_names: list[str] = field(default_factory=list)
    attributes: dict[str, np.ndarray] = field(default_factory=dict)
    attribute_names: dict[str, list[str]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def cache_root(cache_dir: str | os.PathLike | None = None) -> Path:
    """`cache_dir`, else $GANCLI_CACHE, else the platform's user cache folder; plus `data/`."""
    if cache_dir is not None:
        base = Path(cache_dir).expanduser()
    elif os.environ.get("GANCLI_CACHE"):
        base = Path(os.environ["GANCLI_CACHE"]).expanduser()
    else:
        import platformdirs

        base = Path(platformdirs.user_cache_dir("gancli"))
    return base / "data"


def cache_key(material: dict) -> str:
    """sha256 over the format version and everything that decides the stored pixels."""
    blob = json.dumps({"format": CACHE_FORMAT, **material}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def entry_dir(name: str, material: dict, cache_dir: str | os.PathLike | None = None) -> Path:
    """Where the entry for `material` lives; the readable name prefix is only for people."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._")[:40] or "data"
    return cache_root(cache_dir) / f"{slug}-{cache_key(material)[:32]}"


def cached_images(
    name: str,
    material: dict,
    build: Callable[[], ImageArrays],
    *,
    cache_dir: str | os.PathLike | None = None,
    source: str = "",
) -> ImageArrays:
    """The entry for `material`, building it with `build()` first if it is missing or broken."""
    final = entry_dir(name, material, cache_dir)
    if final.is_dir():
        try:
            return read_entry(final)
        except Exception:  # any damage (deleted file, truncation): rebuild it
            _discard(final)
    arrays = build()
    _write_entry(final, arrays, name=name, source=source)
    try:
        return read_entry(final)
    except Exception as e:  # only if the damaged entry could not be moved away
        raise GanError(
            f"the data cache entry {final} is damaged ({e}): delete that folder and run again"
        ) from e


def read_entry(path: Path) -> ImageArrays:
    """Open an entry; x is memory-mapped copy-on-write (see below), the small arrays are read."""
    meta = json.loads((path / "meta.json").read_text())
    if meta.get("format") != CACHE_FORMAT:
        raise ValueError(f"cache format {meta.get('format')} != {CACHE_FORMAT}")
    # mmap_mode="c" rather than "r": pages are shared with the OS page cache exactly as with
    # "r", but the array is writable (privately, never back to the file). A read-only map
    # would make torch warn on from_numpy, and an accidental in-place op on the tensor would
    # crash the process with SIGSEGV instead of just changing this process's copy.
    x = np.load(path / "x.npy", mmap_mode="c", allow_pickle=False)
    if x.dtype != np.uint8 or x.ndim != 4 or x.shape[0] != meta["count"]:
        raise ValueError(f"x.npy has {x.dtype} {x.shape}, meta says {meta['count']} uint8 images")
    labels = None
    if (path / "labels.npy").exists():
        labels = np.load(path / "labels.npy", allow_pickle=False).astype(np.int64)
    attributes: dict[str, np.ndarray] = {}
    if (path / "attributes.npz").exists():
        with np.load(path / "attributes.npz", allow_pickle=False) as z:
            attributes = {k: z[k].astype(np.int64) for k in z.files}
    return ImageArrays(
        x=x,
        labels=labels,
        class_names=list(meta.get("class_names", [])),
        attributes=attributes,
        attribute_names={k: list(v) for k, v in meta.get("attribute_names", {}).items()},
        skipped=list(meta.get("skipped", [])),
        files=list(meta.get("files", [])),
    )


def _write_entry(final: Path, a: ImageArrays, *, name: str, source: str) -> None:
    root = final.parent
    try:
        root.mkdir(parents=True, exist_ok=True)
        _clean_stale(root)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{final.name}-", dir=root))
    except OSError as e:
        raise _cache_error(root, e) from e
    try:
        np.save(tmp / "x.npy", np.ascontiguousarray(a.x), allow_pickle=False)
        if a.labels is not None:
            np.save(tmp / "labels.npy", a.labels.astype(np.int64), allow_pickle=False)
        if a.attributes:
            np.savez(
                tmp / "attributes.npz", **{k: v.astype(np.int64) for k, v in a.attributes.items()}
            )
        meta = {
            "format": CACHE_FORMAT,
            "name": name,
            "source": source,
            "count": int(a.x.shape[0]),
            "shape": [int(s) for s in a.x.shape[1:]],
            "class_names": a.class_names,
            "class_counts": np.bincount(a.labels, minlength=len(a.class_names)).tolist()
            if a.labels is not None
            else [],
            "attribute_names": a.attribute_names,
            "skipped": a.skipped,
            "files": a.files,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
        try:
            os.replace(tmp, final)
        except OSError:
            if not final.is_dir():
                raise
            shutil.rmtree(tmp, ignore_errors=True)  # a concurrent build won; same content
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise _cache_error(root, e) from e
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _cache_error(root: Path, e: OSError) -> GanError:
    return GanError(
        f"could not write the data cache in {root} ({e.strerror or e}): free some space, or point "
        f"GANCLI_CACHE at a writable folder"
    )


def _discard(path: Path) -> None:
    """Move a broken entry out of the way first, so no reader sees it half deleted."""
    aside = path.with_name(f".old-{path.name}-{os.getpid()}-{time.monotonic_ns()}")
    try:
        os.replace(path, aside)
    except OSError:
        return
    shutil.rmtree(aside, ignore_errors=True)


def _clean_stale(root: Path) -> None:
    """Remove temp folders left by builds that were killed (best effort)."""
    now = time.time()
    for p in root.iterdir():
        if p.name.startswith((".tmp-", ".old-")):
            try:
                if now - p.stat().st_mtime > _STALE_S:
                    shutil.rmtree(p, ignore_errors=True)
            except OSError:
                pass
