"""Decode once, keep forever: the on-disk cache every image source goes through.

A cache entry is a folder `data/<name>-<key>/` holding `x.npy` (uint8 N,C,H,W), `labels.npy`
(if any), `attributes.npz` (if any) and `meta.json`. The key hashes everything that decides
the pixels, so a stale entry is never read: it simply stops being found. Entries are built in
a temporary folder and renamed into place, so a crash or a concurrent build never leaves a
half-written entry under a final name.

A source small enough to hold in memory hands over its arrays (`build`); an image folder, which
may be larger than memory, writes `x.npy` itself, image by image, through an `ImageFile`
(`build_into`), so that building its entry takes bounded memory whatever its size.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import struct
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gancli.errors import GanError

CACHE_FORMAT = 1  # bump when the stored layout or the decoding changes
_STALE_S = 24 * 3600  # temp folders older than this belong to builds that died
X_FILE = "x.npy"


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
    build: Callable[[], ImageArrays] | None = None,
    *,
    build_into: Callable[[Path], ImageArrays] | None = None,
    cache_dir: str | os.PathLike | None = None,
    source: str = "",
) -> ImageArrays:
    """The entry for `material`, building it first if it is missing or broken.

    Give exactly one builder: `build()` returns the arrays in memory; `build_into(folder)`
    writes the images as `folder/x.npy` itself (see `ImageFile`) and returns the other arrays
    with `x` opened from that file (read for its shape only).
    """
    if (build is None) == (build_into is None):
        raise TypeError("cached_images needs exactly one of build and build_into")
    final = entry_dir(name, material, cache_dir)
    if final.is_dir():
        try:
            return read_entry(final)
        except Exception:  # any damage (deleted file, truncation): rebuild it
            _discard(final)
    if build is not None:
        arrays = build()
        _write_entry(final, arrays, name=name, source=source)
    else:
        assert build_into is not None
        _build_entry(final, build_into, name=name, source=source)
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
    x = np.load(path / X_FILE, mmap_mode="c", allow_pickle=False)
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
    """Store arrays held in memory as the entry `final`."""
    _build_entry(final, lambda tmp: a, name=name, source=source)


def _build_entry(
    final: Path, fill: Callable[[Path], ImageArrays], *, name: str, source: str
) -> None:
    """Build the entry `final` in a temporary folder and rename it into place. `fill(tmp)`
    returns the arrays; it may have written tmp/x.npy itself (then `x` is only read for its
    shape), otherwise `x` is saved here."""
    root = final.parent
    try:
        root.mkdir(parents=True, exist_ok=True)
        _clean_stale(root)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{final.name}-", dir=root))
    except OSError as e:
        raise _cache_error(root, e) from e
    try:
        a = fill(tmp)
        if not (tmp / X_FILE).exists():
            np.save(tmp / X_FILE, np.ascontiguousarray(a.x), allow_pickle=False)
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
        del a  # a memory map of tmp/x.npy (build_into) is closed before the rename
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


class ImageFile:
    """uint8 images (N, C, H, W) written one by one into a .npy file, N known only as an
    upper bound (`capacity`) and C possibly reduced at the end, in bounded memory.

    The file is created at full size (its disk space reserved up front, so a full disk is an
    OSError here rather than a crash while writing through a memory map), then filled front
    to back through a memory-mapped window of `chunk` images; each full window is unmapped,
    so at most one window of pages belongs to this process whatever N is.
    `finish` writes the final header: the images appended so far, with their first
    `channels` channels, compacted in place in a second streaming pass when that changes the
    layout, and the file truncated to its final size. Readers then open it with `np.load`.
    """

    def __init__(self, path: Path, capacity: int, shape: tuple[int, int, int], chunk: int) -> None:
        self.path, self.capacity = Path(path), int(capacity)
        self.shape = tuple(int(s) for s in shape)
        self.chunk = max(1, int(chunk))
        self.count = 0
        mm = np.lib.format.open_memmap(
            self.path, mode="w+", dtype=np.uint8, shape=(self.capacity, *self.shape), version=(1, 0)
        )
        self.header = int(mm.offset)
        del mm  # nothing written yet: no page of the data was touched
        _reserve(self.path, self.header + self.capacity * _size(self.shape))
        self._window: np.memmap | None = None
        self._window_start = 0

    def _map(self, start: int, count: int, shape: tuple[int, ...], mode: str) -> np.memmap:
        """Images [start, start + count) of the file laid out as `shape` per image."""
        offset = self.header + start * _size(shape)
        return np.memmap(self.path, np.uint8, mode, offset=offset, shape=(count, *shape))

    def append(self, image: np.ndarray) -> None:
        """Write the next image; a (1, H, W) image fills every channel of a (3, H, W) slot."""
        if self.count >= self.capacity:
            raise IndexError(f"{self.path.name} is full ({self.capacity} images)")
        k = self.count - self._window_start
        if self._window is None or k >= len(self._window):
            self._release()
            m = min(self.chunk, self.capacity - self.count)
            self._window = self._map(self.count, m, self.shape, "r+")
            self._window_start, k = self.count, 0
        self._window[k] = image
        self.count += 1

    def _release(self) -> None:
        # Unmapped: its pages leave this process; the OS writes them back in the background
        # (the page cache keeps them coherent for every later reader of the file).
        self._window = None

    def finish(self, channels: int | None = None) -> tuple[int, ...]:
        """Close the file as the `count` images appended so far with their first `channels`
        channels (all by default); returns the final shape."""
        self._release()
        c = channels or self.shape[0]
        if not 1 <= c <= self.shape[0]:
            raise ValueError(f"cannot keep {c} of {self.shape[0]} channels")
        shape = (c, *self.shape[1:])
        if c != self.shape[0]:
            # In place, front to back: image i's new bytes end before image i+1's old bytes
            # begin, so a chunk is read whole before anything it still needs is overwritten.
            for i in range(0, self.count, self.chunk):
                m = min(self.chunk, self.count - i)
                src = self._map(i, m, self.shape, "r")
                part = np.array(src[:, :c])
                del src
                dst = self._map(i, m, shape, "r+")
                dst[:] = part
                del dst
        final = (self.count, *shape)
        _write_npy_header(self.path, self.header, final)
        os.truncate(self.path, self.header + self.count * _size(shape))
        return final


def _size(shape: tuple[int, ...]) -> int:
    n = 1
    for s in shape:
        n *= int(s)
    return n


def _write_npy_header(path: Path, length: int, shape: tuple[int, ...]) -> None:
    """Overwrite the header of a uint8 .npy (format 1.0) of `length` bytes with `shape`,
    padded with spaces to the same length so that the data does not move."""
    text = repr({"descr": "|u1", "fortran_order": False, "shape": tuple(int(s) for s in shape)})
    body = length - 10  # magic (6), version (2), header length (2)
    if len(text) + 1 > body:
        raise ValueError(f"the .npy header of {path} has no room for shape {shape}")
    header = np.lib.format.magic(1, 0) + struct.pack("<H", body)
    with open(path, "r+b") as f:
        f.write(header + (text.ljust(body - 1) + "\n").encode("latin1"))


def _reserve(path: Path, size: int) -> None:
    """Allocate the file's blocks now where the OS can (a full disk raises ENOSPC here)."""
    if not hasattr(os, "posix_fallocate"):
        return
    fd = os.open(path, os.O_RDWR)
    try:
        os.posix_fallocate(fd, 0, size)
    except OSError as e:
        if e.errno not in (errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
            raise
    finally:
        os.close(fd)


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
