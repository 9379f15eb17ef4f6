"""BEGAN: Berthelot, Schumm & Metz 2017, "BEGAN: Boundary Equilibrium Generative Adversarial
Networks".

D is an auto-encoder (`gancli.nets.began`) and a sample's loss is how badly D reconstructs it,
L(v) = |v - D(v)| (the L1 norm, eta = 1, averaged over the sample's values). D learns to
reconstruct real images and not generated ones, G to be reconstructed, and a proportional
controller keeps the two in the equilibrium E[L(G(z))] = gamma E[L(x)]:

    L_D = L(x) - k_t L(G(z_D))
    L_G = L(G(z_G))
    k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z_G))), 0, 1)

gamma (the diversity ratio) trades variety for quality; the convergence measure
M_global = L(x) + |gamma L(x) - L(G(z_G))| falls as training converges (the paper's figure 2),
and is logged each step as `m_global`, with `k`.

Defaults are the paper's: gamma 0.5 (figures use 0.3 to 0.7), lambda_k 0.001, k_0 = 0, Adam
with learning rate 1e-4, batch 16, an embedding and z of 64 uniform values, n = 64 filters. The
paper decays the learning rate by 2 when M_global stalls: not done here (a fixed rate), and its
Adam betas are not stated (0.5, 0.999 here [verify]). k_t is kept in D's state, so a resumed
run goes on with it. On 2-D toys: the PacGAN protocol's generator and optimiser, as for the
other variants, and EBGAN's MLP auto-encoder as D.
"""

from __future__ import annotations

from typing import Any

from gancli._lazy import lazy
from gancli.variants import Option, register
from gancli.variants._nets import PACGAN_TOY, toy_autoencoder_nets
from gancli.variants.base import Hyper, Variant

torch = lazy("torch")

GAMMA = 0.5
LAMBDA_K = 0.001


def l1_loss(x: Any, recon: Any) -> Any:
    """L(v) per sample, shape (B,): mean absolute reconstruction error, in float32."""
    return (recon.float() - x.float()).abs().flatten(1).mean(1)


def next_k(k: Any, real_loss: Any, fake_loss: Any, gamma: float, lambda_k: float) -> Any:
    """The proportional control of the equilibrium (tensors): k moves by lambda_k times the
    imbalance gamma L(x) - L(G(z)), and stays in [0, 1]."""
    return (k + lambda_k * (gamma * real_loss - fake_loss)).clamp(0.0, 1.0)


@register
class BEGAN(Variant):
    name = "began"
    paper = "Berthelot, Schumm & Metz 2017, BEGAN: Boundary Equilibrium GANs"
    summary = "Auto-encoder D with an L1 loss; equilibrium control k_t (gamma); M_global logged."
    defaults = Hyper(
        z_dim=64,
        prior="uniform",
        batch_size=16,
        optimizer="adam",
        lr_g=1e-4,
        lr_d=1e-4,
        betas=(0.5, 0.999),
        extra={"gamma": GAMMA, "lambda_k": LAMBDA_K},
    )
    toy_defaults = PACGAN_TOY.replace(extra={"gamma": GAMMA, "lambda_k": LAMBDA_K})
    options = (
        Option(
            "gamma",
            float,
            "Diversity ratio gamma = E[L(G(z))] / E[L(x)] that the equilibrium holds: lower "
            "gives sharper, less varied samples (the paper shows 0.3 to 0.7).",
            low=0.0,
        ),
        Option("lambda_k", float, "Step of k_t's proportional control.", low=0.0),
    )

    @classmethod
    def net_config(cls, spec, hyper, width):
        if spec["kind"] == "points":
            return toy_autoencoder_nets(hyper, width)
        channels, size, _ = spec["shape"]
        common = {"channels": channels, "image_size": size, "width": width or 64}
        return {
            "generator": {"family": "began.generator", "z_dim": hyper.z_dim, **common},
            "discriminator": {"family": "began.autoencoder", "code_dim": hyper.z_dim, **common},
        }

    def __init__(self, config: dict[str, Any], device: Any = "cpu") -> None:
        super().__init__(config, device)
        if "discriminator" in self.nets:  # a slim export keeps the generator only
            self.discriminator.register_buffer("k_t", torch.zeros((), device=self.device))
        self._real_loss: Any = None

    def d_loss(self, real, labels):
        fake = self.generator(self.sample_z(real.shape[0])).detach()
        real_loss = self._reconstruction(real).mean()
        fake_loss = self._reconstruction(fake).mean()
        self._real_loss = real_loss.detach()
        k = self.discriminator.k_t
        return real_loss - k * fake_loss, {"loss_real": real_loss, "loss_fake": fake_loss}

    def realness_threshold(self):
        return None

    def g_loss(self, real, labels):
        fake = self.generator(self.sample_z(real.shape[0]))
        loss = self._reconstruction(fake).mean()
        logs = {}
        if self._real_loss is not None:  # after D's step: move k and measure convergence
            gamma = float(self.hyper.extra.get("gamma", GAMMA))
            lambda_k = float(self.hyper.extra.get("lambda_k", LAMBDA_K))
            real_loss, fake_loss = self._real_loss, loss.detach()
            k = self.discriminator.k_t  # on the device: no host sync per step
            k.copy_(next_k(k, real_loss, fake_loss, gamma, lambda_k))
            balance = (gamma * real_loss - fake_loss).abs()
            logs = {"k": k.clone(), "m_global": real_loss + balance}
        return loss, logs

    score = "minus D's L1 reconstruction loss: D reconstructs what it takes as real"

    def realness(self, x: Any, labels: Any = None) -> Any:
        recon, _ = self.discriminator.encode_decode(x)
        return -l1_loss(x, recon)

    def _reconstruction(self, v: Any) -> Any:
        """L(v) of D's input as D sees it (through the run's DiffAugment policy)."""
        seen = self.augmented(v)
        recon, _ = self.discriminator.encode_decode(seen)
        return l1_loss(seen, recon)
