"""DCGAN's G step scores the D step's fakes again, as dcgan.torch does; the 2014 GAN draws new
noise for G, as its Algorithm 1 says. Counted as generator forwards per training step."""

from __future__ import annotations

import pytest

from gancli.engine.loop import Trainer
from tests.conftest import tiny_options


@pytest.mark.parametrize(("variant", "per_step"), [("dcgan", 1), ("gan", 2), ("unrolled", 2)])
def test_generator_forwards_per_step(tmp_path, variant, per_step):
    opts = tiny_options(tmp_path / "run", variant, steps=3, sample_every=10_000)
    if variant == "unrolled":
        opts.extra = {"unroll": 1}
    opts.health = False  # the training step's forwards only, not the monitor's check
    trainer = Trainer(opts, quiet=True)
    calls = []
    trainer.variant.generator.register_forward_hook(lambda *a: calls.append(1))
    trainer.run()
    assert len(calls) == 3 * per_step


def test_reused_fakes_still_train_g(tmp_path):
    """The reused fakes carry G's graph: G's weights move in a G step."""
    trainer = Trainer(tiny_options(tmp_path / "run", "dcgan", steps=1), quiet=True)
    before = [p.detach().clone() for p in trainer.variant.g_parameters()]
    trainer.run()
    after = trainer.variant.g_parameters()
    assert any((a - b).abs().max() > 0 for a, b in zip(after, before))
