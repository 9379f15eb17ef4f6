"""Shared test set-up: an isolated cache and no network, for this process and its children."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="gancli-tests-"))
os.environ.setdefault("GANCLI_CACHE", str(_SESSION_DIR / "cache"))
os.environ.setdefault("GANCLI_DATA", str(_SESSION_DIR / "datasets"))
os.environ.setdefault("GAN_ZOO", str(_SESSION_DIR / "zoo"))
os.environ["GANCLI_OFFLINE"] = "1"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.pop("GANCLI_DEBUG", None)
# The tests run tiny nets, where more threads only add synchronisation; on a shared 2-core
# machine, 2 threads per process made a 30-step toy run 60x slower than 1 thread.
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(autouse=True, scope="session")
def _one_thread():
    import torch

    torch.set_num_threads(1)


def tiny_options(out: Path, variant: str = "dcgan", **overrides):
    """A training run small enough for a CPU test: 16x16 shapes, narrow nets, fp32; for a
    variant that trains on pairs (pix2pix), 32x32 held-out edge maps -> faces (1,000 pairs); for
    one that trains on two unpaired domains (cyclegan), 32x32 held-out faces without and with
    glasses."""
    from gancli import variants
    from gancli.engine.options import TrainOptions

    cls = variants.get(variant)
    paired = cls.paired or cls.unpaired

    opts = dict(
        variant=variant,
        data=("synthfaces-glasses-test" if cls.unpaired else "synthfaces-edges-test")
        if paired
        else "shapes",
        image_size=32 if paired else 16,
        width=20 if variant in ("gan", "cgan") else 8,
        batch_size=8,
        steps=2,
        precision="fp32",
        out=str(out),
        sample_every=1000,
        checkpoint_every=1000,
        log_every=1,
        seed=0,
        device="cpu",
    )
    opts.update(overrides)
    return TrainOptions(**opts)


@pytest.fixture
def tiny_run(tmp_path: Path):
    """A trained tiny DCGAN run folder (2 steps)."""
    from gancli.engine.loop import Trainer

    out = tmp_path / "run"
    Trainer(tiny_options(out), quiet=True).run()
    return out
