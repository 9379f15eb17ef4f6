"""Stacked MNIST: the built-in set, and its 1,000-mode metric, with an exact digit reader and
through `gan evaluate`."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from gancli.cli import app
from gancli.data import load_data
from gancli.metrics.stacked import stacked_modes


@pytest.fixture(scope="module")
def stacked():
    return load_data("stacked-mnist")


@pytest.fixture(scope="module")
def exact_reader():
    """Reads a channel by looking its pixels up among the 5,000 mnist5k digits."""
    digits = load_data("mnist5k")
    table = {bytes(img.numpy().tobytes()): int(y) for img, y in zip(digits.x, digits.labels)}
    return lambda x: torch.tensor([table[bytes(c.numpy().tobytes())] for c in x])


def test_the_set_is_three_digits_per_image(stacked):
    assert tuple(stacked.x.shape) == (50_000, 3, 28, 28) and stacked.num_classes == 1000
    a = stacked.attributes
    assert torch.equal(stacked.labels, 100 * a["red"] + 10 * a["green"] + a["blue"])


def test_real_stacked_images_cover_the_modes(stacked, exact_reader):
    r = stacked_modes(stacked.x[:25_600], exact_reader)
    assert r["total"] == 1000 and r["modes"] >= 995  # 25,600 draws leave ~0 of 1,000 unseen
    assert r["kl"] < 0.1


def test_a_collapsed_generator_has_one_mode(stacked, exact_reader):
    r = stacked_modes(stacked.x[:1].repeat(500, 1, 1, 1), exact_reader)
    assert r["modes"] == 1 and r["kl"] == pytest.approx(math.log(1000))
    assert list(r["most_common"].values()) == [500]


def test_bad_shape_is_refused():
    with pytest.raises(ValueError, match="N, 3, H, W"):
        stacked_modes(torch.zeros(4, 1, 28, 28, dtype=torch.uint8), lambda x: x)


def test_evaluate_counts_stacked_modes(tmp_path, stacked):
    real = tmp_path / "real.npy"
    np.save(real, stacked.x[-2000:].float().div(127.5).sub(1).numpy())
    one = tmp_path / "one.npy"
    np.save(one, stacked.x[:1].repeat(300, 1, 1, 1).float().div(127.5).sub(1).numpy())
    runner = CliRunner()
    args = ["--data", "stacked-mnist", "-m", "modes", "--classifier-epochs", "3", "--json"]
    r = runner.invoke(app, ["evaluate", "--fake", str(real), *args])
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)["results"][0]
    # 2,000 uniform draws of 1,000 triples see about 1000 (1 - e^-2) = 865 of them; the
    # 3-epoch digit reader (84% held out) moves some draws but keeps the count near that
    assert 750 <= res["value"] <= 1000 and res["details"]["total"] == 1000
    r = runner.invoke(app, ["evaluate", "--fake", str(one), *args])
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)["results"][0]
    assert res["value"] == 1 and res["details"]["kl"] == pytest.approx(math.log(1000))
    r = runner.invoke(app, ["evaluate", "--fake", str(one), "--data", "mnist5k", "-m", "modes"])
    assert r.exit_code == 1 and "stacked-mnist" in r.output
