"""The conditional MLPs of Mirza & Osindero 2014 (MNIST): z and y go through their own ReLU
layers before they meet; in D, x and y through their own maxout layers."""

from __future__ import annotations

import math

import torch
from torch import nn

from gancli.nets.mlp import Maxout, _uniform_init


class Generator(nn.Module):
    """z -> ReLU 200, y -> ReLU 1000, joined -> ReLU 1200 -> sigmoid, mapped to [-1, 1] pixels
    by 2*sigmoid - 1 so that every weight keeps its role from the paper's [0, 1] setting."""

    def __init__(self, z_dim: int, num_classes: int, out_shape: list[int], hidden: int = 1200):
        super().__init__()
        self.out_shape = tuple(out_shape)
        z_hidden = max(1, hidden // 6)  # 200 of 1200
        self.z = nn.Sequential(nn.Linear(z_dim, z_hidden), nn.ReLU())
        self.y = nn.Sequential(nn.Linear(num_classes, hidden - z_hidden), nn.ReLU())
        self.joint = nn.Sequential(
            nn.Dropout(0.5),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Dropout(0.5),
            nn.Linear(hidden, math.prod(self.out_shape)),
            nn.Sigmoid(),
        )
        _uniform_init(self, 0.05)

    def forward(self, z: torch.Tensor, onehot: torch.Tensor) -> torch.Tensor:
        h = torch.cat([self.z(z), self.y(onehot.to(z.dtype))], 1)
        return (self.joint(h) * 2 - 1).view(z.shape[0], *self.out_shape)


class Discriminator(nn.Module):
    """x -> maxout 240x5, y -> maxout 50x5, joined -> maxout 240x4 -> one logit; dropout 0.5."""

    def __init__(
        self, in_shape: list[int], num_classes: int, hidden: int = 240, label_hidden: int = 50
    ):
        super().__init__()
        self.x = nn.Sequential(nn.Flatten(), Maxout(math.prod(in_shape), hidden, 5))
        self.y = Maxout(num_classes, label_hidden, 5)
        self.joint = nn.Sequential(
            nn.Dropout(0.5),
            Maxout(hidden + label_hidden, hidden, 4),
            nn.Dropout(0.5),
            nn.Linear(hidden, 1),
        )
        _uniform_init(self, 0.005)

    def forward(self, x: torch.Tensor, onehot: torch.Tensor) -> torch.Tensor:
        h = torch.cat([self.x((x + 1) / 2), self.y(onehot.to(x.dtype))], 1)  # [0, 1] pixels
        return self.joint(h).squeeze(-1)


NETS = {"generator": Generator, "discriminator": Discriminator}
