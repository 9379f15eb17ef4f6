"""AC-GAN: Odena, Olah & Shlens 2017, "Conditional Image Synthesis with Auxiliary Classifier
GANs".

G(z, y) sees the class; D does not, but predicts it: its output is one source logit and K class
logits. With L_S the log-likelihood of the right source and L_C of the right class, D maximises
L_S + L_C and G maximises L_C - L_S (here in the usual non-saturating form for the source term).
DCGAN nets with the one-hot label concatenated to z; Adam 2e-4, beta1 0.5, batch 100.
"""

from __future__ import annotations

from gancli._lazy import lazy
from gancli.variants import register
from gancli.variants._mixins import Conditional
from gancli.variants._nets import PACGAN_TOY, dcgan_nets
from gancli.variants.base import Hyper, Variant

F = lazy("torch.nn.functional")


@register
class ACGAN(Conditional, Variant):
    """Nets: DCGAN's, the label concatenated to z and 1 + K outputs in D. Losses: source and
    class terms (below). Optimiser: Adam, no schedule."""

    name = "acgan"
    paper = "Odena et al. 2017, Conditional Image Synthesis with Auxiliary Classifier GANs"
    summary = "Auxiliary-classifier GAN: D also predicts the class; sample a class with --class."
    # The paper's optimiser and batch; z is 100-d normal here (the paper's ImageNet z is 110-d
    # with the class folded in) [verify for MNIST].
    defaults = Hyper(
        z_dim=100,
        prior="normal",
        batch_size=100,
        optimizer="adam",
        lr_g=2e-4,
        lr_d=2e-4,
        betas=(0.5, 0.999),
    )
    toy_defaults = PACGAN_TOY

    @classmethod
    def net_config(cls, spec, hyper, width):
        k = int(spec["num_classes"])
        nets = dcgan_nets(spec, hyper, width)
        g = dict(nets["generator"])
        g["z_dim"] += k
        return {
            "generator": {"family": "conditional.concat", "num_classes": k, "inner": g},
            "discriminator": {**nets["discriminator"], "outputs": 1 + k},
        }

    def _scores(self, x):
        out = self.discriminator(self.augmented(x)).float()
        return out[:, 0], out[:, 1:]

    def d_loss(self, real, labels):
        fake = self.generator(self.sample_z(real.shape[0]), self.onehot(labels)).detach()
        src_real, cls_real = self._scores(real)
        src_fake, cls_fake = self._scores(fake)
        source = F.softplus(-src_real).mean() + F.softplus(src_fake).mean()
        klass = F.cross_entropy(cls_real, labels) + F.cross_entropy(cls_fake, labels)
        accuracy = (cls_real.argmax(1) == labels).float().mean()
        return source + klass, {"d_class": klass, "d_accuracy": accuracy}

    def predicted_classes(self, fake):
        return self._scores(fake)[1].argmax(1)

    def g_loss(self, real, labels):
        src_fake, cls_fake = self._scores(
            self.generator(self.sample_z(real.shape[0]), self.onehot(labels))
        )
        klass = F.cross_entropy(cls_fake, labels)
        return F.softplus(-src_fake).mean() + klass, {"g_class": klass}
