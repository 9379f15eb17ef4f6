"""Device batches from the cached uint8 tensor: indexing, scaling and flips happen on the
device, with no per-step PIL work. The data order comes from its own seeded generator, and
its state is part of the training state so that a resumed run draws the same batches.

Under torchrun, `batch_size` is the global batch and rank r of `world` takes slice r of it:
every rank walks the same seeded permutation (and draws the same flip mask for the whole
batch), so the ranks' slices are disjoint within an epoch and together are exactly the batch a
single process would draw. The state is therefore the same on every rank and for any number of
ranks: a run resumed with another number of processes continues the same data order.

The epoch order is one of two kinds:

- global: a uniform random permutation of the whole set. Right when the images stay in memory
  (the memory-mapped cache is then served from the OS page cache).
- blocks: for a set larger than memory can comfortably hold, where a global permutation would
  fetch one small image from disk per index. The set is cut into contiguous blocks of about
  BLOCK_BYTES, the blocks are visited in a random order, and the images of each run of
  WINDOW_BLOCKS consecutive blocks of that order are shuffled together: an epoch still visits
  every image exactly once, but a stretch of batches reads only a few contiguous regions of
  the file, each once, near-sequentially.

`shuffle_order` picks blocks when the uint8 set is larger than IN_MEMORY_FRACTION of the
machine's memory (its RAM, or the container's limit when that is lower); GANCLI_SHUFFLE=global
or =blocks forces one. The choice depends only on the set's size and the machine (not on how
much memory happens to be free), so a seeded run draws the same batches every time it runs
there; the trainer takes rank 0's choice on every rank.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from gancli.errors import GanError

# Keep the whole uint8 data set on an accelerator when it takes at most this share of memory.
RESIDENT_FRACTION = 0.25
# Block order: blocks of about this many bytes, shuffled together this many at a time.
BLOCK_BYTES = 32 * 2**20
WINDOW_BLOCKS = 4
# Block order for sets larger than this share of the machine's memory.
IN_MEMORY_FRACTION = 0.5
SHUFFLE_ENV = "GANCLI_SHUFFLE"
ORDERS = ("global", "blocks")


def machine_memory() -> int | None:
    """Bytes of RAM this process may fill: the machine's, or its cgroup's limit if lower."""
    total: int | None = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                total = int(line.split()[1]) * 1024
                break
    except (OSError, ValueError, IndexError):
        pass
    if total is None:
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (AttributeError, ValueError, OSError):
            return None
    limit = _cgroup_limit()
    return min(total, limit) if limit else total


def _cgroup_limit() -> int | None:
    """The memory limit of this process's cgroup (v2 or v1), if it has one."""
    base = Path("/sys/fs/cgroup")
    candidates = []
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            parts = line.split(":", 2)
            if len(parts) != 3:
                continue
            rel = parts[2].lstrip("/")
            if parts[0] == "0" and not parts[1]:
                candidates.append(base / rel / "memory.max")
            elif "memory" in parts[1].split(","):
                candidates.append(base / "memory" / rel / "memory.limit_in_bytes")
    except OSError:
        pass
    for path in candidates:
        try:
            text = path.read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 2**60:  # v1 writes a huge number for "no limit"
            return int(text)
    return None


def shuffle_order(x: torch.Tensor) -> str:
    """The epoch order for the data tensor `x` on this machine, "global" or "blocks" (see
    the module's doc)."""
    forced = os.environ.get(SHUFFLE_ENV, "").strip().lower()
    if forced in ORDERS:
        return forced
    if forced not in ("", "auto"):
        raise GanError(f"{SHUFFLE_ENV}={forced!r} is not an order: use global, blocks or auto")
    memory = machine_memory()
    nbytes = x.numel() * x.element_size()
    return "blocks" if memory and nbytes > IN_MEMORY_FRACTION * memory else "global"


def block_order(n: int, block: int, window: int, gen: torch.Generator) -> torch.Tensor:
    """A permutation of range(n): blocks of `block` consecutive indices in a random order,
    shuffled together `window` blocks at a time."""
    count = -(-n // block)
    order = torch.randperm(count, generator=gen).tolist()
    parts = []
    for w in range(0, count, window):
        idx = torch.cat(
            [torch.arange(b * block, min(n, (b + 1) * block)) for b in order[w : w + window]]
        )
        parts.append(idx[torch.randperm(len(idx), generator=gen)])
    return torch.cat(parts)


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
        order: str | None = None,
        labels: torch.Tensor | None = None,
    ) -> None:
        """`labels`: what each batch carries beside the images (default: the data's labels)."""
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
        self.x, self.labels = data.x, data.labels if labels is None else labels
        if order is not None and order not in ORDERS:
            raise ValueError(f"order {order!r} is not one of {ORDERS}")
        self.order = order or shuffle_order(self.x)
        item_bytes = max(1, self.x[:1].numel() * self.x.element_size())
        self.block = max(1, BLOCK_BYTES // item_bytes)  # images per block
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
            self.perm, self.pos, self.epoch = self._epoch_order(n), 0, self.epoch + 1
        start = self.pos + self.offset
        idx = self.perm[start : start + self.local_batch]
        self.pos += b
        at_x = self._to(idx, self.x.device)
        x = self._to(self.x[at_x], self.device)
        labels = None
        if self.labels is not None:  # on the device: the same copy of the indices serves
            at_labels = at_x if at_x.device == self.labels.device else idx
            labels = self.labels[self._to(at_labels, self.labels.device)]
        if self.kind == "image":
            x = x.float().div_(127.5).sub_(1.0)
            if self.flip:
                mask = torch.rand(b, generator=self.gen) < 0.5  # the whole batch's
                mask = self._to(mask[self.offset : self.offset + self.local_batch], self.device)
                x = torch.where(mask[:, None, None, None], x.flip(-1), x)
            if self.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
        return x, labels

    @staticmethod
    def _to(t: torch.Tensor, device: torch.device) -> torch.Tensor:
        """`t` on `device`. Host to GPU through pinned memory and an asynchronous copy: a plain
        copy from pageable memory waits for the GPU to finish its queue, one host sync per
        batch, which stalls the CPU that should be queueing the next step's kernels."""
        if t.device == device:
            return t
        if t.device.type == "cpu" and device.type == "cuda":
            return t.pin_memory().to(device, non_blocking=True)
        return t.to(device)

    def _epoch_order(self, n: int) -> torch.Tensor:
        if self.order == "blocks":
            return block_order(n, self.block, WINDOW_BLOCKS, self.gen)
        return torch.randperm(n, generator=self.gen)

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


def check_fits_in_memory(
    n: int,
    latent_size: int,
    shape: list[int],
    hint: str,
    images: bool,
    where: str | None = None,
    what: str = "samples",
) -> None:
    """Refuse, in one line ending with `hint`, a count whose latents (and, with `images`, their
    float32 images, all held at once for one grid, array, GIF or evaluation) would not fit in
    half of this machine's memory."""
    import math

    # a latent, its seed and file name; and the image when all are held
    per_item = latent_size * 4 + 128 + (math.prod(shape) * 4 if images else 0)
    need, memory = n * per_item, machine_memory()
    if memory is None or need <= memory // 2:
        return
    at = f" in {where}" if where else ""
    raise GanError(
        f"{n:,} {what} need {need / 2**30:,.1f} GiB at once{at}, more than this machine's "
        f"memory allows ({memory / 2**30:,.0f} GiB); {hint}"
    )
