"""Mode coverage on Stacked MNIST (Metz et al. 2017; VEEGAN and PacGAN Table 2/3): each of the
three channels of a sample is read by a digit classifier, the digit triple is the sample's mode
(1,000 in all), and the result is the number of modes seen and KL(mode histogram || uniform),
whose ceiling ln 1000 = 6.91 means a single mode. VEEGAN counts 26,000 samples, PacGAN 25,600.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

MODES = 1000


def stacked_modes(
    images: torch.Tensor, read_digits: Callable[[torch.Tensor], torch.Tensor]
) -> dict[str, Any]:
    """`images` (N, 3, H, W) uint8; `read_digits` maps (M, 1, H, W) uint8 to (M,) digits."""
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"Stacked MNIST samples are (N, 3, H, W); got {tuple(images.shape)}")
    n = len(images)
    digits = read_digits(images.reshape(n * 3, 1, *images.shape[2:])).reshape(n, 3).long()
    mode = (100 * digits[:, 0] + 10 * digits[:, 1] + digits[:, 2]).numpy()
    counts = np.bincount(mode, minlength=MODES)
    p = counts / max(1, n)
    nz = p > 0
    kl = float(np.sum(p[nz] * np.log(p[nz] * MODES)))
    top = np.argsort(-counts)[:5]
    return {
        "modes": int(nz.sum()),
        "total": MODES,
        "kl": kl,
        "kl_max": math.log(MODES),
        "n": n,
        "most_common": {f"{int(m):03d}": int(counts[m]) for m in top if counts[m] > 0},
    }
