"""Training on several processes: `torchrun` starts them, torch.distributed connects them.

    torchrun --nproc-per-node 4 -m gancli train dcgan --data faces/            # one machine
    torchrun --nnodes 2 --nproc-per-node 8 --rdzv-backend c10d \\
        --rdzv-endpoint host0:29500 -m gancli train dcgan --data faces/        # two machines

A process started by torchrun finds RANK, LOCAL_RANK and WORLD_SIZE in its environment and joins
the group (gloo on CPUs, nccl on CUDA GPUs, one GPU per process: cuda:LOCAL_RANK). Without them,
or with WORLD_SIZE=1, nothing here does anything and a run is exactly a one-process run.

How the ranks stay one training run
-----------------------------------
- `--batch-size` is the global batch: every step consumes one batch of the data's seeded
  permutation, split into one slice per rank (the Batcher), so the data order is the same for
  any number of processes and the paper defaults keep their meaning.
- Gradients are averaged explicitly, once per optimiser step, weighted by each rank's share of
  the global batch: after `backward` the gradients of the parameters the optimiser is about to
  step are flattened into one buffer and all-reduced. The sum arrives identical on every rank,
  so the optimisers take identical steps and the weights stay bit-identical without
  ever being broadcast again.

  Why not DistributedDataParallel: DDP reduces from autograd hooks during `backward`, which fits
  one forward and one backward per step. A GAN step is not that: D runs on real and on fake
  batches separately, G's loss back-propagates through D (whose gradients must not be reduced
  then), WGAN-GP differentiates D twice (create_graph), the unrolled variant calls D
  functionally on copies of its parameters, InfoGAN's Q head shares D's trunk. Under DDP each
  of these needs `find_unused_parameters`, `static_graph` or `no_sync` to avoid errors or double
  reductions, and a variant's author would have to know. Reducing the gradients of what the
  optimiser steps, right before it steps, is correct for all of them by construction and keeps
  variants unaware of distribution. What it gives up is overlapping the reduction with
  `backward`; for GAN-sized nets that is a small fraction of a step.
- Buffers (batch-norm running statistics) are averaged in the same collective as G's gradients:
  they feed the EMA generator, the samples and the checkpoints. Batch norm in training mode
  normalises each rank's slice with its own statistics, as DDP does without SyncBatchNorm.
- The same collective carries a stop flag (SIGINT/SIGTERM seen by any rank), so every rank
  stops, saves and exits at the same step; logged losses are reduced before the NaN check, so
  a NaN on any rank stops every rank.
- Only rank 0 writes: checkpoints, sample grids, metrics.jsonl, config.json, the zoo entry and
  the progress display. Every rank still takes part in each collective, at the same steps.
- Each rank draws its own noise: rank 0 keeps the run's seed (so one process is unchanged),
  rank r a seed derived from (seed, r). The state file keeps every rank's RNG state, so a
  resume with the same number of processes continues exactly; with another number, ranks
  without a saved state start streams derived from (seed, rank, step). The data order, the
  weights and the optimiser state carry over exactly in both cases.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from gancli._lazy import lazy
from gancli.errors import GanError

torch = lazy("torch")

# A test hook: a folder where every rank appends `rank<R>.jsonl`, one line per step with the
# sha256 of its weights, so that a test can check that all ranks hold the same model.
TRACE_ENV = "GANCLI_TRACE_WEIGHTS"


def env_rank() -> int:
    """This process's rank as torchrun set it (0 outside torchrun); imports nothing."""
    return int(os.environ.get("RANK", "0") or 0)


def env_world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1") or 1)


