"""Training options: the one source of defaults for the library and the command line.

Kept free of torch so that `gan train --help` can show these defaults instantly.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from gancli.errors import GanError
from gancli.optionspec import device_option, option, seed_option
from gancli.store.files import SNAPSHOTS_DIR, TRAIN_LOG_FILE

DEFAULT_STEPS = 5000
ON_COLLAPSE = ("warn", "stop")
MAX_ROLLBACKS = 3  # --rollback goes back at most this many times in one run
ROLLBACK_LR = 0.5  # ... each time multiplying both learning rates by this


_DATA_HELP = (
    "Image folder, or a built-in: {names} (gan data list says what each is). Default: shapes "
    "(needs no download)."
)


def _data_help() -> str:
    from gancli.data.registry import builtin_names

    return _DATA_HELP.format(names=", ".join(builtin_names()))


@dataclass
class TrainOptions:
    """Every training option with its default; the fields with help are `gan train`'s flags,
    in this order. None keeps the variant's paper default (or the one in the comment)."""

    variant: str
    data: str | None = option(None, "--data", "-d", help=_data_help())
    data_a: str | None = option(
        None,
        "--data-a",
        help="Unpaired translation (cyclegan): domain A, an image folder or a built-in image "
        "set; with --data-b, in place of --data.",
    )
    data_b: str | None = option(
        None, "--data-b", help="Unpaired translation (cyclegan): domain B, as --data-a."
    )
    image_size: int | None = option(
        None,
        help="Resize (shorter side) and centre-crop images to this size (default: a folder's "
        "own size rounded to 16, 32 or 64; a built-in's own size).",
    )
    channels: int | None = option(None, help="1 or 3; default: 1 if every image is grey.")
    # total generator steps; default DEFAULT_STEPS unless epochs are given
    steps: int | None = option(None, help=f"Total generator steps (default: {DEFAULT_STEPS}).")
    epochs: float | None = option(
        None, help="Train for this many passes of D over the data instead of --steps."
    )
    batch_size: int | None = option(
        None,
        help="Batch size (default: the paper's). With several processes it is the global "
        "batch, split evenly over them.",
    )
    lr_g: float | None = option(None, help="Learning rate of G.")
    lr_d: float | None = option(None, help="Learning rate of D.")
    betas: tuple[float, float] | None = None  # the flag is text: gancli.cli.train
    n_critic: int | None = option(None, help="D steps per G step.")
    z_dim: int | None = option(None, help="Latent size.")
    width: int | None = option(
        None,
        help="Net width (dcgan: channels of the finest layer; default: the paper's, 128 for "
        "dcgan; 32 or 64 train several times faster on a CPU).",
    )
    extra: dict[str, Any] | None = None  # the variant's own options (Variant.options)
    ema_decay: float | None = option(
        None,
        help="EMA decay of the generator's weights (0: none; default: the variant's, 0.999, "
        "pix2pix 0).",
    )
    sample_every: int = option(500, help="Write a sample grid every N steps.")
    checkpoint_every: int = option(1000, help="Write a checkpoint every N steps.")
    keep_every: int | None = option(
        None,
        help=f"Also keep the checkpoint of every N-th step in RUN/{SNAPSHOTS_DIR}/, to go back "
        "to it: gan sample RUN@STEP.",
    )
    eval_every: int | None = option(
        None,
        help="Every N steps, compute --eval-metrics of the EMA generator in features that "
        "need no download (a classifier of the data's labels, else pixels) into "
        f"{TRAIN_LOG_FILE}; each evaluated step is kept, and the best is named at the end.",
    )
    # None: engine.watch.DEFAULT_METRICS
    eval_metrics: str | None = option(
        None, help="Metrics for --eval-every, e.g. fid,kid,pr (default: fid)."
    )
    eval_samples: int = option(2000, help="Samples per --eval-every evaluation.")
    log_every: int = option(50, help="Report losses every N steps.")
    # None: on for image folders, off for built-ins (digits, shapes)
    flip: bool | None = option(
        None, "--flip/--no-flip", help="Random horizontal flips (default: on for image folders)."
    )
    augment: str | None = option(
        None,
        help="DiffAugment (Zhao et al. 2020) for small image sets: the same random, "
        "differentiable transforms on real and generated images before D. Comma-separated: "
        "translation, cutout, color (the paper's 100-shot setting uses all three), and "
        "rotation (up to 15 degrees; not in DiffAugment).",
    )
    health: bool = option(
        True,
        "--health/--no-health",
        help="Watch the run for mode collapse, D winning or losing, oscillation and divergence at "
        "each --log-every step, and say what to try (a warning and a JSON 'health' event).",
    )
    on_collapse: str = option(
        "warn", help="When the health monitor sees mode collapse: warn, or stop (saving the run)."
    )
    rollback: bool = option(
        False,
        "--rollback",
        help=f"On divergence (or a NaN), go back to the last good checkpoint with half the "
        f"learning rates, at most {MAX_ROLLBACKS} times, instead of stopping.",
    )
    log: str | None = option(
        None,
        "--log",
        help="tensorboard: also write TensorBoard curves (losses, the health monitor's signals, "
        "lr, img/s), sample grids and the run's options into RUN/tensorboard (an optional "
        "extra: pip install 'gancli[tensorboard]').",
    )
    precision: str = option(
        "auto", help="auto, fp32, bf16 or fp16; auto picks bf16 where the hardware runs it fast."
    )
    compile: bool = option(False, "--compile", help="torch.compile the nets.")
    compile_mode: str = option(
        "default",
        "--compile-mode",
        help="torch.compile mode (implies --compile unless 'default'): default, "
        "reduce-overhead (CUDA graphs on a GPU), max-autotune, max-autotune-no-cudagraphs.",
    )
    channels_last: bool = option(
        True,
        "--channels-last/--no-channels-last",
        help="channels_last memory format for conv nets (on a GPU with --compile, the "
        "compiler picks the layout instead).",
    )
    out: str | None = option(
        None, "--out", "-o", help="Run folder (default: runs/<data>-<variant>)."
    )
    resume: str | None = option(
        None, help="Continue the run in this folder exactly where it stopped."
    )
    seed: int = seed_option()
    device: str = device_option()

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
    from gancli.engine.tblog import check_log

    check_log(opts.log)
    if opts.on_collapse not in ON_COLLAPSE:
        raise GanError(
            f"--on-collapse must be one of: {', '.join(ON_COLLAPSE)}; got {opts.on_collapse!r}"
        )
    if opts.ema_decay is not None and not 0.0 <= opts.ema_decay < 1.0:
        raise GanError(f"--ema-decay must be in [0, 1) (0: no averaging); got {opts.ema_decay}")
