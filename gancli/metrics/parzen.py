"""Parzen-window log-likelihood, the protocol of Goodfellow et al. 2014 (after Breuleux et al.).

A Gaussian kernel density with bandwidth σ is fitted to the generated samples; σ is chosen
from logspace(-1, 0, 10) by the mean log-likelihood of a validation set of real images
(1,000 in the paper), and the result is the mean ± standard error of log p(x) over real test
images, in nats, with pixels in [0, 1]:

    log p(x) = logsumexp_i(-||x - s_i||² / 2σ²) - log N - (d/2) log(2πσ²)

The paper used 10,000 samples on MNIST (Table 1: 225 ± 2). It is a poor estimate of the true
likelihood in high dimensions (Theis et al. 2016); it is here to reproduce and compare with the
published table, not as a quality score.

Squared distances come from one matrix product per block of test points (float32, on centred
data), every σ of the grid is scored from the same block, and the sums are done in float64 with
logsumexp: 10,000 x 10,000 at 784-d is a few seconds on one core.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from gancli.errors import GanError
from gancli.metrics.registry import metric

if TYPE_CHECKING:
    from gancli.metrics.evaluation import Inputs
    from gancli.metrics.protocol import Protocol

SIGMAS = tuple(float(s) for s in np.logspace(-1, 0, 10))
VALIDATION = 1000
TEST_MAX = 10_000
BLOCK = 512
MIN_REFERENCE = 4  # validation and test images are both taken from the reference


def _flat(x: Any) -> torch.Tensor:
    t = torch.as_tensor(x).detach().cpu()
    return t.reshape(len(t), -1).float()


@torch.no_grad()
def parzen_log_likelihood(
    x: Any, samples: Any, sigmas: Any = SIGMAS, block: int = BLOCK
) -> np.ndarray:
    """log p(x_j) under the Parzen window of `samples`, for every σ: (len(sigmas), len(x))."""
    xs, s = _flat(x), _flat(samples)
    if xs.shape[1] != s.shape[1]:
        raise ValueError(f"points have {xs.shape[1]} dimensions, samples {s.shape[1]}")
    if len(s) == 0:
        raise ValueError("no samples")
    sig = torch.as_tensor(np.asarray(sigmas, dtype=np.float64)).reshape(-1, 1, 1)
    n, d = len(s), s.shape[1]
    centre = s.mean(0)
    s = s - centre
    s2 = (s * s).sum(1)
    const = math.log(n) + 0.5 * d * torch.log(2 * math.pi * sig.reshape(-1) ** 2)
    out = torch.empty(len(sig), len(xs), dtype=torch.float64)
    for i in range(0, len(xs), block):
        xb = xs[i : i + block] - centre
        d2 = ((xb * xb).sum(1, keepdim=True) + s2 - 2.0 * (xb @ s.T)).clamp_min_(0).double()
        out[:, i : i + block] = torch.logsumexp(-d2.unsqueeze(0) / (2 * sig**2), dim=2)
    out -= const.reshape(-1, 1)
    return out.numpy()


def parzen_evaluate(
    samples: Any, validation: Any, test: Any, sigmas: Any = SIGMAS, block: int = BLOCK
) -> dict[str, Any]:
    """σ by the validation set's mean log-likelihood, then mean ± SE over the test set."""
    grid = [float(v) for v in sigmas]
    val = parzen_log_likelihood(validation, samples, grid, block).mean(1)
    best = int(np.argmax(val))
    ll = parzen_log_likelihood(test, samples, [grid[best]], block)[0]
    return {
        "mean": float(ll.mean()),
        "se": float(ll.std(ddof=1) / math.sqrt(len(ll))) if len(ll) > 1 else math.nan,
        "sigma": grid[best],
        "sigma_at_edge": best in (0, len(grid) - 1),
        "validation_ll": {f"{s:.4g}": float(v) for s, v in zip(grid, val)},
        "n_validation": len(validation),
        "n_test": int(len(ll)),
    }


# ---- the metric ----------------------------------------------------------------------------


def _check(n_fake: int, n_ref: int, proto: Protocol) -> None:
    if n_ref < MIN_REFERENCE:
        raise GanError(
            f"parzen splits the reference into validation and test images, so it needs at least "
            f"{MIN_REFERENCE} reference images; got {n_ref}"
        )


@metric(
    "parzen",
    help="Gaussian Parzen-window log-likelihood of held-out real images (Goodfellow 2014)",
    kinds=("image",),
    better="higher",
    check=_check,
)
def compute(inputs: Inputs) -> None:
    """Validation and test images from a fixed split of the reference (seed SPLIT_SEED)."""
    from gancli.metrics.evaluation import SPLIT_SEED, split_reference

    fake, reference = inputs.fake, inputs.reference
    n_val = min(VALIDATION, len(reference) // 2)
    val_idx, test_idx = split_reference(len(reference), n_val)
    test_idx = test_idx[:TEST_MAX]
    x = reference.x
    r = parzen_evaluate(
        fake.reshape(len(fake), -1).float() / 255.0,
        x[val_idx].reshape(n_val, -1).float() / 255.0,
        x[test_idx].reshape(len(test_idx), -1).float() / 255.0,
    )
    protocol = {
        "parzen": 1,
        "sigmas": "logspace(-1, 0, 10)",
        "validation": r["n_validation"],
        "test": r["n_test"],
        "split": f"reference permuted with seed {SPLIT_SEED}",
    }
    details = {
        "sigma": r["sigma"],
        "sigma_at_grid_edge": r["sigma_at_edge"],
        "validation_ll": r["validation_ll"],
        "units": "nats, pixels in [0, 1]",
    }
    inputs.add(
        "parzen",
        r["mean"],
        {**inputs.pixels_receipt, "protocol": protocol},
        spread=r["se"],
        spread_kind=f"standard error over {r['n_test']} test images",
        ci95=[r["mean"] - 1.96 * r["se"], r["mean"] + 1.96 * r["se"]],
        details=details,
    )
