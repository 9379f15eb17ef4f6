"""`gan sample --from-discriminator`: images made by climbing D's score, for the variants whose
D scores the data (EBGAN, BEGAN, WGAN, WGAN-GP), and a one-line refusal for the others."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from gancli.api.ascend import ascend, noise_images, scorers
from gancli.cli import app
from gancli.engine.loop import Trainer
from gancli.engine.model import load_model
from tests.conftest import tiny_options

runner = CliRunner()


def gan(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("ascend")
    out = {}
    for name in ("ebgan", "began", "wgan", "wgan-gp", "dcgan", "vae"):
        out[name] = root / name
        Trainer(tiny_options(out[name], name, steps=3), quiet=True).run()
    return out


def test_the_scoring_variants():
    assert scorers() == ["began", "ebgan", "wgan", "wgan-gp"]


# (After 3 steps EBGAN's auto-encoder reconstructs its G's near-constant samples almost
# exactly: they already sit at D's optimum, and there is nothing left to climb from there.)
@pytest.mark.parametrize(
    ("name", "start"),
    [("ebgan", "noise"), ("began", "noise"), ("began", "generator"), ("wgan", "noise"),
     ("wgan", "generator"), ("wgan-gp", "noise"), ("wgan-gp", "generator")],
)  # fmt: skip
def test_the_ascent_raises_ds_score(runs, tmp_path, name, start):
    r = gan(
        "sample", runs[name], "--from-discriminator", "--d-start", start, "--d-steps", 15,
        "--d-step-size", 0.01, "-n", 6, "-o", tmp_path / "d.npy", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    score = json.loads(r.stdout)["discriminator_score"]
    assert score["end"] > score["start"]
    x = np.load(tmp_path / "d.npy")
    assert x.shape == (6, 3, 16, 16) and x.min() >= -1 and x.max() <= 1


def test_each_image_climbs_and_noise_makes_a_different_path(runs):
    model = load_model(runs["ebgan"])
    start = noise_images(list(range(4)), [3, 16, 16])
    plain = ascend(model, start, steps=10, step_size=0.01)
    assert all(b > a for a, b in zip(plain.start_score, plain.end_score))
    assert not torch.equal(plain.images, start)
    noisy = ascend(model, start, steps=10, step_size=0.01, noise=0.05, seed=1)
    assert not torch.equal(noisy.images, plain.images)
    again = ascend(model, start, steps=10, step_size=0.01, noise=0.05, seed=1)
    assert torch.equal(again.images, noisy.images)  # seeded: the same run twice


def test_no_steps_from_the_generator_is_gs_samples(runs, tmp_path):
    a, b = tmp_path / "a.npy", tmp_path / "b.npy"
    r = gan("sample", runs["began"], "--from-discriminator", "--d-start", "generator",
            "--d-steps", 0, "-n", 4, "-o", a)  # fmt: skip
    assert r.exit_code == 0, r.output
    assert gan("sample", runs["began"], "-n", 4, "-o", b).exit_code == 0
    np.testing.assert_allclose(np.load(a), np.load(b), atol=1e-6)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("dcgan", "dcgan has a discriminator that scores its own G's samples"),
        ("vae", "vae has no discriminator"),
    ],
)
def test_other_variants_are_refused_in_one_line(runs, tmp_path, name, message):
    r = gan("sample", runs[name], "--from-discriminator", "-o", tmp_path / "x.png")
    assert r.exit_code == 1
    assert message in r.output and "works with began, ebgan, wgan, wgan-gp" in r.output
    assert "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--d-start", "zeros"], "--d-start must be one of: noise, generator"),
        (["--d-step-size", "0"], "--d-step-size must be a number above 0"),
        (["--d-noise", "-1"], "--d-noise must be 0 or more"),
    ],
)
def test_bad_ascent_options_are_one_line(runs, args, message):
    r = gan("sample", runs["ebgan"], "--from-discriminator", *args)
    assert r.exit_code == 1 and message in r.output
