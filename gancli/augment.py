"""Differentiable augmentation of D's inputs: Zhao et al. 2020, "Differentiable Augmentation
for Data-Efficient GAN Training" (DiffAugment).

With few training images D memorises them and G's signal fades. DiffAugment applies the same
kind of random transform to every image D sees, real and generated, in D's step and in G's
step; the transforms are differentiable, so G learns through them, and G still learns to
draw the untransformed images (the transforms are never applied to G's output outside D).

Policies (comma-separated in `gan train ... --augment`), each as in the paper's code:
  translation  shift by up to 1/8 of the side, each image its own integer shift; pixels that
               come in from outside repeat the border (the paper pads with zeros)
  cutout       zero a square of half the side at a random place in each image
  color        random brightness (+-0.5), saturation (x0..2) and contrast (x0.5..1.5)
  rotation     rotate by a random angle of up to 15 degrees either way, each image its own,
               reflecting at the edges (not in DiffAugment: one of the geometric transforms of
               Karras et al. 2020, "Training GANs with Limited Data", kept small so that it
               leaves digits and faces legible)
Images are in [-1, 1] as the nets see them. Randomness comes from torch's generator, which
the engine seeds and checkpoints, so resumed runs continue the same stream.
"""

from __future__ import annotations

import difflib
import math
from typing import Any

from gancli._lazy import lazy
from gancli.errors import GanError

torch = lazy("torch")
F = lazy("torch.nn.functional")

POLICIES = ("translation", "cutout", "color", "rotation")
TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5
ROTATION_DEGREES = 15.0


def parse_policy(text: str | None) -> str:
    """'translation, cutout' -> 'translation,cutout' (in the order given, no repeats); '' or
    'none' -> ''. One clear line for an unknown name."""
    if text is None:
        return ""
    names: list[str] = []
    for part in text.split(","):
        name = part.strip().lower()
        if not name or name == "none":
            continue
        if name not in POLICIES:
            close = difflib.get_close_matches(name, POLICIES, n=1, cutoff=0.5)
            hint = close[0] if close else None
            raise GanError(
                f"unknown augmentation {name!r}"
                + (f" (did you mean {hint!r}?)" if hint else "")
                + f"; valid: {', '.join(POLICIES)} (comma-separated), or none"
            )
        if name not in names:
            names.append(name)
    return ",".join(names)


def translation(x: Any, ratio: float = TRANSLATION_RATIO) -> Any:
    """Shift each image by its own random integer offset of up to `ratio` of its side, the
    border repeating into the uncovered strip."""
    b, c, h, w = x.shape
    sy, sx = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dev = x.device
    ty = torch.randint(-sy, sy + 1, (b, 1, 1), device=dev)
    tx = torch.randint(-sx, sx + 1, (b, 1, 1), device=dev)
    gy = (torch.arange(h, device=dev).view(1, h, 1) - ty).clamp(0, h - 1)
    gx = (torch.arange(w, device=dev).view(1, 1, w) - tx).clamp(0, w - 1)
    index = (gy * w + gx).view(b, 1, h * w).expand(b, c, h * w)
    return x.reshape(b, c, h * w).gather(2, index).view(b, c, h, w)


def cutout(x: Any, ratio: float = CUTOUT_RATIO) -> Any:
    """Zero a square of `ratio` of the side, centred at a random pixel of each image (the
    square may hang over the edge)."""
    b, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dev = x.device
    cy = torch.randint(0, h + (1 - ch % 2), (b, 1, 1), device=dev)
    cx = torch.randint(0, w + (1 - cw % 2), (b, 1, 1), device=dev)
    ys = torch.arange(h, device=dev).view(1, h, 1)
    xs = torch.arange(w, device=dev).view(1, 1, w)
    inside = (
        (ys >= cy - ch // 2)
        & (ys < cy - ch // 2 + ch)
        & (xs >= cx - cw // 2)
        & (xs < cx - cw // 2 + cw)
    )
    return x * (~inside).unsqueeze(1).to(x.dtype)


def color(x: Any) -> Any:
    """Brightness, saturation and contrast, each drawn per image."""
    b = x.shape[0]
    dev, dt = x.device, x.dtype
    x = x + (torch.rand(b, 1, 1, 1, device=dev, dtype=dt) - 0.5)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (torch.rand(b, 1, 1, 1, device=dev, dtype=dt) * 2) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (torch.rand(b, 1, 1, 1, device=dev, dtype=dt) + 0.5) + mean


def rotation(x: Any, degrees: float = ROTATION_DEGREES) -> Any:
    """Rotate each image about its centre by its own angle, uniform in [-degrees, degrees],
    sampling bilinearly and reflecting at the edges."""
    b, _, h, w = x.shape
    angle = (torch.rand(b, device=x.device) * 2 - 1) * math.radians(degrees)
    cos, sin, zero = angle.cos(), angle.sin(), torch.zeros_like(angle)
    # A rotation in pixels, written in affine_grid's coordinates that run -1..1 on both sides.
    theta = torch.stack(
        [torch.stack([cos, -sin * h / w, zero], 1), torch.stack([sin * w / h, cos, zero], 1)], 1
    )
    grid = F.affine_grid(theta, [b, x.shape[1], h, w], align_corners=False)
    out = F.grid_sample(
        x.float(), grid, mode="bilinear", padding_mode="reflection", align_corners=False
    )
    return out.to(x.dtype)


_APPLY = {"translation": translation, "cutout": cutout, "color": color, "rotation": rotation}


def diff_augment(x: Any, policy: str) -> Any:
    """`x` (N, C, H, W) through each transform of `policy` (as `parse_policy` returns it), in
    the paper's order: color, translation, cutout (rotation, not the paper's, before the
    translation)."""
    if not policy:
        return x
    names = set(policy.split(","))
    for name in ("color", "rotation", "translation", "cutout"):
        if name in names:
            x = _APPLY[name](x)
    return x
