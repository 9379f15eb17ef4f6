"""Projection: find the latent whose generated image matches a given image.

Gradient descent on z through the (frozen) generator, minimising the pixel error plus a feature
error measured inside the trained discriminator (its hidden activations, each layer normalised
by the target's energy there), from several random starts at once; the best start wins. Latents
stay in the prior's support: clamped to [-1, 1] for a uniform prior, with a penalty keeping
their norm typical of N(0, I) for a normal one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from gancli.errors import GanError
from gancli.latent.priors import seeded_latents


@dataclass
class Projection:
    z: torch.Tensor  # (N, latent_size)
    images: torch.Tensor  # (N, C, H, W) in [-1, 1], G(z)
    mse: torch.Tensor  # (N,) pixel mean squared error in [-1, 1] units
    psnr: torch.Tensor  # (N,) dB, on [0, 1] pixels


class _Features:
    """Hidden activations of D, collected by forward hooks on its nonlinearities."""

    def __init__(self, net: nn.Module) -> None:
        from gancli.nets.mlp import Maxout

        self.out: list[torch.Tensor] = []
        kinds = (nn.ReLU, nn.LeakyReLU, Maxout)
        self.hooks = [
            m.register_forward_hook(lambda _m, _i, o: self.out.append(o))
            for m in net.modules()
            if isinstance(m, kinds)
        ]

    def close(self) -> None:
        for h in self.hooks:
            h.remove()


def project(
    model: Any,
    targets: torch.Tensor,
    steps: int = 500,
    restarts: int = 4,
    lr: float = 0.05,
    feature_weight: float = 0.1,
    labels: torch.Tensor | None = None,
    seed: int = 0,
    ema: bool = True,
    progress: Any = None,
) -> Projection:
    """Latents for `targets` (N, C, H, W) in [-1, 1]; conditional models need `labels` (N, K).
    `progress(done, steps)` is called as the optimisation goes (every 10 steps and at the end)."""
    if steps < 1 or restarts < 1:
        raise GanError("--steps and --restarts must be at least 1")
    if not (math.isfinite(lr) and lr > 0):
        raise GanError(f"--lr must be a number above 0; got {lr}")
    if not (math.isfinite(feature_weight) and feature_weight >= 0):
        raise GanError(f"--feature-weight must be 0 (pixels only) or more; got {feature_weight}")
    variant = model.variant
    dev = variant.device
    n = len(targets)
    G = model.sampler(ema)
    # slim exports keep no trained D, and a VAE has none: pixels only
    use_d = feature_weight > 0 and not getattr(model, "slim", False) and variant.adversarial
    D = variant.discriminator if use_d else torch.nn.Identity()
    was = (G.training, D.training)
    G.eval()
    D.eval()
    for p in list(G.parameters()) + list(D.parameters()):
        p.requires_grad_(False)
    target = targets.to(dev).float()
    y = None if labels is None else labels.to(dev).float().repeat_interleave(restarts, 0)
    target_r = target.repeat_interleave(restarts, 0)
    z = seeded_latents(variant, list(range(seed, seed + n * restarts))).to(dev)
    z.requires_grad_(True)
    opt = torch.optim.Adam([z], lr=lr)
    prior = variant.hyper.prior
    dim = variant.latent_size
    feats = _Features(D)
    try:
        goal: list[torch.Tensor] = []
        if use_d:
            with torch.no_grad():
                _d(variant, target_r, y)
                goal = [f.detach() for f in feats.out]
                feats.out.clear()
        scale = [g.pow(2).flatten(1).mean(1).clamp_min(1e-8) for g in goal]

        def losses() -> torch.Tensor:
            img = variant.generate(z, y, net=G).float()
            pix = (img - target_r).pow(2).flatten(1).mean(1)
            if not use_d:
                total = pix
            else:
                feats.out.clear()
                _d(variant, img, y)
                feat = sum(
                    (f - g).pow(2).flatten(1).mean(1) / s for f, g, s in zip(feats.out, goal, scale)
                )
                total = pix + feature_weight * (feat / max(1, len(goal)) if goal else 0.0)
            if prior == "normal":
                total = total + 1e-3 * (z.pow(2).mean(1) - 1).pow(2)
            return total

        for i in range(steps):
            opt.zero_grad(set_to_none=True)
            losses().sum().backward()
            opt.step()
            if prior == "uniform":
                with torch.no_grad():
                    z.clamp_(-1, 1)
            if progress is not None and ((i + 1) % 10 == 0 or i + 1 == steps):
                progress(i + 1, steps)
        with torch.no_grad():
            img = variant.generate(z, y, net=G).float()
            mse = (img - target_r).pow(2).flatten(1).mean(1).view(n, restarts)
            best = mse.argmin(1)
            pick = torch.arange(n, device=dev) * restarts + best
            z_best = z.detach()[pick].view(n, dim)
            img_best = img[pick]
            err = mse[torch.arange(n, device=dev), best]
    finally:
        feats.close()
        for p in list(G.parameters()) + list(D.parameters()):
            p.requires_grad_(True)
        G.train(was[0])
        D.train(was[1])
    psnr = 10 * torch.log10(4.0 / err.clamp_min(1e-12))  # [-1, 1] -> [0, 1] divides mse by 4
    return Projection(z_best.cpu(), img_best.cpu(), err.cpu(), psnr.cpu())


def _d(variant: Any, x: torch.Tensor, y: torch.Tensor | None) -> Any:
    if getattr(variant, "conditional", False):
        return variant.discriminator(x, y)
    return variant.discriminator(x)


def load_targets(sources: list[str], spec: dict[str, Any]) -> tuple[torch.Tensor, list[str]]:
    """Image files and folders (searched recursively) -> float (N, C, H, W) in [-1, 1] at the
    model's size and channels, converted as training data is; unreadable files are errors here
    (the user named them)."""
    from pathlib import Path

    from gancli.data.dataset import to_float
    from gancli.data.folder import scan_folder
    from gancli.data.imageops import load_square

    channels, size, _ = spec["shape"]
    files: list[Path | str] = []
    if sources.count("-") > 1:
        raise GanError("'-' (an image on standard input) can be given once")
    for s in sources:
        p = Path(s).expanduser()
        if s == "-":
            files.append(s)
        elif p.is_dir():
            found = [p / c.rel for c in scan_folder(p)]
            if not found:
                raise GanError(f"no images in {p} (looked for jpg, png, webp, bmp, gif)")
            files += found
        elif p.exists():
            files.append(p)
        else:
            raise GanError(f"no image at {p}")
    arrays = []
    for f in files:
        try:
            arrays.append(load_square(_stdin_image() if f == "-" else str(f), size, channels)[0])
        except GanError:
            raise
        except Exception as e:  # PIL raises many kinds; the file is named either way
            if f == "-":
                raise GanError(
                    f"cannot read standard input as an image ({type(e).__name__})"
                ) from e
            raise GanError(f"cannot read {f} as an image ({type(e).__name__}: {e})") from e
    import numpy as np

    names = ["stdin" if f == "-" else str(f) for f in files]
    return to_float(torch.from_numpy(np.stack(arrays))), names


def _stdin_image() -> Any:
    """The bytes piped to standard input, as a file PIL can open ('-' in a list of images)."""
    import io
    import sys

    if sys.stdin is None or sys.stdin.isatty():
        raise GanError(
            "'-' reads an image from standard input: pipe one in (e.g. gan sample ... -o - | ...)"
        )
    data = sys.stdin.buffer.read()
    if not data:
        raise GanError("'-': nothing on standard input")
    return io.BytesIO(data)
