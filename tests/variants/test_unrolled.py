"""Unrolled GAN: G's gradient through K unrolled optimiser steps of D, checked against the
plain GAN (K = 0), a hand-written reference (linear D, linear G), finite differences, and the
cheap look-ahead; the real D and its optimiser must come out of G's step untouched."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from typer.testing import CliRunner

from gancli.engine.loop import Trainer
from gancli.engine.model import load_model
from gancli.variants.gan import GAN
from gancli.variants.unrolled import Unrolled
from tests.conftest import tiny_options

SPEC = {
    "name": "points",
    "kind": "points",
    "shape": [2],
    "value_range": [-1.5, 1.5],
    "num_classes": 0,
    "class_names": [],
}


def _variant(unroll: int, lookahead: bool = False, **hyper) -> Unrolled:
    h = Unrolled.toy_defaults.replace(z_dim=2, **hyper)
    h = Unrolled.with_options(h, {"unroll": unroll, "lookahead": lookahead})
    config = {
        "variant": "unrolled",
        "hyper": h.to_dict(),
        "nets": Unrolled.net_config(SPEC, h, 16),
        "data": SPEC,
    }
    return Unrolled(config)


def _g_grads(v, loss_fn, real, seed=3) -> list[torch.Tensor]:
    torch.manual_seed(seed)  # g_loss draws z: the same seed gives the same z
    for p in v.g_parameters():
        p.grad = None
    loss, _ = loss_fn(v, real, None)
    loss.backward()
    return [p.grad.clone() for p in v.g_parameters()]


def _bind(v, optimizer: str = "adam", warm_steps: int = 2):
    """Bind optimisers as the engine does; warm_steps real D steps give Adam a non-empty state."""
    h = v.hyper
    if optimizer == "adam":
        opt_d = torch.optim.Adam(v.d_parameters(), lr=h.lr_d, betas=h.betas)
    else:
        opt_d = torch.optim.SGD(v.d_parameters(), lr=h.lr_d, momentum=0.9)
    opt_g = torch.optim.Adam(v.g_parameters(), lr=h.lr_g)
    v.bind_optimizers(opt_g, opt_d)
    real = torch.randn(32, 2, dtype=next(v.generator.parameters()).dtype)
    for _ in range(warm_steps):
        opt_d.zero_grad()
        v.d_loss(real, None)[0].backward()
        opt_d.step()


def test_k0_gives_exactly_the_gan_gradient():
    torch.manual_seed(0)
    v = _variant(unroll=0)
    _bind(v)
    real = torch.randn(64, 2)
    unrolled = _g_grads(v, Unrolled.g_loss, real)
    plain = _g_grads(v, GAN.g_loss, real)
    assert len(unrolled) == len(plain) > 0
    for a, b in zip(unrolled, plain):
        assert torch.equal(a, b)


# ---- a linear D and a linear G, where everything can be written out by hand ---------------


def _linear(unroll: int, lookahead: bool, optimizer: str, warm_steps: int, g_loss=None):
    torch.manual_seed(1)
    v = _variant(unroll, lookahead, lr_d=0.05)  # a large lr_d makes the look-ahead matter
    if g_loss is not None:
        v.hyper = v.hyper.replace(extra={**v.hyper.extra, "g_loss": g_loss})
    v.nets["generator"] = nn.Linear(2, 2).double()
    v.nets["discriminator"] = nn.Linear(2, 1).double()
    z = torch.randn(16, 2, dtype=torch.float64)
    v.sample_z = lambda n, generator=None: z[:n]  # fixed z: the loss is a function of G only
    _bind(v, optimizer, warm_steps)
    real = torch.randn(16, 2, dtype=torch.float64) * 0.3 + 1.0
    return v, z, real


def _reference_grads(
    v, z, real, k: int, optimizer: str, detach: bool, g_loss: str = "nonsaturating"
) -> list[torch.Tensor]:
    """G's gradient through K optimiser steps of a linear D, with D's gradient and the Adam /
    SGD update written out by hand (only the outer derivative uses autograd). G's loss: the
    non-saturating -log D_K(G(z)), or the paper's value function at the look-ahead
    parameters, E[log D_K(x)] + E[log(1 - D_K(G(z)))]."""
    D, G, opt = v.discriminator, v.generator, v.opt_d
    A = G.weight.detach().clone().requires_grad_(True)
    c = G.bias.detach().clone().requires_grad_(True)
    w, b = D.weight.detach().clone(), D.bias.detach().clone()
    group = opt.param_groups[0]
    lr = group["lr"]
    st_w, st_b = opt.state.get(D.weight, {}), opt.state.get(D.bias, {})
    if optimizer == "adam":
        beta1, beta2 = group["betas"]
        eps = group["eps"]
        m = [st_w["exp_avg"].clone(), st_b["exp_avg"].clone()] if st_w else [0.0, 0.0]
        s = [st_w["exp_avg_sq"].clone(), st_b["exp_avg_sq"].clone()] if st_w else [0.0, 0.0]
        t = float(st_w["step"]) if st_w else 0.0
    else:
        mom = group["momentum"]
        buf = [st_w["momentum_buffer"].clone(), st_b["momentum_buffer"].clone()]

    fake = z @ A.T + c
    for _ in range(k):
        f = fake.detach() if detach else fake
        s_real = torch.sigmoid(-(real @ w.T + b))  # d/dl softplus(-l) = -sigmoid(-l)
        s_fake = torch.sigmoid(f @ w.T + b)  # d/dl softplus(l) = sigmoid(l)
        gw = (-(s_real * real)).mean(0, keepdim=True) + (s_fake * f).mean(0, keepdim=True)
        gb = (-s_real).mean(0) + s_fake.mean(0)
        if optimizer == "adam":
            t += 1
            new = []
            for i, (p, g) in enumerate(((w, gw), (b, gb))):
                m[i] = beta1 * m[i] + (1 - beta1) * g
                s[i] = beta2 * s[i] + (1 - beta2) * g**2
                m_hat = m[i] / (1 - beta1**t)
                s_hat = s[i] / (1 - beta2**t)
                new.append(p - lr * m_hat / (torch.sqrt(s_hat) + eps))
        else:
            new = []
            for i, (p, g) in enumerate(((w, gw), (b, gb))):
                buf[i] = mom * buf[i] + g
                new.append(p - lr * buf[i])
        w, b = new
        if detach:
            w, b = w.detach(), b.detach()
    if g_loss == "minimax":
        loss = -F.softplus(-(real @ w.T + b)).mean() - F.softplus(fake @ w.T + b).mean()
    elif g_loss == "fake-term-only":
        loss = -F.softplus(fake @ w.T + b).mean()
    else:
        loss = F.softplus(-(fake @ w.T + b)).mean()
    return list(torch.autograd.grad(loss, [A, c]))


@pytest.mark.parametrize(
    "optimizer,warm_steps",
    [("adam", 0), ("adam", 3), ("sgd", 2)],
    ids=["adam-first-step", "adam-continued", "sgd-momentum"],
)
@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("g_loss", ["nonsaturating", "minimax"])
def test_full_unrolling_matches_hand_written_reference(optimizer, warm_steps, k, g_loss):
    v, z, real = _linear(k, False, optimizer, warm_steps, g_loss)
    got = _g_grads(v, Unrolled.g_loss, real)
    want = _reference_grads(v, z, real, k, optimizer, detach=False, g_loss=g_loss)
    for a, b in zip(got, want):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-12)


def test_minimax_keeps_the_value_functions_real_data_term():
    # For K >= 1, E[log D_K(x)] depends on G through D's updates: the paper's gradient (checked
    # against the reference above) differs from that of log(1 - D_K(G(z))) alone.
    v, z, real = _linear(3, False, "adam", 2, "minimax")
    got = _g_grads(v, Unrolled.g_loss, real)
    fake_only = _reference_grads(v, z, real, 3, "adam", detach=False, g_loss="fake-term-only")
    diff = max(float((a - b).abs().max()) for a, b in zip(got, fake_only))
    assert diff > 1e-3 * max(float(a.abs().max()) for a in got)


@pytest.mark.parametrize("k", [1, 3])
def test_lookahead_drops_the_second_order_term(k):
    v, z, real = _linear(k, True, "adam", 2)
    cheap = _g_grads(v, Unrolled.g_loss, real)
    torch.testing.assert_close(
        cheap, _reference_grads(v, z, real, k, "adam", detach=True), rtol=1e-9, atol=1e-12
    )
    v.hyper = v.hyper.replace(extra={"unroll": k, "lookahead": False})
    full = _g_grads(v, Unrolled.g_loss, real)
    # The same D parameters at the end, a different gradient: the term through D's updates.
    diff = max(float((a - b).abs().max()) for a, b in zip(full, cheap))
    scale = max(float(a.abs().max()) for a in full)
    assert diff > 1e-3 * scale


def test_gradient_matches_finite_differences_of_the_unrolled_loss():
    v, z, real = _linear(3, False, "adam", 2)
    grad = _g_grads(v, Unrolled.g_loss, real)[0][1, 0]
    weight = v.generator.weight
    h = 1e-6
    values = []
    for sign in (1, -1):
        with torch.no_grad():
            weight[1, 0] += sign * h
        values.append(float(v.g_loss(real, None)[0].detach()))
        with torch.no_grad():
            weight[1, 0] -= sign * h
    fd = (values[0] - values[1]) / (2 * h)
    assert math.isclose(float(grad), fd, rel_tol=1e-6, abs_tol=1e-10)


# ---- the real D is only ever read ----------------------------------------------------------


@pytest.mark.parametrize("lookahead", [False, True])
@pytest.mark.parametrize("warm_steps", [0, 2])
def test_real_discriminator_and_its_adam_state_are_untouched(lookahead, warm_steps):
    torch.manual_seed(2)
    v = _variant(unroll=3, lookahead=lookahead)
    # A D with batch norm: the look-ahead must not move the real running statistics.
    v.nets["discriminator"] = nn.Sequential(
        nn.Linear(2, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 1), nn.Flatten(0)
    )
    _bind(v, "adam", warm_steps)
    D = v.discriminator
    params = {n: p.detach().clone() for n, p in D.named_parameters()}
    buffers = {n: b.clone() for n, b in D.named_buffers()}
    state = {id(p): {k: t.clone() for k, t in s.items()} for p, s in v.opt_d.state.items()}
    for p in D.parameters():
        p.grad = None

    loss, logs = v.g_loss(torch.randn(32, 2), None)
    loss.backward()

    assert torch.isfinite(loss) and torch.isfinite(logs["d_fake_unrolled"])
    assert all(torch.isfinite(p.grad).all() for p in v.g_parameters())
    for n, p in D.named_parameters():
        assert torch.equal(p, params[n]), n
        assert p.grad is None, f"G's backward wrote into the real D's .grad ({n})"
    for n, b in D.named_buffers():
        assert torch.equal(b, buffers[n]), n
    assert len(v.opt_d.state) == len(state) == (len(params) if warm_steps else 0)
    for p, s in v.opt_d.state.items():
        for k, t in s.items():
            assert torch.equal(t, state[id(p)][k]), k


# ---- through the engine and the command line -----------------------------------------------


def test_k0_trains_exactly_like_gan(tmp_path):
    """Through the engine: same seed, same protocol, K = 0 -> the very same checkpoint."""
    common = dict(data="ring8", width=16, steps=3, z_dim=2, batch_size=32, lr_g=1e-3, lr_d=1e-3)
    common["betas"] = (0.8, 0.999)
    gan = Trainer(tiny_options(tmp_path / "gan", "gan", **common), quiet=True)
    gan.run()
    unrolled = Trainer(
        tiny_options(tmp_path / "u", "unrolled", extra={"unroll": 0}, **common), quiet=True
    )
    unrolled.run()
    a, b = gan.model.tensors(), unrolled.model.tensors()
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_lookahead_option_trains_and_is_stored(tmp_path):
    opts = tiny_options(
        tmp_path / "run", "unrolled", data="ring8", width=16, extra={"unroll": 2, "lookahead": True}
    )
    path = Trainer(opts, quiet=True).run()
    extra = load_model(path).config["hyper"]["extra"]
    assert extra == {"unroll": 2, "lookahead": True, "g_loss": "nonsaturating"}


def test_defaults_and_help():
    d, toy = Unrolled.defaults, Unrolled.toy_defaults
    assert (d.lr_g, d.betas[0], d.batch_size, d.extra["unroll"]) == (2e-4, 0.5, 128, 5)
    # The Unrolled GAN reference notebook's 2-D protocol (PAPERS.md).
    assert (toy.z_dim, toy.batch_size, toy.lr_d, toy.lr_g, toy.betas[0]) == (
        256,
        512,
        1e-4,
        1e-3,
        0.5,
    )
    assert toy.extra == {"unroll": 5, "lookahead": False, "g_loss": "nonsaturating"}

    from gancli.cli import app

    r = CliRunner().invoke(app, ["train", "unrolled", "--help"], env={"COLUMNS": "300"})
    assert r.exit_code == 0
    assert "--unroll" in r.output and "--lookahead" in r.output and "NOT the paper" in r.output


# ---- the look-ahead's Adam step, whose derivative is written out --------------------------


@pytest.mark.parametrize("tensor_count", [False, True], ids=["count-float", "count-tensor"])
def test_adam_step_derivative_matches_numerical(tensor_count):
    from gancli.variants.unrolled import _adam_step

    torch.manual_seed(0)
    p, g, m = (torch.randn(6, dtype=torch.float64, requires_grad=True) for _ in range(3))
    v = (torch.rand(6, dtype=torch.float64) + 0.1).requires_grad_(True)
    t = 3.0
    step, root = 0.05 / (1 - 0.8**t), math.sqrt(1 - 0.999**t)
    if tensor_count:  # as a fused optimiser on a GPU keeps it
        step, root = torch.tensor(step, dtype=torch.float64), torch.tensor(root).double()

    def f(p, g, m, v):
        return _adam_step().apply(p, g, m, v, 0.8, 0.999, step, root, 1e-8)

    assert torch.autograd.gradcheck(f, (p, g, m, v))


def test_a_weight_that_never_had_a_gradient_does_not_turn_g_gradient_to_nan():
    """A dead ReLU unit in D: its weights' Adam second moments stay exactly 0, where sqrt has
    no derivative. G's gradient must equal that of the same D without the unit."""

    def run(dead: bool) -> list[torch.Tensor]:
        torch.manual_seed(5)
        v = _variant(unroll=3)
        v.nets["generator"] = nn.Linear(2, 2).double()
        z = torch.randn(32, 2, dtype=torch.float64)
        v.sample_z = lambda n, generator=None: z[:n]
        first, last = nn.Linear(2, 8).double(), nn.Linear(8, 1).double()
        with torch.no_grad():  # unit 0 never fires
            first.weight[0], first.bias[0] = 0.0, -100.0
        if not dead:  # the same D with unit 0 taken out
            a, b = nn.Linear(2, 7).double(), nn.Linear(7, 1).double()
            with torch.no_grad():
                a.weight.copy_(first.weight[1:]), a.bias.copy_(first.bias[1:])
                b.weight.copy_(last.weight[:, 1:]), b.bias.copy_(last.bias)
            first, last = a, b
        v.nets["discriminator"] = nn.Sequential(first, nn.ReLU(), last, nn.Flatten(0))
        torch.manual_seed(6)  # the same real batches in _bind for both
        _bind(v, "adam", warm_steps=2)
        real = torch.randn(32, 2, dtype=torch.float64)
        return _g_grads(v, Unrolled.g_loss, real)

    with_dead, without = run(True), run(False)
    assert all(torch.isfinite(g).all() for g in with_dead)
    for a, b in zip(with_dead, without):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-12)
