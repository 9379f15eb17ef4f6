"""`points`: 2-D toy data's features are the coordinates themselves."""

from __future__ import annotations

from gancli.metrics.features import Extractor, ExtractorRequest
from gancli.metrics.registry import extractor


@extractor(
    "points",
    help="the 2-D coordinates themselves (toy data sets)",
    summary="2-D toys",
    kinds=("points",),
)
def build(request: ExtractorRequest) -> Extractor:
    return Extractor(
        "points",
        None,
        "none (2-D coordinates)",
        lambda x: (x.float(), None),
        request.device,
        65536,
        cache_features=False,
    )