def derived_seed(seed: int, *parts: int) -> int:
    """A seed for rank r's noise (and, on a resume without its saved state, step s)."""
    text = ":".join(str(int(p)) for p in (seed, *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") >> 1


class Distributed:
    """The process group of a run, or a stand-in whose methods do nothing (one process)."""

    def __init__(self, rank: int = 0, world: int = 1, local_rank: int = 0) -> None:
        self.rank, self.world, self.local_rank = rank, world, local_rank
        self.owns_group = False
        self._stop: Any = None  # the all-reduced stop flag of the last G step
        self._stop_host: Any = None  # its copy on the host, read one step later on CUDA
        self._stop_event: Any = None
        self.trace = Path(os.environ[TRACE_ENV]) if os.environ.get(TRACE_ENV) else None

    @property
    def enabled(self) -> bool:
        return self.world > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    # ---- joining and leaving -------------------------------------------------------------

    @classmethod
    def start(cls, device: Any) -> tuple[Distributed, Any]:
        """Join torchrun's group if there is one; returns the group and this rank's device.

        A CUDA device without an index becomes cuda:LOCAL_RANK; an explicit cuda:N is kept.
        """
        dist = torch.distributed
        if dist.is_available() and dist.is_initialized():  # a library user set it up
            self = cls(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", 0)))
        else:
            world = env_world_size()
            if world <= 1:
                return cls(), device
            if not dist.is_available():
                raise GanError("this torch build has no torch.distributed; run one process")
            self = cls(env_rank(), world, int(os.environ.get("LOCAL_RANK", "0")))
        if device.type == "cuda":
            if device.index is None:
                if self.local_rank >= torch.cuda.device_count():
                    raise GanError(
                        f"process {self.local_rank} of this machine needs a GPU of its own but "
                        f"{torch.cuda.device_count()} are visible; start fewer processes"
                    )
                device = torch.device("cuda", self.local_rank)
            torch.cuda.set_device(device)
        elif device.type != "cpu":
            raise GanError(
                f"training on several processes runs on CUDA GPUs or CPUs, not {device.type}"
            )
        if not dist.is_initialized():
            backend = "nccl" if device.type == "cuda" else "gloo"
            kwargs = {"device_id": device} if device.type == "cuda" else {}
            dist.init_process_group(backend, **kwargs)
            self.owns_group = True
        return self, device

    def close(self) -> None:
        if self.owns_group and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()
            self.owns_group = False

    def barrier(self) -> None:
        if self.enabled:
            torch.distributed.barrier()

    # ---- the model -----------------------------------------------------------------------

    def broadcast_modules(self, *modules: Any) -> None:
        """Rank 0's parameters and buffers everywhere (once, at the start of a run)."""
        if not self.enabled:
            return
        with torch.no_grad():
            for module in modules:
                for t in [*module.parameters(), *module.buffers()]:
                    torch.distributed.broadcast(t.data, src=0)

    def average_gradients(
        self,
        optimizer: Any,
        share: float,
        buffers_of: Any = None,
        stop: bool = False,
    ) -> None:
        """All-reduce the gradients of `optimizer`'s parameters, each rank's weighted by its
        `share` of the global batch, so every rank holds the gradient of the global batch's
        mean loss. With `buffers_of`, that module's floating-point buffers are averaged in the
        same call, and the stop flag rides along (read it with `stop_requested`).

        A gradient that is None on this rank counts as zeros in the sum; it stays None only if
        it is None on every rank (as an optimiser skips a parameter without a gradient).
        """
        if not self.enabled:
            return
        params = [p for group in optimizer.param_groups for p in group["params"]]
        buffers = [b for b in buffers_of.buffers() if b.is_floating_point()] if buffers_of else []
        ref = params[0] if params else buffers[0]
        missing = [p.grad is None for p in params]
        pieces = [
            (
                torch.zeros(p.numel(), device=p.device, dtype=torch.float32)
                if p.grad is None
                else p.grad.reshape(-1).float() * share
            )
            for p in params
        ]
        pieces += [b.reshape(-1).float() * share for b in buffers]
        present = torch.tensor(
            [0.0 if m else 1.0 for m in missing] + [float(stop)], device=ref.device
        )
        flat = torch.cat([*pieces, present])
        torch.distributed.all_reduce(flat)
        offset = 0
        counts = flat[flat.numel() - present.numel() :]
        host_counts = None
        with torch.no_grad():
            for i, (p, was_missing) in enumerate(zip(params, missing)):
                piece = flat[offset : offset + p.numel()].view(p.shape)
                offset += p.numel()
                if was_missing:
                    if host_counts is None:  # rare: only then is a host sync worth it
                        host_counts = counts.tolist()
                    if host_counts[i] == 0:
                        continue
                    p.grad = torch.empty_like(p)
                p.grad.copy_(piece)
            for b in buffers:
                b.copy_(flat[offset : offset + b.numel()].view(b.shape))
                offset += b.numel()
        if buffers_of is not None:
            self._set_stop(counts[-1:])

    # ---- stopping together ---------------------------------------------------------------

    def _set_stop(self, flag: Any) -> None:
        if flag.device.type == "cuda":
            # Read one step later, without a host sync in the step: copy it to pinned memory
            # now and wait for that copy only when the next step asks.
            if self._stop_host is None:
                self._stop_host = torch.zeros(1, pin_memory=True)
                self._stop_event = torch.cuda.Event()
            if self._stop is not None:
                self._stop_event.synchronize()
                previous = float(self._stop_host[0])
            else:
                previous = 0.0
            self._stop_host.copy_(flag, non_blocking=True)
            self._stop_event.record()
            self._stop = previous
        else:
            self._stop = float(flag[0])

    def stop_requested(self) -> bool:
        """Whether some rank has seen a stop signal, as agreed in the last G step's reduction:
        the same answer on every rank at the same step (on CUDA, one step later)."""
        return self._stop is not None and self._stop > 0

    # ---- logs and state ------------------------------------------------------------------

    def reduce_sums(self, sums: dict[str, Any], share: float) -> dict[str, Any]:
        """Each logged sum as the global batch's (weighted by each rank's share); a NaN or an
        infinity on any rank reaches every rank."""
        if not self.enabled or not sums:
            return sums
        keys = sorted(sums)
        stacked = torch.stack([sums[k].float() * share for k in keys])
        torch.distributed.all_reduce(stacked)
        return dict(zip(keys, stacked.unbind(0)))

    def from_main(self, obj: Any) -> Any:
        """Rank 0's `obj` on every rank: for a choice that each rank makes from what it sees
        (its machine's memory, say) but that must be the same everywhere."""
        if not self.enabled:
            return obj
        box = [obj]
        torch.distributed.broadcast_object_list(box, src=0)
        return box[0]

    def gather(self, obj: Any) -> list[Any] | None:
        """Every rank's `obj` on rank 0 (in rank order), None elsewhere."""
        if not self.enabled:
            return [obj]
        out = [None] * self.world if self.is_main else None
        torch.distributed.gather_object(obj, out, dst=0)
        return out

    def trace_weights(self, step: int, tensors: dict[str, Any]) -> None:
        """Append this rank's weight hash at `step` to the trace folder (a test hook)."""
        if self.trace is None:
            return
        self.trace.mkdir(parents=True, exist_ok=True)
        line = {
            "step": step,
            "rank": self.rank,
            "pid": os.getpid(),
            "sha256": weights_sha256(tensors),
        }
        with (self.trace / f"rank{self.rank}.jsonl").open("a") as f:
            f.write(json.dumps(line) + "\n")


def weights_sha256(tensors: dict[str, Any]) -> str:
    """One hash of named tensors' values (whatever their memory layout)."""
    h = hashlib.sha256()
    for name in sorted(tensors):
        h.update(name.encode())
        t = tensors[name].detach().cpu().contiguous().reshape(-1)
        h.update(t.view(torch.uint8).numpy().tobytes())
    return h.hexdigest()
