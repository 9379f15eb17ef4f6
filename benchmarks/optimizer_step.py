"""The optimiser step: torch's fused Adam and SGD kernels, which gancli uses, against the
per-tensor loop (torch's default on a CPU) and the foreach loop (its default on a GPU), on the
nets gancli trains; and what that is worth in a whole training step.

    python benchmarks/optimizer_step.py            # writes docs/performance.md
    python benchmarks/optimizer_step.py --quick    # smoke run; prints the table only

For each configuration a real `Trainer` is built (the variant's paper defaults, this machine's
default precision) and trained for a few steps. Its optimisers' parameters are copied, given
random gradients, and stepped by a fresh optimiser of the same kind and settings in each of
the three implementations, in alternation, `--repeats` times; the table gives the median time
of the optimiser work in one training step (G's optimiser once, D's n_critic times). The
training-step time is the trainer's own (fused), from the times in its metrics.jsonl.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_summary, markdown_table, today, write_section  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SECTION = "optimizer_step"
DOC = REPO / "docs" / "performance.md"
MODES = ("per-tensor", "foreach", "fused")
CONFIGS = {
    "dcgan, shapes 32x32, width 64": dict(variant="dcgan", data="shapes", width=64),
    "dcgan, mnist5k 28x28 (defaults)": dict(variant="dcgan", data="mnist5k", image_size=28),
    "wgan-gp, shapes 32x32, width 64": dict(variant="wgan-gp", data="shapes", width=64),
    "gan, ring8, PacGAN's nets (G 4x400, D 3x200 maxout)": dict(
        variant="gan", data="ring8", width=400, z_dim=2, batch_size=100
    ),
}


def optimizer_ms(opt: torch.optim.Optimizer, mode: str, steps: int) -> float:
    """Milliseconds per step of a fresh optimiser like `opt` over copies of its parameters."""
    params = [
        p.detach().clone().requires_grad_(True) for g in opt.param_groups for p in g["params"]
    ]
    for p in params:
        p.grad = torch.randn_like(p)
    settings = {k: v for k, v in opt.param_groups[0].items() if k in ("lr", "betas", "momentum")}
    flags = {"fused": True} if mode == "fused" else {"foreach": mode == "foreach"}
    fresh = type(opt)(params, **settings, **flags)
    for _ in range(3):  # state created, caches warm
        fresh.step()
    start = time.perf_counter()
    for _ in range(steps):
        fresh.step()
    return 1000 * (time.perf_counter() - start) / steps


def measure(name: str, options: dict, args: argparse.Namespace, work: Path) -> dict:
    from gancli.engine.loop import Trainer
    from gancli.engine.options import TrainOptions

    out = work / name.split(",")[0].replace(" ", "-") / str(len(list(work.iterdir())))
    opts = TrainOptions(
        **options,
        steps=args.train_steps,
        log_every=args.train_steps // 4,
        sample_every=10**9,
        checkpoint_every=10**9,
        out=str(out),
        device="cpu",
    )
    trainer = Trainer(opts, quiet=True)
    trainer.run()
    times = {
        r["step"]: r["time"]
        for r in map(json.loads, (out / "metrics.jsonl").read_text().splitlines())
        if "time" in r
    }
    first = args.train_steps // 4
    step_ms = 1000 * (times[args.train_steps] - times[first]) / (args.train_steps - first)
    n_critic = trainer.variant.hyper.n_critic
    samples: dict[str, list[float]] = {m: [] for m in MODES}
    for _ in range(args.repeats):
        for mode in MODES:
            g = optimizer_ms(trainer.opt_g, mode, args.opt_steps)
            d = optimizer_ms(trainer.opt_d, mode, args.opt_steps)
            samples[mode].append(g + n_critic * d)
    ms = {m: statistics.median(v) for m, v in samples.items()}
    kind = type(trainer.opt_g).__name__
    params = sum(p.numel() for g in trainer.opt_g.param_groups for p in g["params"])
    params += sum(p.numel() for g in trainer.opt_d.param_groups for p in g["params"])
    print(
        f"{name}: {kind}, {params / 1e6:.2f} M parameters, step {step_ms:.1f} ms; optimiser "
        + ", ".join(f"{m} {v:.2f} ms" for m, v in ms.items()),
        flush=True,
    )
    return {
        "name": name,
        "kind": kind,
        "params": params,
        "n_critic": n_critic,
        "precision": trainer.precision,
        "batch": trainer.variant.hyper.batch_size,
        "step_ms": step_ms,
        "ms": ms,
    }


def section(results: list[dict], args: argparse.Namespace, took: float, command: str) -> str:
    rows = []
    for r in results:
        ms = r["ms"]
        # The step measured ran fused; with the per-tensor loop it would take this much longer.
        saved = ms["per-tensor"] - ms["fused"]
        rows.append(
            [
                r["name"],
                f"{r['kind']}, {r['params'] / 1e6:.2f} M, {r['precision']}, batch {r['batch']}"
                + (f", {r['n_critic']} D steps" if r["n_critic"] > 1 else ""),
                f"{ms['per-tensor']:.2f}",
                f"{ms['foreach']:.2f}",
                f"{ms['fused']:.2f}",
                f"{ms['per-tensor'] / ms['fused']:.1f}x",
                f"{r['step_ms']:.0f}",
                f"{100 * saved / (r['step_ms'] + saved):.0f}%",
            ]
        )
    headers = [
        "configuration",
        "optimiser, parameters, precision",
        "per-tensor ms",
        "foreach ms",
        "fused ms",
        "fused speed-up",
        "training step ms (fused)",
        "step time saved vs per-tensor",
    ]
    return "\n\n".join(
        [
            "## The optimiser step: fused kernels",
            f"`{command}` ({today()}; {machine_summary()}; {torch.get_num_threads()} torch "
            f"thread(s); {took / 60:.1f} min).",
            "gancli builds Adam and SGD with torch's fused kernels on CPUs and CUDA GPUs. Each "
            "row: the optimiser work of one training step (G's optimiser once, D's once per D "
            f"step) in each implementation, median of {args.repeats} alternating rounds of "
            f"{args.opt_steps} steps on copies of the nets' parameters; the training step is the "
            "trainer's own with fused optimisers. The last column is the share of a training "
            "step with torch's CPU default (per-tensor) that the fused kernels remove.",
            markdown_table(headers, rows),
        ]
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--opt-steps", type=int, default=50)
    p.add_argument("--train-steps", type=int, default=40)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args()
    if args.quick:
        args.repeats, args.opt_steps, args.train_steps, args.no_write = 1, 5, 8, True
    command = "python benchmarks/optimizer_step.py" + " ".join([""] + sys.argv[1:])
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="optimizer-step-") as tmp:
        results = [measure(n, o, args, Path(tmp)) for n, o in CONFIGS.items()]
    body = section(results, args, time.perf_counter() - start, command)
    print(body)
    if not args.no_write:
        write_section(DOC, SECTION, body)
        print(f"wrote {DOC.relative_to(REPO)}")


if __name__ == "__main__":
    main()
