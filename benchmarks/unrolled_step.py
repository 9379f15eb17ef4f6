"""The unrolled GAN's generator step: what its two cost-cutting choices are worth.

    python benchmarks/unrolled_step.py            # writes docs/performance.md
    python benchmarks/unrolled_step.py --quick    # smoke run; prints the table only

G's step in `unrolled` differentiates through K Adam updates of D. Two choices make it cheaper
without changing what it computes:

- maxout units reduce their pieces with `max` (whose backward routes the gradient by the saved
  indices) rather than `amax` (whose backward compares every piece with the maximum);
- the look-ahead's Adam update is one autograd Function with its derivative written out
  (`_adam_step` in gancli/variants/unrolled.py) rather than a dozen tensor operations that
  autograd records one by one.

Each configuration builds a real `Trainer` (PacGAN's or the notebook's protocol on ring8, or
DCGAN's nets on shapes), trains a few steps so that D's Adam has state, and then times G's step
(the unrolled loss and its backward) and D's step under three implementations, in alternation,
`--repeats` rounds: as before either choice (amax + recorded operations), `max` only, and both
(what gancli runs). It also checks that the three give the same G gradient.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_summary, markdown_table, today, write_section  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SECTION = "unrolled_step"
DOC = REPO / "docs" / "performance.md"
IMPLS = ("amax, recorded update", "max, recorded update", "max, written-out update (now)")
CONFIGS = {
    "ring8, PacGAN's protocol (G 4x400, D 3x200 maxout, batch 100), K 5": dict(
        data="ring8", width=400, z_dim=2, batch_size=100, lr_g=1e-4, lr_d=1e-4, betas=(0.8, 0.999)
    ),
    "ring8, the notebook's protocol on PacGAN-shaped nets at width 64 (batch 128), K 5": dict(
        data="ring8", width=64, batch_size=128
    ),
    "shapes 32x32, DCGAN's nets at width 32 (batch 64), K 5": dict(
        data="shapes", width=32, batch_size=64
    ),
}


# ---- the implementations before the two choices, kept here to measure against -------------


def _amax_forward(self: Any, x: torch.Tensor) -> torch.Tensor:
    y = self.linear(x)
    return y.view(*y.shape[:-1], self.out_features, self.pieces).amax(-1)


def _recorded_update(self: Any, setting: dict, st: dict, p: torch.Tensor, g: torch.Tensor):
    """The look-ahead's Adam update as plain tensor operations (autograd records each)."""

    def safe_sqrt(v: torch.Tensor) -> torch.Tensor:
        pos = v > 0
        return torch.where(pos, torch.sqrt(torch.where(pos, v, torch.ones_like(v))), 0.0)

    beta1, beta2 = setting["betas"]
    st["t"] += 1
    st["m"] = beta1 * st["m"] + (1 - beta1) * g
    st["v"] = beta2 * st["v"] + (1 - beta2) * (g * g)
    step_size = setting["lr"] / (1 - beta1 ** st["t"])
    root = math.sqrt(1 - beta2 ** st["t"])
    return p - step_size * st["m"] / (safe_sqrt(st["v"]) / root + setting["eps"])


@contextmanager
def implementation(name: str):
    from gancli.nets.mlp import Maxout
    from gancli.variants.unrolled import _UnrolledOptimizer

    saved = (Maxout.forward, _UnrolledOptimizer._update)
    if name.startswith("amax"):
        Maxout.forward = _amax_forward
    if "recorded" in name:
        _UnrolledOptimizer._update = _recorded_update
    try:
        yield
    finally:
        Maxout.forward, _UnrolledOptimizer._update = saved


# ---- measuring -----------------------------------------------------------------------------


def _g_step(trainer: Any, real: torch.Tensor, labels: Any) -> list[torch.Tensor]:
    v = trainer.variant
    for p in v.g_parameters():
        p.grad = None
    loss, _ = v.g_loss(real, labels)
    loss.backward()
    return [p.grad for p in v.g_parameters()]


def _d_step(trainer: Any, real: torch.Tensor, labels: Any) -> None:
    v = trainer.variant
    trainer.opt_d.zero_grad(set_to_none=True)
    loss, _ = v.d_loss(real, labels)
    loss.backward()  # not stepped: the look-ahead starts from the same D in every round


