"""Engine parts: step counting, batches, precision choice, EMA, net sizing."""

from __future__ import annotations

import pytest
import torch

from gancli.data import load_data
from gancli.engine.batcher import Batcher
from gancli.engine.device import resolve_precision
from gancli.engine.ema import EMA
from gancli.engine.loop import Trainer
from gancli.errors import GanError
from tests.conftest import tiny_options


def test_epochs_count_discriminator_passes(tmp_path):
    t = Trainer(tiny_options(tmp_path / "r", steps=None, epochs=2, batch_size=100), quiet=True)
    assert t.total == 200  # shapes has 10,000 images: 2 passes of D at 100 per batch, n_critic 1


def test_batch_larger_than_data_is_refused(tmp_path):
    with pytest.raises(GanError, match="larger than the data set"):
        Trainer(tiny_options(tmp_path / "r", batch_size=20_000), quiet=True)


def test_batcher_scales_flips_and_resumes():
    data = load_data("shapes", image_size=16)
    b = Batcher(data, 32, torch.device("cpu"), seed=3, flip=True)
    x, labels = b.next()
    assert x.shape == (32, 3, 16, 16) and x.dtype == torch.float32
    assert x.min() >= -1 and x.max() <= 1 and labels.shape == (32,)
    # every batch image is a real image, flipped or not
    real = data.x.float() / 127.5 - 1
    idx = b.perm[:32]
    same = (x == real[idx]).flatten(1).all(1)
    flipped = (x == real[idx].flip(-1)).flatten(1).all(1)
    assert bool((same | flipped).all()) and 0 < int(flipped.sum()) < 32
    state = {k: (v.clone() if torch.is_tensor(v) else v) for k, v in b.state_dict().items()}
    nxt = b.next()[0]
    b2 = Batcher(data, 32, torch.device("cpu"), seed=99, flip=True)
    b2.load_state_dict(state)
    assert torch.equal(b2.next()[0], nxt)


def test_batcher_covers_an_epoch_without_repeats():
    data = load_data("ring8")
    b = Batcher(data, 1000, torch.device("cpu"), seed=0)
    seen = torch.cat([b.perm[b.pos - 1000 : b.pos] for _ in range(100) if b.next() is not None])
    assert len(seen.unique()) == 100_000


def test_precision_auto():
    cpu = torch.device("cpu")
    assert resolve_precision("auto", cpu, "points") == "fp32"
    assert resolve_precision("bf16", cpu) == "bf16"
    with pytest.raises(GanError, match="fp16"):
        resolve_precision("fp16", cpu)


def test_ema_follows_with_warmup():
    net = torch.nn.Linear(2, 2)
    ema = EMA(net, decay=0.999)
    with torch.no_grad():
        net.weight.add_(1.0)
    before = ema.net.weight.clone()
    ema.update(net, step=0)  # warm-up decay (1+0)/(10+0) = 0.1: moves 90% of the way
    assert torch.allclose(ema.net.weight, before + 0.9 * (net.weight - before))
    assert not ema.net.weight.requires_grad


@pytest.mark.parametrize("size, start", [(16, 4), (28, 7), (32, 4), (64, 4), (128, 4)])
def test_dcgan_nets_sized_from_resolution(size, start):
    from gancli.nets.dcgan import Discriminator, Generator, plan

    g, d = Generator(10, 3, size, width=4), Discriminator(3, size, width=4)
    x = g(torch.randn(2, 10))
    assert x.shape == (2, 3, size, size) and d(x).shape == (2,)
    assert plan(size, 4)[0] == start


def test_dcgan_paper_shape_at_64():
    from gancli.nets.dcgan import plan

    assert plan(64, 128) == (4, [1024, 512, 256, 128])  # 1024x4x4 -> 512 -> 256 -> 128 -> 3x64x64
    with pytest.raises(GanError, match="image size"):
        plan(48, 128)


def test_compile_mode_trains_and_saves_plain_weights(tmp_path):
    """`--compile-mode reduce-overhead` (CUDA graphs on a GPU; plain inductor on a CPU)
    compiles the nets, is kept in the run's config, and saves the eager nets' tensor names."""
    from gancli.engine.model import load_model

    trainer = Trainer(tiny_options(tmp_path / "c", compile_mode="reduce-overhead"), quiet=True)
    # nn.Module.compile compiles in place: each net's calls now go through the compiler
    assert all(net._compiled_call_impl is not None for net in trainer.variant.nets.values())
    trainer.run()
    Trainer(tiny_options(tmp_path / "e", steps=1), quiet=True).run()
    compiled, eager = load_model(tmp_path / "c", "cpu"), load_model(tmp_path / "e", "cpu")
    assert compiled.config["train"]["compile_mode"] == "reduce-overhead"
    assert set(compiled.tensors()) == set(eager.tensors())
    assert torch.isfinite(compiled.sample(compiled.variant.sample_z(2))).all()
    with pytest.raises(GanError, match="reduce-overhead"):
        Trainer(tiny_options(tmp_path / "x", compile_mode="fast"), quiet=True)
