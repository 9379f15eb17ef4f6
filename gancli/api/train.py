"""Training a variant: `gan train VARIANT` is this with flags.

from gancli.api.train import train
from gancli.engine.options import TrainOptions
checkpoint = train(TrainOptions(variant="dcgan", data="shapes", steps=200, width=32))
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gancli.engine.options import TrainOptions
from gancli.errors import GanError


def saved_variant(run: str) -> str:
    """The variant that trained a run."""
    from gancli import variants
    from gancli.describe import read_config
    from gancli.zoo import resolve

    variant = str(read_config(resolve(run))[0]["variant"])
    if variant not in variants.names():
        raise GanError(f"{run} is a {variant} run, a variant this gancli does not have")
    return variant


def check_resume(opts: TrainOptions) -> None:
    """A run is resumed by the variant that trained it."""
    if opts.resume is None:
        return
    from gancli.checkpoint import read_checkpoint
    from gancli.zoo import resolve

    saved = read_checkpoint(resolve(opts.resume)).config["variant"]
    if saved != opts.variant:
        raise GanError(
            f"{opts.resume} is a {saved} run; resume it with: "
            f"gan train {saved} --resume {opts.resume}"
        )


def train(
    opts: TrainOptions,
    json_lines: bool = False,
    quiet: bool = False,
    warn: Callable[[str], None] | None = None,
) -> Path:
    """Train (or resume) the run and return its checkpoint. Progress goes to stderr: bars on a
    terminal, JSON lines with `json_lines`, nothing with `quiet`."""
    from gancli.engine.loop import Trainer
    from gancli.engine.progress import TaskProgress

    check_resume(opts)
    # a data set built on first use (a folder decoded, synthfaces drawn) shows progress
    with TaskProgress("train", json_lines=json_lines, quiet=quiet):
        trainer = Trainer(opts, json_lines=json_lines, quiet=quiet, on_warning=warn)
        return trainer.run()
