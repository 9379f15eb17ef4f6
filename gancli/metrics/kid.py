"""Kernel Inception Distance (Bińkowski et al. 2018): the unbiased estimate of MMD² with the
polynomial kernel k(x, y) = (xᵀy / d + 1)³, averaged over random subsets of both sets.

Computed by torch-fidelity (`kid_features_to_metric`, from the MMD-GAN reference code); the
convention is 100 subsets of 1,000 samples, reported as mean ± standard deviation over the
subsets. Unlike FID the estimate is unbiased: two samples of one distribution score about 0,
and slightly negative values are valid.
"""

from __future__ import annotations

from typing import Any

import torch

from gancli.errors import GanError

SUBSETS = 100
SUBSET_SIZE = 1000


def kid_minimum(subset_size: int) -> int:
    """The fewest samples each set needs: one full subset."""
    return subset_size


def kernel_inception_distance(
    fake: Any,
    real: Any,
    subsets: int = SUBSETS,
    subset_size: int = SUBSET_SIZE,
    seed: int = 0,
) -> tuple[float, float]:
    """(mean, std) of MMD² over `subsets` random subsets of `subset_size` from each set."""
    from torch_fidelity.metric_kid import (
        KEY_METRIC_KID_MEAN,
        KEY_METRIC_KID_STD,
        kid_features_to_metric,
    )

    a = torch.as_tensor(fake).detach().cpu().double()
    b = torch.as_tensor(real).detach().cpu().double()
    if subset_size < 2 or subsets < 1:
        raise GanError(
            f"KID needs a subset size of at least 2 and at least 1 subset; got subset size "
            f"{subset_size} and {subsets} subsets"
        )
    if min(len(a), len(b)) < subset_size:
        raise GanError(
            f"KID draws subsets of {subset_size} samples from each set, so it needs at least "
            f"{kid_minimum(subset_size)} generated and {kid_minimum(subset_size)} reference "
            f"samples; got {len(a)} generated and {len(b)} reference: raise -n or lower "
            f"--kid-subset-size (the convention is {SUBSET_SIZE})"
        )
    out = kid_features_to_metric(
        a,
        b,
        kid_subsets=subsets,
        kid_subset_size=subset_size,
        rng_seed=seed,
        verbose=False,
    )
    return float(out[KEY_METRIC_KID_MEAN]), float(out[KEY_METRIC_KID_STD])
