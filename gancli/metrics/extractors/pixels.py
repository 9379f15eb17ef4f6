"""`pixels`: the image average-pooled to 8x8 per channel in [0, 1]. No weights at all: a
sanity baseline, not a perceptual feature space."""

from __future__ import annotations

import torch

from gancli.metrics.features import Extractor, ExtractorRequest
from gancli.metrics.registry import extractor


@extractor(
    "pixels",
    help="the image average-pooled to 8x8 per channel, in [0, 1]: no weights, a sanity "
    "baseline only",
    summary="8x8 average pooling; a baseline",
    kinds=("image",),
)
def build(request: ExtractorRequest) -> Extractor:
    def forward(x: torch.Tensor) -> tuple[torch.Tensor, None]:
        f = torch.nn.functional.adaptive_avg_pool2d(x.float() / 255.0, 8)
        return f.flatten(1), None

    return Extractor(
        "pixels",
        None,
        "adaptive average pooling to 8x8",
        forward,
        request.device,
        request.batch_size,
    )
