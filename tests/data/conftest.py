"""Fixtures for the data tests: isolated cache/data folders, and folders of awkward images."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the user's cache, data folder or the network from these tests."""
    base = tmp_path_factory.mktemp("env")
    monkeypatch.setenv("GANCLI_CACHE", str(base / "cache"))
    monkeypatch.setenv("GANCLI_DATA", str(base / "datasets"))
    monkeypatch.setenv("GANCLI_OFFLINE", "1")


def _noise(h: int, w: int, c: int, seed: int = 0) -> np.ndarray:
    a = np.random.default_rng(seed).integers(0, 256, (h, w, c), dtype=np.uint8)
    return a[..., 0] if c == 1 else a


def write_awkward(root: Path) -> Path:
    """One image in every awkward PIL mode and format, plus broken and ignorable files."""
    root.mkdir(parents=True, exist_ok=True)
    ramp = np.tile(np.arange(0, 256, 8, dtype=np.uint8), (32, 1))
    Image.fromarray(ramp).save(root / "grey_l.png")
    la = np.stack([ramp, np.full_like(ramp, 255)], axis=-1)
    Image.fromarray(la, "LA").save(root / "grey_la.png")

    # P with a transparent palette entry: left half index 0 (transparent), right half green.
    p = Image.new("P", (32, 32), 0)
    p.putpalette([0, 0, 0, 0, 255, 0] + [0, 0, 0] * 254)
    p.paste(1, (16, 0, 32, 32))
    p.save(root / "p_trans.png", transparency=0)

    # RGBA: left half fully transparent black, right half opaque red.
    rgba = np.zeros((32, 32, 4), dtype=np.uint8)
    rgba[:, 16:] = (255, 0, 0, 255)
    Image.fromarray(rgba, "RGBA").save(root / "rgba.png")

    Image.fromarray(_noise(40, 40, 3)).save(root / "rgb.jpg", quality=90)
    Image.new("CMYK", (24, 24), (0, 255, 255, 0)).save(root / "cmyk.jpg")  # red in CMYK

    i16 = np.zeros((32, 32), dtype=np.uint16)
    i16[:, :16] = 65535
    Image.fromarray(i16).save(root / "i16.png")  # opens as I;16

    Image.fromarray(ramp > 128).convert("1").save(root / "one_bit.png")
    Image.fromarray(_noise(20, 20, 3, 1)).save(root / "img.webp")
    Image.fromarray(_noise(20, 20, 3, 2)).save(root / "img.bmp")

    frames = [Image.new("RGB", (16, 16), c) for c in ((255, 0, 0), (0, 0, 255))]
    frames[0].save(root / "anim.gif", save_all=True, append_images=frames[1:], duration=50, loop=0)

    Image.fromarray(_noise(30, 60, 3, 3)).save(root / "wide.png")  # 60 wide, 30 high
    (root / "nested" / "sub").mkdir(parents=True)
    Image.fromarray(_noise(16, 16, 3, 4)).save(root / "nested" / "sub" / "deep.png")

    buf = io.BytesIO()
    Image.fromarray(_noise(64, 64, 3, 5)).save(buf, "PNG")
    (root / "truncated.png").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    (root / "text.jpg").write_text("this is not a JPEG\n")
    (root / "empty.png").write_bytes(b"")

    # Ignored: hidden files and folders, and files that are not images.
    Image.fromarray(ramp).save(root / ".hidden.png")
    (root / ".cache").mkdir()
    Image.fromarray(ramp).save(root / ".cache" / "x.png")
    (root / "notes.txt").write_text("not an image")
    return root


@pytest.fixture
def awkward_dir(tmp_path: Path) -> Path:
    return write_awkward(tmp_path / "awkward")


@pytest.fixture
def grey_dir(tmp_path: Path) -> Path:
    """Only single-channel-ish images: L, LA, I;16, 1-bit and a grey palette."""
    root = tmp_path / "grey"
    root.mkdir()
    ramp = np.tile(np.arange(0, 256, 8, dtype=np.uint8), (32, 1))
    Image.fromarray(ramp).save(root / "l.png")
    Image.fromarray(np.stack([ramp, ramp], -1), "LA").save(root / "la.png")
    Image.fromarray(ramp.astype(np.uint16) * 257).save(root / "i16.png")
    Image.fromarray(ramp > 100).convert("1").save(root / "bit.png")
    Image.fromarray(ramp).convert("P").save(root / "p_grey.gif")
    return root


@pytest.fixture
def class_dir(tmp_path: Path) -> Path:
    """Two class sub-folders, one with a nested folder."""
    root = tmp_path / "pets"
    for rel, seed in [("cats/a.png", 0), ("cats/b.png", 1), ("dogs/c.png", 2), ("dogs/x/d.png", 3)]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(_noise(24, 24, 3, seed)).save(root / rel)
    return root


@pytest.fixture
def make_images():
    """Factory: write `n` random RGB PNGs into `root` (names img000.png ...)."""

    def make(root: Path, n: int, size: int = 24, start: int = 0) -> Path:
        root.mkdir(parents=True, exist_ok=True)
        for i in range(start, start + n):
            Image.fromarray(_noise(size, size, 3, i)).save(root / f"img{i:03d}.png")
        return root

    return make
