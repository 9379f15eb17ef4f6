"""VAE: Kingma & Welling 2014, "Auto-Encoding Variational Bayes": the baseline that asks whether
the generator can learn by itself, without a discriminator.

The decoder p(x|z) is DCGAN's generator, unchanged, so its samples and its latent (the prior
N(0, I), 100-d) compare one to one with DCGAN's; the encoder q(z|x) is DCGAN's discriminator
with 2 * z_dim outputs, the mean and the log-variance of a diagonal Gaussian. One step
maximises the evidence lower bound (the paper's SGVB estimator with one sample of z, L = 1):

    z = mu(x) + sigma(x) * eps,  eps ~ N(0, I)          (the reparameterisation trick)
    loss = -log p(x | z) + beta * KL(q(z|x) || N(0, I))
    KL = 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2)   (closed form, the paper's eq. 10)

summed over a sample's values and latent dimensions and averaged over the batch, in nats.
beta = 1 is the paper's bound (beta > 1 is Higgins et al. 2017's beta-VAE); the logged `elbo`
always uses beta = 1, with `recon` and `kl` beside it.

The reconstruction term (`--likelihood`):
- gaussian (default): p(x|z) = N(x; G(z), sigma^2 I) with a fixed sigma = 0.1 on pixels in
  [-1, 1] (the paper's Frey-face decoder is Gaussian; its variance there is learned, which a
  tanh output like DCGAN's G has no room for). A fixed sigma makes the term the squared error
  scaled by 1/(2 sigma^2); another sigma is the same objective as --beta times
  (sigma / 0.1)^2, so --beta is the one knob. sigma = 0.1 (5% of the range) asks the decoder
  for detail: a much larger one lets the KL term win and the samples blur into the mean.
- bernoulli: the paper's MNIST decoder, a pixel's value in [0, 1] as the probability of a
  binary pixel ((G(z) + 1) / 2), the binary cross-entropy; for nearly binary images (digits).

The papers' optimiser (Adagrad, step 0.01 to 0.02, minibatch M = 100, MLP nets) does not train
DCGAN's conv nets well: Adam with learning rate 1e-3 and betas (0.9, 0.999) (Kingma & Ba 2015
trained VAEs with it) [verify], batch 100 as the paper's M. On 2-D toys: the PacGAN protocol's
generator as the decoder, its maxout D with 2 * z_dim outputs as the encoder, the Gaussian
likelihood (bernoulli is for images).

There is no discriminator: the engine runs this variant's single step (`adversarial = False`)
with one optimiser over the encoder and the decoder, and --lr-d / --n-critic are refused.
"""

from __future__ import annotations

import math
from typing import Any

from gancli._lazy import lazy
from gancli.errors import GanError
from gancli.variants import Option, register
from gancli.variants._nets import PACGAN_TOY, dcgan_nets, toy_nets
from gancli.variants.base import Hyper, Variant

torch = lazy("torch")

SIGMA = 0.1  # the Gaussian decoder's fixed standard deviation, on pixels in [-1, 1]
GAUSSIAN, BERNOULLI = "gaussian", "bernoulli"
# log sigma^2 is clamped so that exp() can neither overflow nor vanish in fp32 / bf16
LOGVAR_RANGE = (-30.0, 20.0)


