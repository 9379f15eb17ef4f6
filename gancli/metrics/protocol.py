"""The evaluation protocol: every choice about how the metrics are computed, with its default.

The one place those defaults are written: `gan evaluate`'s options and `gan train
--eval-every` read them from here. Free of torch and numpy, so that help texts can show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_IMAGE_METRICS = ("fid", "kid", "pr")
DEFAULT_POINT_METRICS = ("modes",)
# generated samples per evaluation; 2,500 is the mode-coverage protocol's (VEEGAN, PacGAN)
DEFAULT_SAMPLES = {"image": 10_000, "points": 2_500}
# the feature extractor when --features is not given
DEFAULT_FEATURES = {"image": "inception", "points": "points"}


@dataclass
class Protocol:
    """Everything about how the metrics are computed that a user may choose."""

    metrics: list[str]
    features: str | None = None  # None: DEFAULT_FEATURES of the data's kind
    seed: int = 0
    kid_subsets: int = 100
    kid_subset_size: int = 1000
    pr_k: int = 3
    is_splits: int = 10
    bootstrap: int = 20  # FID's bootstrap resamples for its standard error (0: none)
    inception_weights: str | None = None
    classifier_epochs: int | None = None
    batch_size: int = 256
    out_dir: Path | None = None  # where memorisation.png goes; None: not written

    def extractor_name(self, kind: str) -> str:
        return self.features or DEFAULT_FEATURES[kind]


DEFAULTS = Protocol(metrics=list(DEFAULT_IMAGE_METRICS))
