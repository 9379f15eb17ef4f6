"""Loading a model by any name gan accepts, from Python: where the store meets the engine.

    from gancli.api import load
    model = load("hf://owner/repo")      # or a path, RUN@STEP, a zoo name, curated:NAME
    x = model.sample(model.variant.sample_z(16))

The store finds the model file (gancli.store.locate: for hf://, every file checked against the
hash the Hub reports); the engine builds the model from it (gancli.engine.model.load_model).
Neither imports the other, so joining them is this module's one job.
"""

from __future__ import annotations

from typing import Any

from gancli.engine.model import load_model
from gancli.store.locate import resolve


def load(ckpt: str, device: Any = "cpu") -> Any:
    """The model that `ckpt` names, ready to sample: `load("hf://owner/repo").sample(z)`."""
    return load_model(resolve(ckpt), device)
