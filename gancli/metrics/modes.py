"""Mode coverage on 2-D Gaussian mixtures, as VEEGAN (Srivastava et al. 2017) and PacGAN
(Lin et al. 2018) measure it.

A sample is high quality if it lies within 3 standard deviations of its nearest mode; a mode
is captured if it is the nearest mode of at least one high-quality sample; KL is that of the
high-quality samples' histogram over the modes to the uniform distribution (PacGAN). The
papers draw 2,500 samples per evaluation.

For samples of the true mixture (isotropic, modes far apart) every mode is captured, KL -> 0,
and the high-quality fraction is P(|x - mu| <= 3 sigma) in 2-D, a Rayleigh tail:
1 - exp(-9/2) = 98.89%.

`mode_coverage` is numpy only, so that evaluating never needs the training stack. The
`modes` metric counts those of a 2-D mixture, and on Stacked MNIST the 1,000 digit triples
(`gancli.metrics.stacked`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from gancli.errors import GanError
from gancli.metrics.registry import metric

if TYPE_CHECKING:
    from gancli.metrics.evaluation import Inputs

SIGMAS = 3.0  # the high-quality radius, in standard deviations
CHUNK = 65_536  # samples per distance block


def _array(x: Any) -> np.ndarray:
    if hasattr(x, "detach"):  # a torch tensor, on any device
        x = x.detach().float().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def mode_coverage(samples: Any, modes: Any, std: float) -> dict[str, Any]:
    """Modes captured, high-quality fraction and KL(histogram || uniform) of 2-D samples.

    samples: (N, 2) and modes: (K, 2), numpy arrays or torch tensors; std: the std of each
    mixture component. Returns {"modes": captured (int), "total": K, "high_quality": fraction
    of samples in [0, 1], "kl": nats}. KL is over the high-quality samples only, so a
    generator that puts all its samples on one mode scores ln K; with no high-quality sample
    at all the histogram is empty and KL is NaN (undefined).
    """
    x, mu = _array(samples), _array(modes)
    if x.ndim != 2 or mu.ndim != 2 or x.shape[1] != mu.shape[1]:
        raise ValueError(f"samples {x.shape} and modes {mu.shape} must be (N, d) and (K, d)")
    if len(mu) == 0 or std <= 0:
        raise ValueError("need at least one mode and a positive std")
    k = len(mu)
    if len(x) == 0:
        return {"modes": 0, "total": k, "high_quality": 0.0, "kl": math.nan}
    # Direct differences rather than |x|^2 - 2 x.mu + |mu|^2, which cancels digits when the
    # std is small next to the mode radius; in chunks so that (chunk, K, d) stays small.
    nearest = np.empty(len(x), dtype=np.int64)
    good = np.empty(len(x), dtype=bool)
    for i in range(0, len(x), CHUNK):
        d2 = ((x[i : i + CHUNK, None, :] - mu[None, :, :]) ** 2).sum(-1)
        nearest[i : i + CHUNK] = d2.argmin(1)
        good[i : i + CHUNK] = d2.min(1) <= (SIGMAS * std) ** 2
    counts = np.bincount(nearest[good], minlength=k)
    n_good = int(counts.sum())
    if n_good:
        p = counts[counts > 0] / n_good
        kl = float(np.sum(p * np.log(p * k)))
    else:
        kl = math.nan
    return {
        "modes": int((counts > 0).sum()),
        "total": k,
        "high_quality": n_good / len(x),
        "kl": kl,
    }


# ---- the metric ----------------------------------------------------------------------------


def _check_reference(reference: Any) -> None:
    if reference.kind == "image" and reference.name != "stacked-mnist":
        raise GanError(
            "modes counts the modes of a 2-D mixture (--data ring8, grid25) or Stacked MNIST's "
            f"1,000 digit triples (--data stacked-mnist); {reference.name} has no modes to count"
        )


@metric(
    "modes",
    help="modes captured and KL to uniform: 2-D mixtures (VEEGAN / PacGAN protocol, with % high "
    "quality) and Stacked MNIST (1,000 digit triples read by a digit classifier)",
    kinds=("points", "image"),
    better="higher",
    aliases=("mode",),
    check_reference=_check_reference,
)
def compute(inputs: Inputs) -> None:
    if inputs.reference.kind == "image":
        _stacked_modes(inputs)
    else:
        _mixture_modes(inputs)


def _mixture_modes(inputs: Inputs) -> None:
    from gancli.metrics.features import tensor_sha256

    fake, reference = inputs.fake, inputs.reference
    if reference.modes is None or reference.mode_std is None:
        raise GanError(f"modes needs a 2-D mixture with known modes; {reference.name} has none")
    r = mode_coverage(fake, reference.modes, reference.mode_std)
    inputs.add(
        "modes",
        float(r["modes"]),
        {
            "features": "points",
            "features_hash": None,
            "resize": "none",
            "n": len(fake),
            "n_ref": None,
            "reference_hash": tensor_sha256(reference.modes, np.array([reference.mode_std])),
            "protocol": {"modes": 1, "high_quality_within_std": SIGMAS},
        },
        details={
            "total": r["total"],
            "high_quality": r["high_quality"],
            "kl": None if math.isnan(r["kl"]) else r["kl"],
        },
    )


def _stacked_modes(inputs: Inputs) -> None:
    """Stacked MNIST: every channel read by a digit classifier trained on mnist5k."""
    from gancli.data import load_data
    from gancli.metrics.features import build_extractor, data_hash
    from gancli.metrics.stacked import stacked_modes

    fake, reference = inputs.fake, inputs.reference
    if reference.name != "stacked-mnist":
        raise GanError(
            "modes on images counts Stacked MNIST's 1,000 digit triples: use --data "
            f"stacked-mnist (or a 2-D mixture); {reference.name} has no modes to count"
        )
    size = int(fake.shape[-1])
    digits = load_data("mnist5k", image_size=size, channels=1)
    reader = build_extractor(
        "classifier",
        digits,
        data_hash(digits),
        inputs.device,
        classifier_epochs=inputs.proto.classifier_epochs,
        note=inputs.note,
    )
    r = stacked_modes(fake, lambda x: reader(x).logits.argmax(1))
    inputs.add(
        "modes",
        float(r["modes"]),
        {
            "features": "mnist5k digit classifier, per channel",
            "features_hash": reader.weights_hash,
            "resize": "none",
            "n": len(fake),
            "n_ref": None,
            "reference_hash": "stacked-mnist/1000",
            "protocol": {
                "modes": "stacked-mnist",
                "classifier_accuracy": reader.info.get("held_out_accuracy"),
            },
        },
        details={"total": r["total"], "kl": r["kl"], "most_common": r["most_common"]},
    )
