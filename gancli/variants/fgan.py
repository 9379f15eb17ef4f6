"""f-GAN: Nowozin, Cseke & Tomioka 2016, "f-GAN: Training Generative Neural Samplers using
Variational Divergence Minimization".

Any f-divergence D_f(P||Q) = E_Q[f(p/q)] has the variational lower bound

    F = E_P[T(x)] - E_Q[f*(T(x))],   T = g_f(V(x)),

tight at T = f'(p/q). D (the variational function V, a net with one output) maximises F;
G maximises E_Q[g_f(V(G(z)))], the non-saturating form of section 3.2. The output activation
g_f keeps T inside the domain of the conjugate f* (the paper's table 2):

    divergence          g_f(v)                  f*(t)               f*(g_f(v)) as computed
    kl                  v                       exp(t-1)            exp(v-1)  [capped, see below]
    rkl (reverse KL)    -exp(-v)                -1 - log(-t)        v - 1
    pearson (chi^2)     v                       t^2/4 + t           v^2/4 + v
    hellinger (squared) 1 - exp(-v)             t/(1-t)             exp(v) - 1
    js                  log 2 - softplus(-v)    -log(2 - exp(t))    softplus(v) - log 2
    gan                 -softplus(-v)           -log(1 - exp(t))    softplus(v)

The losses use the composed f*(g_f(v)) simplified by hand (last column), so no logarithm of a
difference that rounds to zero is ever taken; `gan` is then exactly the GAN's binary
cross-entropy with D = sigmoid(v). Exponentials that an unbounded V can overflow (kl's f*,
hellinger's f*, and the activations of rkl and hellinger in G's loss) are continued linearly
above e^30: identical below, finite and with a gradient of the same sign above. Pearson has no
exponential; its polynomial f* overflows float32 only for |V| above 1e19.

Defaults, as recalled from the paper's experiments [verify]: Adam 2e-4, beta1 0.5 (DCGAN's
optimiser, which the paper adopts) and z 100-d uniform (its MNIST experiment); on images the
DCGAN nets with DCGAN's batch of 128 (the paper's MNIST experiment used MLPs and a batch of
4096: pass --batch-size 4096 to match it). The default divergence is `gan`, the original GAN
objective: the paper compares the divergences and does not single one out. On 2-D toys: the
PacGAN protocol's nets and optimiser, as for the other variants.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gancli._lazy import lazy
from gancli.variants import Option, register
from gancli.variants._nets import PACGAN_TOY, dcgan_nets
from gancli.variants.base import Hyper, Variant

torch = lazy("torch")
F = lazy("torch.nn.functional")

EXP_CAP = 30.0
LOG2 = math.log(2.0)


def safe_exp(x: Any) -> Any:
    """exp(x) for x <= EXP_CAP, continued by its tangent line above: never inf, and the
    gradient keeps its sign. Written without `where`, so no inf ever enters the backward pass."""
    return torch.exp(torch.clamp(x, max=EXP_CAP)) + math.exp(EXP_CAP) * F.relu(x - EXP_CAP)


@dataclass(frozen=True)
class Divergence:
    """One row of the paper's tables 1 and 2. `f`, `f_prime` and `conjugate` state the math
    (tests check them against each other); the losses use `activation` and `fused`."""

    f: Callable[[Any], Any]  # the generator function f(u), u > 0, convex
    f_prime: Callable[[Any], Any]  # f'(u): the optimal T is f'(p/q)
    activation: Callable[[Any], Any]  # g_f(v)
    conjugate: Callable[[Any], Any]  # f*(t) on its domain t < domain_sup
    fused: Callable[[Any], Any]  # f*(g_f(v)), simplified so that it is finite for any v
    domain_sup: float  # dom f* = {t < domain_sup}


DIVERGENCES: dict[str, Divergence] = {
    "kl": Divergence(
        f=lambda u: u * torch.log(u),
        f_prime=lambda u: 1 + torch.log(u),
        activation=lambda v: v,
        conjugate=lambda t: torch.exp(t - 1),
        fused=lambda v: safe_exp(v - 1),
        domain_sup=math.inf,
    ),
    "rkl": Divergence(
        f=lambda u: -torch.log(u),
        f_prime=lambda u: -1 / u,
        activation=lambda v: -safe_exp(-v),
        conjugate=lambda t: -1 - torch.log(-t),
        fused=lambda v: v - 1,
        domain_sup=0.0,
    ),
    "pearson": Divergence(
        f=lambda u: (u - 1) ** 2,
        f_prime=lambda u: 2 * (u - 1),
        activation=lambda v: v,
        conjugate=lambda t: t**2 / 4 + t,
        fused=lambda v: v**2 / 4 + v,
        domain_sup=math.inf,
    ),
    "hellinger": Divergence(
        f=lambda u: (torch.sqrt(u) - 1) ** 2,
        f_prime=lambda u: 1 - 1 / torch.sqrt(u),
        activation=lambda v: 1 - safe_exp(-v),
        conjugate=lambda t: t / (1 - t),
        fused=lambda v: safe_exp(v) - 1,
        domain_sup=1.0,
    ),
    "js": Divergence(
        f=lambda u: -(u + 1) * torch.log((1 + u) / 2) + u * torch.log(u),
        f_prime=lambda u: torch.log(2 * u / (1 + u)),
        activation=lambda v: LOG2 - F.softplus(-v),
        conjugate=lambda t: -torch.log(2 - torch.exp(t)),
        fused=lambda v: F.softplus(v) - LOG2,
        domain_sup=LOG2,
    ),
    "gan": Divergence(
        f=lambda u: u * torch.log(u) - (u + 1) * torch.log(u + 1),
        f_prime=lambda u: torch.log(u / (u + 1)),
        activation=lambda v: -F.softplus(-v),
        conjugate=lambda t: -torch.log(1 - torch.exp(t)),
        fused=lambda v: F.softplus(v),
        domain_sup=0.0,
    ),
}


def variational_bound(v_real: Any, v_fake: Any, divergence: str) -> Any:
    """F = E_P[g_f(V(x))] - E_Q[f*(g_f(V(x~)))] from V's outputs on real and generated
    samples: the estimate of D_f(P||Q) that D maximises."""
    d = DIVERGENCES[divergence]
    return d.activation(v_real).mean() - d.fused(v_fake).mean()


@register
class FGAN(Variant):
    name = "fgan"
    paper = "Nowozin, Cseke & Tomioka 2016, f-GAN: Variational Divergence Minimization"
    summary = "GAN training for any f-divergence (KL, reverse KL, Pearson, Hellinger, JS, GAN)."
    defaults = Hyper(
        z_dim=100,
        prior="uniform",
        batch_size=128,
        optimizer="adam",
        lr_g=2e-4,
        lr_d=2e-4,
        betas=(0.5, 0.999),
        extra={"divergence": "gan"},
    )
    toy_defaults = PACGAN_TOY.replace(extra={"divergence": "gan"})
    options = (
        Option(
            "divergence",
            str,
            "The f-divergence D and G estimate and minimise.",
            choices=tuple(DIVERGENCES),
        ),
    )

    @classmethod
    def net_config(cls, spec, hyper, width):
        # DCGAN's nets on images, PacGAN's on 2-D toys: the same as dcgan's.
        return dcgan_nets(spec, hyper, width)

    @property
    def divergence(self) -> str:
        return str(self.hyper.extra.get("divergence", "gan"))

    def d_loss(self, real, labels):
        z = self.sample_z(real.shape[0])
        fake = self.generator(z).detach()
        v_real = self.discriminator(self.augmented(real)).float()
        v_fake = self.discriminator(self.augmented(fake)).float()
        bound = variational_bound(v_real, v_fake, self.divergence)
        return -bound, {"bound": bound.detach(), "v_real": v_real.mean(), "v_fake": v_fake.mean()}

    def realness_threshold(self):
        return None  # V's scale depends on the divergence's output activation

    def g_loss(self, real, labels):
        z = self.sample_z(real.shape[0])
        v_fake = self.discriminator(self.augmented(self.generator(z))).float()
        return -DIVERGENCES[self.divergence].activation(v_fake).mean(), {}
