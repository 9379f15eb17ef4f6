"""InfoGAN: Chen et al. 2016, "InfoGAN: Interpretable Representation Learning by Information
Maximizing Generative Adversarial Nets".

G's latent is [noise | codes]; a recognition head Q on D's trunk predicts the codes back from
G's output, and both players also maximise the lower bound of the mutual information

    L_I(G, Q) = E[log Q(c | G(z, c))] + H(c)  <=  I(c; G(z, c)),

weighted by lambda (`--info-weight`). For a categorical code of K values H(c) = ln K, so its
part of L_I is ln K minus Q's cross-entropy: at most ln K (ln 10 ~ 2.303 on MNIST). Q treats a
continuous code as a Gaussian of fixed standard deviation 1, so its part is, up to constants,
minus half the squared error of Q's mean.

As in the paper's released code, L_I is added to both objectives: D's optimiser trains the
shared trunk, the D head and the Q head on the adversarial loss + lambda * L_I; G's optimiser
trains G on its non-saturating loss + lambda * L_I. Q therefore sits inside the discriminator
net (`discriminator.q_head.*` in a checkpoint) and learns at D's rate.

Defaults are the paper's MNIST protocol: 62 noise variables U(-1, 1), one Categorical(10)
code, two continuous codes U(-1, 1), lambda 1, Adam beta1 0.5, D lr 2e-4, G lr 1e-3, batch 128.
"""

from __future__ import annotations

import math
from typing import Any

from gancli._lazy import lazy
from gancli.errors import GanError
from gancli.variants import Option, register
from gancli.variants._nets import PACGAN_TOY, toy_generator
from gancli.variants.base import Hyper, Variant

torch = lazy("torch")
F = lazy("torch.nn.functional")

CODE_DEFAULTS = {"categories": 10, "continuous": 2, "info_weight": 1.0, "continuous_weight": 1.0}


def make_codes(categories: int, continuous: int) -> list[dict[str, Any]]:
    """The latent codes: one categorical code of `categories` values (none when 0), then
    `continuous` uniform codes, named c1, c2, ... in that order."""
    if categories < 0 or categories == 1:
        raise GanError(
            f"--categories must be 0 (no categorical code) or at least 2; got {categories}"
        )
    if continuous < 0:
        raise GanError(f"--continuous must be 0 or more; got {continuous}")
    if categories == 0 and continuous == 0:
        raise GanError("infogan needs at least one latent code: --categories or --continuous")
    codes: list[dict[str, Any]] = []
    if categories:
        codes.append({"name": "c1", "kind": "categorical", "size": categories})
    for _ in range(continuous):
        codes.append({"name": f"c{len(codes) + 1}", "kind": "uniform"})
    return codes


def split_q(q: Any, codes: list[dict[str, Any]]) -> dict[str, Any]:
    """Q's output -> each code's parameters, laid out like the codes in the latent: K logits
    for a categorical code, one mean for a continuous one."""
    from gancli.latent.codes import code_slices

    return {name: q[:, where] for name, (where, _) in code_slices(0, codes).items()}


def info_terms(
    q: Any, z: Any, z_dim: int, codes: list[dict[str, Any]], continuous_weight: float = 1.0
) -> tuple[Any, dict[str, Any]]:
    """The loss to minimise for L_I, and the estimate of each code's part of L_I.

    The loss is -L_I without its constants: the sum of the categorical codes' cross-entropies
    and half the continuous codes' squared errors (times `continuous_weight`, 1 in the
    paper). The estimates keep the constants:
    ln K - CE for a categorical code, ln 2 - ln(2 pi)/2 - E[(c - mean)^2]/2 for a U(-1, 1) code
    under Q's unit Gaussian (negative: a fixed-width Q bounds its information loosely).
    """
    from gancli.latent.codes import code_slices

    q = q.float()
    loss = q.new_zeros(())
    mi: dict[str, Any] = {}
    params = split_q(q, codes)
    for name, (where, code) in code_slices(z_dim, codes).items():
        target = z[:, where].float()
        if code["kind"] == "categorical":
            ce = F.cross_entropy(params[name], target.argmax(1))
            loss = loss + ce
            mi[f"mi_{name}"] = math.log(int(code["size"])) - ce
        else:
            half_se = 0.5 * (params[name] - target).pow(2).mean()
            loss = loss + continuous_weight * half_se
            mi[f"mi_{name}"] = math.log(2.0) - 0.5 * math.log(2 * math.pi) - half_se
    return loss, mi


