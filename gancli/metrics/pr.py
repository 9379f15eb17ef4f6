"""Improved precision and recall (Kynkäänniemi et al. 2019).

Each set's manifold is the union of balls around its points, each ball reaching the point's
k-th nearest neighbour in the same set (k = 3). Precision is the fraction of generated samples
inside the real manifold; recall the fraction of real samples inside the generated one. The
radii shrink as the sets grow, so both sets should hold the same number of points and that
number belongs in the receipt. Computed by torch-fidelity (`prc_features_to_metric`), blockwise
so that memory stays at one block of distances.
"""

from __future__ import annotations

from typing import Any

import torch

from gancli.errors import GanError

K = 3
BLOCK = 2048


def pr_minimum(k: int) -> int:
    """The fewest points each set needs: a point and its k nearest neighbours."""
    return k + 1


def precision_recall(fake: Any, real: Any, k: int = K, block: int = BLOCK) -> tuple[float, float]:
    """(precision, recall) of generated features `fake` against real features `real`."""
    from torch_fidelity.metric_prc import (
        KEY_METRIC_PRECISION,
        KEY_METRIC_RECALL,
        prc_features_to_metric,
    )

    if k < 1:
        raise GanError(f"precision/recall needs k >= 1 nearest neighbours; got {k}")
    a = torch.as_tensor(fake).detach().cpu().float()
    b = torch.as_tensor(real).detach().cpu().float()
    need = pr_minimum(k)
    if min(len(a), len(b)) < need:
        raise GanError(
            f"precision/recall measures the distance to the k-th nearest neighbour (k = {k}) "
            f"within each set, so it needs at least {need} generated and {need} reference "
            f"samples; got {len(a)} and {len(b)}: raise -n or lower --pr-k"
        )
    out = prc_features_to_metric(
        a, b, prc_neighborhood=k, prc_batch_size=block, save_cpu_ram=True, verbose=False
    )
    return float(out[KEY_METRIC_PRECISION]), float(out[KEY_METRIC_RECALL])
