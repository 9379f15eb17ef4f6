"""A model is a variant's nets plus the EMA generator, built from a config alone.

A *slim* model file (`save_slim`, `gan zoo add --slim`) keeps only the EMA generator, its
weights in fp16: what sampling, walks, arithmetic and evaluation need, at a fraction of the size
(no discriminator, so no resuming and no discriminator features for projection). Its config
says so with `"parts": ["generator_ema"]`; loading fills the raw generator with the same weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from gancli import variants
from gancli.engine.ema import EMA
from gancli.errors import GanError
from gancli.store.checkpoint import (
    Checkpoint,
    check_tensors,
    model_metadata,
    read_checkpoint,
    save_tensors,
)
from gancli.variants.base import Variant


@dataclass
class Model:
    variant: Variant
    ema: EMA
    config: dict[str, Any]

    @property
    def spec(self) -> dict[str, Any]:
        return self.config["data"]

    @property
    def parts(self) -> list[str] | None:
        """The nets a slim model file kept (None: the whole model)."""
        return self.config.get("parts")

    @property
    def slim(self) -> bool:
        return self.parts is not None

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
        if not ema and self.slim and "generator" not in (self.parts or []):
            raise GanError(
                "this checkpoint is a slim export that keeps only the EMA generator: "
                "leave out --no-ema"
            )
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
    parts = ckpt.config.get("parts")
    if parts is not None:
        if not isinstance(parts, list) or "generator_ema" not in parts:
            raise GanError(f"{ckpt.path}: a slim checkpoint must keep generator_ema, not {parts}")
        expected = {k: v for k, v in expected.items() if k.split(".")[0] in parts}
    check_tensors(ckpt.path, expected, ckpt.tensors)
    with torch.no_grad():
        for name, t in expected.items():
            t.copy_(ckpt.tensors[name])
        if parts is not None and "generator" not in parts:
            model.variant.generator.load_state_dict(model.ema.net.state_dict())
    if channels_last:
        model.to_channels_last()
    return model


def slim_tensors(model: Model, half: bool = True) -> dict[str, torch.Tensor]:
    """The EMA generator's tensors; its floating-point weights in fp16 when `half` (buffers such
    as batch-norm statistics stay as they are: a tiny running variance would flush to 0)."""
    params = {n for n, _ in model.ema.net.named_parameters()}
    out = {}
    for k, v in model.ema.net.state_dict().items():
        if half and k in params and v.is_floating_point():
            v = v.half()
        out[f"generator_ema.{k}"] = v
    return out


def save_slim(model: Model, path: str | Path, half: bool = True) -> None:
    """Write `model` as a slim model file: config plus the EMA generator (see the docstring)."""
    config = {**model.config, "parts": ["generator_ema"]}
    save_tensors(path, slim_tensors(model, half), model_metadata(config))
