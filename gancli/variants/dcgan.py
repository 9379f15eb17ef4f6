"""DCGAN: Radford, Metz & Chintala 2016, "Unsupervised Representation Learning with Deep
Convolutional Generative Adversarial Networks".

Same losses as the GAN; what differs are the all-convolutional nets (strided convolutions in D,
fractional-strided in G, batch norm except at G's output and D's input, ReLU/tanh in G,
LeakyReLU 0.2 in D) and the optimiser (Adam 2e-4, beta1 0.5, batch 128, uniform z).
"""

from __future__ import annotations

from gancli.variants import register
from gancli.variants._mixins import G_LOSS, NONSATURATING, LogLoss
from gancli.variants._nets import PACGAN_TOY, dcgan_nets
from gancli.variants.base import Hyper, Variant


@register
class DCGAN(LogLoss, Variant):
    """Nets: DCGAN's (`dcgan_nets`). Losses: the GAN's log loss (`LogLoss`) with `--g-loss`,
    D's cost not halved, G's step scoring the D step's fakes again. Optimiser: Adam."""

    name = "dcgan"
    paper = "Radford et al. 2016, Unsupervised Representation Learning with DCGANs"
    summary = "All-convolutional GAN; sized from the image resolution (16-256)."
    defaults = Hyper(
        z_dim=100,
        prior="uniform",
        batch_size=128,
        optimizer="adam",
        lr_g=2e-4,
        lr_d=2e-4,
        betas=(0.5, 0.999),
        extra={"g_loss": NONSATURATING},
    )
    toy_defaults = PACGAN_TOY.replace(extra={"g_loss": NONSATURATING})
    options = (G_LOSS,)
    reuse_fakes = True  # as dcgan.torch does: G's step scores the D step's fakes again

    @classmethod
    def net_config(cls, spec, hyper, width):
        return dcgan_nets(spec, hyper, width)
