"""CycleGAN's two generators and two discriminators, each pair held as one module so that the
engine's one generator slot and one discriminator slot (checkpoints, EMA, optimisers, DDP,
resume) carry them unchanged.

- `CycleGenerators`: `ab` is G: A -> B, `ba` is F: B -> A (ResNet generators,
  `nets/resnet_gen.py`); `forward(x, direction)` applies one of them (AtoB by default).
- `CycleDiscriminators`: `a` judges images of domain A (real A against F(B)), `b` those of
  domain B (real B against G(A)); 70x70 PatchGANs by default (`nets/patchgan.py`), each seeing
  one image (no condition: the data are unpaired).
"""

from __future__ import annotations

import torch
from torch import nn

from gancli.errors import GanError
from gancli.nets.patchgan import PatchGAN
from gancli.nets.resnet_gen import ResnetGenerator

DIRECTIONS = ("AtoB", "BtoA")


class CycleGenerators(nn.Module):
    multiple = ResnetGenerator.multiple

    def __init__(
        self, channels: int = 3, width: int = 64, blocks: int = 9, norm: str = "instance"
    ) -> None:
        super().__init__()
        self.ab = ResnetGenerator(channels, channels, width, blocks, norm)
        self.ba = ResnetGenerator(channels, channels, width, blocks, norm)

    def forward(self, x: torch.Tensor, direction: str = "AtoB") -> torch.Tensor:
        if direction not in DIRECTIONS:
            raise GanError(f"direction must be one of {', '.join(DIRECTIONS)}; got {direction!r}")
        return (self.ab if direction == "AtoB" else self.ba)(x)


class CycleDiscriminators(nn.Module):
    def __init__(
        self,
        channels: int = 3,
        image_size: int = 256,
        width: int = 64,
        layers: int = 3,
        norm: str = "instance",
    ) -> None:
        super().__init__()
        self.a = PatchGAN(channels, image_size, width, layers, norm)
        self.b = PatchGAN(channels, image_size, width, layers, norm)

    def forward(self, x: torch.Tensor, domain: str = "B") -> torch.Tensor:
        """Patch logits of `domain`'s D (B by default: the one that judges G: A -> B)."""
        return (self.a if domain == "A" else self.b)(x)


NETS = {"generators": CycleGenerators, "discriminators": CycleDiscriminators}
