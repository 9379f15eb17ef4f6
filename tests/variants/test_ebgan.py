"""EBGAN (Zhao et al. 2017): the auto-encoder energy, the margin loss, the pulling-away term,
and a short real run."""

from __future__ import annotations

import json
import math

import pytest
import torch

from gancli import nets
from gancli.engine.loop import Trainer
from gancli.nets.autoencoder import reconstruction_energy
from gancli.variants import get
from gancli.variants.ebgan import MNIST_MARGIN, margin_loss, pulling_away_term
from tests.conftest import tiny_options


@pytest.fixture
def one_thread():
    """Training runs of small nets are much faster on one thread, and on a shared machine two
    threads that wait for each other can be slower by an order of magnitude."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _pt_by_loops(s: torch.Tensor) -> float:
    n = s.shape[0]
    total = 0.0
    for i in range(n):
        for j in range(n):
            if i != j:
                cos = float(s[i] @ s[j]) / (float(s[i].norm()) * float(s[j].norm()))
                total += cos**2
    return total / (n * (n - 1))


def test_pt_is_zero_for_orthogonal_codes_and_one_for_identical_codes():
    eye = torch.eye(6) * torch.tensor([1.0, 2.0, 0.5, 3.0, 1.0, 7.0]).unsqueeze(1)
    assert pulling_away_term(eye).item() == pytest.approx(0.0, abs=1e-7)
    rot = torch.linalg.qr(torch.randn(6, 6, generator=torch.Generator().manual_seed(0)))[0]
    assert pulling_away_term(rot).item() == pytest.approx(0.0, abs=1e-6)  # any orthogonal set
    same = torch.tensor([0.3, -1.2, 2.0]).repeat(5, 1)
    assert pulling_away_term(same).item() == pytest.approx(1.0, abs=1e-6)
    assert pulling_away_term(same * torch.tensor([[1.0], [-2.0], [3.0], [0.1], [-9.0]])).item() == (
        pytest.approx(1.0, abs=1e-6)
    )  # scale and sign do not matter: cos^2


def test_pt_matches_a_double_loop():
    gen = torch.Generator().manual_seed(1)
    for n, k in ((2, 3), (7, 5), (16, 32)):
        s = torch.randn(n, k, generator=gen)
        assert pulling_away_term(s).item() == pytest.approx(_pt_by_loops(s), rel=1e-5)


def test_margin_term_is_zero_without_gradient_at_or_above_the_margin():
    e = torch.tensor([2.0, 3.5, 2.0], requires_grad=True)
    loss = margin_loss(e, 2.0)
    assert loss.item() == 0.0
    (grad,) = torch.autograd.grad(loss, e)
    assert torch.equal(grad, torch.zeros(3))
    e = torch.tensor([0.5, 3.0], requires_grad=True)
    loss = margin_loss(e, 2.0)
    assert loss.item() == pytest.approx(0.75)  # mean([1.5, 0])
    (grad,) = torch.autograd.grad(loss, e)
    assert torch.equal(grad, torch.tensor([-0.5, 0.0]))


def test_energy_is_the_per_sample_mean_squared_error():
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(3, 2, 4, 5, generator=gen)
    y = torch.randn(3, 2, 4, 5, generator=gen)
    assert torch.equal(reconstruction_energy(x, x), torch.zeros(3))
    by_hand = [
        sum(
            (x[b, c, i, j] - y[b, c, i, j]).item() ** 2
            for c in range(2)
            for i in range(4)
            for j in range(5)
        )
        / 40
        for b in range(3)
    ]
    torch.testing.assert_close(reconstruction_energy(x, y), torch.tensor(by_hand))


def test_identity_autoencoder_has_zero_energy():
    """A points auto-encoder whose layers are set to pass x through exactly (ReLU of x+c with a
    large offset c, undone at the end) gives energy 0; disturbing one weight gives the MSE."""
    ae = nets.build(
        {"family": "autoencoder.points", "in_dim": 2, "hidden": 2, "code_dim": 2, "layers": 1}
    )
    c = 10.0
    with torch.no_grad():
        for mlp in (ae.encoder, ae.decoder):
            first, last = mlp[0], mlp[2]
            first.weight.copy_(torch.eye(2))
            first.bias.fill_(c)
            last.weight.copy_(torch.eye(2))
            last.bias.fill_(-c)
    x = torch.rand(9, 2) * 4 - 2
    recon, code = ae.encode_decode(x)
    torch.testing.assert_close(recon, x)
    torch.testing.assert_close(code, x)
    assert ae(x).abs().max().item() < 1e-10
    with torch.no_grad():
        ae.decoder[2].bias[0] += 0.3  # shifts the first coordinate of every reconstruction
    torch.testing.assert_close(ae(x), torch.full((9,), 0.3**2 / 2))


@pytest.mark.parametrize("size", [16, 28, 32, 64])
def test_image_autoencoder_shapes(size):
    ae = nets.build(
        {
            "family": "autoencoder.image",
            "channels": 3,
            "image_size": size,
            "width": 4,
            "code_dim": 6,
        }
    )
    x = torch.rand(2, 3, size, size) * 2 - 1
    recon, code = ae.encode_decode(x)
    assert recon.shape == x.shape and code.shape == (2, 6)
    assert recon.min() >= -1 and recon.max() <= 1
    torch.testing.assert_close(ae(x), reconstruction_energy(x, recon))


def test_margin_default_is_the_papers_mnist_margin_in_mse_units():
    """The paper's ||.|| margin m = 10 on 28x28 MNIST is the MSE margin 10^2 / 784."""
    assert MNIST_MARGIN == pytest.approx(100 / 784, abs=1e-4)
    d = get("ebgan").defaults
    assert d.extra == {"margin": MNIST_MARGIN, "pt_weight": 0.1}
    assert (d.optimizer, d.lr_g, d.lr_d) == ("adam", 1e-3, 1e-3)


