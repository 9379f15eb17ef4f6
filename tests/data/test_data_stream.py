"""Folders larger than memory: the cache file is written in bounded chunks, then trimmed."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import gancli.data.cache as cache
import gancli.data.folder as folder
import gancli.data.parallel as parallel
from gancli.data import load_data
from gancli.data.imageops import load_square

S = 12  # stored side; the files are 16x16, so every image is resized
CHUNK = 16  # images per window: a few hundred files make many windows


def _write(root: Path, n: int, grey_every: int = 0, broken: tuple[int, ...] = ()) -> Path:
    """`n` PNGs named f000.png ...: noise, every `grey_every`-th one grey, some truncated."""
    root.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        path = root / f"f{i:03d}.png"
        if i in broken:
            path.write_bytes(b"\x89PNG\r\n\x1a\n broken")
        elif grey_every and i % grey_every == 0:
            Image.fromarray(rng.integers(0, 256, (16, 16), dtype=np.uint8)).save(path)
        else:
            Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(path)
    return root


@pytest.fixture
def windows(monkeypatch):
    """Chunks of CHUNK images; records the size of every window the build maps."""
    c, seen = 3, []
    monkeypatch.setattr(folder, "CHUNK_BYTES", CHUNK * c * S * S)
    real = cache.ImageFile._map

    def spy(self, start, count, shape, mode):
        seen.append((start, count, mode))
        return real(self, start, count, shape, mode)

    monkeypatch.setattr(cache.ImageFile, "_map", spy)
    return seen


def _expected(root: Path, files: list[str], channels: int | None) -> np.ndarray:
    out = [load_square(str(root / f), S, channels)[0] for f in files]
    c = channels or max(a.shape[0] for a in out)
    return np.stack([np.broadcast_to(a, (c, S, S)) for a in out])


def test_colour_folder_streams_in_chunks_and_skips(tmp_path, windows):
    broken = (0, 57, 58, 299)
    root = _write(tmp_path / "mixed", 300, grey_every=7, broken=broken)
    ds = load_data(str(root), image_size=S, cache_dir=tmp_path / "c")
    files = [f"f{i:03d}.png" for i in range(300) if i not in broken]
    assert ds.files == files and ds.skipped == [f"f{i:03d}.png" for i in broken]
    assert tuple(ds.x.shape) == (296, 3, S, S)
    assert np.array_equal(ds.x.numpy(), _expected(root, files, None))
    # written front to back through windows of at most CHUNK images, none in a second pass
    writes = [w for w in windows if w[2] == "r+"]
    assert len(writes) >= 296 // CHUNK and all(count <= CHUNK for _, count, _ in writes)
    assert [start for start, _, _ in writes] == list(range(0, 296, CHUNK))
    assert not [w for w in windows if w[2] == "r"]


def test_grey_folder_is_compacted_to_one_channel(tmp_path, windows):
    broken = (3, 100)
    root = _write(tmp_path / "grey", 200, grey_every=1, broken=broken)
    ds = load_data(str(root), image_size=S, cache_dir=tmp_path / "c")
    files = [f"f{i:03d}.png" for i in range(200) if i not in broken]
    assert tuple(ds.x.shape) == (198, 1, S, S) and ds.skipped == ["f003.png", "f100.png"]
    assert np.array_equal(ds.x.numpy(), _expected(root, files, None))
    # the second pass reads and rewrites the file in chunks too
    reads = [w for w in windows if w[2] == "r"]
    assert len(reads) == -(-198 // CHUNK) and all(count <= CHUNK for _, count, _ in reads)
    entry = next(p for p in (tmp_path / "c" / "data").iterdir() if not p.name.startswith("."))
    x_npy = entry / cache.X_FILE
    assert x_npy.stat().st_size == ds.x.numel() + _header_length(x_npy)  # trimmed


def test_forced_channels(tmp_path, windows):
    root = _write(tmp_path / "mixed", 100, grey_every=5, broken=(50,))
    files = [f"f{i:03d}.png" for i in range(100) if i != 50]
    for channels in (1, 3):
        ds = load_data(str(root), image_size=S, channels=channels, cache_dir=tmp_path / "c")
        assert tuple(ds.x.shape) == (99, channels, S, S)
        assert np.array_equal(ds.x.numpy(), _expected(root, files, channels))


def _header_length(path: Path) -> int:
    with open(path, "rb") as f:
        np.lib.format.read_magic(f)
        np.lib.format.read_array_header_1_0(f)
        return f.tell()


def test_image_file_header_and_channels(tmp_path):
    path = tmp_path / "x.npy"
    f = cache.ImageFile(path, 1000, (3, 4, 4), chunk=7)
    rng = np.random.default_rng(1)
    want = rng.integers(0, 256, (25, 3, 4, 4), dtype=np.uint8)
    for a in want:
        f.append(a)
    assert f.finish(channels=2) == (25, 2, 4, 4)
    got = np.load(path)
    assert np.array_equal(got, want[:, :2])
    assert path.stat().st_size == _header_length(path) + got.nbytes
    assert _header_length(path) % 64 == 0  # still aligned as numpy writes it


def test_image_file_refuses_more_than_capacity(tmp_path):
    f = cache.ImageFile(tmp_path / "x.npy", 2, (1, 2, 2), chunk=1)
    f.append(np.zeros((1, 2, 2), np.uint8))
    f.append(np.zeros((1, 2, 2), np.uint8))
    with pytest.raises(IndexError):
        f.append(np.zeros((1, 2, 2), np.uint8))


def test_build_memory_is_bounded_by_the_chunk(tmp_path, monkeypatch):
    """numpy's allocations while building stay far below the data set's size (decoding it
    into one array, as a build that holds the set in memory does, would exceed it)."""
    size, n, chunk = 64, 240, 16
    monkeypatch.setattr(folder, "CHUNK_BYTES", chunk * 3 * size * size)
    monkeypatch.setattr(parallel, "n_workers", lambda: 2)  # 8 decoded images in flight
    root = tmp_path / "big"
    root.mkdir()
    rng = np.random.default_rng(2)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(
            root / f"f{i:03d}.png"
        )
    total = n * 3 * size * size
    tracemalloc.start()
    try:
        ds = load_data(str(root), image_size=size, cache_dir=tmp_path / "c")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert tuple(ds.x.shape) == (n, 3, size, size)
    assert peak < total / 4, (peak, total)
