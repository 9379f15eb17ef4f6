"""The decode-once cache: hits, invalidation, memory mapping, atomic writes."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import gancli.data.cache as cache
import gancli.data.folder as folder
from gancli.data import load_data
from gancli.errors import GanError


@pytest.fixture
def counting(monkeypatch):
    """Count how often the folder decoder really runs."""
    calls = []
    real = folder.decode_images

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(folder, "decode_images", counted)
    return calls


def _entries(cache_dir: Path) -> list[str]:
    return sorted(p.name for p in (cache_dir / "data").iterdir() if not p.name.startswith("."))


def test_second_load_hits_the_cache(make_images, tmp_path, monkeypatch):
    root, cdir = make_images(tmp_path / "imgs", 5), tmp_path / "c"
    first = load_data(str(root), image_size=16, cache_dir=cdir)

    def boom(*args, **kwargs):
        raise AssertionError("decoded again although the folder did not change")

    monkeypatch.setattr(folder, "decode_images", boom)
    second = load_data(str(root), image_size=16, cache_dir=cdir)
    assert torch.equal(first.x, second.x) and second.files == first.files
    entry = cdir / "data" / _entries(cdir)[0]
    assert {p.name for p in entry.iterdir()} == {"x.npy", "meta.json"}


def test_result_is_memory_mapped(make_images, tmp_path):
    root, cdir = make_images(tmp_path / "imgs", 3), tmp_path / "c"
    ds = load_data(str(root), image_size=16, cache_dir=cdir)
    x_npy = cdir / "data" / _entries(cdir)[0] / "x.npy"
    assert np.array_equal(ds.x.numpy(), np.load(x_npy))
    if sys.platform.startswith("linux"):
        maps = Path("/proc/self/maps").read_text()
        assert str(x_npy.resolve()) in maps
    # copy-on-write: an in-place change stays in this process and never reaches the file
    before = np.load(x_npy).copy()
    ds.x[0].zero_()
    assert np.array_equal(np.load(x_npy), before)


def test_touching_or_adding_a_file_invalidates(make_images, tmp_path, counting):
    root, cdir = make_images(tmp_path / "imgs", 3), tmp_path / "c"
    load_data(str(root), image_size=16, cache_dir=cdir)
    load_data(str(root), image_size=16, cache_dir=cdir)
    assert len(counting) == 1
    st = (root / "img001.png").stat()
    os.utime(root / "img001.png", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    load_data(str(root), image_size=16, cache_dir=cdir)
    assert len(counting) == 2
    make_images(root, 1, start=3)
    ds = load_data(str(root), image_size=16, cache_dir=cdir)
    assert len(counting) == 3 and len(ds) == 4
    (root / "img000.png").unlink()
    assert len(load_data(str(root), image_size=16, cache_dir=cdir)) == 3
    assert len(counting) == 4


def test_options_change_the_key(make_images, tmp_path, counting):
    root, cdir = make_images(tmp_path / "imgs", 2), tmp_path / "c"
    a = load_data(str(root), image_size=16, cache_dir=cdir)
    b = load_data(str(root), image_size=8, cache_dir=cdir)
    c = load_data(str(root), image_size=8, channels=1, cache_dir=cdir)
    assert a.x.shape[-1] == 16 and b.x.shape[-1] == 8 and c.x.shape[1] == 1
    assert len(_entries(cdir)) == 3 and len(counting) == 3


def test_cache_dir_from_environment(make_images, tmp_path, monkeypatch):
    monkeypatch.setenv("GANCLI_CACHE", str(tmp_path / "envcache"))
    load_data(str(make_images(tmp_path / "imgs", 2)), image_size=8)
    assert len(_entries(tmp_path / "envcache")) == 1


def test_damaged_entry_is_rebuilt(make_images, tmp_path, counting):
    root, cdir = make_images(tmp_path / "imgs", 2), tmp_path / "c"
    expected = load_data(str(root), image_size=8, cache_dir=cdir).x.clone()
    x_npy = cdir / "data" / _entries(cdir)[0] / "x.npy"
    x_npy.unlink()  # not truncated in place: that would pull the pages from under the mapping
    x_npy.write_bytes(b"garbage")
    again = load_data(str(root), image_size=8, cache_dir=cdir)
    assert len(counting) == 2 and torch.equal(expected, again.x)


def test_interrupted_write_leaves_nothing(make_images, tmp_path, monkeypatch):
    root, cdir = make_images(tmp_path / "imgs", 3), tmp_path / "c"
    real_append = cache.ImageFile.append

    def interrupted(self, image):
        if self.count == 1:  # mid-stream: one image is already in the file
            raise KeyboardInterrupt
        real_append(self, image)

    monkeypatch.setattr(cache.ImageFile, "append", interrupted)
    with pytest.raises(KeyboardInterrupt):
        load_data(str(root), image_size=8, cache_dir=cdir)
    assert list((cdir / "data").iterdir()) == []  # no entry, no temp folder
    monkeypatch.setattr(cache.ImageFile, "append", real_append)
    assert len(load_data(str(root), image_size=8, cache_dir=cdir)) == 3


def test_interrupted_write_of_arrays_leaves_nothing(tmp_path, monkeypatch):
    real_save = np.save

    def interrupted(path, arr, **kw):
        real_save(path, arr, **kw)
        raise KeyboardInterrupt

    monkeypatch.setattr(cache.np, "save", interrupted)
    arrays = cache.ImageArrays(x=np.zeros((2, 1, 4, 4), dtype=np.uint8))
    with pytest.raises(KeyboardInterrupt):
        cache.cached_images("t", {"kind": "test"}, lambda: arrays, cache_dir=tmp_path)
    assert list((tmp_path / "data").iterdir()) == []


def test_concurrent_build_loses_gracefully(tmp_path):
    arrays = cache.ImageArrays(x=np.zeros((2, 1, 4, 4), dtype=np.uint8))
    final = cache.entry_dir("t", {"kind": "test"}, tmp_path)
    cache._write_entry(final, arrays, name="t", source="t")
    cache._write_entry(final, arrays, name="t", source="t")  # the other process finished first
    assert sorted(p.name for p in final.parent.iterdir()) == [final.name]
    assert cache.read_entry(final).x.shape == (2, 1, 4, 4)


def test_unwritable_cache_is_a_clear_error(make_images, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    with pytest.raises(GanError, match="could not write the data cache"):
        load_data(str(make_images(tmp_path / "imgs", 1)), cache_dir=blocker)


def test_stale_temp_folders_are_cleaned(make_images, tmp_path):
    stale = tmp_path / "c" / "data" / ".tmp-old-build"
    stale.mkdir(parents=True)
    os.utime(stale, (0, 0))
    load_data(str(make_images(tmp_path / "imgs", 1)), image_size=8, cache_dir=tmp_path / "c")
    assert not stale.exists()


def test_progress_is_reported_only_while_building(make_images, tmp_path):
    root, calls = make_images(tmp_path / "imgs", 3), []
    load_data(
        str(root), image_size=8, cache_dir=tmp_path / "c", progress=lambda *a: calls.append(a)
    )
    assert calls[0] == (0, 3) and calls[-1] == (3, 3)
    calls.clear()
    load_data(
        str(root), image_size=8, cache_dir=tmp_path / "c", progress=lambda *a: calls.append(a)
    )
    assert calls == []
