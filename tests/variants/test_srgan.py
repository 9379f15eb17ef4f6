"""SRGAN and SRResNet (Ledig et al. 2017): the LR input made as MATLAB's bicubic imresize makes
it, the paper's G and D, the losses (MSE; content + 1e-3 adversarial), VGG54 from a torchvision
state dict, --init from an SRResNet, and the data the two refuse."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from gancli.engine.loop import Trainer
from gancli.engine.model import load_model
from gancli.errors import GanError
from gancli.nets.srresnet import ResidualBlock, SRDiscriminator, SRResNet, load_vgg, random_vgg
from gancli.variants._superres import downsample
from gancli.variants.srgan import content_network
from tests.conftest import tiny_options


def test_the_lr_input_is_pils_antialiased_bicubic_in_8_bit_levels():
    rng = np.random.default_rng(0)
    hr = rng.integers(0, 256, (3, 32, 48), dtype=np.uint8)
    x = torch.from_numpy(hr.astype(np.float32)).div(127.5).sub(1)[None]
    lr = downsample(x, 4)[0]
    assert lr.shape == (3, 8, 12)
    levels = (lr + 1) * 127.5
    assert torch.allclose(levels, levels.round(), atol=1e-4)  # a saved 8-bit image
    pil = np.stack(
        [np.asarray(Image.fromarray(c).resize((12, 8), Image.BICUBIC)) for c in hr]
    ).astype(int)
    assert np.abs(levels.round().int().numpy() - pil).max() <= 1
    # not the non-antialiased kernel: that one aliases the noise
    plain = F.interpolate(x, scale_factor=0.25, mode="bicubic", align_corners=False)[0]
    assert np.abs(((plain + 1) * 127.5).numpy() - pil).mean() > 10


def test_srresnet_is_the_papers_and_fully_convolutional():
    g = SRResNet(3, scale=4)
    blocks = [m for m in g.body if isinstance(m, ResidualBlock)]
    assert len(blocks) == 16
    kinds = [type(m).__name__ for m in blocks[0].body]
    assert kinds == ["Conv2d", "BatchNorm2d", "PReLU", "Conv2d", "BatchNorm2d"]
    assert g.head[0].kernel_size == (9, 9) and g.tail.kernel_size == (9, 9)
    shuffles = [m for m in g.upsample if isinstance(m, torch.nn.PixelShuffle)]
    assert len(shuffles) == 2  # two x2 sub-pixel blocks for x4
    small = SRResNet(3, scale=2, width=8, blocks=2).eval()
    assert small(torch.zeros(1, 3, 7, 11)).shape == (1, 3, 14, 22)
    with pytest.raises(GanError, match="2, 4 or 8"):
        SRResNet(3, scale=3)


def test_the_discriminator_is_eight_convs_64_to_512_then_dense_1024():
    d = SRDiscriminator(3, 96)
    convs = [m for m in d.features if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [64, 64, 128, 128, 256, 256, 512, 512]
    assert [c.stride[0] for c in convs] == [1, 2] * 4
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in d.features) == 7
    dense = [m for m in d.head if isinstance(m, torch.nn.Linear)]
    assert [(x.in_features, x.out_features) for x in dense] == [(512 * 6 * 6, 1024), (1024, 1)]
    assert d(torch.zeros(2, 3, 96, 96)).shape == (2, 1)


def test_vgg54_loads_a_torchvision_vgg19_and_random_features_are_fixed(tmp_path):
    torchvision = pytest.importorskip("torchvision")
    from safetensors.torch import save_file

    vgg = torchvision.models.vgg19().eval()
    x = torch.randn(1, 3, 32, 32)
    net = load_vgg(vgg.state_dict())
    assert torch.allclose(net(x), vgg.features[:36](x))
    assert torch.allclose(load_vgg(vgg.state_dict(), "vgg22")(x), vgg.features[:9](x))
    path = tmp_path / "vgg19.safetensors"
    save_file({f"features.{k}": v for k, v in vgg.features.state_dict().items()}, str(path))
    net, factor = content_network("vgg54", str(path), 16)
    assert factor == pytest.approx(1 / 12.75) and torch.allclose(net(x), vgg.features[:36](x))
    a, b = random_vgg("vgg54", 16, 0), random_vgg("vgg54", 16, 0)
    assert torch.equal(a(x), b(x)) and a(x).shape == (1, 128, 2, 2)
    save_file({"features.0.weight": torch.zeros(1)}, str(tmp_path / "bad.safetensors"))
    with pytest.raises(GanError, match="not a torchvision VGG19 state dict"):
        content_network("vgg54", str(tmp_path / "bad.safetensors"), 16)
    (tmp_path / "junk.safetensors").write_bytes(b"junk")
    with pytest.raises(GanError, match="not a safetensors file"):
        content_network("vgg54", str(tmp_path / "junk.safetensors"), 16)


def _run(tmp_path, name, out="run", **kw):
    opts = tiny_options(tmp_path / out, name, **kw)
    return Trainer(opts, quiet=True)


def test_srresnet_trains_on_the_mse_of_g_of_the_downsampled_batch(tmp_path):
    t = _run(tmp_path, "srresnet", steps=1)
    v = t.variant
    hr = torch.rand(4, 3, 16, 16) * 2 - 1
    loss, logs = v.g_loss(hr, None)
    want = (v.generator(downsample(hr, 4)) - hr).pow(2).mean()
    assert torch.allclose(loss, want) and "discriminator" not in v.nets
    assert t.model.config["translation"]["scale"] == 4


def test_srgan_losses_are_the_papers(tmp_path):
    t = _run(tmp_path, "srgan", extra={"content": "mse"})
    v = t.variant
    hr = torch.rand(4, 3, 16, 16) * 2 - 1
    torch.manual_seed(0)
    d, _ = v.d_loss(hr, None)
    sr = v.generator(downsample(hr, 4))
    want_d = (
        -F.logsigmoid(v.discriminator(hr)).mean()
        - torch.log1p(-torch.sigmoid(v.discriminator(sr))).mean()
    )
    assert torch.allclose(d, want_d, atol=1e-5)
    g, logs = v.g_loss(hr, None)
    adv = -torch.log(torch.sigmoid(v.discriminator(sr))).mean()
    assert torch.allclose(g, (sr - hr).pow(2).mean() + 1e-3 * adv, atol=1e-5)
    # the VGG content loss is the MSE of the fixed network's features
    t2 = _run(tmp_path, "srgan", out="vgg", extra={"content": "vgg22", "adv_weight": 0.0})
    v2 = t2.variant
    g2, logs2 = v2.g_loss(hr, None)
    sr2 = v2.generator(downsample(hr, 4))
    assert torch.allclose(g2, (v2.features(sr2) - v2.features(hr)).pow(2).mean(), atol=1e-6)
    assert not any(p.requires_grad for p in v2._content[0].parameters())


def test_init_starts_srgan_from_an_srresnet(tmp_path):
    _run(tmp_path, "srresnet", out="base", steps=2).run()
    base = load_model(tmp_path / "base")
    t = _run(tmp_path, "srgan", extra={"init": str(tmp_path / "base")})
    for k, w in base.variant.generator.state_dict().items():
        assert torch.equal(w, t.variant.generator.state_dict()[k]), k
    with pytest.raises(GanError, match="another shape"):
        _run(tmp_path, "srgan", out="b", extra={"init": str(tmp_path / "base"), "blocks": 2})
    _run(tmp_path, "dcgan", out="dc", steps=1).run()
    with pytest.raises(GanError, match="--init takes an SRResNet"):
        _run(tmp_path, "srgan", out="c", extra={"init": str(tmp_path / "dc")})


@pytest.mark.parametrize(
    ("name", "kw", "message"),
    [
        ("srgan", {"data": "synthfaces-edges-test"}, "trains on single high-resolution images"),
        ("srresnet", {"image_size": 18}, "not a multiple of --scale 4"),
        ("srgan", {"image_size": 24}, "multiple of 16"),
        ("srgan", {"channels": 1}, "--content mse"),
        ("srresnet", {"extra": {"scale": "3"}}, "--scale must be one of: 2, 4, 8"),
    ],
)
def test_data_and_options_it_cannot_take_are_refused(tmp_path, name, kw, message):
    with pytest.raises(GanError, match=message):
        _run(tmp_path, name, **kw)
