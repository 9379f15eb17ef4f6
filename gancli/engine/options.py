"""Training options: the one source of defaults for the library and the command line.

Kept free of torch so that `gan train --help` can show these defaults instantly.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from gancli.errors import GanError

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
    augment: str | None = None  # DiffAugment policy (gancli.augment); None or "": none
    ema_decay: float = 0.999
    sample_every: int = 500
    checkpoint_every: int = 1000
    keep_every: int | None = None  # also keep the checkpoint of every N-th step (snapshots/)
    eval_every: int | None = None  # metrics of the EMA generator every N steps (engine.watch)
    eval_metrics: str | None = None  # e.g. "fid,kid"; None: engine.watch.DEFAULT_METRICS
    eval_samples: int = 2000
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


def _flag(key: str) -> str:
    return "--" + key.replace("_", "-")


def check_options(opts: TrainOptions) -> None:
    """One clear line for a value no run can use (before any data is read or net is built).

    Only what the user set is checked (None keeps the variant's paper default); the nets and
    the data loader check what depends on them (image sizes, channels). The augmentation
    policy is normalised in place, as the run saves it."""
    at_least_one = ("steps", "batch_size", "n_critic", "z_dim", "width", "image_size")
    checked = ("sample_every", "checkpoint_every", "log_every", "keep_every", "eval_every")
    for key in at_least_one + checked + ("eval_samples",):
        value = getattr(opts, key)
        if value is not None and (isinstance(value, bool) or value < 1):
            raise GanError(f"{_flag(key)} must be at least 1; got {value}")
    for key in ("epochs", "lr_g", "lr_d"):
        value = getattr(opts, key)
        if value is not None and not (math.isfinite(value) and value > 0):
            name = _flag(key) + (" (or --lr)" if key.startswith("lr") else "")
            raise GanError(f"{name} must be a number above 0; got {value}")
    if opts.betas is not None and not all(0.0 <= b < 1.0 for b in opts.betas):
        raise GanError(f"--betas must each be in [0, 1), e.g. 0.5,0.999; got {opts.betas}")
    if opts.augment is not None:
        from gancli.augment import parse_policy

        opts.augment = parse_policy(opts.augment) or None  # as saved and shown on model cards
    if not 0.0 <= opts.ema_decay < 1.0:
        raise GanError(f"--ema-decay must be in [0, 1) (0: no averaging); got {opts.ema_decay}")
