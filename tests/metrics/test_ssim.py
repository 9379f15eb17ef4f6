"""The paired image metrics of pix2pix's benchmark: L1, PSNR and SSIM on [0, 1]."""

from __future__ import annotations

import pytest
import torch

from gancli.metrics.ssim import l1_error, paired_metrics, psnr, ssim


def _pair(seed=0, noise=0.3, shape=(3, 3, 32, 32)):
    g = torch.Generator().manual_seed(seed)
    y = torch.rand(shape, generator=g) * 2 - 1
    return (y + noise * torch.randn(shape, generator=g)).clamp(-1, 1), y


def test_ssim_matches_scikit_image_on_luma():
    skimage = pytest.importorskip("skimage.metrics")
    x, y = _pair()
    w = torch.tensor([0.299, 0.587, 0.114], dtype=torch.float64).view(1, 3, 1, 1)

    def luma(t):
        return ((t.double() + 1) / 2 * w).sum(1).numpy()

    want = [
        skimage.structural_similarity(
            a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1
        )
        for a, b in zip(luma(x), luma(y))
    ]
    assert ssim(x, y).tolist() == pytest.approx(want, abs=1e-6)


def test_equal_images_score_perfectly_and_more_noise_scores_worse():
    _, y = _pair()
    assert ssim(y, y).tolist() == pytest.approx([1.0] * 3)
    assert l1_error(y, y).tolist() == [0.0] * 3 and psnr(y, y).tolist() == [100.0] * 3
    a, b = paired_metrics(*_pair(noise=0.1)), paired_metrics(*_pair(noise=0.5))
    assert a["ssim"] > b["ssim"] and a["psnr"] > b["psnr"] and a["l1"] < b["l1"]


def test_known_values_and_a_blur_loses_structure():
    y = torch.full((1, 1, 16, 16), -1.0)
    x = torch.full((1, 1, 16, 16), 0.0)  # 0 vs 0.5 on [0, 1]
    assert float(l1_error(x, y)) == pytest.approx(0.5)
    assert float(psnr(x, y)) == pytest.approx(10 * torch.log10(torch.tensor(1 / 0.25)).item())
    _, sharp = _pair(noise=0.0, shape=(1, 3, 32, 32))
    blurred = torch.nn.functional.avg_pool2d(sharp, 3, 1, 1)
    assert float(ssim(blurred, sharp)) < 0.8  # SSIM sees what a mean error barely does
    assert float(ssim(sharp[..., :8, :8], sharp[..., :8, :8])) == pytest.approx(1.0)  # small