def measure(name: str, options: dict, args: argparse.Namespace, work: Path) -> dict:
    from gancli.engine.loop import Trainer
    from gancli.engine.options import TrainOptions

    opts = TrainOptions(
        variant="unrolled",
        **options,
        steps=args.train_steps,
        log_every=10**9,
        sample_every=10**9,
        checkpoint_every=10**9,
        out=str(work / str(len(list(work.iterdir())))),
        device="cpu",
        extra={"unroll": 5},
    )
    trainer = Trainer(opts, quiet=True)
    trainer.run()  # D's Adam has state: the look-ahead continues it
    real, labels = trainer.batcher.next()
    grads, g_ms, d_ms = {}, {i: [] for i in IMPLS}, {i: [] for i in IMPLS}
    for i in IMPLS:  # the same z in each: the gradients must agree
        with implementation(i):
            torch.manual_seed(0)
            grads[i] = torch.cat([g.flatten() for g in _g_step(trainer, real, labels)])
    for _ in range(args.repeats):
        for i in IMPLS:
            with implementation(i):
                _g_step(trainer, real, labels)  # warm
                start = time.perf_counter()
                for _ in range(args.steps):
                    _g_step(trainer, real, labels)
                g_ms[i].append(1000 * (time.perf_counter() - start) / args.steps)
                start = time.perf_counter()
                for _ in range(args.steps):
                    _d_step(trainer, real, labels)
                d_ms[i].append(1000 * (time.perf_counter() - start) / args.steps)
    ref = grads[IMPLS[0]]
    diff = max(float((grads[i] - ref).norm() / ref.norm()) for i in IMPLS[1:])
    r = {
        "name": name,
        "precision": trainer.precision,
        "g_ms": {i: statistics.median(v) for i, v in g_ms.items()},
        "d_ms": {i: statistics.median(v) for i, v in d_ms.items()},
        "diff": diff,
    }
    print(
        f"{name}: G step "
        + ", ".join(f"{i} {v:.1f} ms" for i, v in r["g_ms"].items())
        + f"; gradients differ by {diff:.1e} (relative)",
        flush=True,
    )
    return r


def section(results: list[dict], args: argparse.Namespace, took: float, command: str) -> str:
    rows = []
    for r in results:
        g, d = r["g_ms"], r["d_ms"]
        before, now = g[IMPLS[0]] + d[IMPLS[0]], g[IMPLS[2]] + d[IMPLS[2]]
        rows.append(
            [r["name"], r["precision"]]
            + [f"{g[i]:.1f}" for i in IMPLS]
            + [f"{g[IMPLS[0]] / g[IMPLS[2]]:.2f}x", f"{before / now:.2f}x", f"{r['diff']:.0e}"]
        )
    headers = (
        ["configuration", "precision"]
        + [f"G step ms: {i}" for i in IMPLS]
        + ["G step speed-up", "G + D step speed-up", "G gradient difference"]
    )
    return "\n\n".join(
        [
            "## The unrolled GAN's generator step",
            f"`{command}` ({today()}; {machine_summary()}; {torch.get_num_threads()} torch "
            f"thread(s); {took / 60:.1f} min).",
            "G's step in `unrolled` differentiates through K = 5 Adam updates of D, which makes "
            "it the most expensive step of any variant. Each row: G's step (the unrolled loss "
            "and its backward) under three implementations, median of "
            f"{args.repeats} alternating rounds of {args.steps} steps on the same batch and D: "
            "maxout with `amax` and the look-ahead's Adam update recorded operation by "
            "operation (as before), `max` only, and both choices (what gancli runs: `max`, and "
            "the update as one autograd Function with its derivative written out). The "
            "speed-ups compare the first and the last; the G + D one adds D's forward and "
            "backward, as in a training step (without the optimiser steps). The last column is "
            "the largest relative difference between the G gradients of the three (the "
            "rounding of a differently ordered sum). The image row has no maxout: only the "
            "update's choice applies there.",
            markdown_table(headers, rows),
        ]
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--steps", type=int, default=10, help="timed G steps per round")
    p.add_argument("--train-steps", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args()
    if args.quick:
        args.repeats, args.steps, args.train_steps, args.no_write = 1, 2, 2, True
    torch.set_num_threads(args.threads)
    command = "python benchmarks/unrolled_step.py" + " ".join([""] + sys.argv[1:])
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="unrolled-step-") as tmp:
        results = [measure(n, o, args, Path(tmp)) for n, o in CONFIGS.items()]
    body = section(results, args, time.perf_counter() - start, command)
    print(body)
    if not args.no_write:
        write_section(DOC, SECTION, body, after="optimizer_step")
        print(f"wrote {DOC.relative_to(REPO)}")


if __name__ == "__main__":
    main()
