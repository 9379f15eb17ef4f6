"""The headline, offline, right after install: DCGAN's face arithmetic on the curated
synthfaces-dcgan model (its rates are measured in benchmarks/latent_faces.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from gancli.cli import app

runner = CliRunner()
CONCEPTS = {
    "man", "woman", "glasses man", "glasses woman",
    "smiling man", "neutral man", "smiling woman", "neutral woman",
}  # fmt: skip


def gan(*args: object):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(autouse=True)
def offline_empty_zoo(zoo_dir, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def test_the_paper_s_concepts_ship_with_the_faces_model():
    r = gan("concept", "list", "-c", "synthfaces-dcgan", "--json")
    assert r.exit_code == 0, r.output
    names = {c["name"] for c in json.loads(r.stdout)["concepts"]}
    assert CONCEPTS <= names


def _eye_band_darkness(tile: np.ndarray) -> float:
    """How dark the band where glasses sit is, against the rest of the face (64x64 tiles)."""
    grey = tile.astype(float).mean(axis=2)
    return float(grey[22:34, 14:50].mean() - grey[:, 14:50].mean())


def test_glasses_man_minus_man_plus_woman_draws_a_3x3_grid_with_glasses(tmp_path):
    out = tmp_path / "out.png"
    r = gan("arithmetic", "glasses man - man + woman", "-c", "synthfaces-dcgan", "-o", out)
    assert r.exit_code == 0, r.output
    img = np.asarray(Image.open(out).convert("RGB"))
    assert img.shape == (2 + 3 * 66, 2 + 3 * 66, 3)
    tiles = [
        img[2 + r_ * 66 : 2 + r_ * 66 + 64, 2 + c * 66 : 2 + c * 66 + 64]
        for r_ in range(3)
        for c in range(3)
    ]
    # the same faces without the glasses term: "woman" alone, with the same noise
    plain = tmp_path / "plain.png"
    assert gan("arithmetic", "woman", "-c", "synthfaces-dcgan", "-o", plain).exit_code == 0
    ref = np.asarray(Image.open(plain).convert("RGB"))
    ref_tiles = [
        ref[2 + r_ * 66 : 2 + r_ * 66 + 64, 2 + c * 66 : 2 + c * 66 + 64]
        for r_ in range(3)
        for c in range(3)
    ]
    darker = [_eye_band_darkness(a) < _eye_band_darkness(b) for a, b in zip(tiles, ref_tiles)]
    assert sum(darker) >= 7  # frames or dark lenses over the eyes in (nearly) every tile


def test_one_face_edited_and_walked_towards_glasses(tmp_path):
    r = gan(
        "arithmetic",
        "seed:42 + glasses man - man",
        "-c",
        "synthfaces-dcgan",
        "-o",
        tmp_path / "e.png",
    )
    assert r.exit_code == 0, r.output
    r = gan(
        "interpolate", "synthfaces-dcgan", "--from", 42, "--towards", "glasses man - man",
        "--steps", 6, "-o", tmp_path / "w.gif",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert Image.open(tmp_path / "w.gif").n_frames == 6
