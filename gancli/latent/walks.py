"""Walks in latent space (lerp, slerp, paths through several points) and the truncation trick."""

from __future__ import annotations

import math

import torch

from gancli.errors import GanError

METHODS = ("slerp", "lerp")


def default_method(prior: str) -> str:
    """slerp for a normal prior (its mass lies near a sphere), lerp for a uniform cube."""
    return "slerp" if prior == "normal" else "lerp"


def lerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Rows a + t (b - a) for each t; a and b are (D,) vectors, t is (T,)."""
    return a[None] + t[:, None] * (b - a)[None]


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation (Shoemake 1985) of the raw vectors, as White 2016 recommends for
    GAN latents: the angle between a and b is swept uniformly, so the frames keep the norm that
    latents of a high-dimensional normal prior have, where lerp's midpoints are too short.
    Falls back to lerp where a and b are (anti)parallel."""
    a64, b64, t64 = a.double(), b.double(), t.double()
    na, nb = a64.norm(), b64.norm()
    if na == 0 or nb == 0:
        return lerp(a, b, t)
    cos = torch.clamp((a64 / na) @ (b64 / nb), -1.0, 1.0)
    omega = torch.arccos(cos)
    so = torch.sin(omega)
    if so.abs() < 1e-6:
        return lerp(a, b, t)
    wa = torch.sin((1 - t64) * omega) / so
    wb = torch.sin(t64 * omega) / so
    return (wa[:, None] * a64[None] + wb[:, None] * b64[None]).to(a.dtype)


def path(points: torch.Tensor, steps: int, method: str, loop: bool = False) -> torch.Tensor:
    """Frames through `points` (P, D) in order: `steps` frames per leg including the leg's start,
    and the last point at the end (or, with `loop`, a leg back to the first point instead).

    So two points and steps=10 give 10 frames from a to b, both ends included.
    """
    if method not in METHODS:
        raise GanError(f"unknown --method {method!r}; use {' or '.join(METHODS)}")
    if len(points) < 2:
        raise GanError("a walk needs at least two points")
    if steps < 2:
        raise GanError("--steps must be at least 2")
    step = slerp if method == "slerp" else lerp
    pts = list(points) + ([points[0]] if loop else [])
    legs = len(pts) - 1
    if legs == 1 and not loop:
        return step(pts[0], pts[1], torch.linspace(0, 1, steps))
    t = torch.arange(steps - 1 if not loop else steps) / (steps - 1 if not loop else steps)
    frames = [step(pts[i], pts[i + 1], t) for i in range(legs)]
    if not loop:
        frames.append(pts[-1][None])
    return torch.cat(frames)


def truncate(z: torch.Tensor, psi: float) -> torch.Tensor:
    """The truncation trick for N(0, I) latents: each entry mapped to N(0, 1) truncated to
    [-psi, psi] through its own quantile, u = Phi(z) -> Phi^-1(Phi(-psi) + u (Phi(psi) - Phi(-psi))).

    Brock et al. 2019 resample the entries outside the interval; mapping by quantile gives the
    same truncated distribution while keeping each seed's latent recognisably its own (the map
    is monotone), so `--truncation` shows the same samples, less varied.
    """
    if not 0 < psi:
        raise GanError("--truncation must be positive (e.g. 0.7)")
    normal = torch.distributions.Normal(0.0, 1.0)
    z64 = z.double()
    lo, hi = (
        normal.cdf(torch.tensor(-psi, dtype=torch.float64)),
        normal.cdf(torch.tensor(psi, dtype=torch.float64)),
    )
    u = lo + normal.cdf(z64) * (hi - lo)
    out = normal.icdf(u.clamp(1e-12, 1 - 1e-12))
    return out.clamp(-psi, psi).to(z.dtype)


def apply_truncation(z: torch.Tensor, psi: float | None, prior: str, z_dim: int) -> torch.Tensor:
    """Truncate the noise part of latents (never the codes that follow it) for normal priors."""
    if psi is None:
        return z
    if prior != "normal":
        raise GanError(
            f"--truncation applies to normal priors; this checkpoint's prior is {prior} "
            "(already bounded)"
        )
    if not math.isfinite(psi):
        raise GanError("--truncation must be a finite number")
    z = z.clone()
    z[:, :z_dim] = truncate(z[:, :z_dim], psi)
    return z
