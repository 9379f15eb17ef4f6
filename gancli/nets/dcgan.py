"""DCGAN nets (Radford et al. 2016), sized from the image resolution.

G projects z to a start map (4x4, or 7x7 for sizes like 28) with `width * 2**(n-1)` channels,
then doubles the resolution n times while halving the channels; D mirrors it. At 64x64 with
width 128 this is the paper's 1024x4x4 -> 512 -> 256 -> 128 -> 3x64x64.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from gancli.errors import GanError


def plan(image_size: int, width: int) -> tuple[int, list[int]]:
    """The start resolution and the channels of each hidden resolution, coarse to fine."""
    start = 7 if image_size % 7 == 0 else 4
    n = math.log2(image_size / start)
    if n != int(n) or n < 2:
        raise GanError(
            f"dcgan nets need an image size of 4*2^k or 7*2^k, at least 16 (e.g. 28, 32, 64, "
            f"128); got {image_size}: pass --image-size"
        )
    n = int(n)
    return start, [min(width * 2 ** (n - 1 - i), width * 8) for i in range(n)]


def init_weights(module: nn.Module) -> None:
    """The paper's init (DCGAN's, which InfoGAN's code also uses): weights N(0, 0.02), biases 0,
    normalisation scales N(1, 0.02)."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.GroupNorm)):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


class Generator(nn.Module):
    def __init__(self, z_dim: int, channels: int, image_size: int, width: int = 128):
        super().__init__()
        start, chans = plan(image_size, width)
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(z_dim, chans[0], start, 1, 0, bias=False),
            nn.BatchNorm2d(chans[0]),
            nn.ReLU(True),
        ]
        for a, b in zip(chans[:-1], chans[1:]):
            layers += [
                nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False),
                nn.BatchNorm2d(b),
                nn.ReLU(True),
            ]
        layers += [nn.ConvTranspose2d(chans[-1], channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        init_weights(self)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z.view(z.shape[0], -1, 1, 1))


def _norm(kind: str, channels: int) -> nn.Module:
    # WGAN-GP's penalty is per sample, so its critic must not use batch norm (Gulrajani 2017
    # use layer norm); "none" is for critics that want neither.
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":
        return nn.GroupNorm(1, channels)  # layer norm over (C, H, W)
    if kind == "none":
        return nn.Identity()
    raise GanError(f"unknown norm {kind!r}; use batch, layer, spectral or none")


class Discriminator(nn.Module):
    """`outputs` > 1 gives extra logits (e.g. AC-GAN's class scores) beside the real/fake one.

    `norm="spectral"` is Miyato et al. 2018's D: no normalisation layers, every convolution's
    weight divided by its largest singular value (one power iteration per forward pass in
    training, `torch.nn.utils.parametrizations.spectral_norm`), and biases, which batch norm
    would otherwise cancel.
    """

    def __init__(
        self,
        channels: int,
        image_size: int,
        width: int = 128,
        norm: str = "batch",
        outputs: int = 1,
    ):
        super().__init__()
        start, chans = plan(image_size, width)
        chans = chans[::-1]  # fine to coarse
        spectral = norm == "spectral"
        layers: list[nn.Module] = [
            nn.Conv2d(channels, chans[0], 4, 2, 1, bias=spectral),
            nn.LeakyReLU(0.2, True),
        ]
        for a, b in zip(chans[:-1], chans[1:]):
            layers += [
                nn.Conv2d(a, b, 4, 2, 1, bias=spectral),
                _norm("none" if spectral else norm, b),
                nn.LeakyReLU(0.2, True),
            ]
        layers.append(nn.Conv2d(chans[-1], outputs, start, 1, 0, bias=spectral))
        self.net = nn.Sequential(*layers)
        init_weights(self)
        if spectral:
            from torch.nn.utils.parametrizations import spectral_norm

            for layer in self.net:
                if isinstance(layer, nn.Conv2d):
                    spectral_norm(layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.net(x).flatten(1)
        return out.squeeze(1) if out.shape[1] == 1 else out


NETS = {"generator": Generator, "discriminator": Discriminator}