def _tiny_variant(tmp_path, **extra):
    opts = tiny_options(tmp_path / "run", "ebgan", data="ring8", width=16, extra=extra or None)
    return Trainer(opts, quiet=True).variant


def test_d_loss_fake_term_vanishes_when_fakes_reach_the_margin(tmp_path):
    """With m = 0 every fake energy is >= m: D's loss and its gradient are the real term's."""
    variant = _tiny_variant(tmp_path, margin=0.0)
    real = torch.randn(8, 2)
    loss, logs = variant.d_loss(real, None)
    params = variant.d_parameters()
    grads = torch.autograd.grad(loss, params)
    real_energy = variant.discriminator(real).mean()
    expected = torch.autograd.grad(real_energy, params)
    torch.testing.assert_close(loss, real_energy)
    for g, e in zip(grads, expected):
        torch.testing.assert_close(g, e)
    assert logs["energy_fake"].item() > 0


def test_g_loss_adds_the_weighted_pulling_away_term(tmp_path):
    variant = _tiny_variant(tmp_path, pt_weight=0.5)
    real = torch.randn(8, 2)
    torch.manual_seed(3)
    loss, logs = variant.g_loss(real, None)
    torch.manual_seed(3)
    fake = variant.generator(variant.sample_z(8))
    recon, code = variant.discriminator.encode_decode(fake)
    expected = reconstruction_energy(fake, recon).mean() + 0.5 * pulling_away_term(code)
    torch.testing.assert_close(loss, expected)
    torch.testing.assert_close(logs["pt"], pulling_away_term(code))


def test_short_ring8_run_lowers_the_real_energy(tmp_path, one_thread):
    opts = tiny_options(
        tmp_path / "run", "ebgan", data="ring8", width=64, batch_size=64, steps=200, log_every=20
    )
    Trainer(opts, quiet=True).run()
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").open()]
    assert len(rows) == 10
    for row in rows:
        assert all(math.isfinite(row[k]) for k in ("d_loss", "g_loss", "energy_real", "pt"))
    first, last = rows[0]["energy_real"], min(r["energy_real"] for r in rows[-3:])
    assert last < 0.5 * first
