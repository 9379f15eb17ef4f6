"""pix2pix (Isola et al. 2017): the U-Net and PatchGAN of the paper, the jitter that moves both
images of a pair together, the loss ablation's switches, the checkpoint that says what it
translates, and an exact resume."""

from __future__ import annotations

import json

import pytest
import torch

from gancli.engine.loop import Trainer
from gancli.engine.model import load_model
from gancli.errors import GanError
from gancli.nets.patchgan import PATCH_LAYERS, PatchGAN, receptive_field
from gancli.nets.unet import NoiseDropout, UNet
from gancli.variants.pix2pix import random_jitter, split_pair
from tests.conftest import tiny_options


def _log(run):
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def test_unet_depth_follows_the_size_and_runs_at_any_multiple():
    g = UNet(3, 3, 32, width=4)
    assert len(g.down) == 5 and g.multiple == 32  # 32 -> 1x1
    assert len(UNet(3, 3, 256, width=1).down) == 8  # the paper's eight levels
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    assert g(x).shape == (2, 3, 32, 32)
    assert g(torch.rand(1, 3, 64, 96)).shape == (1, 3, 64, 96)  # fully convolutional
    with pytest.raises(GanError, match="multiples of 32"):
        g(torch.rand(1, 3, 48, 40))
    with pytest.raises(GanError, match="8, 16, 32"):
        UNet(3, 3, 48)
    # dropout (the first three decoder blocks) is the model's noise, in eval mode too
    drops = [m for m in g.modules() if isinstance(m, NoiseDropout)]
    assert len(drops) == 3
    g.eval()
    assert not torch.equal(g(x), g(x))
    torch.manual_seed(1)
    a = g(x)
    torch.manual_seed(1)
    assert torch.equal(a, g(x))


def test_each_decoder_block_sees_its_mirror_encoder_block():
    """C64-C128-C256-C512-C512 down, and each block up takes the block below's output
    concatenated with its mirror's (the skip): twice the channels, except the innermost."""
    g = UNet(3, 3, 32, width=4)
    downs = [
        b[-1].out_channels if isinstance(b[-1], torch.nn.Conv2d) else b[-2].out_channels
        for b in g.down
    ]
    assert downs == [4, 8, 16, 32, 32]
    ups = [b[1].in_channels for b in g.up]
    assert ups == [32, 64, 32, 16, 8]
    assert g.up[-1][1].out_channels == 3 and isinstance(g.up[-1][-1], torch.nn.Tanh)
    norms = [type(m).__name__ for m in g.down[0]] + [type(m).__name__ for m in g.down[-1]]
    assert "InstanceNorm2d" not in norms  # none on the first nor the innermost layer


@pytest.mark.parametrize("patch", [1, 16, 70])
def test_patchgan_sees_patches_of_the_papers_sizes(patch):
    """The input region that one output's gradient reaches is the patch."""
    layers = PATCH_LAYERS[patch]
    assert receptive_field(layers) == patch
    size = 128
    d = PatchGAN(3, size, width=2, layers=layers)
    for i, m in enumerate(d.body):  # a norm mixes the whole image's statistics in: drop it
        if isinstance(m, torch.nn.InstanceNorm2d):
            d.body[i] = torch.nn.Identity()
    x = torch.rand(1, 3, size, size, requires_grad=True)
    out = d(x)
    out[0, 0, out.shape[2] // 2, out.shape[3] // 2].backward()
    rows = (x.grad[0].abs().sum(0).sum(1) > 0).nonzero().flatten()
    assert int(rows.max() - rows.min() + 1) <= patch
    assert int(rows.max() - rows.min() + 1) >= patch - 3  # padding trims at most the rim
    assert receptive_field(PATCH_LAYERS[286]) == 286
    with pytest.raises(GanError, match="needs images of at least"):
        PatchGAN(6, 16, layers=3)


def test_jitter_moves_both_images_of_a_pair_together():
    a = torch.rand(4, 3, 32, 32) * 2 - 1
    pairs = torch.cat([a, a], 1)
    out = random_jitter(pairs)
    assert out.shape == pairs.shape
    x, y = split_pair(out, "AtoB")
    assert torch.equal(x, y)
    assert not torch.allclose(out, pairs)  # resized and cropped: it did something
    src, tgt = split_pair(torch.cat([a, -a], 1), "BtoA")
    assert torch.equal(src, -a) and torch.equal(tgt, a)


def test_checkpoint_says_what_it_translates(tmp_path):
    opts = tiny_options(tmp_path / "r", "pix2pix", steps=1, extra={"direction": "BtoA"})
    trainer = Trainer(opts, quiet=True)
    path = trainer.run()
    cfg = load_model(path).config
    assert cfg["translation"] == {
        "directions": {"BtoA": ["faces", "edges"]},
        "default": "BtoA",
        "image_size": 32,
        "channels": 3,
    }
    assert cfg["train"]["ema_decay"] == 0.0  # the paper's G, not an average
    assert cfg["hyper"]["batch_size"] == 8  # tiny_options; the default is the paper's 1
    assert (tmp_path / "r" / "samples" / "step_000001.png").is_file()


def test_the_ablations_switch_the_terms_off(tmp_path):
    both = _log_one(tmp_path / "both", {})
    l1 = _log_one(tmp_path / "l1", {"gan_weight": 0.0})
    gan = _log_one(tmp_path / "gan", {"l1_lambda": 0.0})
    assert both["g_loss"] == pytest.approx(100 * both["l1"] + both["g_gan"], rel=1e-5)
    assert "g_gan" not in l1 and l1["g_loss"] == pytest.approx(100 * l1["l1"], rel=1e-5)
    assert gan["g_loss"] == pytest.approx(gan["g_gan"], rel=1e-5)


def _log_one(run, extra):
    Trainer(tiny_options(run, "pix2pix", steps=1, extra=extra), quiet=True).run()
    return _log(run)[-1]


def test_pix2pix_refuses_single_images_and_others_refuse_pairs(tmp_path):
    with pytest.raises(GanError, match="'shapes' holds single images, not pairs"):
        Trainer(tiny_options(tmp_path / "a", "pix2pix", data="shapes"), quiet=True)
    with pytest.raises(GanError, match="holds image pairs, for a translation model"):
        Trainer(tiny_options(tmp_path / "b", "dcgan", data="synthfaces-edges-test"), quiet=True)


def test_resume_continues_exactly(tmp_path):
    straight, split = tmp_path / "straight", tmp_path / "split"
    Trainer(tiny_options(straight, "pix2pix", steps=4, batch_size=2), quiet=True).run()
    Trainer(tiny_options(split, "pix2pix", steps=2, batch_size=2), quiet=True).run()
    Trainer(tiny_options(None, "pix2pix", steps=4, resume=str(split)), quiet=True).run()
    a = [{k: v for k, v in r.items() if k not in ("img_per_s", "time")} for r in _log(straight)]
    b = [{k: v for k, v in r.items() if k not in ("img_per_s", "time")} for r in _log(split)]
    assert a == b
    ta, tb = load_model(straight).tensors(), load_model(split).tensors()
    assert all(torch.equal(ta[k], tb[k]) for k in ta)
