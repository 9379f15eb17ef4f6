"""Device batches from the cached uint8 tensor: indexing, scaling and flips happen on the
device, with no per-step PIL work. The data order comes from its own seeded generator, and
its state is part of the training state so that a resumed run draws the same batches.

Under torchrun, `batch_size` is the global batch and rank r of `world` takes slice r of it:
every rank walks the same seeded permutation (and draws the same flip mask for the whole
batch), so the ranks' slices are disjoint within an epoch and together are exactly the batch a
single process would draw. The state is therefore the same on every rank and for any number of
ranks: a run resumed with another number of processes continues the same data order."""

from __future__ import annotations

from typing import Any

import torch

from gancli.errors import GanError

# Keep the whole uint8 data set on an accelerator when it takes at most this share of memory.
RESIDENT_FRACTION = 0.25


class Batcher:
    def __init__(
        self,
        data: Any,
        batch_size: int,
        device: torch.device,
        seed: int = 0,
        flip: bool = False,
        channels_last: bool = False,
        rank: int = 0,
        world: int = 1,
    ) -> None:
        n = len(data)
        if batch_size > n:
            raise GanError(
                f"batch size {batch_size} is larger than the data set ({n} items); "
                "pass a smaller --batch-size"
            )
        if batch_size < world:
            raise GanError(
                f"--batch-size is the global batch, split over the {world} processes: "
                f"{batch_size} leaves some of them nothing; pass at least {world}"
            )
        # This rank's slice of each global batch: sizes differ by at most one.
        base, extra = divmod(batch_size, world)
        self.local_batch = base + (rank < extra)
        self.offset = rank * base + min(rank, extra)
        self.share = self.local_batch / batch_size  # weight of this rank in global means
        self.kind = data.kind
        self.batch_size, self.device, self.flip = batch_size, device, flip and data.kind == "image"
        self.channels_last = channels_last and data.kind == "image"
        self.x, self.labels = data.x, data.labels
        if device.type != "cpu":
            nbytes = self.x.numel() * self.x.element_size()
            total = (
                torch.cuda.get_device_properties(device).total_memory
                if device.type == "cuda"
                else 0
            )
            if nbytes <= RESIDENT_FRACTION * total:
                self.x = self.x.to(device)
            if self.labels is not None:
                self.labels = self.labels.to(device)
        self.gen = torch.Generator().manual_seed(seed)
        self.perm: torch.Tensor | None = None
        self.pos = 0
        self.epoch = 0

    def __len__(self) -> int:
        return len(self.x)

    def next(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        b, n = self.batch_size, len(self.x)
        if self.perm is None or self.pos + b > n:
            self.perm, self.pos, self.epoch = (
                torch.randperm(n, generator=self.gen),
                0,
                self.epoch + 1,
            )
        start = self.pos + self.offset
        idx = self.perm[start : start + self.local_batch]
        self.pos += b
        x = self.x[idx.to(self.x.device)].to(self.device, non_blocking=True)
        labels = self.labels[idx.to(self.labels.device)] if self.labels is not None else None
        if self.kind == "image":
            x = x.float().div_(127.5).sub_(1.0)
            if self.flip:
                mask = torch.rand(b, generator=self.gen) < 0.5  # the whole batch's
                mask = mask[self.offset : self.offset + self.local_batch].to(self.device)
                x = torch.where(mask[:, None, None, None], x.flip(-1), x)
            if self.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
        return x, labels

    def state_dict(self) -> dict[str, Any]:
        return {
            "gen": self.gen.get_state(),
            "perm": self.perm,
            "pos": self.pos,
            "epoch": self.epoch,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.gen.set_state(state["gen"])
        self.perm, self.pos, self.epoch = state["perm"], int(state["pos"]), int(state["epoch"])
