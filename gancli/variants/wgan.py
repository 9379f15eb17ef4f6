"""WGAN: Arjovsky, Chintala & Bottou 2017, "Wasserstein GAN".

The critic D estimates the Wasserstein-1 distance E[D(x)] - E[D(G(z))] and maximises it; G
minimises -E[D(G(z))]. The critic must stay (roughly) 1-Lipschitz: the paper clips every critic
parameter to [-c, c], c = 0.01, after each critic update. Its released code clips all of the
critic's parameters, batch-norm scales and shifts included, and so does this variant; the
running statistics of batch norm are buffers, not parameters, and are left alone.

Defaults are the paper's (Algorithm 1 and its code): RMSprop 5e-5 for both nets, batch 64,
z 100-d N(0, I), n_critic 5, and 100 critic steps for the first 25 generator steps and at every
500th generator step, so the critic is near its optimum when G starts and now and then after.
On images the nets are DCGAN's, the critic with batch norm as in the paper. On 2-D toys the
defaults are the toy protocol of the WGAN-GP authors' released `gan_toy.py`, which trains WGAN
and WGAN-GP side by side: RMSprop 5e-5, batch 256, z 2-d N(0, I), n_critic 5, no long critic
phases, on this project's toy nets.
"""

from __future__ import annotations

from typing import Any

from gancli._lazy import lazy
from gancli.variants import register
from gancli.variants._mixins import WassersteinCritic
from gancli.variants._nets import dcgan_nets
from gancli.variants.base import Hyper, Option, Variant

torch = lazy("torch")


@register
class WGAN(WassersteinCritic, Variant):
    """Nets: DCGAN's, the critic with batch norm. Losses: the Wasserstein estimate
    (`WassersteinCritic`), the critic's weights clipped after each of its steps, the paper's
    long critic phases (`critic_steps`)."""

    name = "wgan"
    known_remedies = {
        "divergence": ("a smaller --clip",),
        "oscillation": ("a smaller --clip", "gan train wgan-gp (the authors' fix for clipping)"),
    }
    paper = "Arjovsky et al. 2017, Wasserstein GAN"
    summary = "Wasserstein critic kept Lipschitz by clipping its weights to [-0.01, 0.01]."
    defaults = Hyper(
        z_dim=100,
        prior="normal",
        batch_size=64,
        optimizer="rmsprop",
        lr_g=5e-5,
        lr_d=5e-5,
        n_critic=5,
        extra={
            "clip": 0.01,
            # The paper's schedule: `burn_in_critic` critic steps for the first
            # `burn_in_steps` generator steps and at every `burn_in_every`-th one.
            "burn_in_steps": 25,
            "burn_in_every": 500,
            "burn_in_critic": 100,
        },
    )
    options = (
        Option(
            "clip",
            float,
            "Clip every critic parameter to [-clip, clip] after each D step.",
            low=0.0,
            above=True,
        ),
    )
    toy_defaults = Hyper(
        z_dim=2,
        prior="normal",
        batch_size=256,
        optimizer="rmsprop",
        lr_g=5e-5,
        lr_d=5e-5,
        n_critic=5,
        extra={"clip": 0.01},
    )

    @classmethod
    def net_config(cls, spec, hyper, width):
        return dcgan_nets(spec, hyper, width)

    def __init__(self, config: dict[str, Any], device: Any = "cpu") -> None:
        super().__init__(config, device)
        # The paper's code clips before every critic update, so even the first critic forward
        # pass sees clipped weights; clipping the fresh critic here does the same (a loaded
        # checkpoint overwrites these weights with already clipped ones).
        self.clip_critic()

    def clip_critic(self) -> None:
        """Clamp every critic parameter to [-clip, clip] (no-op without a `clip` in extra)."""
        c = self.hyper.extra.get("clip")
        if not c:
            return
        with torch.no_grad():
            for p in self.d_parameters():
                p.clamp_(-c, c)

    def after_d_step(self) -> None:
        self.clip_critic()

    def critic_steps(self, step: int) -> int:
        extra = self.hyper.extra
        every = int(extra.get("burn_in_every", 0))
        if step < int(extra.get("burn_in_steps", 0)) or (every and step % every == 0):
            return int(extra.get("burn_in_critic", self.hyper.n_critic))
        return self.hyper.n_critic

    def d_loss(self, real, labels):
        real_score, fake_score, _, _ = self.critic_scores(real)
        wasserstein = real_score.mean() - fake_score.mean()
        return -wasserstein, {"wasserstein": wasserstein.detach()}
