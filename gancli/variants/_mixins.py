"""Behaviour that several variants share, as small mixins a variant lists before `Variant`:

    LogLoss           the GAN's log loss on D's logits, G's loss chosen by --g-loss
                      (gan, dcgan; unrolled's D)
    WassersteinCritic the critic's scores and G's loss -E[D(G(z))] (wgan, wgan-gp)
    MomentumSchedule  Goodfellow et al.'s SGD momentum ramp and learning-rate decay (gan, cgan)
    Conditional       G sees the class label as a one-hot vector (cgan, acgan)

A mixin holds no option of its own: a variant that reads one lists it in its `options` and
gives its default in its `defaults.extra`, so no variant offers an option it does not read.
"""

from __future__ import annotations

from typing import Any, ClassVar

from gancli._lazy import lazy
from gancli.errors import GanError
from gancli.variants.base import Option

torch = lazy("torch")
F = lazy("torch.nn.functional")

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


def halved_on_images(spec: dict[str, Any]) -> float:
    """The factor on D's cost in Goodfellow et al.'s code (AdversaryCost2): 0.5 on images,
    where with SGD it is part of D's effective learning rate; 1 on 2-D toys (PacGAN's form)."""
    return 0.5 if spec["kind"] == "image" else 1.0


class LogLoss:
    """D minimises -log D(x) - log(1 - D(G(z))) with D = sigmoid(logit); G minimises the
    `g_loss` form of `generator_loss` (from `hyper.extra`; non-saturating when absent)."""

    # Goodfellow et al.'s code halves D's cost on images (`halved_on_images`); DCGAN's does not.
    halve_d_cost: ClassVar[bool] = False
    # Whether G's step reuses the fakes of the D step just before it instead of drawing new ones.
    # Goodfellow 2014's Algorithm 1 draws a fresh minibatch of noise for G; DCGAN's reference
    # code (dcgan.torch, fGx) reuses the D step's fakes, saving one G forward per step.
    reuse_fakes: ClassVar[bool] = False
    _fake: Any = None

    @property
    def d_scale(self) -> float:
        return halved_on_images(self.spec) if self.halve_d_cost else 1.0

    @property
    def g_loss_kind(self) -> str:
        return str(self.hyper.extra.get("g_loss", NONSATURATING))

    def d_loss(self, real: Any, labels: Any) -> tuple[Any, dict[str, Any]]:
        z = self.sample_z(real.shape[0])
        fake = self.generator(z)
        self._fake = fake if self.reuse_fakes else None
        fake = fake.detach()
        real_logit = self.discriminator(self.augmented(real)).float()
        fake_logit = self.discriminator(self.augmented(fake)).float()
        loss = self.d_scale * (F.softplus(-real_logit).mean() + F.softplus(fake_logit).mean())
        return loss, {"d_real": real_logit.mean(), "d_fake": fake_logit.mean()}

    def g_loss(self, real: Any, labels: Any) -> tuple[Any, dict[str, Any]]:
        fake, self._fake = self._fake, None
        if fake is None or fake.shape[0] != real.shape[0]:
            fake = self.generator(self.sample_z(real.shape[0]))
        fake_logit = self.discriminator(self.augmented(fake)).float()
        return generator_loss(fake_logit, self.g_loss_kind), {}


class WassersteinCritic:
    """D is a critic with an unbounded score; G minimises -E[D(G(z))]. The variant states its
    critic's loss (and how it keeps the critic Lipschitz) from `critic_scores`."""

    score = "the critic's value, high on real data (its Wasserstein potential)"

    def realness(self, x: Any, labels: Any = None) -> Any:
        return self.discriminator(x).float().reshape(len(x), -1)[:, 0]

    def realness_threshold(self) -> float | None:
        return None  # a critic's score has no decision point

    def critic_scores(self, real: Any) -> tuple[Any, Any, Any, Any]:
        """The critic's fp32 scores of a real batch and of as many fresh G samples, and the
        two batches as the critic saw them (augmented under --augment; the samples detached)."""
        fake = self.augmented(self.generate(self.sample_z(real.shape[0])).detach())
        real = self.augmented(real)
        return self.discriminator(real).float(), self.discriminator(fake).float(), real, fake

    def g_loss(self, real: Any, labels: Any) -> tuple[Any, dict[str, Any]]:
        fake = self.generate(self.sample_z(real.shape[0]))
        return -self.discriminator(self.augmented(fake)).float().mean(), {}


class MomentumSchedule:
    """SGD momentum rising linearly from `hyper.momentum` to `extra["momentum_final"]` over
    `extra["momentum_ramp_steps"]` steps, and both learning rates divided by
    `extra["lr_decay"]` every step down to `extra["lr_min"]`: the schedule of Goodfellow et
    al.'s released pylearn2 MNIST configuration. Nothing happens under another optimiser (the
    2-D toy protocol's Adam) or without those keys."""

    def adjust_optimizers(self, step: int, opt_g: Any, opt_d: Any) -> None:
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


class Conditional:
    """G(z, y) takes the class label y as a one-hot vector: the data must have labels."""

    conditional: ClassVar[bool] = True

    def onehot(self, labels: Any) -> Any:
        """Class indices (N,) as one-hot rows; (N, K) float rows pass through as they are, so
        latent walks and concept arithmetic can blend classes."""
        if labels.is_floating_point():
            return labels.float()
        return F.one_hot(labels, self.num_classes).float()

    def generate(self, z: Any, labels: Any = None, net: Any = None) -> Any:
        if labels is None:  # no class asked for: cycle through the classes
            labels = torch.arange(len(z), device=z.device) % self.num_classes
        return (net if net is not None else self.generator)(z, self.onehot(labels))
