"""BEGAN's nets (Berthelot, Schumm & Metz 2017, figure 1): a decoder that serves as the generator
and, behind an encoder, as the auto-encoder discriminator.

- decoder: z -> fully connected to 8x8xn -> blocks of two 3x3 convolutions with ELU, nearest-
  neighbour up-sampling by 2 between blocks until the image size -> a 3x3 convolution to the
  image's channels. No batch norm, no output squashing (the paper's; pictures are clipped to
  [-1, 1] when drawn).
- encoder: a 3x3 convolution to n filters -> blocks of two 3x3 convolutions with ELU, a stride-2
  convolution between blocks whose filters grow linearly (n, 2n, 3n, ...) down to 8x8 ->
  fully connected to the embedding h.

Sizes: powers of two from 8 to 256.

Weights: Glorot (Xavier) uniform, biases 0, TensorFlow's default. The paper does not give its
initialisation; under PyTorch's default one the decoder's output hardly depends on z (the
between-sample standard deviation of 64 fresh samples at 32x32, width 32: 0.004 against 0.11
with Glorot's).
"""

from __future__ import annotations

import torch
from torch import nn

from gancli.errors import GanError

BASE = 8  # the spatial size at the embedding, as in the paper


def _levels(image_size: int) -> int:
    """Up-samplings from 8x8 to the image size."""
    if image_size < BASE or image_size > 256 or image_size & (image_size - 1):
        raise GanError(f"BEGAN's nets take image sizes 8, 16, ..., 256; got {image_size}")
    return (image_size // BASE).bit_length() - 1


def glorot(net: nn.Module) -> None:
    """Glorot-uniform weights and zero biases for every convolution and linear layer."""
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)


def _block(c_in: int, c_out: int) -> list[nn.Module]:
    return [
        nn.Conv2d(c_in, c_out, 3, padding=1),
        nn.ELU(),
        nn.Conv2d(c_out, c_out, 3, padding=1),
        nn.ELU(),
    ]


class Decoder(nn.Module):
    def __init__(self, z_dim: int, channels: int, image_size: int, width: int = 64) -> None:
        super().__init__()
        self.width = width
        self.fc = nn.Linear(z_dim, BASE * BASE * width)
        layers: list[nn.Module] = []
        for level in range(_levels(image_size) + 1):
            if level:
                layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
            layers += _block(width, width)
        layers.append(nn.Conv2d(width, channels, 3, padding=1))
        self.body = nn.Sequential(*layers)
        glorot(self)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.body(self.fc(z).view(-1, self.width, BASE, BASE))


class Encoder(nn.Module):
    def __init__(self, channels: int, image_size: int, width: int = 64, code_dim: int = 64) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(channels, width, 3, padding=1), nn.ELU()]
        c = width
        levels = _levels(image_size)
        for level in range(levels + 1):
            layers += _block(c, c)
            if level < levels:
                nxt = width * (level + 2)
                layers += [nn.Conv2d(c, nxt, 3, stride=2, padding=1), nn.ELU()]
                c = nxt
        self.body = nn.Sequential(*layers)
        self.fc = nn.Linear(BASE * BASE * c, code_dim)
        glorot(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.body(x).flatten(1))


class AutoEncoder(nn.Module):
    """D(x) = decoder(encoder(x)); `forward` gives the reconstruction."""

    def __init__(self, channels: int, image_size: int, width: int = 64, code_dim: int = 64) -> None:
        super().__init__()
        self.encoder = Encoder(channels, image_size, width, code_dim)
        self.decoder = Decoder(code_dim, channels, image_size, width)

    def encode_decode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        code = self.encoder(x)
        return self.decoder(code), code

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.encode_decode(x)[0]


NETS = {"generator": Decoder, "autoencoder": AutoEncoder}
