"""GAN-CLS nets (Reed et al. 2016): DCGAN's G and D conditioned on a text embedding.

Both nets read φ(t), the caption's fixed encoding (here its bag of words over the model's
vocabulary, L2-normalised: `gancli.variants.gancls.text_features`), and compress it with a
fully connected layer of their own to `text_dim` (the paper's 128) followed by a leaky ReLU.
G concatenates that code to z; D depth-concatenates it, replicated spatially, to its 4x4
feature maps, then applies a 1x1 convolution with leaky ReLU and the final 4x4 convolution.
"""

from __future__ import annotations

import torch
from torch import nn

from gancli.nets import dcgan


class TextCode(nn.Module):
    """φ(t) -> leaky ReLU(FC(φ(t))): the paper's compression of the text embedding. The FC's
    weights start N(0, 1) so that the code of a unit-norm φ starts at the noise's scale."""

    def __init__(self, vocab_size: int, text_dim: int) -> None:
        super().__init__()
        self.fc = nn.Linear(vocab_size, text_dim)
        nn.init.normal_(self.fc.weight, 0.0, 1.0)
        nn.init.zeros_(self.fc.bias)
        self.act = nn.LeakyReLU(0.2)

    def forward(self, phi: torch.Tensor) -> torch.Tensor:
        return self.act(self.fc(phi.to(self.fc.weight.dtype)))


class Generator(nn.Module):
    def __init__(
        self,
        z_dim: int,
        vocab_size: int,
        channels: int,
        image_size: int,
        width: int = 128,
        text_dim: int = 128,
    ) -> None:
        super().__init__()
        self.text = TextCode(vocab_size, text_dim)
        self.inner = dcgan.Generator(z_dim + text_dim, channels, image_size, width)

    def forward(self, z: torch.Tensor, phi: torch.Tensor) -> torch.Tensor:
        return self.inner(torch.cat([z, self.text(phi).to(z.dtype)], 1))


class Discriminator(nn.Module):
    def __init__(
        self,
        vocab_size: int,
        channels: int,
        image_size: int,
        width: int = 128,
        text_dim: int = 128,
    ) -> None:
        super().__init__()
        plain = dcgan.Discriminator(channels, image_size, width)
        self.features = plain.net[:-1]  # down to the coarsest maps (4x4 at 32 or 64 pixels)
        final = plain.net[-1]
        depth, start = final.in_channels, final.kernel_size[0]
        self.text = TextCode(vocab_size, text_dim)
        self.joint = nn.Sequential(
            nn.Conv2d(depth + text_dim, depth, 1, 1, 0, bias=False),
            nn.BatchNorm2d(depth),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(depth, 1, start, 1, 0, bias=False),
        )
        dcgan.init_weights(self.joint)

    def forward(self, x: torch.Tensor, phi: torch.Tensor) -> torch.Tensor:
        h = self.features(x)
        code = self.text(phi).to(h.dtype)[:, :, None, None].expand(-1, -1, h.shape[2], h.shape[3])
        return self.joint(torch.cat([h, code], 1)).flatten()


NETS = {"generator": Generator, "discriminator": Discriminator}
