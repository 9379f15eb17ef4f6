"""SRGAN's networks (Ledig et al. 2017): the SRResNet generator, the paper's discriminator, and
the fixed VGG19 feature network of its content loss.

Generator (the paper's Figure 4): a 9x9 conv + PReLU, B residual blocks (3x3 conv, BN, PReLU,
3x3 conv, BN, + skip), a 3x3 conv + BN added to the first conv's output (the global skip), then
one sub-pixel block per factor 2 (3x3 conv to 4x the channels, PixelShuffle(2), PReLU) and a
9x9 conv to the image's channels, then tanh, so that its images are in [-1, 1] as every
generator's here (the paper draws no activation there; its released model scales to [-1, 1]
too). No layer depends on the input's size: G is fully convolutional and upscales any image by
`scale`.

Discriminator: eight 3x3 convs, 64 -> 512 filters (x2 every second layer, stride 2 on every
second), LeakyReLU 0.2, BN after all but the first, then dense 1024, LeakyReLU, dense 1; the
logit is returned and the sigmoid lives in the loss. The dense layer fixes D's input size to
the training size (as the paper's 96x96 crops).

`vgg_features`: torchvision's VGG19 `features` up to the 4th conv of the 5th block after its ReLU,
before the 5th pool ("VGG54", `features[:36]`), or after the 2nd conv of the 2nd block
("VGG22", `[:9]`), with the same indices, so a torchvision VGG19 state dict loads into it as is.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from gancli.errors import GanError

# torchvision's VGG19 ("E") layers up to VGG54: numbers are conv widths, "M" a 2x2 max pool.
VGG19_TO_54 = (64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M")
VGG19_TO_54 += (512, 512, 512, 512)
# The paper's two feature maps: phi_5,4 ("VGG54", features[:36]) and phi_2,2 ("VGG22", [:9]).
VGG_CUTS = {"vgg54": 36, "vgg22": 9}


def upscale_blocks(scale: int) -> int:
    """The number of x2 sub-pixel blocks for `scale` (2, 4 or 8)."""
    n = int(math.log2(scale)) if scale >= 2 else 0
    if scale not in (2, 4, 8) or 2**n != scale:
        raise GanError(f"--scale must be 2, 4 or 8 (x2 sub-pixel blocks); got {scale}")
    return n


class ResidualBlock(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(width, width, 3, padding=1),
            nn.BatchNorm2d(width),
            nn.PReLU(width),
            nn.Conv2d(width, width, 3, padding=1),
            nn.BatchNorm2d(width),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class SRResNet(nn.Module):
    """Low-resolution image (N, C, h, w) in [-1, 1] -> (N, C, h*scale, w*scale)."""

    def __init__(self, channels: int = 3, scale: int = 4, width: int = 64, blocks: int = 16):
        super().__init__()
        if blocks < 1 or width < 1:
            raise GanError(f"SRResNet needs at least one block and channel; got {blocks}, {width}")
        self.scale = int(scale)
        self.head = nn.Sequential(nn.Conv2d(channels, width, 9, padding=4), nn.PReLU(width))
        self.body = nn.Sequential(
            *(ResidualBlock(width) for _ in range(blocks)),
            nn.Conv2d(width, width, 3, padding=1),
            nn.BatchNorm2d(width),
        )
        ups: list[nn.Module] = []
        for _ in range(upscale_blocks(scale)):
            ups += [nn.Conv2d(width, 4 * width, 3, padding=1), nn.PixelShuffle(2), nn.PReLU(width)]
        self.upsample = nn.Sequential(*ups)
        self.tail = nn.Conv2d(width, channels, 9, padding=4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.head(x)
        return torch.tanh(self.tail(self.upsample(h + self.body(h))))


class SRDiscriminator(nn.Module):
    """High-resolution image (N, C, S, S) -> one logit each (N, 1)."""

    def __init__(self, channels: int = 3, image_size: int = 96, width: int = 64, dense: int = 1024):
        super().__init__()
        if image_size % 16:
            raise GanError(
                f"SRGAN's D halves the image four times: the side must be a multiple of 16; got {image_size}"
            )
        layers: list[nn.Module] = []
        c_in = channels
        for i in range(8):
            c_out = width * 2 ** (i // 2)
            layers.append(nn.Conv2d(c_in, c_out, 3, stride=1 + i % 2, padding=1))
            if i > 0:
                layers.append(nn.BatchNorm2d(c_out))
            layers.append(nn.LeakyReLU(0.2))
            c_in = c_out
        self.features = nn.Sequential(*layers)
        side = image_size // 16
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(c_in * side * side, dense),
            nn.LeakyReLU(0.2),
            nn.Linear(dense, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def vgg_features(cut: str = "vgg54", width: int = 64) -> nn.Sequential:
    """VGG19's features up to relu5_4 (`cut` vgg54: the indices of torchvision's
    `vgg19().features[:36]`) or relu2_2 (vgg22: `[:9]`); `width` scales every conv (64: the
    real VGG19)."""
    layers: list[nn.Module] = []
    c_in = 3
    for v in VGG19_TO_54:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            c_out = int(v) * width // 64
            layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(inplace=False)]
            c_in = c_out
    return nn.Sequential(*layers[: VGG_CUTS[cut]])


def load_vgg(tensors: dict[str, Any], cut: str = "vgg54") -> nn.Sequential:
    """VGG54 (or VGG22) with the weights of a torchvision VGG19 state dict (keys `features.N.weight`,
    `features.N.bias`; the classifier's keys, if present, are ignored)."""
    net = vgg_features(cut, 64)
    own = net.state_dict()
    wanted = {f"features.{k}": k for k in own}
    missing = [k for k in wanted if k not in tensors]
    if missing:
        raise GanError(
            f"not a torchvision VGG19 state dict: {len(missing)} of its VGG54 tensors are "
            f"missing (first: {missing[0]})"
        )
    state = {}
    for key, k in wanted.items():
        t = tensors[key]
        if tuple(t.shape) != tuple(own[k].shape):
            raise GanError(
                f"not a VGG19 state dict: {key} is {tuple(t.shape)}, VGG19 has {tuple(own[k].shape)}"
            )
        state[k] = t.float()
    net.load_state_dict(state)
    return net


def random_vgg(cut: str, width: int, seed: int) -> nn.Sequential:
    """VGG19's layers up to `cut` at `width` with fixed random weights (He-normal, zero bias) from `seed`;
    the same seed gives the same net on every machine (drawn on the CPU)."""
    g = torch.Generator().manual_seed(seed)
    net = vgg_features(cut, width)
    with torch.no_grad():
        for m in net:
            if isinstance(m, nn.Conv2d):
                fan_in = m.in_channels * 9
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) * math.sqrt(2.0 / fan_in))
                m.bias.zero_()
    return net


NETS = {"generator": SRResNet, "discriminator": SRDiscriminator}
