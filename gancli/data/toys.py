"""2-D Gaussian mixtures for mode-collapse experiments (PacGAN / VEEGAN protocol).

ring8: 8 means at (cos 2*pi*i/8, sin 2*pi*i/8), std 0.01; grid25: 25 means at {-4,-2,0,2,4}^2,
std 0.05; 100,000 points each. Cheap to draw, so never cached. Each is registered by its own
`@builtin` on `load_toys`; `--data NAME` ignores --image-size and --channels for them.
"""

from __future__ import annotations

import numpy as np
import torch

from gancli.data.dataset import Dataset
from gancli.data.registry import Request, builtin

COUNT = 100_000


def ring_means(k: int = 8, radius: float = 1.0) -> np.ndarray:
    # arange, not linspace(0, 2*pi, k): linspace includes 2*pi, so the last mean would land
    # on the first and the "8-mode" ring would have 7.
    angles = 2 * np.pi * np.arange(k) / k
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def grid_means(values: tuple[float, ...] = (-4.0, -2.0, 0.0, 2.0, 4.0)) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64)
    xx, yy = np.meshgrid(v, v, indexing="ij")
    return np.stack([xx.ravel(), yy.ravel()], axis=1)


TOYS: dict[str, tuple[np.ndarray, float]] = {
    "ring8": (ring_means(8, 1.0), 0.01),
    "grid25": (grid_means(), 0.05),
}


def make_mixture(
    name: str, means: np.ndarray, std: float, n: int = COUNT, seed: int = 0
) -> Dataset:
    """`n` points from the equal-weight mixture; labels are the index of the drawing mode."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(means), n)
    pts = means[idx] + std * rng.standard_normal((n, 2))
    return Dataset(
        name=name,
        kind="points",
        x=torch.from_numpy(pts.astype(np.float32)),
        labels=torch.from_numpy(idx.astype(np.int64)),
        class_names=[str(i) for i in range(len(means))],
        modes=torch.from_numpy(means.astype(np.float32)),
        mode_std=float(std),
    )


def load_toy(name: str, seed: int = 0) -> Dataset:
    """A built-in toy by name (`ring8`, `grid25`)."""
    means, std = TOYS[name]
    return make_mixture(name, means, std, COUNT, seed)


@builtin(
    "ring8",
    help="2-D toy: 8 Gaussians on the unit circle, std 0.01 (PacGAN protocol)",
    kind="points",
    aliases=("ring",),
)
@builtin(
    "grid25",
    help="2-D toy: 25 Gaussians on {-4,-2,0,2,4}^2, std 0.05 (PacGAN protocol)",
    kind="points",
    aliases=("grid",),
)
def load_toys(request: Request) -> Dataset:
    ds = load_toy(request.name, request.seed)
    ds.source = request.source
    return ds
