"""`gan train dcgan --data faces/` on a folder of real photos of mixed sizes and modes: the 100
real LFW faces that scikit-image ships, written out here (never committed)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from gancli.cli import app

skimage_data = pytest.importorskip("skimage.data")


@pytest.fixture(scope="module")
def faces_dir(tmp_path_factory):
    """The 100 faces as a user's folder: sizes 25 to 250, grey, RGB, RGBA and palette PNGs and
    JPEGs, some in sub-folders."""
    faces = skimage_data.lfw_subset()[:100]  # float64 in [0, 1], 25x25
    root = tmp_path_factory.mktemp("real") / "faces"
    for i, a in enumerate(faces):
        img = Image.fromarray(np.rint(a * 255).astype(np.uint8))
        side = (25, 40, 64, 100, 250)[i % 5]
        img = img.resize((side, side), Image.BICUBIC)
        mode = ("L", "RGB", "RGBA", "P")[i % 4]
        img = img.convert(mode)
        sub = root / ("batch1" if i < 50 else "batch2/more")
        sub.mkdir(parents=True, exist_ok=True)
        ext = "jpg" if mode in ("L", "RGB") and i % 3 == 0 else "png"
        img.save(sub / f"face{i:03d}.{ext}")
    return root


def test_dcgan_trains_on_a_folder_of_real_faces(faces_dir, tmp_path):
    out = tmp_path / "run"
    r = CliRunner().invoke(
        app,
        ["train", "dcgan", "--data", str(faces_dir), "--image-size", "64", "--width", "8",
         "--steps", "3", "--out", str(out), "--json"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    events = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    start = next(e for e in events if e["event"] == "start")
    # 100 photos: the paper's batch of 128 is cut to 64; every photo is read, at 64x64, in colour
    assert start["batch"] == 64 and start["shape"] == [3, 64, 64]
    assert "fewer than dcgan's batch of 128" in r.stderr
    assert (out / "model.safetensors").exists()
    r = CliRunner().invoke(app, ["sample", str(out), "-n", "4", "-o", str(tmp_path / "s.png")])
    assert r.exit_code == 0, r.output
    assert Image.open(tmp_path / "s.png").size == (2 + 2 * 66, 2 + 2 * 66)
