"""Does bf16 hurt quality? DCGAN on mnist5k trained in fp32 and in bf16, same seeds, same steps.

    python benchmarks/precision_quality.py                     # 2 seeds x 1,000 steps; writes docs
    python benchmarks/precision_quality.py --quick             # smoke run; prints the table only

`--precision auto` picks bf16 on CPUs with native bf16 matrix units (AVX-512 BF16 / AMX) and on
CUDA; this is the evidence that it does not cost quality. Each run is `gan train dcgan --data
mnist5k` with the paper's defaults, evaluated every `--eval-every` steps (training continues
with an exact `--resume` between evaluations). Measures, on 5,000 samples of the EMA generator:

- classifier FD: the Fréchet distance between 128-d features of a small CNN trained on the real
  digits (gancli.metrics.classifier.SmallCNN, 5 epochs) of the samples and of the 5,000 real
  digits; its floor is the distance between two disjoint halves of the real digits, which the
  table gives with the same n (2,500 against 2,500) beside the samples' own 2,500-sample value;
- class spread: KL(histogram of the classifier's labels || uniform over 10), 0 when every digit
  is equally common (the real digits: about 0.002);
- confident: the fraction of samples the classifier labels with probability > 0.9.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    frechet_distance,
    machine_summary,
    markdown_table,
    today,
    write_section,
)

REPO = Path(__file__).resolve().parent.parent
SECTION = "precision_quality"
PRECISIONS = ("fp32", "bf16")


def train(out: Path, precision: str, seed: int, steps: int, threads: int) -> float:
    """Train (or continue) one run to `steps`; returns the wall seconds of this call."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    cmd = [sys.executable, "-m", "gancli", "train", "dcgan"]
    if (out / "model.safetensors").exists():
        cmd += ["--resume", str(out), "--steps", str(steps)]
    else:
        cmd += ["--data", "mnist5k", "--steps", str(steps), "--precision", precision]
        cmd += ["--seed", str(seed), "--out", str(out), "--sample-every", "100000"]
    cmd += ["--json", "--device", "cpu"]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


class Judge:
    """The small CNN trained on the real digits, and the real digits' features."""

    def __init__(self, seed: int = 0) -> None:
        import torch

        from gancli.data import load_data, to_float
        from gancli.metrics.classifier import train_classifier

        data = load_data("mnist5k", image_size=28, channels=1)
        self.net = train_classifier(data.x, data.labels, 10, epochs=5, seed=seed)
        self.real, probs = self.features(to_float(data.x))
        hist = np.bincount(probs.argmax(1), minlength=10) / len(probs)
        self.real_kl = float(np.sum(hist[hist > 0] * np.log(hist[hist > 0] * 10)))
        perm = torch.randperm(len(self.real), generator=torch.Generator().manual_seed(seed))
        self.half_a, self.half_b = (self.real[perm[:2500]], self.real[perm[2500:5000]])

    def features(self, x) -> tuple[np.ndarray, np.ndarray]:
        import torch

        feats, probs = [], []
        with torch.no_grad():
            for i in range(0, len(x), 500):
                f = self.net.features(x[i : i + 500].float())
                feats.append(f.numpy())
                probs.append(torch.softmax(self.net.head(f), 1).numpy())
        return np.concatenate(feats).astype(np.float64), np.concatenate(probs)

    def score(self, run: Path, n: int = 5000) -> dict:
        import torch

        from gancli.engine.model import load_model
        from gancli.latent.priors import seeded_latents

        model = load_model(run, "cpu")
        z = seeded_latents(model.variant, list(range(n)))
        with torch.no_grad():
            x = model.sample(z, None, ema=True, batch=500).float().cpu()
        feats, probs = self.features(x)
        hist = np.bincount(probs.argmax(1), minlength=10) / len(probs)
        kl = float(np.sum(hist[hist > 0] * np.log(hist[hist > 0] * 10)))
        return {
            "fd": frechet_distance(feats, self.real),
            "fd_2500": frechet_distance(feats[:2500], self.half_b),
            "kl": kl,
            "confident": float((probs.max(1) > 0.9).mean()),
        }


