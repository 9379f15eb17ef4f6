"""Class conditioning by concatenation (Mirza & Osindero 2014): the one-hot label is appended
to a vector input, or to an image input as K constant feature maps. Wraps any net family, whose
input size must already count the K extra entries."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


class Concat(nn.Module):
    def __init__(self, inner: dict[str, Any], num_classes: int) -> None:
        from gancli import nets

        super().__init__()
        self.num_classes = num_classes
        self.inner = nets.build(inner)

    def forward(self, x: torch.Tensor, onehot: torch.Tensor) -> torch.Tensor:
        onehot = onehot.to(x.dtype)
        if x.dim() == 4:
            maps = onehot[:, :, None, None].expand(-1, -1, x.shape[2], x.shape[3])
            x = torch.cat([x, maps], 1)
        else:
            x = torch.cat([x, onehot], 1)
        return self.inner(x)


NETS = {"concat": Concat}
