"""CycleGAN's generator (Zhu et al. 2017, appendix 7.2; Johnson et al. 2016's transformer net):

    c7s1-64, d128, d256, R256 x blocks, u128, u64, c7s1-3

- c7s1-k: 7x7 convolution, stride 1, k filters, instance norm, ReLU (reflection padding 3);
- dk: 3x3 convolution, stride 2, k filters, instance norm, ReLU (halves the image);
- Rk: a residual block of two 3x3 convolutions of k filters (reflection padding 1), instance
  norm, a ReLU between them, added to its input;
- uk: 3x3 transposed convolution, stride 1/2, k filters, instance norm, ReLU;
- the last c7s1-3 has no norm and ends in tanh.

6 residual blocks for 128x128 and smaller, 9 for 256x256 and larger (the paper's). Widths scale
with `width` (64 the paper's). Two stride-2 layers: the net runs fully convolutionally on any
input whose sides are multiples of 4 (`multiple`). Weights N(0, 0.02), as the released code.
"""

from __future__ import annotations

import torch
from torch import nn

from gancli.errors import GanError
from gancli.nets.dcgan import init_weights
from gancli.nets.norms import conv_bias, norm2d

BLOCKS = (6, 9)


def default_blocks(image_size: int) -> int:
    """The paper's choice: 6 residual blocks up to 128x128, 9 above."""
    return 6 if image_size <= 128 else 9


class ResidualBlock(nn.Module):
    def __init__(self, channels: int, norm: str) -> None:
        super().__init__()
        bias = conv_bias(norm)
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3, bias=bias),
            norm2d(norm, channels),
            nn.ReLU(True),
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3, bias=bias),
            norm2d(norm, channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResnetGenerator(nn.Module):
    multiple = 4  # two stride-2 layers

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 3,
        width: int = 64,
        blocks: int = 9,
        norm: str = "instance",
    ) -> None:
        super().__init__()
        if blocks < 1:
            raise GanError(f"a ResNet generator needs at least one residual block; got {blocks}")
        bias = conv_bias(norm)
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3),
            nn.Conv2d(in_channels, width, 7, bias=bias),
            norm2d(norm, width),
            nn.ReLU(True),
        ]
        c = width
        for _ in range(2):  # d128, d256
            layers += [nn.Conv2d(c, 2 * c, 3, 2, 1, bias=bias), norm2d(norm, 2 * c), nn.ReLU(True)]
            c *= 2
        layers += [ResidualBlock(c, norm) for _ in range(blocks)]
        for _ in range(2):  # u128, u64
            layers += [
                nn.ConvTranspose2d(c, c // 2, 3, 2, 1, output_padding=1, bias=bias),
                norm2d(norm, c // 2),
                nn.ReLU(True),
            ]
            c //= 2
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(c, out_channels, 7), nn.Tanh()]
        self.body = nn.Sequential(*layers)
        init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if min(x.shape[-2:]) < 4:
            raise GanError(f"the ResNet generator takes images of 4 pixels or more; got {x.shape}")
        return self.body(x)


NETS = {"generator": ResnetGenerator}