@register
class InfoGAN(Variant):
    name = "infogan"
    paper = "Chen et al. 2016, InfoGAN: Interpretable Representation Learning by Information Maximizing GANs (MNIST)"
    summary = "GAN whose latent codes (a categorical digit code, continuous style codes) Q recovers from G's images."
    defaults = Hyper(
        z_dim=62,
        prior="uniform",
        batch_size=128,
        optimizer="adam",
        lr_g=1e-3,
        lr_d=2e-4,
        betas=(0.5, 0.999),
        extra=dict(CODE_DEFAULTS),
    )
    # The paper has no 2-D protocol: PacGAN's, with the same codes.
    toy_defaults = PACGAN_TOY.replace(extra=dict(CODE_DEFAULTS))
    options = (
        Option("categories", int, "Values of the categorical code c1 (0: none)."),
        Option("continuous", int, "Continuous U(-1, 1) codes after c1.", low=0),
        Option(
            "info_weight", float, "lambda, the weight of the mutual-information term L_I.", low=0.0
        ),
        Option(
            "continuous_weight",
            float,
            "Weight of the continuous codes' part of L_I, relative to the categorical (paper: 1).",
            low=0.0,
        ),
    )

    @classmethod
    def codes(cls, spec: dict[str, Any], hyper: Hyper) -> list[dict[str, Any]]:
        extra = {**CODE_DEFAULTS, **hyper.extra}
        return make_codes(int(extra["categories"]), int(extra["continuous"]))

    @classmethod
    def check_data(cls, spec: dict[str, Any]) -> None:
        super().check_data(spec)
        if spec["kind"] == "image":
            from gancli.nets.infogan import check_image_size

            check_image_size(int(spec["shape"][1]))

    @classmethod
    def net_config(cls, spec, hyper, width):
        from gancli.latent.codes import codes_width

        codes = cls.codes(spec, hyper)
        latent, q_dim = hyper.z_dim + codes_width(codes), codes_width(codes)
        if spec["kind"] == "points":
            return {
                "generator": toy_generator(latent, spec["shape"][0], width),
                "discriminator": {
                    "family": "infogan.toy_discriminator",
                    "q_dim": q_dim,
                    "in_dim": spec["shape"][0],
                    "hidden": (width or 400) // 2,
                },
            }
        channels, size, _ = spec["shape"]
        return {
            "generator": {
                "family": "infogan.generator",
                "z_dim": latent,
                "channels": channels,
                "image_size": size,
                "width": width or 64,
            },
            "discriminator": {
                "family": "infogan.discriminator",
                "channels": channels,
                "image_size": size,
                "q_dim": q_dim,
                "width": width or 64,
            },
        }

    @property
    def info_weight(self) -> float:
        return float(self.hyper.extra.get("info_weight", CODE_DEFAULTS["info_weight"]))

    def _info(self, z: Any, q: Any) -> tuple[Any, dict[str, Any]]:
        weight = self.hyper.extra.get("continuous_weight", CODE_DEFAULTS["continuous_weight"])
        return info_terms(q, z, self.hyper.z_dim, self.latent_codes, float(weight))

    def infer_codes(self, x: Any) -> dict[str, Any]:
        """Q's parameters for each code given images (or points): logits or a mean."""
        _, q = self.discriminator.logit_and_q(x)
        return split_q(q.float(), self.latent_codes)

    def d_loss(self, real, labels):
        z = self.sample_z(real.shape[0])
        fake = self.generator(z).detach()
        real_logit = self.discriminator(self.augmented(real)).float()
        fake_logit, q = self.discriminator.logit_and_q(self.augmented(fake))
        fake_logit = fake_logit.float()
        info, _ = self._info(z, q)
        adv = F.softplus(-real_logit).mean() + F.softplus(fake_logit).mean()
        return adv + self.info_weight * info, {
            "d_real": real_logit.mean(),
            "d_fake": fake_logit.mean(),
        }

    def _categorical(self) -> str | None:
        return next((c["name"] for c in self.latent_codes if c["kind"] == "categorical"), None)

    def predicted_classes(self, fake):
        name = self._categorical()
        return None if name is None else self.infer_codes(fake)[name].argmax(1)

    def class_count(self) -> int:
        sizes = [int(c["size"]) for c in self.latent_codes if c["kind"] == "categorical"]
        return sizes[0] if sizes else 0

    def g_loss(self, real, labels):
        z = self.sample_z(real.shape[0])
        fake_logit, q = self.discriminator.logit_and_q(self.augmented(self.generator(z)))
        info, mi = self._info(z, q)
        return F.softplus(-fake_logit.float()).mean() + self.info_weight * info, mi
