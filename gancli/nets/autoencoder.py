"""Auto-encoder discriminators (EBGAN, Zhao et al. 2017): the energy of a sample is how badly
the auto-encoder reconstructs it.

`forward(x)` returns the per-sample energy, shape (B,): the squared reconstruction error
averaged over the sample's values (C*H*W for images, the coordinates for points). Averaging
rather than summing keeps the energy, and so EBGAN's margin, independent of the resolution.
`encode_decode(x)` returns (reconstruction, code) for the losses that need the code too
(EBGAN's pulling-away term acts on the codes of a generated batch).

- `image`: a DCGAN discriminator with `code_dim` outputs as the encoder (strided convolutions,
  LeakyReLU 0.2, batch norm except on the input layer) and a DCGAN generator fed with the code
  as the decoder (fractional-strided convolutions, ReLU, tanh output in the data's [-1, 1]);
  both are sized from the image resolution by `gancli.nets.dcgan.plan`.
- `points`: an MLP auto-encoder for 2-D toys.
"""

from __future__ import annotations

import torch
from torch import nn

from gancli.nets import dcgan


def reconstruction_energy(x: torch.Tensor, recon: torch.Tensor) -> torch.Tensor:
    """Per-sample mean squared error, shape (B,), computed in float32 (safe under autocast)."""
    return (recon.float() - x.float()).pow(2).flatten(1).mean(1)


class AutoEncoderD(nn.Module):
    """Base class: subclasses set `self.encoder` (x -> code (B, K)) and `self.decoder`."""

    encoder: nn.Module
    decoder: nn.Module

    def encode_decode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        code = self.encoder(x)
        return self.decoder(code), code

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        recon, _ = self.encode_decode(x)
        return reconstruction_energy(x, recon)


class ImageAutoEncoder(AutoEncoderD):
    def __init__(
        self,
        channels: int,
        image_size: int,
        width: int = 64,
        code_dim: int = 128,
        norm: str = "batch",
    ) -> None:
        super().__init__()
        self.code_dim = code_dim
        self.encoder = dcgan.Discriminator(channels, image_size, width, norm=norm, outputs=code_dim)
        self.decoder = dcgan.Generator(code_dim, channels, image_size, width)


class PointsAutoEncoder(AutoEncoderD):
    """in_dim -> `layers` x hidden (ReLU) -> code -> `layers` x hidden (ReLU) -> in_dim.

    No normalisation layers: the energy of a point then does not depend on the rest of its batch.
    """

    def __init__(
        self, in_dim: int = 2, hidden: int = 128, code_dim: int = 16, layers: int = 2
    ) -> None:
        super().__init__()
        self.code_dim = code_dim

        def mlp(a: int, b: int) -> nn.Sequential:
            body: list[nn.Module] = []
            dim = a
            for _ in range(layers):
                body += [nn.Linear(dim, hidden), nn.ReLU()]
                dim = hidden
            body.append(nn.Linear(dim, b))
            return nn.Sequential(*body)

        self.encoder = mlp(in_dim, code_dim)
        self.decoder = mlp(code_dim, in_dim)


NETS = {"image": ImageAutoEncoder, "points": PointsAutoEncoder}
