"""How long `gan evaluate` takes for 10,000 samples, end to end, and where the time goes.

    python benchmarks/eval_speed.py            # full run; writes docs/performance.md
    python benchmarks/eval_speed.py --quick    # smoke run (1,000 samples); prints the table only

The checkpoint is the default mnist5k DCGAN (28x28, width 128, z 100) after one training step:
sampling costs the same whatever the weights. The command runs as a user runs it, in its own
process (`python -m gancli evaluate CKPT --data mnist5k -n 10000 --features classifier
-m fid,kid,pr,is,classes,parzen,memorisation --json`), twice:

- cold: an empty cache, so the run decodes mnist5k, trains the classifier feature extractor
  and computes the reference features;
- warm: the same command again, everything cached.

The JSON output carries the time of each phase (`timings_s`); this process samples the memory
of the child. The Inception extractor is not measured: its weights download on first use and
this machine has no internet; on a CPU it dominates everything else (about 6 GFLOP per image at
299x299).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    MIB,
    machine_summary,
    markdown_table,
    run_measured,
    tail,
    text_table,
    today,
    write_section,
)

REPO = Path(__file__).resolve().parent.parent
SECTION = "eval_speed"
METRICS = "fid,kid,pr,is,classes,parzen,memorisation"
PHASES = [
    ("load", "load the checkpoint and mnist5k (decoding it on a cold cache)"),
    ("import_torch_fidelity", "import torch-fidelity, whose code computes FID, KID, IS, PR"),
    ("extractor", "hash the reference; train the classifier (cold) or read it (warm)"),
    ("sampling", "draw the samples (generator forward passes, uint8)"),
    ("features_fake", "features of the samples"),
    ("features_reference", "features of the 5,000 reference images (cold) or read them"),
    ("fid", "FID + 20 bootstrap resamples"),
    ("kid", "KID, 100 subsets of 1,000"),
    ("pr", "precision/recall, k = 3 (5,000 vs 5,000)"),
    ("is", "Inception Score (classifier logits), 10 splits"),
    ("classes", "class histogram"),
    ("parzen", "Parzen window: σ search on 1,000 + 4,000 test images, 784-d"),
    ("memorisation", "nearest training images, 784-d, and the grid"),
]


def train_checkpoint(out: Path, device: str) -> Path:
    """A one-step DCGAN on mnist5k with the default nets (cached between runs)."""
    if (out / "model.safetensors").exists():
        return out
    from gancli.engine.loop import Trainer
    from gancli.engine.options import TrainOptions

    opts = TrainOptions(
        variant="dcgan",
        data="mnist5k",
        steps=1,
        out=str(out),
        sample_every=10**9,
        checkpoint_every=10**9,
        device=device,
        precision="fp32",
    )
    Trainer(opts, quiet=True).run()
    return out


def run_once(ckpt: Path, n: int, cache: Path, work: Path, args: argparse.Namespace) -> dict:
    env = dict(os.environ, GANCLI_CACHE=str(cache), OMP_NUM_THREADS=str(args.threads))
    cmd = [
        sys.executable,
        "-m",
        "gancli",
        "evaluate",
        str(ckpt),
        "--data",
        "mnist5k",
        "-n",
        str(n),
        "--features",
        "classifier",
        "-m",
        METRICS,
        "--kid-subset-size",
        str(min(1000, n)),
        "--json",
        "--no-save",
        "--out-dir",
        str(work),
        "--device",
        args.device,
    ]
    log = work / f"run-{time.monotonic_ns()}.log"
    m = run_measured(cmd, log, env=env)
    if m.returncode != 0:
        raise SystemExit(f"gan evaluate failed ({m.returncode}):\n{tail(log)}")
    line = next(x for x in log.read_text().splitlines() if x.startswith("{"))
    doc = json.loads(line)
    return {"wall": m.wall_s, "peak": m.peak_pss or m.peak_rss, "doc": doc}


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (OMP_NUM_THREADS)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--quick", action="store_true", help="1,000 samples, no docs update")
    args = ap.parse_args()
    if args.quick:
        args.n = 1000
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    import torch

    torch.set_num_threads(args.threads)
    t0 = time.time()
    ckpt = train_checkpoint(REPO / "runs/benchmarks/eval_speed/dcgan", args.device)
    work = Path(tempfile.mkdtemp(prefix="eval-speed-"))
    try:
        cache = work / "cache"
        cold = run_once(ckpt, args.n, cache, work, args)
        warm = run_once(ckpt, args.n, cache, work, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    rows = []
    tc, tw = cold["doc"]["timings_s"], warm["doc"]["timings_s"]
    for key, what in PHASES:
        c, w = tc.get(key), tw.get(key)
        rows.append([key, what, "-" if c is None else f"{c:.2f}", "-" if w is None else f"{w:.2f}"])
    rows.append(["sum", "the phases above", f"{sum(tc.values()):.1f}", f"{sum(tw.values()):.1f}"])
    rows.append(
        [
            "total",
            "wall clock of the process, Python and torch imports included",
            f"{cold['wall']:.1f}",
            f"{warm['wall']:.1f}",
        ]
    )
    rows.append(
        [
            "peak memory",
            "of the process (PSS)",
            f"{cold['peak'] / MIB:.0f} MiB",
            f"{warm['peak'] / MIB:.0f} MiB",
        ]
    )
    headers = ["phase", "what", "cold s", "warm s"]
    print(text_table(headers, rows))
    info = cold["doc"].get("extractor", {})
    if args.quick:
        return
    body = f"""## `gan evaluate` speed: {args.n:,} samples end to end

`python benchmarks/eval_speed.py --threads {args.threads}` — {today()}, {machine_summary()}; {args.device}, {args.threads} torch thread(s); ran {(time.time() - t0) / 60:.1f} min.

`gan evaluate CKPT --data mnist5k -n {args.n} --features classifier -m {METRICS} --json`
on the default mnist5k DCGAN (28x28, width 128), in its own process. Cold: an empty cache
(decode mnist5k, train the classifier for {info.get("epochs")} epochs — held-out accuracy
{(info.get("held_out_accuracy") or 0):.1%} — and compute the reference features); warm: the
same command again. Seconds per phase, from the command's own `timings_s`:

{markdown_table(headers, rows)}

The Inception extractor (the default, for numbers comparable with published FIDs) is not in
this table: its weights cannot be downloaded on this machine. On a CPU it costs far more than
all of the above (Inception-v3 at 299x299 is about 6 GFLOP per image); use a GPU for it.
"""
    write_section(REPO / "docs/performance.md", SECTION, body)
    print("wrote docs/performance.md")


if __name__ == "__main__":
    main()
