"""Hinge GAN: Lim & Ye 2017, "Geometric GAN", as used by Miyato et al. 2018, "Spectral
Normalization for Generative Adversarial Networks".

D minimises E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))], a soft-margin SVM between real and
fake on D's raw output: samples already beyond the margin (D(x) >= 1, D(G(z)) <= -1) cost
nothing and give no gradient. G minimises -E[D(G(z))], the signed distance to the boundary.

Defaults: the SN-GAN paper's setting for its DCGAN-like "standard CNN" (setting C of its
Table 1, also the released configuration of the authors' chainer-gan-lib for `sndcgan`):
Adam 2e-4, betas (0.5, 0.999), one D step per G step, batch 64, z 128-d N(0, I). Its ResNet
setting (n_dis 5, betas (0, 0.9)) belongs to the residual nets, which this project does not
build. The nets are DCGAN's, and so is D's batch norm by default. `--d-norm spectral` gives
D the paper's spectral normalisation instead (every convolution's weight divided by its
largest singular value, no batch norm in D), on DCGAN's four-convolution D rather than the
paper's deeper "standard CNN" D. It is not the default: in a short trial on the shapes set
(stopped at 3,000 steps, not a benchmark) that pairing drew fewer, smaller shapes than the
batch-norm D. On 2-D toys: the PacGAN protocol shared by this project's GAN variants, whose
maxout D has no normalisation to choose (`--d-norm` is refused there).
"""

from __future__ import annotations

from gancli._lazy import lazy
from gancli.errors import GanError
from gancli.variants import register
from gancli.variants._nets import PACGAN_TOY, dcgan_nets
from gancli.variants.base import Hyper, Option, Variant

F = lazy("torch.nn.functional")


@register
class Hinge(Variant):
    """Nets: DCGAN's, D normalised by `--d-norm` on images. Losses: the hinge (below)."""

    name = "hinge"
    paper = "Lim & Ye 2017, Geometric GAN; Miyato et al. 2018, Spectral Normalization for GANs"
    summary = "Hinge (soft-margin) D loss, G loss -E[D(G(z))], on DCGAN nets."
    defaults = Hyper(
        z_dim=128,
        prior="normal",
        batch_size=64,
        optimizer="adam",
        lr_g=2e-4,
        lr_d=2e-4,
        betas=(0.5, 0.999),
        n_critic=1,
        extra={"d_norm": "batch"},
    )
    toy_defaults = PACGAN_TOY
    options = (
        Option(
            "d_norm",
            str,
            "D's normalisation on images: batch (DCGAN's) or spectral (SN-GAN's, no batch norm).",
            choices=("batch", "spectral"),
        ),
    )

    @classmethod
    def net_config(cls, spec, hyper, width):
        norm = hyper.extra.get("d_norm", "batch")
        if spec["kind"] == "points":
            if norm != "batch":
                raise GanError(
                    "--d-norm applies to image data; on 2-D points hinge uses PacGAN's maxout "
                    "D, which has no normalisation layer"
                )
            return dcgan_nets(spec, hyper, width)
        return dcgan_nets(spec, hyper, width, norm=norm)

    def d_loss(self, real, labels):
        fake = self.generate(self.sample_z(real.shape[0])).detach()
        real_score = self.discriminator(self.augmented(real)).float()
        fake_score = self.discriminator(self.augmented(fake)).float()
        loss = F.relu(1 - real_score).mean() + F.relu(1 + fake_score).mean()
        return loss, {"d_real": real_score.mean().detach(), "d_fake": fake_score.mean().detach()}

    def g_loss(self, real, labels):
        fake = self.generate(self.sample_z(real.shape[0]))
        return -self.discriminator(self.augmented(fake)).float().mean(), {}