def mean_sd(values: list[float], digits: int = 2) -> str:
    if len(values) < 2:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.fmean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", default="0,1")
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--eval-every", type=int, default=500)
    p.add_argument("--threads", type=int, default=1, help="torch threads per training run")
    p.add_argument("--jobs", type=int, default=2, help="runs trained at the same time")
    p.add_argument("--work", type=Path, help="keep the runs here (default: a temp folder)")
    p.add_argument("--quick", action="store_true", help="1 seed x 20 steps; prints only")
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args()
    if args.quick:
        args.seeds, args.steps, args.eval_every, args.no_write = "0", 20, 10, True
    seeds = [int(s) for s in args.seeds.split(",")]
    marks = list(range(args.eval_every, args.steps, args.eval_every)) + [args.steps]

    import torch

    torch.set_num_threads(max(1, (os.cpu_count() or 1)))
    started = time.perf_counter()
    judge = Judge()
    floor = frechet_distance(judge.half_a, judge.half_b)
    real_kl = judge.real_kl
    print(f"classifier ready; real-vs-real FD (2500 vs 2500) {floor:.3f}", flush=True)

    with TemporaryDirectory(prefix="gancli-precision-") as tmp:
        root = args.work or Path(tmp)
        runs = [(prec, seed) for seed in seeds for prec in PRECISIONS]
        results: dict[tuple[str, int], dict] = {r: {"train_s": 0.0, "curve": []} for r in runs}
        for mark in marks:

            def job(run: tuple[str, int], mark: int = mark) -> None:
                prec, seed = run
                results[run]["train_s"] += train(
                    root / f"{prec}-s{seed}", prec, seed, mark, args.threads
                )

            with ThreadPoolExecutor(args.jobs) as pool:
                list(pool.map(job, runs))
            for run in runs:
                prec, seed = run
                s = judge.score(root / f"{prec}-s{seed}")
                results[run]["curve"].append({"step": mark, **s})
                print(
                    f"{prec} seed {seed} step {mark}: FD {s['fd']:.3f} (2500: {s['fd_2500']:.3f}),"
                    f" KL {s['kl']:.3f}, confident {100 * s['confident']:.1f}%, "
                    f"{results[run]['train_s'] / 60:.1f} min",
                    flush=True,
                )
        took = time.perf_counter() - started

    rows = []
    for i, mark in enumerate(marks):
        for prec in PRECISIONS:
            pts = [results[(prec, s)]["curve"][i] for s in seeds]
            rows.append(
                [
                    f"{mark:,}",
                    prec,
                    mean_sd([q["fd"] for q in pts]),
                    mean_sd([q["fd_2500"] for q in pts]),
                    mean_sd([q["kl"] for q in pts], 3),
                    mean_sd([100 * q["confident"] for q in pts], 1),
                ]
            )
    per_step = {
        prec: statistics.fmean(results[(prec, s)]["train_s"] for s in seeds) / args.steps
        for prec in PRECISIONS
    }
    headers = ["steps", "precision", "classifier FD (5k)", "FD (2.5k)", "class KL", "confident %"]
    table = markdown_table(headers, rows)
    print(table)
    command = f"python benchmarks/precision_quality.py --seeds {args.seeds} --steps {args.steps}"
    command += f" --eval-every {args.eval_every} --threads {args.threads} --jobs {args.jobs}"
    body = "\n\n".join(
        [
            "## bf16 against fp32: DCGAN on mnist5k",
            f"Script: `{command}` ({today()}; {machine_summary()}; {args.jobs} runs at a time, "
            f"{args.threads} torch thread each; {took / 60:.0f} min in all).",
            f"Protocol: `gan train dcgan --data mnist5k` with the paper's defaults (28x28, width "
            f"128, batch 128, Adam 2e-4, beta1 0.5), `--precision fp32` and `--precision bf16`, "
            f"seeds {args.seeds}; mean ± sd over the seeds. 5,000 samples of the EMA generator "
            "(latents of seeds 0..4999) against the 5,000 real digits, in the features of a "
            "small CNN trained on those digits (5 epochs). Real against real (two disjoint "
            f"halves, 2,500 each): FD {floor:.3f}, class KL of the real digits {real_kl:.3f}.",
            table,
            "Training time per step, the runs sharing the machine: "
            + ", ".join(f"{k} {v:.2f} s" for k, v in per_step.items())
            + f" ({per_step['fp32'] / per_step['bf16']:.1f}x).",
        ]
    )
    if not args.no_write:
        write_section(REPO / "docs" / "benchmarks.md", SECTION, body + "\n")
        (REPO / "benchmarks" / "results").mkdir(exist_ok=True)
        (REPO / "benchmarks" / "results" / f"{SECTION}.json").write_text(
            json.dumps({f"{p}-s{s}": r for (p, s), r in results.items()}, indent=1)
        )
        print("wrote docs/benchmarks.md")


if __name__ == "__main__":
    main()
