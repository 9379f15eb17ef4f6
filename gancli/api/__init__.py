"""The library under the `gan` commands: each module is one job with its options object, and
`load` opens a model by any name gan accepts.

    from gancli.api import load
    model = load("hf://owner/repo")      # or a path, RUN@STEP, a zoo name, curated:NAME
    x = model.sample(model.variant.sample_z(16))

    from gancli.api.sample import SampleOptions, sample
    sample("mnist5k-dcgan", SampleOptions(n=16, output="grid.png"))

Commands parse flags into these options, call the job and render its result; Python users call
the same jobs. This layer is where the store (which finds model files) meets the engine (which
builds models): neither imports the other. Importing this package imports no torch.
"""

from __future__ import annotations

from typing import Any


def load(ckpt: str, device: Any = "cpu") -> Any:
    """The model that `ckpt` names, ready to sample: `load("hf://owner/repo").sample(z)`."""
    from gancli.engine.model import load_model
    from gancli.store.locate import resolve

    return load_model(resolve(ckpt), device)
