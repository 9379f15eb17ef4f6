"""Image-to-image metrics against a known target: L1, PSNR and SSIM (Wang, Bovik, Sheikh &
Simoncelli 2004), as the pix2pix literature reports them.

All three take float images (N, C, H, W) in [-1, 1] (the generator's range) and measure on
[0, 1]. SSIM is computed on luma (ITU-R 601) with the paper's 11x11 Gaussian window (sigma 1.5),
K1 0.01, K2 0.03, over the window's valid positions (no padding), averaged per image; it
matches `skimage.metrics.structural_similarity(gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=1)` on the same luma.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

WINDOW, SIGMA, K1, K2 = 11, 1.5, 0.01, 0.03


def _unit(x: torch.Tensor) -> torch.Tensor:
    return (x.double().clamp(-1, 1) + 1) / 2


def _luma(x: torch.Tensor) -> torch.Tensor:
    if x.shape[1] == 1:
        return x
    w = torch.tensor([0.299, 0.587, 0.114], dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    return (x * w).sum(1, keepdim=True)


def l1_error(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean absolute error per image, pixels in [0, 1]: (N,)."""
    return (_unit(x) - _unit(y)).abs().flatten(1).mean(1)


def psnr(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Peak signal-to-noise ratio per image in dB, on [0, 1] (capped at 100 for equal images)."""
    mse = (_unit(x) - _unit(y)).pow(2).flatten(1).mean(1)
    return (10 * torch.log10(1.0 / mse.clamp_min(1e-10))).clamp_max(100.0)


def _gauss(size: int, sigma: float, like: torch.Tensor) -> torch.Tensor:
    r = torch.arange(size, dtype=like.dtype, device=like.device) - (size - 1) / 2
    g = torch.exp(-(r**2) / (2 * sigma**2))
    g = g / g.sum()
    return (g[:, None] * g[None, :]).view(1, 1, size, size)


def ssim(x: torch.Tensor, y: torch.Tensor, window: int = WINDOW) -> torch.Tensor:
    """Mean structural similarity per image (N,), on luma in [0, 1]; images smaller than the
    window use a window of their smaller side (odd)."""
    a, b = _luma(_unit(x)), _luma(_unit(y))
    side = min(a.shape[-2:])
    size = min(window, side if side % 2 else side - 1)
    w = _gauss(size, SIGMA, a)
    mu_a, mu_b = F.conv2d(a, w), F.conv2d(b, w)
    var_a = F.conv2d(a * a, w) - mu_a**2
    var_b = F.conv2d(b * b, w) - mu_b**2
    cov = F.conv2d(a * b, w) - mu_a * mu_b
    c1, c2 = K1**2, K2**2
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / (
        (mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2)
    )
    return s.flatten(1).mean(1)


def paired_metrics(x: torch.Tensor, y: torch.Tensor) -> dict[str, Any]:
    """{'l1', 'psnr', 'ssim'}: each the mean over the images."""
    return {
        "l1": float(l1_error(x, y).mean()),
        "psnr": float(psnr(x, y).mean()),
        "ssim": float(ssim(x, y).mean()),
    }
