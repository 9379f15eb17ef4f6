"""`gan train --log tensorboard`: the run as TensorBoard curves, in the run folder.

Scalars (the losses, the health monitor's signals, the learning rates, images/s) at each
`--log-every` step, from the record the loop has already read back (no host sync of its own);
each sample grid as an image; the run's options as hparams. Written to RUN/tensorboard, so
`tensorboard --logdir runs/` compares runs; a resumed run writes on into the same folder from
its step (`purge_step` drops what an interrupted run wrote past its last checkpoint), so its
curves go on.

TensorBoard is an optional extra (`pip install 'gancli[tensorboard]'`): without it the option
is refused with one line before training starts.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from gancli.errors import GanError
from gancli.store.files import TENSORBOARD_DIR

LOGGERS = ("tensorboard",)


def installed() -> bool:
    return importlib.util.find_spec("tensorboard") is not None


def check_log(log: str | None) -> None:
    """Refuse an unknown --log or a missing TensorBoard with one line."""
    if not log:
        return
    if log not in LOGGERS:
        raise GanError(f"--log must be one of: {', '.join(LOGGERS)}; got {log!r}")
    if not installed():
        raise GanError(
            "--log tensorboard needs the tensorboard package: pip install 'gancli[tensorboard]'"
        )


class TensorBoardLog:
    """One run's TensorBoard writer (rank 0 only)."""

    def __init__(self, out: Path, step: int, config: dict[str, Any]) -> None:
        from torch.utils.tensorboard import SummaryWriter

        # on resume from step S, what an interrupted run wrote past S goes: S itself was logged
        # before its checkpoint was saved
        purge = step + 1 if step else None
        self.writer = SummaryWriter(log_dir=str(out / TENSORBOARD_DIR), purge_step=purge)
        if not step:  # the run's options once, at its start
            self._hparams(config)

    def _hparams(self, config: dict[str, Any]) -> None:
        train = config.get("train", {})
        hyper = config.get("hyper", {})
        flat: dict[str, Any] = {}
        for source in (train, hyper):
            for k, v in source.items():
                if isinstance(v, bool | int | float | str):
                    flat[k] = v
                elif isinstance(v, list | tuple):
                    flat[k] = ",".join(str(x) for x in v)
        self.writer.add_text("config", "\n".join(f"    {k}: {v}" for k, v in flat.items()), 0)
        from torch.utils.tensorboard.summary import hparams

        exp, ssi, sei = hparams(flat, {})
        for summary in (exp, ssi, sei):
            self.writer.file_writer.add_summary(summary)

    def scalars(self, record: dict[str, Any], lrs: dict[str, float]) -> None:
        step = record["step"]
        for k, v in record.items():
            if k in ("step", "time") or not isinstance(v, int | float):
                continue
            group = "loss" if k.endswith("loss") else "train"
            self.writer.add_scalar(f"{group}/{k}", v, step)
        for k, v in (record.get("health") or {}).items():
            self.writer.add_scalar(f"health/{k}", v, step)
        for k, v in lrs.items():
            self.writer.add_scalar(f"lr/{k}", v, step)

    def image(self, step: int, path: Path) -> None:
        import numpy as np
        from PIL import Image

        with Image.open(path) as im:
            pixels = np.asarray(im.convert("RGB"))
        self.writer.add_image("samples", pixels, step, dataformats="HWC")

    def flush(self) -> None:
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()
