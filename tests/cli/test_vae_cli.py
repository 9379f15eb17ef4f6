"""A VAE checkpoint goes through the same commands as every GAN: train, sample, interpolate,
concept and arithmetic, evaluate, and resume."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from gancli.cli import app

runner = CliRunner()


def gan(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def vae_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("vae") / "run"
    r = gan(
        "train", "vae", "--data", "shapes", "--image-size", 16, "--width", 8,
        "--batch-size", 8, "--steps", 3, "--precision", "fp32", "--out", run, "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    return run


@pytest.fixture(autouse=True)
def _no_zoo(monkeypatch, tmp_path):
    monkeypatch.setenv("GAN_ZOO", str(tmp_path / "zoo"))


def test_train_help_names_the_paper():
    r = gan("train", "vae", "--help")
    assert r.exit_code == 0
    assert "Kingma & Welling 2014" in r.output and "--likelihood" in r.output


def test_sample_interpolate_and_arithmetic(vae_run, tmp_path):
    r = gan("sample", vae_run, "-n", 4, "-o", tmp_path / "s.npy")
    assert r.exit_code == 0, r.output
    x = np.load(tmp_path / "s.npy")
    assert x.shape == (4, 3, 16, 16) and x.min() >= -1 and x.max() <= 1
    assert len({tuple(v.ravel()[:8]) for v in x}) == 4  # four different latents
    r = gan("interpolate", vae_run, "--steps", 5, "-o", tmp_path / "walk.png", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["method"] == "slerp"  # the N(0, I) prior, as DCGAN's
    for name, seeds in (("red circle", "1,2,3"), ("circle", "4,5"), ("square", "6")):
        assert gan("concept", "add", name, "-c", vae_run, "--seeds", seeds).exit_code == 0
    r = gan("arithmetic", "red circle - circle + square", "-c", vae_run, "-o", tmp_path / "a.png")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "a.png").stat().st_size > 0


def test_evaluate(vae_run):
    r = gan("evaluate", vae_run, "--data", "shapes", "-n", 64, "-m", "fid", "--features",
            "pixels", "--json", "--no-save")  # fmt: skip
    assert r.exit_code == 0, r.output
    (fid,) = [x for x in json.loads(r.stdout)["results"] if x["metric"] == "fid"]
    assert fid["value"] > 0


def test_project_matches_pixels_without_a_discriminator(vae_run, tmp_path):
    assert gan("sample", vae_run, "-n", 1, "--seed", 9, "-o", tmp_path / "t.png").exit_code == 0
    r = gan("project", vae_run, tmp_path / "t.png", "--steps", 5, "-o", tmp_path / "z.npy")
    assert r.exit_code == 0, r.output
    assert "vae has no discriminator: matching pixels only" in r.output


def test_resume_and_discriminator_flags(vae_run):
    r = gan("train", "--resume", vae_run, "--steps", 4, "--json")
    assert r.exit_code == 0, r.output
    assert '"step": 4' in r.stdout
    r = gan("train", "vae", "--lr-d", "0.001", "--steps", 1, "--out", vae_run.parent / "x")
    assert r.exit_code == 1 and "vae has no discriminator: --lr-d does not apply" in r.output
    r = gan("train", "vae", "--n-critic", 5, "--steps", 1, "--out", vae_run.parent / "y")
    assert r.exit_code == 1 and "vae has no discriminator: --n-critic does not apply" in r.output
    assert "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1
    assert not (vae_run.parent / "y").exists()
