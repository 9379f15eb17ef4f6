"""WGAN-GP: Gulrajani et al. 2017, "Improved Training of Wasserstein GANs".

WGAN's losses, with the Lipschitz constraint enforced softly instead of by clipping: the critic
loss adds λ·E[(||∇_x̂ D(x̂)||₂ - 1)²] at x̂ = αx + (1-α)G(z), α ~ U[0, 1] per sample. The
penalty is per sample, so the critic must not use batch norm (the paper uses layer norm: on
images this is `dcgan.discriminator` with `norm="layer"`; the toy critic has no norm at all).

Defaults are the paper's: λ = 10 (in `extra["gp_lambda"]`, `--gp-lambda`), n_critic 5, Adam
1e-4 with betas (0, 0.9), batch 64, z 128-d N(0, I) as in its released code. On 2-D toys: the
authors' released toy script `gan_toy.py`, λ included: Adam 1e-4, betas (0.5, 0.9), batch 256,
z 2-d N(0, I), n_critic 5, λ = 0.1 ("smaller lambda makes things faster for toy tasks"). The
paper's text gives λ = 10 for every experiment; on ring8 with this project's toy nets, λ = 10
spends its first thousands of steps forcing the critic's slope to 1 while G drifts (after 2,000
steps its samples are a disc that touches few of the 8 modes), whereas λ = 0.1 has all 8 modes
by step 500. `--gp-lambda 10` gives the paper's value on toys too.

The penalty is computed in fp32 with autocast switched off for its critic pass: the gradient of
a bf16 or fp16 critic output is itself rounded to 8 or 11 bits, which is too coarse for a term
that measures how far a norm is from 1. The other critic passes follow the run's precision.
"""

from __future__ import annotations

import contextlib
from typing import Any

from gancli._lazy import lazy
from gancli.variants import register
from gancli.variants._mixins import WassersteinCritic
from gancli.variants._nets import dcgan_nets
from gancli.variants.base import Hyper, Option, Variant

torch = lazy("torch")


def _eager(net: Any) -> contextlib.AbstractContextManager:
    """Run `net` eagerly inside the context if it is compiled (module.compile() or
    torch.compile(module)); a plain net needs nothing, and skips importing the compiler."""
    compiled = getattr(net, "_compiled_call_impl", None) is not None or hasattr(net, "_orig_mod")
    set_stance = getattr(torch.compiler, "set_stance", None)  # torch >= 2.6
    return set_stance("force_eager") if compiled and set_stance else contextlib.nullcontext()


def gradient_penalty(critic: Any, real: Any, fake: Any) -> tuple[Any, Any]:
    """Mean (||∇D(x̂)||₂ - 1)² over the batch, and the per-sample gradient norms, at random
    interpolates x̂ between `real` and `fake` (fp32, autocast off). The penalty keeps its graph
    (create_graph), so its backward pass trains the critic."""
    real = real.detach().float()
    fake = fake.detach().float()
    alpha = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1), device=real.device)
    x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    # autograd.grad with create_graph records the backward ops as new forward ops, which an
    # enclosing autocast would run in low precision too: keep it inside the fp32 region. A
    # compiled critic (--compile) cannot be differentiated twice, so this pass runs it eagerly.
    with torch.autocast(real.device.type, enabled=False), _eager(critic):
        score = critic(x_hat).float()
        (grad,) = torch.autograd.grad(score.sum(), x_hat, create_graph=True)
        norms = grad.flatten(1).norm(2, dim=1)
        return (norms - 1).square().mean(), norms


@register
class WGANGP(WassersteinCritic, Variant):
    """Nets: DCGAN's, the critic with layer norm on images. Losses: the Wasserstein estimate
    (`WassersteinCritic`) with the gradient penalty; no clipping, no long critic phases."""

    name = "wgan-gp"
    known_remedies = {"divergence": ("a larger --gp-lambda",)}
    paper = "Gulrajani et al. 2017, Improved Training of Wasserstein GANs"
    summary = "Wasserstein critic with a gradient penalty at interpolates; no batch norm in D."
    defaults = Hyper(
        z_dim=128,
        prior="normal",
        batch_size=64,
        optimizer="adam",
        lr_g=1e-4,
        lr_d=1e-4,
        betas=(0.0, 0.9),
        n_critic=5,
        extra={"gp_lambda": 10.0},
    )
    options = (Option("gp_lambda", float, "Weight λ of the gradient penalty.", low=0.0),)
    toy_defaults = Hyper(
        z_dim=2,
        prior="normal",
        batch_size=256,
        optimizer="adam",
        lr_g=1e-4,
        lr_d=1e-4,
        betas=(0.5, 0.9),
        n_critic=5,
        extra={"gp_lambda": 0.1},
    )

    @classmethod
    def net_config(cls, spec, hyper, width):
        if spec["kind"] == "points":
            return dcgan_nets(spec, hyper, width)  # PacGAN's maxout critic has no norm
        return dcgan_nets(spec, hyper, width, norm="layer")

    def d_loss(self, real, labels):
        # under --augment the penalty is on interpolates of the images as the critic saw them
        real_score, fake_score, seen_real, seen_fake = self.critic_scores(real)
        wasserstein = real_score.mean() - fake_score.mean()
        penalty, norms = gradient_penalty(self.discriminator, seen_real, seen_fake)
        loss = -wasserstein + self.hyper.extra.get("gp_lambda", 10.0) * penalty
        return loss, {
            "wasserstein": wasserstein.detach(),
            "gp": penalty.detach(),
            "grad_norm": norms.detach().mean(),
        }
