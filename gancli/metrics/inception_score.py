"""Inception Score (Salimans et al. 2016): exp(E_x KL(p(y|x) || p(y))), the mean and standard
deviation over 10 splits of the samples, from the class logits of a feature extractor.

Computed by torch-fidelity (`isc_features_to_metric`); on Inception it uses the 1008 logits
without bias, as torch-fidelity and the original code do. The score lies between 1 and the
number of classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from gancli.errors import GanError
from gancli.metrics.registry import metric

if TYPE_CHECKING:
    from gancli.metrics.evaluation import Inputs
    from gancli.metrics.protocol import Protocol

SPLITS = 10


def inception_score(logits: Any, splits: int = SPLITS, seed: int = 0) -> tuple[float, float]:
    """(mean, std) over `splits` groups of the samples, shuffled with `seed`."""
    from torch_fidelity.metric_isc import (
        KEY_METRIC_ISC_MEAN,
        KEY_METRIC_ISC_STD,
        isc_features_to_metric,
    )

    x = torch.as_tensor(logits).detach().cpu().double()
    if splits < 1:
        raise GanError(f"the Inception Score needs at least 1 split; got {splits}")
    if len(x) < splits:
        raise GanError(
            f"the Inception Score splits the samples into {splits} groups, so it needs at least "
            f"{splits} samples; got {len(x)}: raise -n or lower --is-splits"
        )
    out = isc_features_to_metric(x, splits=splits, shuffle=True, rng_seed=seed)
    return float(out[KEY_METRIC_ISC_MEAN]), float(out[KEY_METRIC_ISC_STD])


# ---- the metric ----------------------------------------------------------------------------


def _check(n_fake: int, n_ref: int, proto: Protocol) -> None:
    if n_fake < proto.is_splits:
        raise GanError(
            f"the Inception Score splits the samples into {proto.is_splits} groups, so it needs "
            f"at least {proto.is_splits} samples; got {n_fake}: raise -n or lower --is-splits"
        )


@metric(
    "is",
    help="Inception Score exp(E KL(p(y|x) || p(y))) of the extractor's class logits, 10 splits",
    kinds=("image",),
    better="higher",
    features=True,
    aliases=("inception-score", "isc"),
    logits=True,
    torch_fidelity=True,
    check=_check,
)
def compute(inputs: Inputs) -> None:
    proto = inputs.proto
    logits = inputs.fake_features.logits
    mean, std = inception_score(logits, proto.is_splits, proto.seed)
    r = {**inputs.features_receipt, "n_ref": None, "reference_hash": None}
    r["protocol"] = {"is": 1, "splits": proto.is_splits, "classes": int(logits.shape[1])}
    inputs.add("is", mean, r, spread=std, spread_kind=f"std over {proto.is_splits} splits")
