"""The names `gan evaluate` knows: metrics and feature extractors, with one line each.

Free of torch and numpy, so that help texts and the error for a misspelt name cost nothing.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from gancli.errors import GanError


@dataclass(frozen=True)
class MetricInfo:
    help: str
    kinds: tuple[str, ...]  # data kinds it applies to: "image", "points"
    better: str  # "lower" or "higher": which way is better, for --compare
    features: bool  # computed on the feature extractor's output (else pixels or points)


METRICS: dict[str, MetricInfo] = {
    "fid": MetricInfo(
        "Fréchet distance of Gaussians fitted to the features (FID on Inception pool3)",
        ("image", "points"),
        "lower",
        True,
    ),
    "kid": MetricInfo(
        "kernel distance: unbiased MMD² with kernel (x·y/d + 1)³, mean ± std over subsets",
        ("image", "points"),
        "lower",
        True,
    ),
    "is": MetricInfo(
        "Inception Score exp(E KL(p(y|x) || p(y))) of the extractor's class logits, 10 splits",
        ("image",),
        "higher",
        True,
    ),
    "pr": MetricInfo(
        "improved precision and recall (Kynkäänniemi et al. 2019), k-NN balls, k = 3",
        ("image", "points"),
        "higher",
        True,
    ),
    "classes": MetricInfo(
        "class histogram of the samples by the classifier, and its KL to the reference's",
        ("image",),
        "lower",
        True,
    ),
    "modes": MetricInfo(
        "modes captured and KL to uniform: 2-D mixtures (VEEGAN / PacGAN protocol, with % high "
        "quality) and Stacked MNIST (1,000 digit triples read by a digit classifier)",
        ("points", "image"),
        "higher",
        False,
    ),
    "parzen": MetricInfo(
        "Gaussian Parzen-window log-likelihood of held-out real images (Goodfellow 2014)",
        ("image",),
        "higher",
        False,
    ),
    "memorisation": MetricInfo(
        "nearest training images of the samples (pixel L2) against held-out real images",
        ("image",),
        "higher",
        False,
    ),
}
ALIASES = {
    "memorization": "memorisation",
    "memorise": "memorisation",
    "nn": "memorisation",
    "precision": "pr",
    "recall": "pr",
    "inception-score": "is",
    "isc": "is",
    "mode": "modes",
    "prc": "pr",
}

# name -> one line for help texts; "points" is the only one for 2-D data.
EXTRACTORS: dict[str, str] = {
    "inception": "Inception-v3 pool3 (2048-d) and logits, the TF-ported weights of FID "
    "(torch-fidelity); downloads once, or --inception-weights / $GANCLI_INCEPTION_WEIGHTS",
    "classifier": "a small CNN trained once on the labelled reference set (cached): 128-d "
    "features and class logits; works offline, not comparable across data sets",
    "pixels": "the image average-pooled to 8x8 per channel, in [0, 1]: no weights, a sanity "
    "baseline only",
    "points": "the 2-D coordinates themselves (toy data sets)",
}

DEFAULT_IMAGE_METRICS = ("fid", "kid", "pr")
DEFAULT_POINT_METRICS = ("modes",)


def metric_names() -> list[str]:
    return sorted(METRICS)


def parse_metrics(text: str | None, kind: str | None) -> list[str]:
    """`fid,kid,pr` -> ["fid", "kid", "pr"], checked against the data kind ("image",
    "points"; None checks the names only); GanError otherwise."""
    if text is None or not text.strip():
        return list(DEFAULT_POINT_METRICS if kind == "points" else DEFAULT_IMAGE_METRICS)
    out: list[str] = []
    for raw in text.split(","):
        name = raw.strip().lower()
        if not name:
            continue
        name = ALIASES.get(name, name)
        if name not in METRICS:
            msg = f"unknown metric '{raw.strip()}'; known: {', '.join(metric_names())}"
            close = difflib.get_close_matches(name, metric_names(), n=1, cutoff=0.5)
            if close:
                msg += f" (did you mean '{close[0]}'?)"
            raise GanError(msg)
        if kind is not None and kind not in METRICS[name].kinds:
            raise GanError(f"{name} needs images; this data set is 2-D points (use modes)")
        if name not in out:
            out.append(name)
    if not out:
        raise GanError(f"--metrics is empty; known: {', '.join(metric_names())}")
    return out


def check_extractor(name: str) -> str:
    key = name.strip().lower()
    if key not in EXTRACTORS:
        msg = f"unknown feature extractor '{name}'; known: {', '.join(sorted(EXTRACTORS))}"
        close = difflib.get_close_matches(key, sorted(EXTRACTORS), n=1, cutoff=0.5)
        if close:
            msg += f" (did you mean '{close[0]}'?)"
        raise GanError(msg)
    return key
