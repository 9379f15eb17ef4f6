"""Checkpoints written before a variant lost an option still load, sample the same and resume:
a saved `hyper.extra` may hold a key that the variant no longer offers (older dcgan-derived
runs stored {"g_loss": "nonsaturating"}) or lack one it offers now (hinge before --d-norm)."""

from __future__ import annotations

import pytest
import torch

from gancli.engine.loop import Trainer
from gancli.engine.model import load_model
from gancli.latent.priors import seeded_latents
from gancli.store.checkpoint import model_metadata, read_checkpoint, save_tensors
from tests.conftest import tiny_options


def _rewrite_extra(run, change) -> dict:
    """Rewrite the run's model file with its saved `hyper.extra` changed, as an older gancli
    would have written it; returns the new extra."""
    ckpt = read_checkpoint(run)
    config = ckpt.config
    config["hyper"]["extra"] = change(dict(config["hyper"]["extra"]))
    save_tensors(ckpt.path, ckpt.tensors, model_metadata(config))
    return config["hyper"]["extra"]


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("lsgan", lambda e: {**e, "g_loss": "nonsaturating"}),
        ("wgan", lambda e: {**e, "g_loss": "nonsaturating"}),
        ("wgan-gp", lambda e: {**e, "g_loss": "minimax"}),
        ("hinge", lambda e: {"g_loss": "nonsaturating"}),  # no d_norm: saved before it existed
        ("acgan", lambda e: {**e, "g_loss": "nonsaturating"}),
        ("cgan", lambda e: {**e, "g_loss": "nonsaturating"}),
    ],
)
def test_a_saved_extra_with_a_removed_key_loads_samples_and_resumes(tmp_path, name, change):
    run = tmp_path / "run"
    trainer = Trainer(tiny_options(run, name, steps=1), quiet=True)
    trainer.run()
    z = seeded_latents(trainer.variant, list(range(6)))
    expected = load_model(run).sample(z)

    extra = _rewrite_extra(run, change)
    model = load_model(run)
    assert model.config["hyper"]["extra"] == extra and "g_loss" in extra
    assert torch.equal(model.sample(z), expected)

    resumed = Trainer(tiny_options(run, name, steps=2, resume=str(run)), quiet=True)
    assert read_checkpoint(resumed.run()).step == 2
