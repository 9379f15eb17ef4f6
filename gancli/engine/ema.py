"""Exponential moving average of the generator's weights."""

from __future__ import annotations

import copy

import torch
from torch import nn


class EMA:
    def __init__(self, net: nn.Module, decay: float = 0.999) -> None:
        self.decay = decay
        self.net = copy.deepcopy(net).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, net: nn.Module, step: int) -> None:
        # Warm up the decay so that early samples are not dominated by the random init.
        decay = min(self.decay, (1 + step) / (10 + step))
        mine = list(self.net.parameters())
        theirs = [p.detach() for p in net.parameters()]
        torch._foreach_lerp_(mine, theirs, 1.0 - decay)
        for b_ema, b in zip(self.net.buffers(), net.buffers()):
            b_ema.copy_(b)
