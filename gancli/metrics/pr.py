"""Improved precision and recall (Kynkäänniemi et al. 2019).

Each set's manifold is the union of balls around its points, each ball reaching the point's
k-th nearest neighbour in the same set (k = 3). Precision is the fraction of generated samples
inside the real manifold; recall the fraction of real samples inside the generated one. The
radii shrink as the sets grow, so both sets should hold the same number of points and that
number belongs in the receipt. Computed by torch-fidelity (`prc_features_to_metric`), blockwise
so that memory stays at one block of distances.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from gancli.errors import GanError
from gancli.metrics.registry import metric

if TYPE_CHECKING:
    from gancli.metrics.evaluation import Inputs
    from gancli.metrics.protocol import Protocol

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


# ---- the metric ----------------------------------------------------------------------------


def _check(n_fake: int, n_ref: int, proto: Protocol) -> None:
    need = pr_minimum(proto.pr_k)
    if proto.pr_k < 1:
        raise GanError(f"--pr-k must be at least 1; got {proto.pr_k}")
    if min(n_fake, n_ref) < need:
        raise GanError(
            f"precision/recall measures the distance to the k-th nearest neighbour "
            f"(k = {proto.pr_k}) within each set, so it needs at least {need} generated and "
            f"{need} reference samples; got {n_fake} and {n_ref}: "
            + ("raise -n or lower --pr-k" if n_fake < need else "lower --pr-k")
        )


@metric(
    "pr",
    help="improved precision and recall (Kynkäänniemi et al. 2019), k-NN balls, k = 3",
    kinds=("image", "points"),
    better="higher",
    features=True,
    aliases=("precision", "recall", "prc"),
    torch_fidelity=True,
    check=_check,
)
def compute(inputs: Inputs) -> None:
    """Two results, precision and recall, on equal numbers of samples from both sets (the
    larger set is subsampled with the protocol's seed)."""
    proto, feat = inputs.proto, inputs.features_receipt
    fake = inputs.fake_features.features
    real = inputs.ref_features.features.features
    m = min(len(fake), len(real))
    g = torch.Generator().manual_seed(proto.seed)
    if len(fake) > m:
        fake = fake[torch.randperm(len(fake), generator=g)[:m]]
    if len(real) > m:
        real = real[torch.randperm(len(real), generator=g)[:m]]
    precision, recall = precision_recall(fake, real, proto.pr_k)
    r = {**feat, "n": m, "n_ref": m, "protocol": {"pr": 1, "k": proto.pr_k, "equal_n": True}}
    note = {"subsampled_to": m} if m < feat["n"] or m < feat["n_ref"] else {}
    inputs.add("precision", precision, {**r, "metric": "pr"}, details=dict(note))
    inputs.add("recall", recall, {**r, "metric": "pr"}, details=dict(note))