def kl_to_standard_normal(mu: Any, logvar: Any) -> Any:
    """KL(N(mu, diag(exp(logvar))) || N(0, I)) per sample, shape (B,): the closed form."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(1)


def reparameterise(mu: Any, logvar: Any, eps: Any = None) -> Any:
    """z = mu + sigma * eps: a sample of q(z|x) through which gradients reach mu and sigma."""
    if eps is None:
        eps = torch.randn_like(mu)
    return mu + (0.5 * logvar).exp() * eps


def gaussian_nll(x: Any, mean: Any, sigma: float = SIGMA) -> Any:
    """-log N(x; mean, sigma^2 I) per sample, shape (B,), in nats (constants included)."""
    sq = ((x.float() - mean.float()) / sigma).pow(2).flatten(1)
    return 0.5 * sq.sum(1) + sq.shape[1] * (math.log(sigma) + 0.5 * math.log(2 * math.pi))


def bernoulli_nll(x: Any, mean: Any, eps: float = 1e-6) -> Any:
    """Binary cross-entropy per sample, shape (B,), of values in [-1, 1] read as [0, 1]."""
    p = ((mean.float() + 1) / 2).clamp(eps, 1 - eps).flatten(1)
    t = ((x.float() + 1) / 2).clamp(0, 1).flatten(1)
    return -(t * p.log() + (1 - t) * (1 - p).log()).sum(1)


NLL = {GAUSSIAN: gaussian_nll, BERNOULLI: bernoulli_nll}


@register
class VAE(Variant):
    name = "vae"
    paper = "Kingma & Welling 2014, Auto-Encoding Variational Bayes"
    summary = (
        "No discriminator: DCGAN's G as the decoder of a VAE (reparameterised encoder, "
        "reconstruction + KL); the baseline GANs are compared with."
    )
    adversarial = False
    augmentable = False  # --augment transforms what a discriminator sees; there is none
    defaults = Hyper(
        z_dim=100,
        prior="normal",
        batch_size=100,
        optimizer="adam",
        lr_g=1e-3,
        lr_d=1e-3,
        betas=(0.9, 0.999),
        extra={"likelihood": GAUSSIAN, "beta": 1.0},
    )
    toy_defaults = PACGAN_TOY.replace(extra={"likelihood": GAUSSIAN, "beta": 1.0})
    options = (
        Option(
            "likelihood",
            str,
            f"The decoder's p(x|z): gaussian (fixed sigma {SIGMA} on pixels in [-1, 1]; the "
            "squared error) or bernoulli (binary cross-entropy; the paper's MNIST decoder).",
            choices=(GAUSSIAN, BERNOULLI),
        ),
        Option(
            "beta",
            float,
            "Weight of the KL term (1: the paper's evidence lower bound; more: beta-VAE).",
            low=0.0,
        ),
    )

    @classmethod
    def net_config(cls, spec, hyper, width):
        if spec["kind"] == "points":
            if hyper.extra.get("likelihood") == BERNOULLI:
                raise GanError("--likelihood bernoulli is for images; 2-D points take gaussian")
            nets = toy_nets(spec, hyper, width)
            nets["discriminator"]["outputs"] = 2 * hyper.z_dim
        else:
            nets = dcgan_nets(spec, hyper, width, outputs=2 * hyper.z_dim)
        return {"generator": nets["generator"], "encoder": nets["discriminator"]}

    @property
    def encoder(self) -> Any:
        return self.nets["encoder"]

    def g_parameters(self) -> list[Any]:
        """The one optimiser's parameters: the decoder's and the encoder's."""
        return list(self.generator.parameters()) + list(self.encoder.parameters())

    def encode(self, x: Any) -> tuple[Any, Any]:
        """The mean and log-variance of q(z|x), each (B, z_dim), in fp32."""
        h = self.encoder(x).float()
        mu, logvar = h.chunk(2, dim=1)
        return mu, logvar.clamp(*LOGVAR_RANGE)

    def g_loss(self, real, labels):
        mu, logvar = self.encode(real)
        recon = self.generator(reparameterise(mu, logvar))
        nll = NLL[str(self.hyper.extra.get("likelihood", GAUSSIAN))](real, recon)
        kl = kl_to_standard_normal(mu, logvar)
        beta = float(self.hyper.extra.get("beta", 1.0))
        logs = {"recon": nll.mean().detach(), "kl": kl.mean().detach()}
        logs["elbo"] = -(logs["recon"] + logs["kl"])
        return (nll + beta * kl).mean(), logs
