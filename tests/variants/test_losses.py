"""LSGAN and hinge losses: their zeros, values and gradients, checked with numbers, and a short
real run of each on ring8."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from gancli import variants
from gancli.engine.loop import Trainer
from gancli.errors import GanError
from tests.conftest import tiny_options
from tests.variants.test_wgan import POINTS, Constant, make, one_thread, ring_distance  # noqa: F401


class RealOrFake(nn.Module):
    """Scores `on_real` for the points of one given real batch and `on_fake` for anything else,
    times a scale parameter k = 1 (so d loss / dk is D's gradient along its own output)."""

    def __init__(self, real: torch.Tensor, on_real: float, on_fake: float) -> None:
        super().__init__()
        self.real, self.on_real, self.on_fake = real, on_real, on_fake
        self.k = nn.Parameter(torch.tensor(1.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        is_real = (x[:, None, :] == self.real[None]).all(-1).any(1)
        score = torch.where(is_real, self.on_real, self.on_fake)
        return self.k * score


def with_critic(name: str, critic: nn.Module, **extra: float):
    v = make(name, POINTS, **extra)
    v.nets["discriminator"] = critic
    return v


def d_loss_and_grad(v, real: torch.Tensor) -> tuple[float, float]:
    loss, _ = v.d_loss(real, None)
    (grad,) = torch.autograd.grad(loss, v.discriminator.k)
    return loss.item(), grad.item()


# ---- LSGAN --------------------------------------------------------------------------------


def test_lsgan_defaults():
    d = variants.get("lsgan").defaults
    assert (d.optimizer, d.lr_d, d.betas[0], d.batch_size) == ("adam", 2e-4, 0.5, 64)
    assert (d.extra["a"], d.extra["b"], d.extra["c"]) == (0.0, 1.0, 1.0)


@pytest.mark.parametrize("abc", [(0.0, 1.0, 1.0), (-1.0, 1.0, 0.0)], ids=["0-1-1", "-1-1-0"])
def test_lsgan_zeros(abc):
    """D loss 0 at D(x) = b, D(G(z)) = a (a minimum: zero gradient); G loss 0 at D(G(z)) = c."""
    a, b, c = abc
    real = torch.randn(16, 2)
    v = with_critic("lsgan", RealOrFake(real, on_real=b, on_fake=a), a=a, b=b, c=c)
    assert d_loss_and_grad(v, real) == (0.0, 0.0)
    v.nets["discriminator"] = Constant(c)
    assert v.g_loss(real, None)[0].item() == 0.0


@pytest.mark.parametrize("abc", [(0.0, 1.0, 1.0), (-1.0, 1.0, 0.0)], ids=["0-1-1", "-1-1-0"])
def test_lsgan_values_for_a_constant_critic(abc):
    """D ≡ k: D loss ½(k-b)² + ½(k-a)², smallest at k = (a+b)/2, the optimal D where the fake
    and real distributions agree; G loss ½(k-c)²."""
    a, b, c = abc
    real = torch.randn(16, 2)
    for k in (-2.0, 0.25, 3.0, (a + b) / 2):
        v = with_critic("lsgan", Constant(k), a=a, b=b, c=c)
        loss, _ = v.d_loss(real, None)
        (grad,) = torch.autograd.grad(loss, v.discriminator.k)
        assert loss.item() == pytest.approx(0.5 * (k - b) ** 2 + 0.5 * (k - a) ** 2)
        assert grad.item() == pytest.approx((k - b) + (k - a), abs=1e-6)
        assert v.g_loss(real, None)[0].item() == pytest.approx(0.5 * (k - c) ** 2)


def test_lsgan_penalises_fakes_on_the_right_side_of_the_boundary():
    """The point of LSGAN: a fake that D already scores as 'real' beyond the target still costs
    G something and still has a gradient (the log loss would be saturated there)."""
    real = torch.randn(8, 2)
    v = with_critic("lsgan", Constant(3.0))  # c = 1; D(G(z)) = 3 overshoots it
    loss, _ = v.g_loss(real, None)
    (grad,) = torch.autograd.grad(loss, v.discriminator.k)
    assert loss.item() == pytest.approx(2.0) and grad.item() == pytest.approx(2.0)


# ---- hinge --------------------------------------------------------------------------------


def test_hinge_defaults():
    d = variants.get("hinge").defaults
    assert (d.optimizer, d.lr_d, d.betas, d.n_critic) == ("adam", 2e-4, (0.5, 0.999), 1)


def test_spectral_norm_discriminator():
    """SN-GAN's D: no batch norm, biases, and every convolution's effective weight has
    largest singular value 1 once the power iteration has run (one step per forward pass)."""
    from gancli.nets.dcgan import Discriminator

    torch.manual_seed(0)
    d = Discriminator(3, 32, width=8, norm="spectral")
    assert not any(isinstance(m, nn.BatchNorm2d) for m in d.modules())
    convs = [m for m in d.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 4 and all(c.bias is not None for c in convs)
    x = torch.randn(4, 3, 32, 32)
    for _ in range(30):
        d(x)
    d.eval()
    for conv in convs:
        sigma = torch.linalg.matrix_norm(conv.weight.flatten(1), ord=2)
        assert sigma.item() == pytest.approx(1.0, abs=0.02)
    bn = Discriminator(3, 32, width=8)
    big = torch.linalg.matrix_norm(bn.net[0].weight.flatten(1), ord=2).item()
    assert abs(big - 1.0) > 0.2  # the plain DCGAN D is not normalised


def test_hinge_d_norm_option(tmp_path):
    """`gan train hinge` on images: DCGAN's batch-norm D by default, SN-GAN's spectral
    normalisation with --d-norm spectral; the run trains, saves and resumes with either."""
    from gancli.engine.model import load_model

    for norm, bn in (("spectral", False), ("batch", True)):
        out = tmp_path / norm
        extra = {} if norm == "batch" else {"d_norm": "spectral"}
        Trainer(tiny_options(out, "hinge", steps=2, extra=extra), quiet=True).run()
        model = load_model(out, "cpu")
        assert model.config["nets"]["discriminator"]["norm"] == norm
        d = model.variant.discriminator
        assert any(isinstance(m, nn.BatchNorm2d) for m in d.modules()) == bn
        Trainer(tiny_options(None, "hinge", steps=3, resume=str(out)), quiet=True).run()
        assert load_model(out, "cpu").config["step"] == 3
    with pytest.raises(Exception, match="batch, spectral"):
        variants.get("hinge").with_options(variants.get("hinge").defaults, {"d_norm": "layer"})
    with pytest.raises(GanError, match="image data"):
        Trainer(tiny_options(tmp_path / "toy", "hinge", data="ring8", extra={"d_norm": "spectral"}))


@pytest.mark.parametrize("scores", [(1.0, -1.0), (1.5, -2.0), (7.0, -1.0)])
def test_hinge_is_flat_beyond_the_margin(scores):
    """D(x) >= 1 and D(G(z)) <= -1: loss 0 and no gradient."""
    real = torch.randn(16, 2)
    v = with_critic("hinge", RealOrFake(real, *scores))
    loss, grad = d_loss_and_grad(v, real)
    assert loss == 0.0
    assert grad == 0.0 or scores == (1.0, -1.0)  # exactly on the margin: a one-sided kink


def test_hinge_values_inside_the_margin():
    """Inside the margin the loss is 2 - (D(x) - D(G(z))); a constant D in [-1, 1] scores 2."""
    real = torch.randn(16, 2)
    v = with_critic("hinge", RealOrFake(real, 0.5, -0.25))
    assert d_loss_and_grad(v, real) == pytest.approx((2 - 0.75, -0.75))
    v = with_critic("hinge", RealOrFake(real, 2.0, 0.5))  # only the fake term is active
    assert d_loss_and_grad(v, real) == pytest.approx((1.5, 0.5))
    for k in (-1.0, 0.0, 0.4, 1.0):
        v = with_critic("hinge", Constant(k))
        assert v.d_loss(real, None)[0].item() == pytest.approx(2.0)
        assert v.g_loss(real, None)[0].item() == pytest.approx(-k)


# ---- real runs ----------------------------------------------------------------------------


def run_ring8(tmp_path, name: str):
    opts = tiny_options(
        tmp_path / "run", variant=name, data="ring8", steps=300, width=32, batch_size=64
    )
    trainer = Trainer(opts, quiet=True)
    start = ring_distance(trainer)
    trainer.run()
    lines = (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
    return trainer, start, [json.loads(line) for line in lines]


def mean(records: list[dict], key: str) -> float:
    return sum(r[key] for r in records) / len(records)


@pytest.mark.usefixtures("one_thread")
def test_lsgan_run(tmp_path):
    """Mao et al.: with G near the data the optimal D outputs (a+b)/2 = ½ on both, so D's
    scores settle between a and b, near ½, while G moves onto the ring."""
    trainer, start, records = run_ring8(tmp_path, "lsgan")
    late = records[-100:]
    for key in ("d_real", "d_fake"):
        assert 0.0 < mean(late, key) < 1.0
        assert abs(mean(late, key) - 0.5) < 0.15
    assert ring_distance(trainer) < 0.8 * start


@pytest.mark.usefixtures("one_thread")
def test_hinge_run(tmp_path):
    """A constant D scores 2; over the run D ranks reals above fakes, so its loss stays below
    2 (Lim & Ye: the margin separates the two), and G moves onto the ring."""
    trainer, start, records = run_ring8(tmp_path, "hinge")
    late = records[-150:]
    assert mean(late, "d_real") > mean(late, "d_fake")
    assert mean(late, "d_loss") < 2.0
    assert ring_distance(trainer) < 0.6 * start
