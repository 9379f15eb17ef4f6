"""EBGAN: Zhao, Mathieu & LeCun 2017, "Energy-based Generative Adversarial Network".

D is an auto-encoder and its energy is the reconstruction error (`gancli.nets.autoencoder`):

    L_D = D(x) + [m - D(G(z))]^+
    L_G = D(G(z)) + lambda_PT * PT(S),  PT(S) = mean over i != j of cos^2(S_i, S_j)

where S are the encoder codes of the generated batch (the pulling-away term, EBGAN-PT; it acts
in G's loss only).

Scale of the energy and of the margin. The paper writes the energy as the Euclidean norm
||Dec(Enc(x)) - x|| and sets m = 10 for MNIST (section 4.1). Here the energy is the squared
error averaged over the sample's values (the MSE, so it does not grow with the resolution),
and the margin is in those units: a norm margin m on N values is the MSE margin m^2 / N, the
same threshold on the same samples. The paper's MNIST m = 10 on 28x28 is 100 / 784 = 0.1276,
the default (the paper does not state its MNIST pixel range; here pixels are in [-1, 1]
[verify]). Its larger-image margins, as reimplementations report them [verify] (CelebA 20 at
64x64x3, ImageNet 40 at 128x128 and 80 at 256x256), all map to the same MSE margin 0.0326:
consistent with a norm, which grows as the square root of the number of values.

Defaults: Adam with learning rate 0.001 for G and D and m = 10 are the paper's MNIST setting
(section 4.1); beta1 0.5, batch 64 and uniform z follow the DCGAN configuration the paper
compares against [verify]; lambda_PT = 0.1 (appendix). The paper's MNIST grid used
fully-connected nets; here images get DCGAN-style conv nets, the encoder ending in a code
vector that PT acts on. On 2-D toys: the PacGAN protocol's generator and optimiser, as for
the other variants, with an MLP auto-encoder as D.
"""

from __future__ import annotations

from typing import Any

from gancli._lazy import lazy
from gancli.variants import Option, register
from gancli.variants._nets import PACGAN_TOY, dcgan_generator, toy_autoencoder_nets
from gancli.variants.base import Hyper, Variant

torch = lazy("torch")
F = lazy("torch.nn.functional")

MNIST_MARGIN = round(10.0**2 / (28 * 28), 4)  # the paper's ||.|| margin 10, in MSE units
# 2-D toys have no paper margin. A ring8 point reconstructed at the origin has an MSE of 0.5;
# an MSE of 0.1 is a reconstruction 0.45 away, about half the distance between neighbouring
# modes (0.77) and far above their std (0.01).
TOY_MARGIN = 0.1
PT_WEIGHT = 0.1


def pulling_away_term(codes: Any) -> Any:
    """PT(S) = 1/(N(N-1)) sum_{i != j} cos^2(S_i, S_j); codes (N, K), N >= 2. A zero code has
    cosine 0 with everything (it is normalised with a small epsilon, not divided by zero)."""
    s = F.normalize(codes.float().flatten(1), dim=1)
    sim2 = (s @ s.t()).pow(2)
    n = s.shape[0]
    return (sim2.sum() - sim2.diagonal().sum()) / (n * (n - 1))


def margin_loss(fake_energy: Any, margin: float) -> Any:
    """The contrastive term of L_D: mean of [m - D(G(z))]^+ (zero, with zero gradient, where
    the fake energy already reaches the margin)."""
    return F.relu(margin - fake_energy).mean()


@register
class EBGAN(Variant):
    name = "ebgan"
    paper = (
        "Zhao, Mathieu & LeCun 2017, Energy-based Generative Adversarial Network (MNIST setting)"
    )
    summary = (
        "Auto-encoder D whose energy is the reconstruction error; margin loss, pulling-away term."
    )
    defaults = Hyper(
        z_dim=100,
        prior="uniform",
        batch_size=64,
        optimizer="adam",
        lr_g=1e-3,
        lr_d=1e-3,
        betas=(0.5, 0.999),
        extra={"margin": MNIST_MARGIN, "pt_weight": PT_WEIGHT},
    )
    toy_defaults = PACGAN_TOY.replace(extra={"margin": TOY_MARGIN, "pt_weight": PT_WEIGHT})
    options = (
        Option(
            "margin",
            float,
            "Margin m of D's loss max(0, m - D(G(z))), in units of the energy (per-value MSE): the "
            f"paper's ||.|| margin m on N values is m^2/N (MNIST m=10 -> {MNIST_MARGIN}, "
            f"CelebA m=20 at 64x64x3 -> 0.0326). 2-D toys default to {TOY_MARGIN}.",
            low=0.0,
        ),
        Option(
            "pt_weight",
            float,
            "Weight of the pulling-away term in G's loss (0: plain EBGAN).",
            low=0.0,
        ),
    )

    @classmethod
    def net_config(cls, spec, hyper, width):
        if spec["kind"] == "points":
            return toy_autoencoder_nets(hyper, width)
        channels, size, _ = spec["shape"]
        return {
            "generator": dcgan_generator(spec, hyper.z_dim, width or 64),
            "discriminator": {
                "family": "autoencoder.image",
                "channels": channels,
                "image_size": size,
                "width": width or 64,
                "code_dim": 128,
            },
        }

    score = "minus D's energy (its reconstruction error): low energy is real"

    def realness(self, x: Any, labels: Any = None) -> Any:
        return -self.discriminator(x).float().reshape(len(x))  # low energy: judged real

    @property
    def margin(self) -> float:
        return float(self.hyper.extra.get("margin", MNIST_MARGIN))

    @property
    def pt_weight(self) -> float:
        return float(self.hyper.extra.get("pt_weight", PT_WEIGHT))

    def d_loss(self, real, labels):
        z = self.sample_z(real.shape[0])
        fake = self.generator(z).detach()
        real_energy = self.discriminator(self.augmented(real))
        fake_energy = self.discriminator(self.augmented(fake))
        loss = real_energy.mean() + margin_loss(fake_energy, self.margin)
        return loss, {"energy_real": real_energy.mean(), "energy_fake": fake_energy.mean()}

    def realness_threshold(self):
        return None

    def g_loss(self, real, labels):
        z = self.sample_z(real.shape[0])
        fake = self.augmented(self.generator(z))
        from gancli.nets.autoencoder import reconstruction_energy

        recon, code = self.discriminator.encode_decode(fake)
        loss = reconstruction_energy(fake, recon).mean()
        logs = {}
        if self.pt_weight and code.shape[0] > 1:
            pt = pulling_away_term(code)
            loss = loss + self.pt_weight * pt
            logs["pt"] = pt
        return loss, logs
