"""GAN: Goodfellow et al. 2014, "Generative Adversarial Nets".

D maximises log D(x) + log(1 - D(G(z))); G uses the non-saturating loss -log D(G(z)) that the
paper recommends in practice, or with `--g-loss minimax` the value function itself, minimising
log(1 - D(G(z))), whose gradient vanishes while D rejects G's samples confidently (section 3).

On images: the paper's MNIST configuration as released (goodfeli/adversarial mnist.yaml): ReLU
MLP generator and maxout discriminator with dropout, 100-d Gaussian z, D's cost halved, SGD with
momentum rising 0.5 -> 0.7 and an exponentially decaying rate. On 2-D toys: the PacGAN
protocol's nets and optimiser.
"""

from __future__ import annotations

from gancli.variants import register
from gancli.variants._mixins import (  # noqa: F401 - the g-loss names are also imported from here
    G_LOSS,
    MINIMAX,
    NONSATURATING,
    LogLoss,
    MomentumSchedule,
    generator_loss,
)
from gancli.variants._nets import PACGAN_TOY, toy_nets
from gancli.variants.base import Hyper, Variant


@register
class GAN(MomentumSchedule, LogLoss, Variant):
    """Nets: the paper's MLPs on images, PacGAN's on toys. Losses: the log loss (`LogLoss`),
    D's cost halved on images as in the paper's code, G's `--g-loss`, fresh noise for G's step
    (Algorithm 1). Optimiser: SGD with the released momentum ramp and rate decay."""

    name = "gan"
    paper = "Goodfellow et al. 2014, Generative Adversarial Nets (MNIST configuration)"
    summary = "The original GAN: MLP generator, maxout discriminator, non-saturating G loss."
    defaults = Hyper(
        # z: the released code's default noise, N(0, I) (Generator(noise="gaussian")).
        z_dim=100,
        prior="normal",
        batch_size=100,
        optimizer="sgd",
        lr_g=0.1,
        lr_d=0.1,
        momentum=0.5,
        # From the paper's released pylearn2 MNIST config: momentum ramps to 0.7 by epoch 250
        # of 500 batches, the learning rate decays by 1.000004 per batch down to 1e-6.
        extra={
            "momentum_final": 0.7,
            "momentum_ramp_steps": 125_000,
            "lr_decay": 1.000004,
            "lr_min": 1e-6,
            "g_loss": NONSATURATING,
        },
    )
    toy_defaults = PACGAN_TOY.replace(extra={"g_loss": NONSATURATING})
    options = (G_LOSS,)
    known_remedies = {
        "d_winning": ("--g-loss nonsaturating, if the run uses minimax (section 3 of the paper)",)
    }
    halve_d_cost = True  # AdversaryCost2: with SGD, the factor is part of D's effective rate
    reuse_fakes = False  # Algorithm 1 draws a fresh minibatch of noise for G's step

    @classmethod
    def net_config(cls, spec, hyper, width):
        if spec["kind"] == "points":
            return toy_nets(spec, hyper, width)
        return {
            "generator": {
                "family": "mlp.generator",
                "z_dim": hyper.z_dim,
                "out_shape": list(spec["shape"]),
                "hidden": width or 1200,
                "layers": 2,
            },
            "discriminator": {
                "family": "mlp.maxout_discriminator",
                "in_shape": list(spec["shape"]),
                "hidden": (width or 1200) // 5,
                "layers": 2,
                "pieces": 5,
                "input_dropout": 0.2,
                "dropout": 0.5,
            },
        }
