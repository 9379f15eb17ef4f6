"""Kernel Inception Distance (Bińkowski et al. 2018): the unbiased estimate of MMD² with the
polynomial kernel k(x, y) = (xᵀy / d + 1)³, averaged over random subsets of both sets.

Computed by torch-fidelity (`kid_features_to_metric`, from the MMD-GAN reference code); the
convention is 100 subsets of 1,000 samples, reported as mean ± standard deviation over the
subsets. Unlike FID the estimate is unbiased: two samples of one distribution score about 0,
and slightly negative values are valid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from gancli.errors import GanError
from gancli.metrics.registry import metric

if TYPE_CHECKING:
    from gancli.metrics.evaluation import Inputs
    from gancli.metrics.protocol import Protocol

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


# ---- the metric ----------------------------------------------------------------------------


def _check(n_fake: int, n_ref: int, proto: Protocol) -> None:
    if proto.kid_subset_size < 2:
        raise GanError(f"--kid-subset-size must be at least 2; got {proto.kid_subset_size}")
    need = kid_minimum(proto.kid_subset_size)
    if min(n_fake, n_ref) < need:
        fix = (
            "raise -n or lower --kid-subset-size"
            if n_fake < need
            else (f"lower --kid-subset-size to at most {n_ref}, the size of the reference")
        )
        raise GanError(
            f"KID draws subsets of {proto.kid_subset_size} samples from each set, so it needs "
            f"at least {need} generated and {need} reference samples; got {n_fake} generated "
            f"and {n_ref} reference: {fix} (the convention is 1000)"
        )


@metric(
    "kid",
    help="kernel distance: unbiased MMD² with kernel (x·y/d + 1)³, mean ± std over subsets",
    kinds=("image", "points"),
    better="lower",
    features=True,
    torch_fidelity=True,
    check=_check,
)
def compute(inputs: Inputs) -> None:
    proto = inputs.proto
    mean, std = kernel_inception_distance(
        inputs.fake_features.features,
        inputs.ref_features.features.features,
        proto.kid_subsets,
        proto.kid_subset_size,
        proto.seed,
    )
    inputs.add(
        "kid",
        mean,
        {
            **inputs.features_receipt,
            "protocol": {
                "kid": 1,
                "subsets": proto.kid_subsets,
                "subset_size": proto.kid_subset_size,
                "kernel": "(x.y/d + 1)^3",
            },
        },
        spread=std,
        spread_kind=f"std over {proto.kid_subsets} subsets",
    )
