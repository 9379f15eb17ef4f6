"""Conditional variants (cgan, acgan): labels reach G, D's losses, and the CLI's --class."""

from __future__ import annotations

import pytest
import torch
from typer.testing import CliRunner

from gancli.cli import app
from gancli.engine.loop import Trainer
from gancli.errors import GanError
from gancli.variants.acgan import ACGAN
from tests.conftest import tiny_options


@pytest.mark.parametrize("variant", ["cgan", "acgan"])
def test_unlabelled_data_is_refused(tmp_path, variant):
    with pytest.raises(GanError, match="needs labels"):
        Trainer(tiny_options(tmp_path / "r", variant, data=_unlabelled(tmp_path)), quiet=True)


def _unlabelled(tmp_path):
    from PIL import Image

    folder = tmp_path / "flat"
    folder.mkdir()
    for i in range(12):
        Image.new("RGB", (16, 16), (i * 20, 0, 0)).save(folder / f"{i}.png")
    return str(folder)


@pytest.mark.parametrize("variant", ["cgan", "acgan"])
def test_the_label_changes_the_sample(tmp_path, variant):
    t = Trainer(tiny_options(tmp_path / "r", variant, steps=3), quiet=True)
    t.run()
    z = t.variant.sample_z(1, torch.Generator().manual_seed(0)).repeat(3, 1)
    x = t.model.sample(z, torch.tensor([0, 1, 2]))
    assert not torch.equal(x[0], x[1]) and not torch.equal(x[1], x[2])
    assert torch.allclose(t.model.sample(z[:1], torch.tensor([1])), x[1:2], atol=1e-6)


def test_acgan_losses():
    """A D that scores sources and classes perfectly has near-zero loss; a confused one ln 2 + ln K."""

    class Stub(ACGAN):
        def __init__(self, out):
            self.out = out
            self.hyper = ACGAN.defaults  # no augmentation

        @property
        def discriminator(self):
            return lambda x: self.out(x)

    labels = torch.tensor([0, 1, 2, 1])
    k = 3
    big = 50.0

    def perfect(x):  # real images are +1, fakes -1 in this stub
        src = torch.where(x[:, 0] > 0, big, -big)
        cls = torch.nn.functional.one_hot(labels, k).float() * big
        return torch.cat([src[:, None], cls], 1)

    v = Stub(perfect)
    src, cls = v._scores(torch.ones(4, 1))
    assert torch.allclose(src, torch.full((4,), big)) and cls.shape == (4, k)
    real, fake = torch.ones(4, 1), -torch.ones(4, 1)
    src_r, cls_r = v._scores(real)
    src_f, cls_f = v._scores(fake)
    source = (
        torch.nn.functional.softplus(-src_r).mean() + torch.nn.functional.softplus(src_f).mean()
    )
    klass = torch.nn.functional.cross_entropy(cls_r, labels)
    assert source < 1e-6 and klass < 1e-6
    v0 = Stub(lambda x: torch.zeros(len(x), 1 + k))
    s0, c0 = v0._scores(real)
    assert torch.allclose(torch.nn.functional.softplus(-s0).mean(), torch.log(torch.tensor(2.0)))
    assert torch.allclose(
        torch.nn.functional.cross_entropy(c0, labels), torch.log(torch.tensor(float(k)))
    )


def test_sample_class_flags(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Trainer(tiny_options(tmp_path / "c", "cgan", steps=2), quiet=True).run()
    runner = CliRunner()
    r = runner.invoke(app, ["sample", "c", "--class", "all", "-n", "4", "-o", "all.npy"])
    assert r.exit_code == 0, r.output
    import numpy as np

    x = np.load(tmp_path / "all.npy")
    assert x.shape == (3 * 4, 3, 16, 16)  # shapes: 3 classes, 4 per row
    # rows share their latents, so a row differs from the next only by the class
    r = runner.invoke(app, ["sample", "c", "--class", "square", "-n", "4", "-o", "sq.npy"])
    assert r.exit_code == 0, r.output
    # (same latents and class; only the batch composition differs, hence allclose)
    assert np.allclose(np.load(tmp_path / "sq.npy"), x[4:8], atol=1e-6)
    r = runner.invoke(app, ["sample", "c", "--class", "1", "-n", "4", "-o", "one.npy"])
    assert np.allclose(np.load(tmp_path / "one.npy"), x[4:8], atol=1e-6)
    r = runner.invoke(app, ["sample", "c", "--class", "hexagon"])
    assert r.exit_code == 1 and "circle, square, triangle" in r.stderr
    Trainer(tiny_options(tmp_path / "u", "dcgan", steps=1), quiet=True).run()
    r = runner.invoke(app, ["sample", "u", "--class", "1"])
    assert r.exit_code == 1 and "conditional" in r.stderr
