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

from typing import Any

from gancli._lazy import lazy
from gancli.errors import GanError
from gancli.variants import Option, register
from gancli.variants.base import Hyper, Variant

F = lazy("torch.nn.functional")

# PacGAN (Lin et al. 2018) 2-D mixture protocol: z 2-d N(0, I), Adam 1e-4, beta1 0.8, batch 100.
PACGAN_TOY = Hyper(
    z_dim=2,
    prior="normal",
    batch_size=100,
    optimizer="adam",
    lr_g=1e-4,
    lr_d=1e-4,
    betas=(0.8, 0.999),
)


NONSATURATING, MINIMAX = "nonsaturating", "minimax"
G_LOSS = Option(
    "g_loss",
    str,
    "G's loss: nonsaturating, -log D(G(z)), the practice Goodfellow et al. 2014 recommend; or "
    "minimax, log(1 - D(G(z))), the value function itself (its gradient vanishes while D "
    "rejects G's samples).",
    choices=(NONSATURATING, MINIMAX),
)


def generator_loss(fake_logit: Any, kind: str = NONSATURATING) -> Any:
    """G's loss from D's logits on G's samples, D = sigmoid(logit): -log D (non-saturating)
    or log(1 - D) (minimax). Both push D(G(z)) up; they differ in where the gradient is weak."""
    if kind == NONSATURATING:
        return F.softplus(-fake_logit).mean()
    if kind == MINIMAX:
        return -F.softplus(fake_logit).mean()
    raise GanError(f"--g-loss must be one of: {NONSATURATING}, {MINIMAX}; got {kind!r}")


def toy_nets(spec: dict[str, Any], hyper: Hyper, width: int | None) -> dict[str, dict[str, Any]]:
    """PacGAN's 2-D nets: G 4x400 BN+ReLU, D 3 maxout layers x200 (5 pieces)."""
    return {
        "generator": {
            "family": "toy.generator",
            "z_dim": hyper.z_dim,
            "out_dim": 2,
            "hidden": width or 400,
            "layers": 4,
        },
        "discriminator": {
            "family": "toy.discriminator",
            "in_dim": 2,
            "hidden": (width or 400) // 2,
            "layers": 3,
            "pieces": 5,
        },
    }


@register
class GAN(Variant):
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

    @property
    def d_scale(self) -> float:
        """The paper's code halves D's cost on images (AdversaryCost2); toys use the PacGAN form."""
        return 0.5 if self.spec["kind"] == "image" else 1.0

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

    def adjust_optimizers(self, step, opt_g, opt_d):
        extra = self.hyper.extra
        if self.hyper.optimizer != "sgd" or not {"momentum_final", "lr_decay"} & extra.keys():
            return
        ramp = min(1.0, step / max(1, extra.get("momentum_ramp_steps", 1)))
        momentum = (
            self.hyper.momentum
            + (extra.get("momentum_final", self.hyper.momentum) - self.hyper.momentum) * ramp
        )
        decay = extra.get("lr_decay", 1.0) ** step
        for opt, lr0 in ((opt_g, self.hyper.lr_g), (opt_d, self.hyper.lr_d)):
            for group in opt.param_groups:
                group["momentum"] = momentum
                group["lr"] = max(lr0 / decay, extra.get("lr_min", 0.0))

    # Whether G's step reuses the fakes of the D step just before it instead of drawing new ones.
    # Goodfellow 2014's Algorithm 1 draws a fresh minibatch of noise for G; DCGAN's reference
    # code (dcgan.torch, fGx) reuses the D step's fakes, saving one G forward per step.
    reuse_fakes = False
    _fake: Any = None

    def d_loss(self, real, labels):
        z = self.sample_z(real.shape[0])
        fake = self.generator(z)
        self._fake = fake if self.reuse_fakes else None
        fake = fake.detach()
        real_logit = self.discriminator(self.augmented(real)).float()
        fake_logit = self.discriminator(self.augmented(fake)).float()
        # -log D(x) - log(1 - D(G(z))) with D = sigmoid(logit), halved as in the paper's code
        # (AdversaryCost2): with SGD, the factor is part of D's effective learning rate.
        loss = self.d_scale * (F.softplus(-real_logit).mean() + F.softplus(fake_logit).mean())
        return loss, {"d_real": real_logit.mean(), "d_fake": fake_logit.mean()}

    def g_loss(self, real, labels):
        fake, self._fake = self._fake, None
        if fake is None or fake.shape[0] != real.shape[0]:
            fake = self.generator(self.sample_z(real.shape[0]))
        fake_logit = self.discriminator(self.augmented(fake)).float()
        return generator_loss(fake_logit, self.g_loss_kind), {}

    @property
    def g_loss_kind(self) -> str:
        return str(self.hyper.extra.get("g_loss", NONSATURATING))
