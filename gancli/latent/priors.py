"""Latent priors. Drawn on the CPU from a seeded generator when one is given, so the same seed
gives the same latents (and so the same samples) on every device."""

from __future__ import annotations

from typing import Any

import torch

from gancli.errors import GanError

PRIORS = ("normal", "uniform")


def sample_prior(
    prior: str,
    n: int,
    dim: int,
    generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    where = "cpu" if generator is not None else device
    if prior == "normal":
        z = torch.randn(n, dim, generator=generator, device=where)
    elif prior == "uniform":
        z = torch.rand(n, dim, generator=generator, device=where) * 2 - 1
    else:
        raise GanError(f"unknown prior {prior!r}; known: {', '.join(PRIORS)}")
    return z.to(device)


def seeded_latents(variant: Any, seeds: list[int]) -> torch.Tensor:
    """One latent per seed: seed s always gives the same z, whatever else is drawn with it.

    So `gan sample --seed 7 -n 64` shows the latents of seeds 7..70, and any one of them can be
    named later by its number.
    """
    if not seeds:
        return torch.empty(0, variant.latent_size)
    return torch.cat([variant.sample_z(1, torch.Generator().manual_seed(s)).cpu() for s in seeds])


def typical_norm(prior: str, dim: int) -> float:
    """sqrt(E ||z||^2) of the prior: sqrt(d) for N(0, I), sqrt(d / 3) for U(-1, 1)^d; draws
    from either concentrate near it in high dimensions."""
    if prior == "normal":
        return dim**0.5
    if prior == "uniform":
        return (dim / 3) ** 0.5
    raise GanError(f"unknown prior {prior!r}; known: {', '.join(PRIORS)}")


def renormalize(z: torch.Tensor, prior: str, z_dim: int) -> torch.Tensor:
    """Rescale the noise part of each latent to the prior's typical norm (codes untouched).

    Averages of exemplars are shorter than draws from the prior (the mean of k draws by about
    1/sqrt(k)), so sums of such means fall nearer the origin than anything G was trained on."""
    out = z.clone()
    noise = out[:, :z_dim]
    norms = noise.norm(dim=1, keepdim=True).clamp_min(1e-12)
    out[:, :z_dim] = noise * (typical_norm(prior, z_dim) / norms)
    return out


MAX_SEED = 2**63 - 1  # torch.Generator.manual_seed takes up to a signed 64-bit integer


def parse_seeds(text: str, option: str = "--seeds") -> list[int]:
    """Seeds written as a list and ranges, as StyleGAN's tools take them: '3,9,14', '0-35',
    '0-3,10' (a range includes both ends). Order and repeats are kept as written."""
    from gancli.errors import GanError

    seeds: list[int] = []
    example = f"{option} takes seeds and ranges like 3,9,14 or 0-35"
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        lo, dash, hi = part.partition("-")
        try:
            a = int(lo)
            b = int(hi) if dash else a
        except ValueError:
            raise GanError(f"{example}; got {text!r}") from None
        if not (0 <= a <= MAX_SEED and 0 <= b <= MAX_SEED):
            raise GanError(f"{example} (seeds are 0 or more); got {text!r}")
        if b < a:
            raise GanError(f"{option}: the range {part} runs backwards; write {b}-{a}")
        if b - a >= 1_000_000:
            raise GanError(f"{option}: the range {part} holds over a million seeds")
        seeds.extend(range(a, b + 1))
    if not seeds:
        raise GanError(f"{option} needs at least one seed")
    return seeds


def seeds_text(seeds: list[int], limit: int | None = 8) -> str:
    """Seeds as ranges where they run on (0-9,12), cut after `limit` parts with a count."""
    parts: list[str] = []
    i = 0
    while i < len(seeds):
        j = i
        while j + 1 < len(seeds) and seeds[j + 1] == seeds[j] + 1:
            j += 1
        parts.append(str(seeds[i]) if j == i else f"{seeds[i]}-{seeds[j]}")
        i = j + 1
    if limit is not None and len(parts) > limit:
        return ",".join(parts[:limit]) + f",... ({len(seeds)} seeds; --all for every one)"
    return ",".join(parts)
