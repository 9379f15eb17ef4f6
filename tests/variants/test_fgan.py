"""f-GAN (Nowozin et al. 2016): the variational bound, its activations and conjugates, and a
short real run."""

from __future__ import annotations

import json
import math

import pytest
import torch
import torch.nn.functional as F
from typer.testing import CliRunner

from gancli.engine.loop import Trainer
from gancli.variants.fgan import DIVERGENCES, EXP_CAP, safe_exp, variational_bound
from tests.conftest import tiny_options


@pytest.fixture
def one_thread():
    """Training runs of small nets are much faster on one thread, and on a shared machine two
    threads that wait for each other can be slower by an order of magnitude."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


NAMES = list(DIVERGENCES)
D64 = torch.float64


_INVERSES = {
    "kl": lambda t: t,
    "rkl": lambda t: -torch.log(-t),
    "pearson": lambda t: t,
    "hellinger": lambda t: -torch.log1p(-t),
    "js": lambda t: -torch.log(2 * torch.exp(-t) - 1),
    "gan": lambda t: -torch.log(torch.expm1(-t)),
}


def _activation_inverse(name: str, t: torch.Tensor) -> torch.Tensor:
    """V with g_f(V) = t (checked, so a wrong inverse fails here rather than passing quietly)."""
    v = _INVERSES[name](t)
    torch.testing.assert_close(DIVERGENCES[name].activation(v), t)
    return v


def test_the_six_divergences_of_the_paper():
    assert set(DIVERGENCES) == {"kl", "rkl", "pearson", "hellinger", "js", "gan"}


@pytest.mark.parametrize("name", NAMES)
def test_bound_at_p_equals_q_with_constant_optimal_t_is_f_of_1(name):
    """With P = Q, T* = f'(p/q) = f'(1) everywhere, and the bound is f(1): 0 for a divergence,
    -log 4 for the paper's `gan` row (D_f = 2 JS - log 4)."""
    d = DIVERGENCES[name]
    one = torch.ones((), dtype=D64)
    v0 = _activation_inverse(name, d.f_prime(one).reshape(1))
    x = torch.randn(1000, dtype=D64)  # P = Q; V is constant, so only its value matters
    v = v0.expand_as(x)
    bound = variational_bound(v, v, name)
    expected = d.f(one)
    assert bound.item() == pytest.approx(expected.item(), abs=1e-9)
    assert expected.item() == pytest.approx(-math.log(4) if name == "gan" else 0.0, abs=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_conjugate_is_the_fenchel_conjugate_of_f(name):
    """Fenchel-Young equality f*(f'(u)) = u f'(u) - f(u), and the fused f*(g_f(v)) the losses
    use equals the composition of the table's g_f and f*."""
    d = DIVERGENCES[name]
    u = torch.tensor([0.05, 0.3, 1.0, 2.0, 7.5], dtype=D64)
    t = d.f_prime(u)
    torch.testing.assert_close(d.conjugate(t), u * t - d.f(u))
    v = torch.linspace(-8, 8, 101, dtype=D64)
    torch.testing.assert_close(d.fused(v), d.conjugate(d.activation(v)))


def test_gan_divergence_is_minus_binary_cross_entropy():
    gen = torch.Generator().manual_seed(0)
    v_real = torch.randn(500, generator=gen, dtype=D64) * 4
    v_fake = torch.randn(700, generator=gen, dtype=D64) * 4 - 1
    bce = F.binary_cross_entropy(
        torch.sigmoid(v_real), torch.ones_like(v_real)
    ) + F.binary_cross_entropy(torch.sigmoid(v_fake), torch.zeros_like(v_fake))
    torch.testing.assert_close(variational_bound(v_real, v_fake, "gan"), -bce)


@pytest.mark.parametrize("name", NAMES)
def test_activation_lies_in_the_domain_of_the_conjugate(name):
    d = DIVERGENCES[name]
    gen = torch.Generator().manual_seed(1)
    v = torch.cat([torch.linspace(-30, 30, 2001, dtype=D64), torch.randn(2000, generator=gen) * 10])
    t = d.activation(v)
    assert bool((t < d.domain_sup).all())
    assert bool(torch.isfinite(d.conjugate(t)).all())


@pytest.mark.parametrize("name", NAMES)
def test_losses_stay_finite_for_extreme_outputs(name):
    """float32, |V| up to 1e4: where exp(.) would overflow the capped exponential keeps the
    bound, G's loss and their gradients finite."""
    v = torch.linspace(-1e4, 1e4, 1001).requires_grad_()
    bound = variational_bound(v, v.flip(0), name)
    g_obj = DIVERGENCES[name].activation(v).mean()
    (gb,) = torch.autograd.grad(bound + g_obj, v)
    assert math.isfinite(bound.item()) and math.isfinite(g_obj.item())
    assert bool(torch.isfinite(gb).all())


def test_capped_exponential():
    x = torch.tensor([-5.0, 0.0, 29.0, EXP_CAP, 31.0, 1e6], dtype=D64)
    y = safe_exp(x)
    torch.testing.assert_close(y[:4], torch.exp(x[:4]))
    assert y[4].item() == pytest.approx(math.exp(EXP_CAP) * 2)  # tangent line: e^c (1 + x - c)
    assert math.isfinite(y[5].item())


def _gauss_logpdf(x: torch.Tensor, mu: float, sd: float) -> torch.Tensor:
    return -0.5 * ((x - mu) / sd) ** 2 - math.log(sd) - 0.5 * math.log(2 * math.pi)


# P = N(0, 1), Q = N(0.5, 1.2^2): every f here has a finite divergence and finite-variance
# Monte Carlo terms (the sd of Q is larger than P's).
MU_P, SD_P, MU_Q, SD_Q = 0.0, 1.0, 0.5, 1.2


def _true_divergence(name: str) -> float:
    """D_f(P||Q) = integral of q f(p/q), by quadrature on a fine grid."""
    x = torch.linspace(-15, 15, 100_001, dtype=D64)
    lp, lq = _gauss_logpdf(x, MU_P, SD_P), _gauss_logpdf(x, MU_Q, SD_Q)
    integrand = lq.exp() * DIVERGENCES[name].f((lp - lq).exp())
    return torch.trapezoid(integrand, x).item()


def test_quadrature_matches_the_closed_form_kl():
    kl = math.log(SD_Q / SD_P) + (SD_P**2 + (MU_P - MU_Q) ** 2) / (2 * SD_Q**2) - 0.5
    assert _true_divergence("kl") == pytest.approx(kl, rel=1e-8)


@pytest.mark.parametrize("name", NAMES)
def test_bound_is_tight_at_the_optimal_t_and_lower_elsewhere(name):
    """Monte Carlo with T = f'(p/q) estimates D_f(P||Q); a perturbed T gives clearly less."""
    d = DIVERGENCES[name]
    gen = torch.Generator().manual_seed(2)
    n = 200_000
    xp = MU_P + SD_P * torch.randn(n, generator=gen, dtype=D64)
    xq = MU_Q + SD_Q * torch.randn(n, generator=gen, dtype=D64)

    def v_opt(x):
        ratio = (_gauss_logpdf(x, MU_P, SD_P) - _gauss_logpdf(x, MU_Q, SD_Q)).exp()
        return _activation_inverse(name, d.f_prime(ratio))

    vp, vq = v_opt(xp), v_opt(xq)
    true = _true_divergence(name)
    assert true > 0.02 or name == "gan"
    best = variational_bound(vp, vq, name).item()
    assert best == pytest.approx(true, abs=0.005 + 0.01 * abs(true))
    for worse in (
        variational_bound(vp + 0.5, vq + 0.5, name),
        variational_bound(0.5 * vp, 0.5 * vq, name),
    ):
        assert worse.item() < true - 0.01
        assert worse.item() < best - 0.01


def test_option_only_on_fgan_help():
    from gancli.cli import app

    env = {"COLUMNS": "300"}
    r = CliRunner().invoke(app, ["train", "fgan", "--help"], env=env)
    assert r.exit_code == 0, r.output
    assert "--divergence" in r.output and "kl, rkl, pearson, hellinger, js, gan" in r.output
    for other in ("dcgan", "gan"):
        r = CliRunner().invoke(app, ["train", other, "--help"], env=env)
        assert r.exit_code == 0 and "--divergence" not in r.output


def test_d_loss_is_minus_the_bound_of_the_variant_nets(tmp_path):
    """The variant wires V = D's output and the chosen divergence into the bound."""
    opts = tiny_options(
        tmp_path / "run", "fgan", data="ring8", width=16, extra={"divergence": "kl"}
    )
    variant = Trainer(opts, quiet=True).variant
    real = torch.randn(8, 2)
    torch.manual_seed(5)
    loss, logs = variant.d_loss(real, None)
    torch.manual_seed(5)
    fake = variant.generator(variant.sample_z(8))
    v_real, v_fake = variant.discriminator(real), variant.discriminator(fake)
    expected = v_real.mean() - torch.exp(v_fake - 1).mean()
    torch.testing.assert_close(loss, -expected)
    torch.testing.assert_close(logs["bound"], expected)


def _ring8_distance(model, z: torch.Tensor) -> float:
    """Mean distance of G's samples to the nearest of the 8 ring modes."""
    x = model.sample(z, ema=False)
    angle = torch.arange(8) * 2 * math.pi / 8
    modes = torch.stack([angle.cos(), angle.sin()], 1)
    return torch.cdist(x, modes).min(1).values.mean().item()


@pytest.mark.parametrize("divergence", NAMES)
def test_short_ring8_run_trains(tmp_path, divergence, one_thread):
    """A real run through the Trainer: finite losses and bound throughout, and G's samples end
    much nearer the ring's modes than they started."""
    opts = tiny_options(
        tmp_path / "run",
        "fgan",
        data="ring8",
        width=64,
        batch_size=64,
        steps=300,
        log_every=30,
        extra={"divergence": divergence},
    )
    trainer = Trainer(opts, quiet=True)
    z = trainer.variant.sample_z(1000, torch.Generator().manual_seed(1))
    before = _ring8_distance(trainer.model, z)
    trainer.run()
    after = _ring8_distance(trainer.model, z)
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").open()]
    assert len(rows) == 10
    for row in rows:
        assert all(math.isfinite(row[k]) for k in ("d_loss", "g_loss", "bound"))
    assert after < 0.5 * before
