"""Sharpness: blur lowers it, real images score 1, noise raises it; `gan evaluate -m sharpness`
reports it with its receipt."""

from __future__ import annotations

import json

import numpy as np
import torch
import torch.nn.functional as F
from typer.testing import CliRunner

from gancli.cli import app
from gancli.data import load_data
from gancli.metrics.sharpness import laplacian_variance


def blurred(x: torch.Tensor) -> torch.Tensor:
    """uint8 images through a 3x3 box filter: what a blurry generator draws."""
    c = x.shape[1]
    box = torch.full((c, 1, 3, 3), 1 / 9)
    y = F.conv2d(F.pad(x.float(), (1, 1, 1, 1), mode="replicate"), box, groups=c)
    return y.round().clamp(0, 255).to(torch.uint8)


def test_laplacian_variance_reads_uint8_and_floats_alike_and_is_zero_on_flat_images():
    x = torch.randint(0, 256, (5, 3, 12, 12), dtype=torch.uint8)
    torch.testing.assert_close(laplacian_variance(x), laplacian_variance(x.float() / 255))
    assert laplacian_variance(torch.full((2, 1, 8, 8), 0.3)).abs().max() < 1e-12
    assert (laplacian_variance(blurred(x)) < laplacian_variance(x) / 3).all()


def test_evaluate_scores_real_images_1_blurred_ones_low_and_noise_high(tmp_path):
    real = load_data("shapes", image_size=16).x
    sets = {
        "real": real[:500],
        "blurred": blurred(real[:500]),
        "noise": torch.randint(0, 256, (500, 3, 16, 16), dtype=torch.uint8),
    }
    found = {}
    for name, x in sets.items():
        np.save(tmp_path / f"{name}.npy", x.numpy())
        args = ["evaluate", "--fake", str(tmp_path / f"{name}.npy"), "--data", "shapes"]
        r = CliRunner().invoke(app, [*args, "-m", "sharpness", "--no-save", "--json"])
        assert r.exit_code == 0, r.output
        (result,) = json.loads(r.stdout)["results"]
        assert result["metric"] == "sharpness" and result["receipt"]["n"] == 500
        found[name] = result["value"]
    assert 0.85 < found["real"] < 1.15  # 500 of the shapes against all 10,000
    assert found["blurred"] < 0.5 < 2 < found["noise"]
