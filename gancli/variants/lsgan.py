"""LSGAN: Mao et al. 2017, "Least Squares Generative Adversarial Networks".

Least-squares losses in place of the sigmoid cross-entropy: D minimises
½E[(D(x) - b)²] + ½E[(D(G(z)) - a)²] and G minimises ½E[(D(G(z)) - c)²], on D's raw output.
A fake sample that D scores on the right side of the boundary still pays for its distance to
the target, so G keeps getting gradients where the log loss saturates. The paper gives two
codings: (a, b, c) = (-1, 1, 0), under which the objective is the Pearson χ² divergence, and
(0, 1, 1), which asks G for samples as real as possible and is what the authors' released
code trains with; the default is (0, 1, 1), in `extra` as "a", "b", "c".

Optimiser: Adam 2e-4, β1 0.5, batch 64, z uniform(-1, 1) of 1024 dimensions. The paper's
LSUN model (a larger 112x112 network of its own) uses lr 1e-3, but on DCGAN's architecture,
which is what this variant builds, the authors' released comparison code trains with 2e-4:
the rate that goes with these nets. On 2-D toys: the PacGAN protocol shared by this project's
GAN variants, so that mode-coverage numbers compare across losses.
"""

from __future__ import annotations

from gancli.variants import register
from gancli.variants._nets import PACGAN_TOY, dcgan_nets
from gancli.variants.base import Hyper, Option, Variant


@register
class LSGAN(Variant):
    """Nets: DCGAN's (`dcgan_nets`). Losses: least squares to the targets a, b, c (below)."""

    name = "lsgan"
    paper = "Mao et al. 2017, Least Squares Generative Adversarial Networks"
    summary = "Least-squares D and G losses (targets a=0, b=1, c=1) on DCGAN nets."
    defaults = Hyper(
        z_dim=1024,
        prior="uniform",
        batch_size=64,
        optimizer="adam",
        lr_g=2e-4,
        lr_d=2e-4,
        betas=(0.5, 0.999),
        extra={"a": 0.0, "b": 1.0, "c": 1.0},
    )
    options = (
        Option("a", float, "LSGAN target for fakes in D's loss (-1 or 0 in the paper)."),
        Option("b", float, "LSGAN target for reals in D's loss (1 in the paper)."),
        Option("c", float, "LSGAN target G wants D to give its samples (0 or 1 in the paper)."),
    )
    toy_defaults = PACGAN_TOY.replace(extra={"a": 0.0, "b": 1.0, "c": 1.0})

    @classmethod
    def net_config(cls, spec, hyper, width):
        return dcgan_nets(spec, hyper, width)

    def d_loss(self, real, labels):
        extra = self.hyper.extra
        fake = self.generate(self.sample_z(real.shape[0])).detach()
        real_score = self.discriminator(self.augmented(real)).float()
        fake_score = self.discriminator(self.augmented(fake)).float()
        loss = (
            0.5 * (real_score - extra.get("b", 1.0)).square().mean()
            + 0.5 * (fake_score - extra.get("a", 0.0)).square().mean()
        )
        return loss, {"d_real": real_score.mean().detach(), "d_fake": fake_score.mean().detach()}

    def realness_threshold(self):
        extra = self.hyper.extra
        return 0.5 * (float(extra.get("a", 0.0)) + float(extra.get("b", 1.0)))

    def g_loss(self, real, labels):
        fake = self.generate(self.sample_z(real.shape[0]))
        fake_score = self.discriminator(self.augmented(fake)).float()
        return 0.5 * (fake_score - self.hyper.extra.get("c", 1.0)).square().mean(), {}
