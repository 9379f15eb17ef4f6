"""Sharpness: how much fine detail the samples hold against the real images.

The lecture's point about a generator trained without a discriminator (`gan train vae`) is
that its samples come out blurry; FID mixes blur with everything else. This measures it alone:
the variance of the 4-neighbour Laplacian of each image's luma (pixels in [0, 1]), averaged
over the images, for the samples over the same for up to REFERENCE real images. 1: as sharp
as the data; below 1: blur (a VAE's soft edges); above 1: more high-frequency energy than the
data has (noise, grids, checkerboards), which is no better: read it with FID beside it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from gancli.metrics.registry import metric

if TYPE_CHECKING:
    from gancli.metrics.evaluation import Inputs

REFERENCE = 10_000  # real images measured, drawn with the protocol's seed when there are more


def laplacian_variance(x: Any, batch: int = 1000) -> torch.Tensor:
    """Per image, the variance of the 4-neighbour Laplacian of the luma: uint8 (N, C, H, W) in
    [0, 255] or floats in [0, 1]; RGB is weighted as ITU-R 601, other channel counts averaged."""
    x = torch.as_tensor(x)
    scale = 255.0 if x.dtype == torch.uint8 else 1.0
    out = []
    for i in range(0, len(x), batch):
        v = x[i : i + batch].float() / scale
        if v.shape[1] == 3:
            luma = 0.299 * v[:, 0] + 0.587 * v[:, 1] + 0.114 * v[:, 2]
        else:
            luma = v.mean(1)
        lap = (
            luma[:, :-2, 1:-1] + luma[:, 2:, 1:-1] + luma[:, 1:-1, :-2] + luma[:, 1:-1, 2:]
            - 4 * luma[:, 1:-1, 1:-1]
        )  # fmt: skip
        out.append(lap.flatten(1).var(1))
    return torch.cat(out)


@metric(
    "sharpness",
    help="fine detail of the samples over the data's (Laplacian variance; 1 = as sharp, <1 blur)",
    kinds=("image",),
    better="higher",
)
def compute(inputs: Inputs) -> None:
    reference = inputs.reference.x
    n_ref = min(len(reference), REFERENCE)
    g = torch.Generator().manual_seed(inputs.proto.seed)
    pick = torch.randperm(len(reference), generator=g)[:n_ref].sort().values
    fake = laplacian_variance(inputs.fake).mean().item()
    real = laplacian_variance(reference[pick]).mean().item()
    ratio = fake / real if real > 0 else float("inf")
    inputs.add(
        "sharpness",
        ratio,
        {
            **inputs.pixels_receipt,
            "n_ref": n_ref,
            "protocol": {"sharpness": 1, "measure": "4-neighbour Laplacian variance of the luma"},
        },
        details={"samples": fake, "reference": real},
    )
