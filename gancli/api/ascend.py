"""Can the discriminator generate? Images made by climbing D's score alone, without G.

Start from noise or from G's samples and follow the gradient of D's score of each image
(`Variant.realness`: minus EBGAN's energy, minus BEGAN's reconstruction loss, the critic of
WGAN and WGAN-GP), as `gan sample CKPT --from-discriminator` does:

    x <- clip(x + step * g / rms(g) + noise * N(0, I), -1, 1),   g = d score(x) / dx

The gradient is divided by its root-mean-square over the image, so that --d-step-size is in
pixel units whatever the scale of the variant's score (an EBGAN energy is about 0.01, a WGAN
critic's value anything). With --d-noise above 0 this is Langevin-style sampling: noisy ascent
that explores instead of climbing to the nearest maximum. It is not Langevin dynamics at a
known temperature: D's score is not a calibrated log-density. D runs in eval mode (batch norm
with its running statistics), so each image's score is its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gancli.errors import GanError

STARTS = ("noise", "generator")


@dataclass
class Ascent:
    images: Any  # (N, C, H, W) in [-1, 1], on the CPU
    start_score: list[float]  # D's score of each starting image
    end_score: list[float]  # ... and of each final one


def scorers() -> list[str]:
    """The variants whose D gives a score to ascend."""
    from gancli import variants

    return [n for n in variants.names() if variants.get(n).score]


def check_scorer(model: Any) -> None:
    """One line for a checkpoint whose D cannot be climbed."""
    variant = model.variant
    valid = ", ".join(scorers())
    if not variant.score:
        why = (
            "has no discriminator"
            if not variant.adversarial
            else "has a discriminator that scores its own G's samples against the data "
            "rather than the data alone"
        )
        raise GanError(f"{variant.name} {why}: --from-discriminator works with {valid}")
    if model.slim:
        raise GanError(
            "this checkpoint is a slim export without its discriminator: --from-discriminator "
            "needs the full model (the run folder)"
        )
    if model.spec["kind"] != "image":
        raise GanError("--from-discriminator climbs images; this model makes 2-D points")


def noise_images(seeds: list[int], shape: list[int]) -> Any:
    """Uniform noise in [-1, 1]; image i from seed i alone."""
    import torch

    return torch.stack(
        [torch.rand(shape, generator=torch.Generator().manual_seed(s)) * 2 - 1 for s in seeds]
    )


def ascend(
    model: Any, start: Any, steps: int, step_size: float, noise: float = 0.0, seed: int = 0
) -> Ascent:
    """Climb D's score from `start` (N, C, H, W) in [-1, 1]; see the module's docstring."""
    import torch

    check_scorer(model)
    variant = model.variant
    D = variant.discriminator
    was = D.training
    D.eval()
    D.requires_grad_(False)
    rng = torch.Generator().manual_seed(seed)
    x = start.to(variant.device).float().clone()
    try:
        with torch.no_grad():
            first = variant.realness(x)
        for _ in range(steps):
            x.requires_grad_(True)
            (g,) = torch.autograd.grad(variant.realness(x).sum(), x)
            rms = g.flatten(1).pow(2).mean(1).sqrt().clamp_min(1e-12)
            with torch.no_grad():
                x = x + step_size * g / rms.view(-1, *[1] * (g.dim() - 1))
                if noise:
                    x = x + noise * torch.randn(x.shape, generator=rng).to(x.device)
                x = x.clamp(-1, 1)
        with torch.no_grad():
            last = variant.realness(x)
    finally:
        D.requires_grad_(True)
        D.train(was)
    return Ascent(x.detach().cpu(), first.cpu().tolist(), last.cpu().tolist())
