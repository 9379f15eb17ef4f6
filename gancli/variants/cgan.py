"""Conditional GAN: Mirza & Osindero 2014, "Conditional Generative Adversarial Nets".

G(z, y) and D(x, y) both see the class label y; the losses are the GAN's. On images: the
paper's MNIST MLPs (z -> ReLU 200 and y -> ReLU 1000 joined into ReLU 1200; D maxout 240x5 on x
and 50x5 on y joined into maxout 240x4), SGD lr 0.1 decaying by 1.00004 per batch to 1e-6,
momentum 0.5 rising to 0.7, batch 100, uniform 100-d z. On 2-D toys: the PacGAN nets with the
one-hot label concatenated to their inputs.
"""

from __future__ import annotations

from typing import Any

from gancli._lazy import lazy
from gancli.variants import register
from gancli.variants._mixins import Conditional, MomentumSchedule, halved_on_images
from gancli.variants._nets import PACGAN_TOY, toy_nets
from gancli.variants.base import Hyper, Variant

F = lazy("torch.nn.functional")


def concat_conditioned(
    spec: dict[str, Any], nets: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Condition both nets by concatenating the one-hot label to their inputs."""
    k = int(spec["num_classes"])
    g, d = dict(nets["generator"]), dict(nets["discriminator"])
    g["z_dim"] += k
    if "in_dim" in d:
        d["in_dim"] += k
    else:
        d["channels"] += k
    return {
        "generator": {"family": "conditional.concat", "num_classes": k, "inner": g},
        "discriminator": {"family": "conditional.concat", "num_classes": k, "inner": d},
    }


@register
class CGAN(MomentumSchedule, Conditional, Variant):
    """Nets: the paper's conditional MLPs on images, PacGAN's with the label concatenated on
    toys. Losses: the GAN's log loss with D and G given the label, D's cost halved on images as
    in Goodfellow et al.'s code, G's non-saturating. Optimiser: SGD with the momentum ramp and
    rate decay."""

    name = "cgan"
    paper = "Mirza & Osindero 2014, Conditional Generative Adversarial Nets (MNIST configuration)"
    summary = "Conditional GAN: G and D see the class label; sample a class with --class."
    defaults = Hyper(
        z_dim=100,
        prior="uniform",
        batch_size=100,
        optimizer="sgd",
        lr_g=0.1,
        lr_d=0.1,
        momentum=0.5,
        # The paper gives the end points (momentum 0.7, lr down to 1e-6 at 1.00004 per batch),
        # not the ramp's length: it is taken from Goodfellow et al.'s pylearn2 config [verify].
        extra={
            "momentum_final": 0.7,
            "momentum_ramp_steps": 125_000,
            "lr_decay": 1.00004,
            "lr_min": 1e-6,
        },
    )
    toy_defaults = PACGAN_TOY

    @classmethod
    def net_config(cls, spec, hyper, width):
        k = int(spec["num_classes"])
        if spec["kind"] == "points":
            return concat_conditioned(spec, toy_nets(spec, hyper, width))
        return {
            "generator": {
                "family": "cgan.generator",
                "z_dim": hyper.z_dim,
                "num_classes": k,
                "out_shape": list(spec["shape"]),
                "hidden": width or 1200,
            },
            "discriminator": {
                "family": "cgan.discriminator",
                "in_shape": list(spec["shape"]),
                "num_classes": k,
                "hidden": (width or 1200) // 5,
            },
        }

    def d_loss(self, real, labels):
        y = self.onehot(labels)
        fake = self.generator(self.sample_z(real.shape[0]), y).detach()
        real_logit = self.discriminator(self.augmented(real), y).float()
        fake_logit = self.discriminator(self.augmented(fake), y).float()
        scale = halved_on_images(self.spec)
        loss = scale * (F.softplus(-real_logit).mean() + F.softplus(fake_logit).mean())
        return loss, {"d_real": real_logit.mean(), "d_fake": fake_logit.mean()}

    def realness(self, x, labels=None):
        return self.discriminator(x, self.onehot(labels)).float().reshape(len(x), -1)[:, 0]

    def g_loss(self, real, labels):
        # Generated labels follow the data's class frequencies: those of the real batch.
        y = self.onehot(labels)
        fake = self.generator(self.sample_z(real.shape[0]), y)
        fake_logit = self.discriminator(self.augmented(fake), y).float()
        return F.softplus(-fake_logit).mean(), {}
