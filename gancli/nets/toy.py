"""Nets for 2-D mixtures, after the PacGAN protocol (G 4x400 BN+ReLU, D 3x200 maxout)."""

from __future__ import annotations

import torch
from torch import nn

from gancli.nets.mlp import Maxout


class ToyGenerator(nn.Module):
    def __init__(self, z_dim: int, out_dim: int = 2, hidden: int = 400, layers: int = 4):
        super().__init__()
        body: list[nn.Module] = []
        dim = z_dim
        for _ in range(layers):
            body += [nn.Linear(dim, hidden), nn.BatchNorm1d(hidden), nn.ReLU()]
            dim = hidden
        body.append(nn.Linear(dim, out_dim))
        self.net = nn.Sequential(*body)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


def maxout_layers(in_dim: int, hidden: int, layers: int, pieces: int) -> list[nn.Module]:
    """PacGAN's D trunk: `layers` maxout layers of `hidden` units with `pieces` pieces each."""
    return [Maxout(in_dim if i == 0 else hidden, hidden, pieces) for i in range(layers)]


class ToyDiscriminator(nn.Module):
    def __init__(
        self, in_dim: int = 2, hidden: int = 200, layers: int = 3, pieces: int = 5, outputs: int = 1
    ):
        super().__init__()
        body = maxout_layers(in_dim, hidden, layers, pieces)
        body.append(nn.Linear(hidden if layers else in_dim, outputs))
        self.net = nn.Sequential(*body)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.net(x)
        return out.squeeze(-1) if out.shape[-1] == 1 else out


NETS = {"generator": ToyGenerator, "discriminator": ToyDiscriminator}
