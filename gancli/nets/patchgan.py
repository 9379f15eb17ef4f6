"""The PatchGAN discriminator (Isola et al. 2017, section 3.2.2 and appendix 6.1.2): a fully
convolutional net whose every output scores one N x N patch of its input as real or fake, so D
models high frequencies (texture, sharpness) and leaves the low ones to the L1 term.

C64-C128-C256-C512 (4x4 convolutions, LeakyReLU 0.2, no norm on the first), then a convolution
to one channel: `layers` stride-2 convolutions and two stride-1 ones, as the released code's
n_layers. The patch size (the receptive field of one output) follows from `layers`:
1 -> 16x16, 3 -> 70x70 (the paper's default), 5 -> 286x286; 0 is the 1x1 "PixelGAN" (1x1
convolutions only). For pix2pix, D sees the input and the output (or target) stacked on the
channel axis: a conditional D.
"""

from __future__ import annotations

import torch
from torch import nn

from gancli.errors import GanError
from gancli.nets.dcgan import init_weights
from gancli.nets.norms import conv_bias, norm2d

# patch side in pixels -> stride-2 layers; the paper's four
PATCH_LAYERS = {1: 0, 16: 1, 70: 3, 286: 5}


def receptive_field(layers: int) -> int:
    """The patch side one output of a D with `layers` stride-2 layers sees."""
    if layers == 0:
        return 1
    r = 1 + 3 + 3  # the two stride-1 4x4 convolutions at the end
    for _ in range(layers):
        r = 2 * r + 2  # a 4x4 convolution of stride 2
    return r


def output_side(image_size: int, layers: int) -> int:
    """The side of D's map of patch scores for a square input."""
    if layers == 0:
        return image_size
    side = image_size
    for _ in range(layers):
        side = side // 2
    return side - 1 - 1


class PatchGAN(nn.Module):
    def __init__(
        self,
        in_channels: int,
        image_size: int,
        width: int = 64,
        layers: int = 3,
        norm: str = "instance",
    ) -> None:
        super().__init__()
        if output_side(image_size, layers) < 1:
            smallest = next(s for s in range(8, 4097, 8) if output_side(s, layers) >= 1)
            raise GanError(
                f"a {receptive_field(layers)}x{receptive_field(layers)} PatchGAN needs images of "
                f"at least {smallest} pixels; got {image_size} (choose a smaller --patch)"
            )
        bias = conv_bias(norm)
        if layers == 0:  # PixelGAN: 1x1 convolutions
            body: list[nn.Module] = [
                nn.Conv2d(in_channels, width, 1),
                nn.LeakyReLU(0.2),
                nn.Conv2d(width, 2 * width, 1, bias=bias),
                norm2d(norm, 2 * width),
                nn.LeakyReLU(0.2),
                nn.Conv2d(2 * width, 1, 1),
            ]
        else:
            body = [nn.Conv2d(in_channels, width, 4, 2, 1), nn.LeakyReLU(0.2)]
            c = width
            for n in range(1, layers + 1):
                nxt = width * min(2**n, 8)
                stride = 2 if n < layers else 1
                body += [nn.Conv2d(c, nxt, 4, stride, 1, bias=bias), norm2d(norm, nxt)]
                body.append(nn.LeakyReLU(0.2))
                c = nxt
            body.append(nn.Conv2d(c, 1, 4, 1, 1))
        self.body = nn.Sequential(*body)
        init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits, one per patch: (N, 1, H', W')."""
        return self.body(x)


NETS = {"discriminator": PatchGAN}
