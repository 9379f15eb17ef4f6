"""A model is a variant's nets plus the EMA generator, built from a config alone."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from gancli import variants
from gancli.checkpoint import (
    Checkpoint,
    check_tensors,
    model_metadata,
    read_checkpoint,
    save_tensors,
)
from gancli.engine.ema import EMA
from gancli.variants.base import Variant


@dataclass
class Model:
    variant: Variant
    ema: EMA
    config: dict[str, Any]

    @property
    def spec(self) -> dict[str, Any]:
        return self.config["data"]

    def tensors(self) -> dict[str, torch.Tensor]:
        out = dict(self.variant.nets.state_dict())
        out.update({f"generator_ema.{k}": v for k, v in self.ema.net.state_dict().items()})
        return out

    def save(self, path: str | Path, step: int) -> None:
        self.config["step"] = step
        save_tensors(path, self.tensors(), model_metadata(self.config))

    def to_channels_last(self) -> None:
        """Use the channels_last layout for conv nets (a no-op for MLPs)."""
        if any(p.dim() == 4 for p in self.variant.nets.parameters()):
            self.variant.nets.to(memory_format=torch.channels_last)
            self.ema.net.to(memory_format=torch.channels_last)

    def sampler(self, ema: bool = True) -> torch.nn.Module:
        """The generator to draw samples from, in eval mode."""
        return (self.ema.net if ema else self.variant.generator).eval()

    @torch.no_grad()
    def sample(
        self,
        z: torch.Tensor,
        labels: torch.Tensor | None = None,
        ema: bool = True,
        batch: int = 256,
    ) -> torch.Tensor:
        net = self.sampler(ema)
        was_training = self.variant.generator.training
        dev = self.variant.device
        outs = [
            self.variant.generate(
                z[i : i + batch].to(dev),
                None if labels is None else labels[i : i + batch].to(dev),
                net=net,
            ).float()
            for i in range(0, len(z), batch)
        ]
        self.variant.generator.train(was_training)
        return torch.cat(outs)


def build_model(
    config: dict[str, Any], device: torch.device | str = "cpu", ema_decay: float = 0.999
) -> Model:
    variant = variants.get(config["variant"])(config, device)
    return Model(variant, EMA(variant.generator, ema_decay), config)


def load_model(
    source: str | Path | Checkpoint, device: torch.device | str = "cpu", channels_last: bool = True
) -> Model:
    """Rebuild a model from a checkpoint, validating every tensor against its config.

    Conv nets use the channels_last layout by default, as in training: it is faster on CPUs and
    GPUs, and the same layout gives bit-identical samples to the model as it was trained.
    """
    ckpt = source if isinstance(source, Checkpoint) else read_checkpoint(source)
    model = build_model(ckpt.config, device, ckpt.config.get("train", {}).get("ema_decay", 0.999))
    expected = model.tensors()
    check_tensors(ckpt.path, expected, ckpt.tensors)
    with torch.no_grad():
        for name, t in expected.items():
            t.copy_(ckpt.tensors[name])
    if channels_last:
        model.to_channels_last()
    return model
