"""WGAN (weight clipping, critic schedule) and WGAN-GP (gradient penalty): the math, checked
with numbers, and a short real run of each on ring8."""

from __future__ import annotations

import json
import math

import pytest
import torch
from torch import nn

from gancli import variants
from gancli.engine.loop import Trainer
from gancli.variants.wgan_gp import gradient_penalty
from tests.conftest import tiny_options

POINTS = {"name": "t", "kind": "points", "shape": [2], "value_range": [-1.5, 1.5]}
IMAGES = {"name": "t", "kind": "image", "shape": [3, 16, 16], "value_range": [-1.0, 1.0]}


def make(name: str, spec: dict, width: int = 8, **extra: float):
    """A variant built the way the engine builds it, from its class's own config methods."""
    cls = variants.get(name)
    spec = {**spec, "num_classes": 0, "class_names": []}
    hyper = cls.with_options(cls.hyper_for(spec), extra)  # as `gan train NAME --option` does
    config = {
        "variant": name,
        "hyper": hyper.to_dict(),
        "nets": cls.net_config(spec, hyper, width),
        "codes": [],
        "data": spec,
    }
    return cls(config)


class Linear(nn.Module):
    """D(x) = w·flatten(x) + b."""

    def __init__(self, dim: int, norm: float, seed: int = 0) -> None:
        super().__init__()
        w = torch.randn(dim, generator=torch.Generator().manual_seed(seed))
        self.w = nn.Parameter(w * (norm / w.norm()))
        self.b = nn.Parameter(torch.tensor(0.3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1) @ self.w + self.b


class Constant(nn.Module):
    def __init__(self, k: float) -> None:
        super().__init__()
        self.k = nn.Parameter(torch.tensor(float(k)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.k.expand(x.shape[0])


@pytest.fixture
def one_thread():
    """Tiny nets run fastest on one thread, and do not fight other jobs for the cores."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def ring_distance(trainer: Trainer) -> float:
    """Mean distance of 1000 fixed-latent samples from the unit circle that holds ring8's modes."""
    z = trainer.variant.sample_z(1000, torch.Generator().manual_seed(5))
    x = trainer.model.sample(z, ema=False)
    return float((x.norm(dim=1) - 1).abs().mean())


def metrics(run) -> list[dict]:
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


# ---- WGAN ---------------------------------------------------------------------------------


def test_wgan_paper_defaults():
    d = variants.get("wgan").defaults
    assert (d.optimizer, d.lr_g, d.lr_d, d.n_critic, d.batch_size) == ("rmsprop", 5e-5, 5e-5, 5, 64)
    assert d.extra["clip"] == 0.01


def test_wgan_losses_of_a_constant_critic():
    """A critic that outputs k everywhere estimates a distance of 0, whatever k; G's loss is -k."""
    v = make("wgan", POINTS)
    real = torch.randn(16, 2)
    for k in (-3.0, 0.0, 0.7, 12.5):
        v.nets["discriminator"] = Constant(k)
        d_loss, logs = v.d_loss(real, None)
        g_loss, _ = v.g_loss(real, None)
        assert d_loss.item() == 0.0 and logs["wasserstein"].item() == 0.0
        assert g_loss.item() == pytest.approx(-k)


def test_wgan_critic_loss_falls_as_reals_score_higher():
    """With D(x) = w·x + b, moving the reals by δ along w/||w|| raises E[D(x)] by δ||w|| and
    lowers the critic loss by exactly that (same fakes: same seed)."""
    v = make("wgan", POINTS)
    v.nets["discriminator"] = Linear(2, norm=2.0)
    w = v.discriminator.w.detach()
    real = torch.randn(32, 2)
    losses = []
    for delta in (0.0, 0.5, 1.5):
        torch.manual_seed(1)
        loss, logs = v.d_loss(real + delta * w / w.norm(), None)
        assert loss.item() == pytest.approx(-float(logs["wasserstein"]))
        losses.append(loss.item())
    assert losses[1] - losses[0] == pytest.approx(-0.5 * 2.0, abs=1e-5)
    assert losses[2] - losses[0] == pytest.approx(-1.5 * 2.0, abs=1e-5)


@pytest.mark.parametrize("spec", [IMAGES, POINTS], ids=["dcgan-critic", "toy-critic"])
def test_one_critic_step_clips_every_critic_parameter(spec):
    v = make("wgan", spec)
    params = dict(v.discriminator.named_parameters())
    if spec is IMAGES:  # the paper's DCGAN critic has batch norm, and its scales are clipped too
        assert any("weight" in n and p.dim() == 1 for n, p in params.items())
    with torch.no_grad():
        for p in params.values():
            p.uniform_(-2.0, 2.0)
        first = next(iter(params.values()))
        first.view(-1)[0] = 0.004  # inside the box: must be kept as it is
    buffers = {n: b.clone() for n, b in v.discriminator.named_buffers()}
    g_before = [p.clone() for p in v.generator.parameters()]

    v.after_d_step()

    for name, p in params.items():
        assert p.abs().max().item() <= 0.01, name
    assert first.view(-1)[0].item() == pytest.approx(0.004)
    everything = torch.cat([p.flatten() for p in params.values()])
    assert float((everything.abs() == 0.01).float().mean()) > 0.9  # the box's faces
    for name, b in v.discriminator.named_buffers():  # running statistics are not parameters
        assert torch.equal(b, buffers[name]), name
    assert all(torch.equal(a, b) for a, b in zip(g_before, v.generator.parameters()))


def test_a_fresh_critic_starts_clipped():
    """The paper's code clips before each critic update: the first forward pass is clipped too."""
    v = make("wgan", IMAGES)
    assert max(p.abs().max().item() for p in v.discriminator.parameters()) <= 0.01


def test_critic_schedule():
    """100 critic steps for the first 25 generator steps and at every 500th, else n_critic."""
    v = make("wgan", IMAGES)
    assert [v.critic_steps(s) for s in range(25)] == [100] * 25
    assert [v.critic_steps(s) for s in (500, 1000, 1500)] == [100, 100, 100]
    assert [v.critic_steps(s) for s in (25, 26, 100, 499, 501, 999, 1001)] == [5] * 7
    v.hyper = v.hyper.replace(n_critic=3)  # --n-critic changes the ordinary steps only
    assert (v.critic_steps(30), v.critic_steps(10)) == (3, 100)
    toy = make("wgan", POINTS)  # gan_toy.py protocol: no long critic phases
    assert {toy.critic_steps(s) for s in (0, 10, 500)} == {5}


@pytest.mark.usefixtures("one_thread")
def test_wgan_run_keeps_the_critic_clipped(tmp_path):
    """A real run on ring8: after every one of its critic steps, every critic weight is in
    [-0.01, 0.01], the clip binds (weights sit on the bounds), the loop runs exactly the
    scheduled critic steps, and G moves onto the ring."""
    opts = tiny_options(
        tmp_path / "run", variant="wgan", data="ring8", steps=150, width=32, batch_size=64
    )
    trainer = Trainer(opts, quiet=True)
    v = trainer.variant
    start = ring_distance(trainer)
    seen = {"steps": 0, "worst": 0.0}
    clip = v.after_d_step

    def checked() -> None:
        clip()
        seen["steps"] += 1
        seen["worst"] = max(seen["worst"], max(p.abs().max().item() for p in v.d_parameters()))

    v.after_d_step = checked
    trainer.run()

    assert seen["steps"] == sum(v.critic_steps(s) for s in range(150)) == 750
    assert seen["worst"] <= 0.01
    on_bound = sum(int((p.abs() == 0.01).sum()) for p in v.d_parameters())
    assert on_bound > 0
    assert ring_distance(trainer) < 0.5 * start


# ---- WGAN-GP ------------------------------------------------------------------------------


def test_wgan_gp_paper_defaults_and_critic_without_batch_norm():
    d = variants.get("wgan-gp").defaults
    assert (d.optimizer, d.lr_d, d.betas, d.n_critic, d.batch_size) == (
        "adam",
        1e-4,
        (0.0, 0.9),
        5,
        64,
    )
    assert d.extra["gp_lambda"] == 10.0
    assert variants.get("wgan-gp").toy_defaults.extra["gp_lambda"] == 0.1  # gan_toy.py
    for spec in (IMAGES, POINTS):
        v = make("wgan-gp", spec)
        norms = [m for m in v.discriminator.modules() if "BatchNorm" in type(m).__name__]
        assert norms == []
        assert v.critic_steps(0) == 5  # no WGAN burn-in
    assert make("wgan-gp", IMAGES).config["nets"]["discriminator"]["norm"] == "layer"


@pytest.mark.parametrize("shape", [(2,), (3, 16, 16)], ids=["points", "images"])
@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_penalty_of_a_linear_critic_is_exact(shape, precision):
    """∇D = w everywhere, so the penalty is exactly (||w|| - 1)², in fp32 even under a bf16
    autocast (whose rounded gradients would be off by ~1e-4)."""
    dim = math.prod(shape)
    real, fake = torch.randn(16, *shape), torch.randn(16, *shape)
    for norm in (0.3, 1.0, 1.7, 4.0):
        critic = Linear(dim, norm, seed=int(norm * 10))
        ctx = (
            torch.autocast("cpu", torch.bfloat16)
            if precision == "bf16"
            else torch.autocast("cpu", enabled=False)
        )
        with ctx:
            penalty, norms = gradient_penalty(critic, real, fake)
        expected = (float(critic.w.detach().double().norm()) - 1) ** 2
        assert penalty.dtype == torch.float32
        assert penalty.item() == pytest.approx(expected, rel=1e-5, abs=1e-6)
        assert torch.allclose(norms, torch.full_like(norms, norm), rtol=1e-5)


def test_penalty_trains_the_critic():
    """d/dw (||w|| - 1)² = 2(||w|| - 1) w/||w||: the penalty's gradient reaches w (create_graph),
    and vanishes when ||w|| = 1."""
    real, fake = torch.randn(8, 2), torch.randn(8, 2)
    for norm in (0.5, 1.0, 3.0):
        critic = Linear(2, norm)
        penalty, _ = gradient_penalty(critic, real, fake)
        penalty.backward()
        w = critic.w.detach()
        expected = 2 * (w.norm() - 1) * w / w.norm()
        assert torch.allclose(critic.w.grad, expected, atol=1e-6)
        assert (float(critic.w.grad.norm()) > 0.5) == (norm != 1.0)


def test_penalty_of_a_compiled_critic():
    """torch.compile cannot differentiate twice (`gan train --compile`): the penalty's critic
    pass runs eagerly, and still trains the compiled critic's weights."""
    critic = Linear(2, 2.0)
    critic.compile()
    penalty, _ = gradient_penalty(critic, torch.randn(8, 2), torch.randn(8, 2))
    penalty.backward()
    assert penalty.item() == pytest.approx(1.0, rel=1e-5)
    assert torch.allclose(critic.w.grad, critic.w.detach(), atol=1e-6)  # 2(2-1)·w/2 = w


def test_interpolates_are_per_sample_mixtures():
    """x̂ = αx + (1-α)x̃ with its own α ~ U[0, 1] for each sample."""
    seen = []

    class Recorder(Linear):
        def forward(self, x):
            seen.append(x.detach().clone())
            return super().forward(x)

    real, fake = torch.randn(256, 2), torch.randn(256, 2)
    gradient_penalty(Recorder(2, 1.0), real, fake)
    alpha = ((seen[0] - fake) / (real - fake)).double()
    assert torch.allclose(alpha[:, 0], alpha[:, 1], atol=1e-4)  # one α per sample
    a = alpha[:, 0]
    assert float(a.min()) >= 0 and float(a.max()) <= 1
    assert 0.4 < float(a.mean()) < 0.6 and float(a.std()) > 0.2  # U[0,1]: mean ½, std 0.289


def test_wgan_gp_loss_is_distance_plus_lambda_penalty():
    """With a linear critic the critic loss is -(E[D(x)] - E[D(G(z))]) + λ(||w|| - 1)², with the
    λ of `extra` (10 by default, and any other value given there)."""
    real = torch.randn(32, 2)
    for lam in (10.0, 2.5):
        v = make("wgan-gp", POINTS, gp_lambda=lam)
        v.nets["discriminator"] = Linear(2, norm=1.6)
        loss, logs = v.d_loss(real, None)
        assert loss.item() == pytest.approx(
            -float(logs["wasserstein"]) + lam * 0.6**2, rel=1e-5, abs=1e-5
        )
        assert float(logs["gp"]) == pytest.approx(0.36, rel=1e-5)
        assert float(logs["grad_norm"]) == pytest.approx(1.6, rel=1e-5)


@pytest.mark.usefixtures("one_thread")
def test_wgan_gp_run_drives_the_critic_slope_to_one(tmp_path):
    """Gulrajani et al.: the penalty makes the critic's gradient norm at interpolates approach 1.
    On a real ring8 run with the paper's λ = 10 (given as the option `gp_lambda`, as
    `--gp-lambda 10` does) it starts far below 1 and ends close to it."""
    opts = tiny_options(
        tmp_path / "run",
        variant="wgan-gp",
        data="ring8",
        steps=150,
        width=32,
        batch_size=64,
        extra={"gp_lambda": 10.0},
    )
    trainer = Trainer(opts, quiet=True)
    assert trainer.variant.hyper.extra["gp_lambda"] == 10.0
    trainer.run()
    norms = [r["grad_norm"] for r in metrics(tmp_path / "run")]
    early, late = sum(norms[:5]) / 5, sum(norms[-50:]) / 50
    assert abs(early - 1) > 0.4
    assert abs(late - 1) < 0.15
    gp = [r["gp"] for r in metrics(tmp_path / "run")]
    assert sum(gp[-50:]) / 50 < 0.2 * sum(gp[:5]) / 5
