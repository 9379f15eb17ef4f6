"""Training a variant: `gan train VARIANT` is this with flags.

from gancli.api.train import train
from gancli.engine.options import TrainOptions
checkpoint = train(TrainOptions(variant="dcgan", data="shapes", steps=200, width=32))
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gancli.engine.options import TrainOptions
from gancli.errors import GanError


def saved_variant(run: str) -> str:
    """The variant that trained a run."""
    from gancli import variants
    from gancli.store.describe import read_config
    from gancli.store.locate import resolve

    variant = str(read_config(resolve(run))[0]["variant"])
    if variant not in variants.names():
        raise GanError(f"{run} is a {variant} run, a variant this gancli does not have")
    return variant


def check_resume(opts: TrainOptions) -> None:
    """A run is resumed by the variant that trained it."""
    if opts.resume is None:
        return
    from gancli.store.checkpoint import read_checkpoint
    from gancli.store.locate import resolve

    saved = read_checkpoint(resolve(opts.resume)).config["variant"]
    if saved != opts.variant:
        raise GanError(
            f"{opts.resume} is a {saved} run; resume it with: "
            f"gan train {saved} --resume {opts.resume}"
        )


class ZooTrainer:
    """The engine's Trainer as `gan train` runs it: once the run is done, its model goes into
    the local zoo under the run folder's name (gancli.store.zoo.register_run), on rank 0 only
    (the engine calls `on_finish` there), with a "zoo" event before the last one ("done"). A
    failure there is a warning, never a failed run."""

    def __init__(
        self,
        opts: TrainOptions,
        json_lines: bool = False,
        quiet: bool = False,
        on_warning: Callable[[str], None] | None = None,
    ) -> None:
        from gancli.engine.loop import Trainer

        self.entry: Any = None
        self.trainer = Trainer(
            opts, json_lines=json_lines, quiet=quiet, on_warning=on_warning, on_finish=self._add
        )

    def _add(self, run: Path, event: Callable[..., None]) -> None:
        from gancli.store.zoo import register_run

        try:
            self.entry = register_run(run)
        except (GanError, OSError) as e:
            if not self.trainer.quiet:
                print(f"warning: the model was not added to the zoo: {e}", file=sys.stderr)
            return
        if self.entry is not None:
            event("zoo", entry=self.entry.name, path=str(self.entry.path))

    def run(self) -> Path:
        """Train; the path of the final model file."""
        path = self.trainer.run()
        if self.entry is not None and not (self.trainer.quiet or self.trainer.json_lines):
            name = self.entry.name
            print(f"added to the zoo as {name}: gan sample {name}", file=sys.stderr)
        return path


def train(
    opts: TrainOptions,
    json_lines: bool = False,
    quiet: bool = False,
    warn: Callable[[str], None] | None = None,
) -> Path:
    """Train (or resume) the run, add it to the local zoo, and return its checkpoint. Progress goes to stderr: bars on a
    terminal, JSON lines with `json_lines`, nothing with `quiet`."""
    from gancli.engine.progress import TaskProgress

    check_resume(opts)
    # a data set built on first use (a folder decoded, synthfaces drawn) shows progress
    with TaskProgress("train", json_lines=json_lines, quiet=quiet):
        trainer = ZooTrainer(opts, json_lines=json_lines, quiet=quiet, on_warning=warn)
        return trainer.run()
