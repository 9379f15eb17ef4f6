"""The VAE baseline (Kingma & Welling 2014): its bound's terms against independent formulas, the
reparameterisation's gradients, DCGAN's G as its decoder, training over the shared engine
without a discriminator, and an exact resume."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F

from gancli.engine.loop import Trainer
from gancli.engine.model import load_model
from gancli.errors import GanError
from gancli.variants.vae import (
    bernoulli_nll,
    gaussian_nll,
    kl_to_standard_normal,
    reparameterise,
)
from tests.conftest import tiny_options


def _log(run):
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def test_kl_is_the_closed_form_of_two_gaussians():
    torch.manual_seed(0)
    mu, logvar = torch.randn(5, 7), torch.randn(5, 7)
    q = torch.distributions.Normal(mu, (0.5 * logvar).exp())
    p = torch.distributions.Normal(torch.zeros(5, 7), torch.ones(5, 7))
    expected = torch.distributions.kl_divergence(q, p).sum(1)
    assert torch.allclose(kl_to_standard_normal(mu, logvar), expected, atol=1e-5)
    # the posterior equal to the prior costs nothing
    assert kl_to_standard_normal(torch.zeros(2, 3), torch.zeros(2, 3)).tolist() == [0.0, 0.0]


def test_the_reconstruction_terms_are_log_likelihoods():
    torch.manual_seed(0)
    x, mean = torch.rand(3, 2, 4, 4) * 2 - 1, torch.rand(3, 2, 4, 4) * 2 - 1
    normal = torch.distributions.Normal(mean, 0.1)
    assert torch.allclose(gaussian_nll(x, mean), -normal.log_prob(x).flatten(1).sum(1), rtol=1e-5)
    bce = F.binary_cross_entropy((mean + 1) / 2, (x + 1) / 2, reduction="none").flatten(1).sum(1)
    assert torch.allclose(bernoulli_nll(x, mean), bce, rtol=1e-4)


def test_gradients_flow_through_the_sample_to_mean_and_variance():
    mu = torch.tensor([[0.5, -1.0]], requires_grad=True)
    logvar = torch.tensor([[0.0, 2.0]], requires_grad=True)
    eps = torch.tensor([[1.0, -0.5]])
    z = reparameterise(mu, logvar, eps)
    assert torch.allclose(z, torch.tensor([[1.5, -1.0 - 0.5 * torch.e]]))
    z.sum().backward()
    assert mu.grad.tolist() == [[1.0, 1.0]]
    # dz/dlogvar = eps * exp(logvar / 2) / 2
    assert torch.allclose(logvar.grad, torch.tensor([[0.5, -0.25 * torch.e]]))


def test_the_decoder_is_dcgans_generator_and_the_encoder_dcgans_discriminator(tmp_path):
    trainer = Trainer(tiny_options(tmp_path / "v", "vae", steps=1), quiet=True)
    nets = trainer.model.config["nets"]
    assert nets["generator"]["family"] == "dcgan.generator"
    assert nets["encoder"] == {**nets["encoder"], "family": "dcgan.discriminator", "outputs": 200}
    assert "discriminator" not in nets and trainer.opt_d is None
    # one optimiser over both nets: the encoder learns from the decoder's error
    trained = {id(p) for g in trainer.opt_g.param_groups for p in g["params"]}
    assert all(id(p) in trained for p in trainer.variant.nets.parameters())
    real = torch.rand(8, 3, 16, 16) * 2 - 1
    loss, logs = trainer.variant.g_loss(real, None)
    loss.backward()
    assert all(
        p.grad is not None and p.grad.abs().sum() > 0
        for p in trainer.variant.encoder.parameters()
        if p.dim() > 1
    )
    assert float(logs["elbo"]) == pytest.approx(-float(logs["recon"] + logs["kl"]))


def test_training_raises_the_bound(tmp_path):
    Trainer(tiny_options(tmp_path / "v", "vae", steps=40, log_every=10), quiet=True).run()
    rows = _log(tmp_path / "v")
    assert {"g_loss", "recon", "kl", "elbo"} <= set(rows[0]) and "d_loss" not in rows[0]
    assert rows[-1]["elbo"] > rows[0]["elbo"]
    assert rows[-1]["kl"] > 0.0


def test_a_resumed_run_is_the_straight_run(tmp_path):
    straight, split = tmp_path / "straight", tmp_path / "split"
    Trainer(tiny_options(straight, "vae", steps=6), quiet=True).run()
    Trainer(tiny_options(split, "vae", steps=3), quiet=True).run()
    Trainer(tiny_options(None, "vae", steps=6, resume=str(split)), quiet=True).run()
    assert [r["elbo"] for r in _log(straight)] == [r["elbo"] for r in _log(split)]
    a, b = load_model(straight).tensors(), load_model(split).tensors()
    assert a.keys() == b.keys() and any(k.startswith("encoder.") for k in a)
    assert all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"n_critic": 2}, "vae has no discriminator: --n-critic does not apply"),
        ({"lr_d": 1e-3, "n_critic": 2}, "--lr-d and --n-critic do not apply"),
        ({"augment": "translation"}, "vae does not support --augment"),
        ({"data": "ring8", "extra": {"likelihood": "bernoulli"}}, "bernoulli is for images"),
    ],
)
def test_what_a_vae_cannot_use_is_refused(tmp_path, overrides, message):
    with pytest.raises(GanError, match=message):
        Trainer(tiny_options(tmp_path / "v", "vae", **overrides), quiet=True)
