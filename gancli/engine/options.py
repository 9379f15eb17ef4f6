"""Training options: the one source of defaults for the library and the command line.

Kept free of torch so that `gan train --help` can show these defaults instantly.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

DEFAULT_STEPS = 5000


@dataclass
class TrainOptions:
    variant: str
    data: str | None = None  # None: gancli.data.DEFAULT_SOURCE
    image_size: int | None = None
    channels: int | None = None
    steps: int | None = None  # total generator steps; default DEFAULT_STEPS unless epochs given
    epochs: float | None = None
    # Overrides of the variant's paper defaults (None keeps the default).
    batch_size: int | None = None
    lr_g: float | None = None
    lr_d: float | None = None
    betas: tuple[float, float] | None = None
    n_critic: int | None = None
    z_dim: int | None = None
    width: int | None = None
    extra: dict[str, Any] | None = None  # the variant's own options (Variant.options)
    ema_decay: float = 0.999
    sample_every: int = 500
    checkpoint_every: int = 1000
    log_every: int = 50
    seed: int = 0
    device: str = "auto"
    precision: str = "auto"
    compile: bool = False
    compile_mode: str = "default"  # torch.compile's mode; reduce-overhead adds CUDA graphs
    channels_last: bool = True
    flip: bool | None = None  # None: on for image folders, off for built-ins (digits, shapes)
    out: str | None = None
    resume: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        if d["betas"] is not None:
            d["betas"] = list(d["betas"])
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainOptions:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


DEFAULTS = TrainOptions(variant="dcgan")
