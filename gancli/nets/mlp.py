"""Fully connected nets of Goodfellow et al. 2014: a ReLU generator and a maxout discriminator."""

from __future__ import annotations

import math

import torch
from torch import nn


class Maxout(nn.Module):
    """A linear layer with `pieces` outputs per unit, reduced by max (Goodfellow et al. 2013)."""

    def __init__(self, in_features: int, out_features: int, pieces: int) -> None:
        super().__init__()
        self.out_features, self.pieces = out_features, pieces
        self.linear = nn.Linear(in_features, out_features * pieces)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.linear(x)
        # max, not amax: the same values and (without ties) the same gradient, but its backward
        # routes the gradient by the saved indices instead of comparing every piece with the
        # maximum, which the unrolled GAN's second-order step pays for many times over
        # (benchmarks/unrolled_step.py: 1.1-1.4x on its generator step on 2-D toys).
        return y.view(*y.shape[:-1], self.out_features, self.pieces).max(-1).values


def _uniform_init(module: nn.Module, irange: float) -> None:
    # pylearn2's `irange`: weights U(-irange, irange), biases zero, as in the paper's config.
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.uniform_(m.weight, -irange, irange)
            nn.init.zeros_(m.bias)


class MLPGenerator(nn.Module):
    """z -> ReLU hidden layers -> sigmoid output reshaped to the data shape.

    The nets of Goodfellow et al. 2014 worked on [0, 1] pixels; ours see [-1, 1], so the output
    is mapped by 2*sigmoid - 1: every weight plays exactly the role it had in the paper, and the
    paper's learning rate and initialisation keep their meaning.
    """

    def __init__(self, z_dim: int, out_shape: list[int], hidden: int = 1200, layers: int = 2):
        super().__init__()
        self.out_shape = tuple(out_shape)
        dims = [z_dim] + [hidden] * layers
        body: list[nn.Module] = []
        for a, b in zip(dims[:-1], dims[1:]):
            body += [nn.Linear(a, b), nn.ReLU()]
        body += [nn.Linear(dims[-1], math.prod(self.out_shape)), nn.Sigmoid()]
        self.net = nn.Sequential(*body)
        _uniform_init(self, 0.05)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return (self.net(z) * 2 - 1).view(z.shape[0], *self.out_shape)


class MaxoutDiscriminator(nn.Module):
    """Maxout layers with dropout (input keep 0.8, hidden keep 0.5) -> one logit, on [0, 1]
    pixels internally like the paper's."""

    def __init__(
        self,
        in_shape: list[int],
        hidden: int = 240,
        layers: int = 2,
        pieces: int = 5,
        input_dropout: float = 0.2,
        dropout: float = 0.5,
        outputs: int = 1,
    ) -> None:
        super().__init__()
        body: list[nn.Module] = [nn.Flatten()]
        dims = [math.prod(in_shape)] + [hidden] * layers
        for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
            body += [nn.Dropout(input_dropout if i == 0 else dropout), Maxout(a, b, pieces)]
        body += [nn.Dropout(dropout), nn.Linear(dims[-1], outputs)]
        self.net = nn.Sequential(*body)
        _uniform_init(self, 0.005)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.net((x + 1) / 2)  # [0, 1] pixels, as in the paper (see MLPGenerator)
        return out.squeeze(-1) if out.shape[-1] == 1 else out


NETS = {"generator": MLPGenerator, "maxout_discriminator": MaxoutDiscriminator}
