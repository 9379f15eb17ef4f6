"""What `--augment` buys on a small data set: DCGAN on 500 digits with and without DiffAugment.

    python benchmarks/augment_small_data.py            # 500 digits, 3,000 steps; writes docs
    python benchmarks/augment_small_data.py --quick    # smoke run; prints the table only

A user with a few hundred images runs `gan train dcgan --data my-folder/`; with so few images D
memorises them and G's signal fades (Zhao et al. 2020, Karras et al. 2020). Protocol:

- data: the first `--train-size` digits of mnist5k's first half, written as a class folder
  (`gan train` reads it like any user's folder), trained without flips (digits are not
  symmetric);
- runs: `gan train dcgan --data FOLDER --image-size 28 --width 64 --no-flip` with and without
  `--augment POLICY`, same seeds, evaluated every `--eval-every` steps (an exact `--resume`
  continues between evaluations);
- quality: `gan evaluate RUN --data B --features classifier -m fid,pr` against mnist5k's second
  half (2,500 digits no run trained on), 2,500 samples, in the features of the small CNN that
  `gan evaluate` trains on B (as benchmarks/eval_mnist5k.py does);
- copying: `gan evaluate RUN --data FOLDER -m memorisation` against the training digits: the
  samples' median distance to their nearest training digit over that of held-out training
  digits (about 1 for new digits; towards 0 for copies).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_summary, markdown_table, text_table, today, write_section  # noqa: E402
from eval_mnist5k import write_halves  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "benchmarks.md"
SECTION = "augment_small_data"
WORK = REPO / "runs" / "benchmarks" / "augment_small_data"


def training_folder(a: Path, size: int, root: Path) -> Path:
    """The first `size` digits of half A (by their index in mnist5k), in class folders."""
    out = root / f"train{size}"
    if (out / ".done").exists():
        return out
    shutil.rmtree(out, ignore_errors=True)
    files = sorted(a.glob("*/*.png"), key=lambda p: int(p.stem))[:size]
    for f in files:
        (out / f.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copy(f, out / f.parent.name / f.name)
    (out / ".done").write_text("")
    return out


def gan(args: list[str], threads: int) -> str:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "GAN_ZOO_REGISTER": "0"}
    out = subprocess.run(
        [sys.executable, "-m", "gancli", *args], capture_output=True, text=True, env=env
    )
    if out.returncode != 0:
        raise SystemExit(f"gan {' '.join(args)} failed:\n{out.stderr}")
    return out.stdout


def run_one(run: Path, folder: Path, ref: Path, policy: str, seed: int, a: argparse.Namespace):
    """Train one run to each mark in turn and evaluate it there; returns its rows."""
    rows = []
    saved = run / "evals.json"
    done = json.loads(saved.read_text()) if saved.exists() else []
    for mark in range(a.eval_every, a.steps + 1, a.eval_every):
        if any(r["step"] == mark for r in done):
            rows.append({**next(r for r in done if r["step"] == mark), "found": True})
            continue
        cmd = ["train", "dcgan", "--json", "--device", "cpu", "--steps", str(mark)]
        if (run / "model.safetensors").exists():
            cmd += ["--resume", str(run)]
        else:
            cmd += ["--data", str(folder), "--image-size", "28", "--channels", "1"]
            cmd += ["--width", str(a.width), "--no-flip", "--seed", str(seed), "--out", str(run)]
            cmd += ["--sample-every", str(a.steps), "--checkpoint-every", str(a.steps)]
            cmd += ["--augment", policy or "none"]
        start = time.perf_counter()
        gan(cmd, a.threads)
        train_s = time.perf_counter() - start
        quality = json.loads(
            gan(
                [
                    "evaluate",
                    str(run),
                    "--data",
                    str(ref),
                    "-n",
                    str(a.samples),
                    "-m",
                    "fid,pr",
                    "--features",
                    "classifier",
                    "--json",
                    "--no-save",
                    "--device",
                    "cpu",
                    *(["--classifier-epochs", "2"] if a.quick else []),
                ],
                a.threads,
            )
        )
        copies = json.loads(
            gan(
                [
                    "evaluate", str(run), "--data", str(folder), "-n", str(a.samples),
                    "-m", "memorisation", "--json", "--no-save", "--device", "cpu",
                ],
                a.threads,
            )
        )  # fmt: skip
        r = {x["metric"]: x for x in quality["results"] + copies["results"]}
        row = {
            "step": mark,
            "policy": policy,
            "seed": seed,
            "train_s": train_s + (done[-1]["train_s"] if done else 0.0),
            "fid": r["fid"]["value"],
            "precision": r["precision"]["value"],
            "recall": r["recall"]["value"],
            "nn_ratio": r["memorisation"]["value"],
        }
        done.append(row)
        saved.write_text(json.dumps(done, indent=1))
        rows.append(row)
        print(
            f"{policy or 'none'} seed {seed} step {mark}: FID {row['fid']:.2f}, "
            f"precision {row['precision']:.3f}, recall {row['recall']:.3f}, "
            f"NN ratio {row['nn_ratio']:.2f}",
            flush=True,
        )
    return rows


def mean_sd(values: list[float], fmt: str) -> str:
    if len(values) < 2:
        return f"{values[0]:{fmt}}"
    return f"{statistics.fmean(values):{fmt}} ± {statistics.stdev(values):{fmt}}"


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--train-size", type=int, default=500)
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--eval-every", type=int, default=1000)
    p.add_argument("--seeds", default="0", help="comma-separated training seeds")
    p.add_argument("--policy", default="translation", help="the --augment policy compared")
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--samples", type=int, default=2500)
    p.add_argument("--threads", type=int, default=1, help="torch threads per run")
    p.add_argument("--jobs", type=int, default=2, help="runs trained at the same time")
    p.add_argument("--quick", action="store_true", help="200 digits, 2 x 20 steps; no docs")
    a = p.parse_args()
    if a.quick:
        a.train_size, a.steps, a.eval_every, a.samples = 200, 40, 20, 200
    seeds = [int(s) for s in a.seeds.split(",")]
    work = WORK / "quick" if a.quick else WORK / f"n{a.train_size}"
    t0 = time.time()
    halves, ref = write_halves(REPO / "runs/benchmarks/eval_mnist5k/halves")
    folder = training_folder(halves, a.train_size, work)
    policies = ["", a.policy]
    jobs = [(pol, s) for s in seeds for pol in policies]
    with ThreadPoolExecutor(a.jobs) as pool:
        results = list(
            pool.map(
                lambda job: run_one(
                    work / f"{job[0] or 'none'}-s{job[1]}", folder, ref, job[0], job[1], a
                ),
                jobs,
            )
        )
    rows = [r for rs in results for r in rs]
    table_rows = []
    for mark in range(a.eval_every, a.steps + 1, a.eval_every):
        for pol in policies:
            got = [r for r in rows if r["step"] == mark and r["policy"] == pol]
            table_rows.append(
                [
                    f"{mark:,}",
                    f"`--augment {pol}`" if pol else "none",
                    mean_sd([r["fid"] for r in got], ".2f"),
                    mean_sd([r["precision"] for r in got], ".3f"),
                    mean_sd([r["recall"] for r in got], ".3f"),
                    mean_sd([r["nn_ratio"] for r in got], ".2f"),
                ]
            )
    headers = ["steps", "augmentation", "FID", "precision", "recall", "NN ratio"]
    print(text_table(headers, table_rows))
    if a.quick:
        return
    per_step = {
        pol: statistics.fmean(
            r["train_s"] / r["step"] for r in rows if r["policy"] == pol and r["step"] == a.steps
        )
        for pol in policies
    }
    spread = " (mean ± sd over the seeds)" if len(seeds) > 1 else ""
    last = {
        pol: {
            k: statistics.fmean(r[k] for r in rows if r["policy"] == pol and r["step"] == a.steps)
            for k in ("fid", "recall", "nn_ratio")
        }
        for pol in policies
    }
    off, on = last[""], last[a.policy]
    copies = min(off["nn_ratio"], on["nn_ratio"])
    curve = [
        statistics.fmean(r["fid"] for r in rows if r["policy"] == "" and r["step"] == m)
        for m in range(a.eval_every, a.steps + 1, a.eval_every)
    ]
    falling = all(x > y for x, y in zip(curve, curve[1:]))
    reading = (
        f"Reading: after {a.steps:,} steps `--augment {a.policy}` "
        + ("helps" if on["fid"] < off["fid"] else "does not help")
        + f" on {a.train_size} digits: FID {on['fid']:.1f} against {off['fid']:.1f} without, "
        f"recall {on['recall']:.2f} against {off['recall']:.2f}. "
        + (
            "Neither run copies its training digits (NN ratios "
            f"{off['nn_ratio']:.2f} and {on['nn_ratio']:.2f}, about 1)"
            + (
                ", and without augmentation FID was still falling at every mark. "
                "Augmentation is for the regime where D has memorised the set and G's "
                "samples stop improving; before it, it makes D's task harder and G learns "
                "more slowly."
                if falling
                else "."
            )
            if copies > 0.9
            else f"The lower NN ratio ({copies:.2f}) says a run has begun to copy its "
            "training digits."
        )
    )
    body = "\n\n".join(
        [
            f"## What `--augment` buys on {a.train_size} images",
            f"Script: `python benchmarks/augment_small_data.py --train-size {a.train_size} "
            f"--steps {a.steps} --eval-every {a.eval_every} --seeds {a.seeds} --policy "
            f"{a.policy}` ({today()}; {machine_summary()}; {a.jobs} runs at a time, "
            f"{a.threads} torch thread(s) each; "
            + (
                "this call trained nothing: it reports the runs and evaluations that an "
                "earlier call with the same settings saved)."
                if all(r.get("found") for r in rows)
                else f"{(time.time() - t0) / 60:.0f} min in all)."
            ),
            f"Protocol: `gan train dcgan --data FOLDER --image-size 28 --width {a.width} "
            f"--no-flip` (the paper's other defaults, bf16) on a folder of the first "
            f"{a.train_size} digits of mnist5k's first half, with and without `--augment "
            f"{a.policy}`, training seed(s) {a.seeds}. FID, precision and recall: `gan evaluate "
            f"RUN --data B --features classifier -m fid,pr -n {a.samples}` against mnist5k's "
            "second half (2,500 digits no run trained on), in the features of the small CNN "
            "that `gan evaluate` trains on that half, so on their own scale (see the "
            "evaluation section above; two real halves score FID 0.88 there). NN ratio: `gan "
            "evaluate RUN --data FOLDER -m memorisation`, the samples' median distance to "
            "their nearest training digit over that of held-out training digits (about 1 for "
            f"new digits, towards 0 for copies){spread}.",
            markdown_table(headers, table_rows),
            "Training time per step at the last mark: "
            + ", ".join(
                f"{'`--augment ' + pol + '`' if pol else 'none'} {s:.2f} s"
                for pol, s in per_step.items()
            )
            + " (the runs sharing the machine).",
            reading,
        ]
    )
    write_section(DOC, f"{SECTION}_{a.train_size}", body)
    print(body)


if __name__ == "__main__":
    main()
