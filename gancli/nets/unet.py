"""pix2pix's generator (Isola et al. 2017, appendix 6.1.1): a U-Net, an encoder-decoder whose
decoder layer i also sees encoder layer n - i (skip connections), so the low-level structure
the input and output share (edges, positions) crosses the bottleneck directly.

- encoder: C64-C128-C256-C512-C512-... (Ck: 4x4 convolution, stride 2, k filters, norm,
  LeakyReLU 0.2); no norm on the first layer, nor on the innermost (at 1x1 there is nothing to
  normalise over), as in the released code.
- decoder: ReLU, 4x4 transposed convolution, stride 2, norm; the first three decoder blocks add
  dropout 0.5, which stays on at test time: it is the model's only noise (the paper: "we
  provide noise only in the form of dropout ... at both training and test time").
- the last block maps to the output channels, then tanh.

The depth follows the image size: the encoder halves the image down to 1x1 (8 levels at 256x256,
the paper's; 5 at 32x32); widths double from `width` up to 8 x `width`. A net of depth d runs
fully convolutionally on any input whose sides are multiples of 2^d.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gancli.errors import GanError
from gancli.nets.dcgan import init_weights
from gancli.nets.norms import conv_bias, norm2d

DROPOUT_BLOCKS = 3  # "CD512-CD512-CD512-C512-...": the paper's decoder


def unet_depth(image_size: int) -> int:
    """Levels down to 1x1; sizes are powers of two from 8 to 1024."""
    if image_size < 8 or image_size > 1024 or image_size & (image_size - 1):
        raise GanError(
            f"pix2pix's U-Net takes square images of 8, 16, 32, ..., 1024 pixels; got {image_size}"
        )
    return image_size.bit_length() - 1


class NoiseDropout(nn.Module):
    """Dropout that is on in training and at test time alike (pix2pix's noise)."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.dropout(x, self.p, training=True) if self.p > 0 else x


class UNet(nn.Module):
    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        image_size: int,
        width: int = 64,
        norm: str = "instance",
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        self.depth = depth = unet_depth(image_size)
        widths = [width * min(2**i, 8) for i in range(depth)]
        bias = conv_bias(norm)
        self.down = nn.ModuleList()
        for i in range(depth):
            layers: list[nn.Module] = [] if i == 0 else [nn.LeakyReLU(0.2)]
            c_in = in_channels if i == 0 else widths[i - 1]
            layers.append(nn.Conv2d(c_in, widths[i], 4, 2, 1, bias=bias or i in (0, depth - 1)))
            if 0 < i < depth - 1:
                layers.append(norm2d(norm, widths[i]))
            self.down.append(nn.Sequential(*layers))
        self.up = nn.ModuleList()
        for n, i in enumerate(reversed(range(depth))):  # from the innermost out
            c_in = widths[i] if i == depth - 1 else 2 * widths[i]
            c_out = out_channels if i == 0 else widths[i - 1]
            layers = [nn.ReLU(), nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=bias or i == 0)]
            if i == 0:
                layers.append(nn.Tanh())
            else:
                layers.append(norm2d(norm, c_out))
                if n < min(DROPOUT_BLOCKS, depth - 2):
                    layers.append(NoiseDropout(dropout))
            self.up.append(nn.Sequential(*layers))
        init_weights(self)

    @property
    def multiple(self) -> int:
        """Input sides must be multiples of this (2^depth)."""
        return 2**self.depth

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] % self.multiple or x.shape[-2] % self.multiple:
            raise GanError(
                f"this U-Net takes sides that are multiples of {self.multiple}; "
                f"got {x.shape[-1]}x{x.shape[-2]}"
            )
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
        skips.pop()  # the innermost output goes straight into the decoder
        for block in self.up:
            x = block(x)
            if skips:
                x = torch.cat([x, skips.pop()], 1)
        return x


NETS = {"generator": UNet}
