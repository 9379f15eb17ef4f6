"""InfoGAN nets (Chen et al. 2016, appendix C.1, MNIST), and a 2-D version for toy mixtures.

G: FC 1024 BN ReLU -> FC (s/4)x(s/4)x128 BN ReLU -> up-conv 64 4x4 s2 BN ReLU -> up-conv C
4x4 s2 tanh (the paper's sigmoid on [0, 1] pixels is the same map as tanh on our [-1, 1]).
D and Q share a trunk: conv 64 4x4 s2 lReLU -> conv 128 4x4 s2 BN lReLU -> FC 1024 BN lReLU;
the D head is FC 1, the Q head FC 128 BN lReLU -> FC to the codes' parameters. `width` 64 is
the paper's; the other sizes scale with it (1024 = 16 * width, 128 = 2 * width).

The discriminator's `forward` returns the real/fake logit alone, like every other
discriminator, so generic code keeps working; `logit_and_q` returns both heads from one pass
through the trunk, which is what the InfoGAN variant trains on.
"""

from __future__ import annotations

import torch
from torch import nn

from gancli.errors import GanError
from gancli.nets.dcgan import init_weights
from gancli.nets.toy import maxout_layers

MIN_SIZE, MAX_SIZE = 8, 64
# The paper's text gives leaky rate 0.1 (its released code has 0.01).
SLOPE = 0.1


def check_image_size(image_size: int) -> None:
    """Two stride-2 layers from a square map: the side must be a multiple of 4."""
    if image_size % 4 or not MIN_SIZE <= image_size <= MAX_SIZE:
        raise GanError(
            f"infogan's nets (the paper's MNIST architecture) need an image size that is a "
            f"multiple of 4 from {MIN_SIZE} to {MAX_SIZE}, e.g. 28 (MNIST) or 32; got "
            f"{image_size}: pass --image-size 28"
        )


class Generator(nn.Module):
    def __init__(self, z_dim: int, channels: int, image_size: int, width: int = 64):
        super().__init__()
        check_image_size(image_size)
        self.start, self.width = image_size // 4, width
        self.fc = nn.Sequential(
            nn.Linear(z_dim, 16 * width, bias=False),
            nn.BatchNorm1d(16 * width),
            nn.ReLU(True),
            nn.Linear(16 * width, 2 * width * self.start**2, bias=False),
            nn.BatchNorm1d(2 * width * self.start**2),
            nn.ReLU(True),
        )
        self.conv = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(True),
            nn.ConvTranspose2d(width, channels, 4, 2, 1),
            nn.Tanh(),
        )
        init_weights(self)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.fc(z).view(z.shape[0], 2 * self.width, self.start, self.start)
        return self.conv(h)


class Discriminator(nn.Module):
    """The shared trunk with its two heads; `q_dim` is the width of the codes' parameters."""

    def __init__(self, channels: int, image_size: int, q_dim: int, width: int = 64):
        super().__init__()
        check_image_size(image_size)
        side = image_size // 4
        self.trunk = nn.Sequential(
            nn.Conv2d(channels, width, 4, 2, 1),
            nn.LeakyReLU(SLOPE, True),
            nn.Conv2d(width, 2 * width, 4, 2, 1, bias=False),
            nn.BatchNorm2d(2 * width),
            nn.LeakyReLU(SLOPE, True),
            nn.Flatten(),
            nn.Linear(2 * width * side * side, 16 * width, bias=False),
            nn.BatchNorm1d(16 * width),
            nn.LeakyReLU(SLOPE, True),
        )
        self.d_head = nn.Linear(16 * width, 1)
        self.q_head = nn.Sequential(
            nn.Linear(16 * width, 2 * width, bias=False),
            nn.BatchNorm1d(2 * width),
            nn.LeakyReLU(SLOPE, True),
            nn.Linear(2 * width, q_dim),
        )
        init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.d_head(self.trunk(x)).squeeze(1)

    def logit_and_q(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.trunk(x)
        return self.d_head(h).squeeze(1), self.q_head(h)


class ToyDiscriminator(nn.Module):
    """For 2-D points: PacGAN's maxout trunk (as `toy.discriminator`) with a D head and an
    MLP Q head. The paper has no 2-D protocol; this lets its codes be explored on toys."""

    def __init__(
        self, q_dim: int, in_dim: int = 2, hidden: int = 200, layers: int = 3, pieces: int = 5
    ):
        super().__init__()
        self.trunk = nn.Sequential(*maxout_layers(in_dim, hidden, layers, pieces))
        self.d_head = nn.Linear(hidden, 1)
        self.q_head = nn.Sequential(
            nn.Linear(hidden, hidden), nn.LeakyReLU(SLOPE, True), nn.Linear(hidden, q_dim)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.d_head(self.trunk(x)).squeeze(-1)

    def logit_and_q(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.trunk(x)
        return self.d_head(h).squeeze(-1), self.q_head(h)


NETS = {
    "generator": Generator,
    "discriminator": Discriminator,
    "toy_discriminator": ToyDiscriminator,
}
