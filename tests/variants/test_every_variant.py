"""Every registered variant: build -> D step -> G step -> save -> load -> sample, on each kind
of data it accepts. Samples after loading must equal samples before saving."""

from __future__ import annotations

import pytest
import torch

from gancli import variants
from gancli.engine.loop import Trainer
from gancli.engine.model import load_model
from gancli.latent.priors import seeded_latents
from tests.conftest import tiny_options

DATA = ["shapes", "ring8"]


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("name", variants.names())
def test_train_save_load_sample(tmp_path, name, data):
    translates = variants.get(name).translates
    if translates and data == "ring8":
        pytest.skip(
            "a translation model trains on images (its refusals: test_pix2pix.py, test_srgan.py)"
        )
    if variants.get(name).text and data == "ring8":
        pytest.skip("a text model trains on captioned images (its refusal: test_gancls.py)")
    # a translation model trains on tiny_options' pairs and is sampled on their inputs
    opts = tiny_options(tmp_path / "run", variant=name, **({} if translates else {"data": data}))
    if data == "ring8":
        opts.width = 16
    trainer = Trainer(opts, quiet=True)
    before = {k: v.clone() for k, v in trainer.model.tensors().items()}
    path = trainer.run()

    after = trainer.model.tensors()
    changed = [k for k in before if not torch.equal(before[k], after[k])]
    assert any(k.startswith("generator.") for k in changed), "G did not train"
    # a VAE has no D: its encoder trains with the decoder in G's step; SRResNet has G alone
    others = [r for r in trainer.variant.nets if r != "generator"]
    for other in others:
        assert any(k.startswith(f"{other}.") for k in changed), f"{other} did not train"
    assert others or name == "srresnet"

    if translates:
        z = trainer.variant.split_pairs(trainer.fixed_z[:6])[0]
    else:
        z = seeded_latents(trainer.variant, list(range(6)))
    torch.manual_seed(0)  # a translator's noise is dropout
    expected = trainer.model.sample(z)
    loaded = load_model(path)
    assert loaded.config["step"] == 2
    torch.manual_seed(0)
    got = loaded.sample(z)
    assert torch.equal(expected, got)
    # pix2pix and CycleGAN translate 32x32 images; the rest, super-resolution included, make
    # 16x16 images
    paired = variants.get(name).paired or variants.get(name).unpaired
    shape = [2] if data == "ring8" else [3, 32, 32] if paired else [3, 16, 16]
    assert list(got.shape[1:]) == shape
    if data == "shapes":
        assert got.min() >= -1 and got.max() <= 1


def test_registry_refuses_bad_variants():
    class Nameless(variants.Variant):
        name = "Bad Name"
        paper = summary = "x"
        defaults = variants.Hyper()

    with pytest.raises(ValueError, match="lower-case"):
        variants.register(Nameless)

    class Twice(variants.Variant):
        name = "gan"
        paper = summary = "x"
        defaults = variants.Hyper()

    with pytest.raises(ValueError, match="registered twice"):
        variants.register(Twice)


def test_unknown_variant_suggests():
    from gancli.errors import GanError

    with pytest.raises(GanError, match="did you mean 'dcgan'"):
        variants.get("dcgna")


def test_paper_defaults():
    """The defaults are the papers' (PAPERS.md): DCGAN Adam 2e-4 beta1 0.5 batch 128; GAN SGD 0.1."""
    d = variants.get("dcgan").defaults
    assert (d.optimizer, d.lr_g, d.lr_d, d.betas[0], d.batch_size, d.z_dim) == (
        "adam",
        2e-4,
        2e-4,
        0.5,
        128,
        100,
    )
    g = variants.get("gan").defaults
    assert (g.optimizer, g.lr_g, g.momentum, g.batch_size, g.prior) == (
        "sgd",
        0.1,
        0.5,
        100,
        "normal",
    )
    toy = variants.get("gan").toy_defaults
    assert (toy.z_dim, toy.lr_g, toy.betas[0], toy.batch_size) == (2, 1e-4, 0.8, 100)
