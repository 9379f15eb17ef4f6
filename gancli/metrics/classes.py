"""Class histograms: the classifier's reading of the samples against its reading of the
reference set, and KL(samples' histogram || reference's) in nats. 0 when the generator makes
every class as often as the data has it; a class it never makes only lowers the coverage
count (the KL is over the classes the samples hold).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gancli.metrics.registry import metric

if TYPE_CHECKING:
    from gancli.metrics.evaluation import Inputs


@metric(
    "classes",
    help="class histogram of the samples by the classifier, and its KL to the reference's",
    kinds=("image",),
    better="lower",
    features=True,
    logits=True,
    named_classes=True,
)
def compute(inputs: Inputs) -> None:
    names = inputs.extractor.class_names
    logits = inputs.fake_features.logits
    ref_logits = inputs.ref_features.features.logits
    k = len(names)
    fake_h = np.bincount(logits.argmax(1).numpy(), minlength=k) / len(logits)
    ref_h = np.bincount(ref_logits.argmax(1).numpy(), minlength=k) / len(ref_logits)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(fake_h > 0, fake_h * np.log(fake_h / ref_h), 0.0)
    kl = float(terms.sum())
    inputs.add(
        "classes",
        kl,
        {
            **inputs.features_receipt,
            "protocol": {"classes": 1, "histograms": "classifier predictions, both sets"},
        },
        details={
            "covered": int((fake_h > 0).sum()),
            "total": k,
            "histogram": {n: round(float(v), 6) for n, v in zip(names, fake_h)},
            "reference_histogram": {n: round(float(v), 6) for n, v in zip(names, ref_h)},
        },
    )
