"""Do the metrics tell a trained DCGAN from an untrained one, and real data from itself?

    python benchmarks/eval_mnist5k.py             # full run; writes docs/benchmarks.md
    python benchmarks/eval_mnist5k.py --quick     # smoke run; prints the table only

mnist5k (5,000 real digits, in gancli's fixed shuffled order) is cut into two halves of 2,500,
written as class folders: B is the reference set, A plays a perfect generator. Three rows, each
`gan evaluate ... --data B -n 2500 --features classifier` as a user runs it:

- real half A (`--fake A/`): the floor, what an ideal generator of this size would score;
- DCGAN, trained: `--ckpt` (default runs/mnist5k-dcgan, which
  `benchmarks/quality_mnist5k_dcgan.sh` trains: 1,500 steps of the paper's defaults), trained
  here with the same settings if it is missing;
- DCGAN, untrained: the same nets at their initialisation (step 0).

The classifier feature extractor is trained once on B (its labels come from the class
folders); every row uses the same classifier and the same reference, so their receipts match
and `gan evaluate --compare` accepts any two of them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_summary, markdown_table, text_table, today, write_section  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SECTION = "eval_mnist5k"
WORK = REPO / "runs/benchmarks/eval_mnist5k"
METRICS = "fid,kid,pr,is,classes,parzen,memorisation"


def write_halves(root: Path) -> tuple[Path, Path]:
    """mnist5k's first and second 2,500 digits as PNG class folders (written once)."""
    from PIL import Image

    from gancli.data import load_data

    a, b = root / "A", root / "B"
    if (root / ".done").exists():
        return a, b
    data = load_data("mnist5k")
    x, y = data.x.numpy(), data.labels.numpy()
    half = len(x) // 2
    for folder, lo, hi in ((a, 0, half), (b, half, 2 * half)):
        for i in range(lo, hi):
            d = folder / data.class_names[int(y[i])]
            d.mkdir(parents=True, exist_ok=True)
            Image.fromarray(x[i, 0]).save(d / f"{i:05d}.png")
    (root / ".done").write_text("")
    return a, b


def train(out: Path, steps: int, device: str) -> Path:
    """The DCGAN of quality_mnist5k_dcgan.sh: the paper's defaults, bf16 autocast."""
    from gancli.engine.loop import Trainer
    from gancli.engine.options import TrainOptions

    print(f"training a DCGAN on mnist5k for {steps} steps into {out} ...", flush=True)
    opts = TrainOptions(
        variant="dcgan",
        data="mnist5k",
        steps=steps,
        out=str(out),
        sample_every=10**9,
        checkpoint_every=10**9,
        precision="bf16" if device == "cpu" else "auto",
        device=device,
    )
    Trainer(opts, quiet=True).run()
    return out


def untrained(trained: Path, out: Path) -> Path:
    """The trained checkpoint's nets at their initialisation, saved as step 0."""
    import torch

    from gancli.engine.model import build_model
    from gancli.store.checkpoint import read_checkpoint

    torch.manual_seed(0)
    model = build_model(read_checkpoint(trained / "model.safetensors").config)
    model.ema.net.load_state_dict(model.variant.generator.state_dict())
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / "model.safetensors", 0)
    return out


def evaluate(name: str, target: list[str], ref: Path, n: int, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, "-m", "gancli", "evaluate", *target, "--data", str(ref)]
    cmd += ["-n", str(n), "-m", METRICS, "--features", "classifier", "--json", "--no-save"]
    cmd += ["--kid-subset-size", str(min(1000, n)), "--device", args.device]
    cmd += ["--out-dir", str(WORK / "grids" / name)]  # memorisation.png
    if args.classifier_epochs:
        cmd += ["--classifier-epochs", str(args.classifier_epochs)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out.stderr}")
    return json.loads(out.stdout)


def cells(doc: dict) -> list[str]:
    r = {x["metric"]: x for x in doc["results"]}

    def pm(m: str, scale: float = 1.0, fmt: str = ".2f") -> str:
        v, s = r[m]["value"] * scale, r[m]["spread"]
        return f"{v:{fmt}} ± {s * scale:{fmt}}" if s is not None else f"{v:{fmt}}"

    return [
        pm("fid"),
        pm("kid", 1000),
        f"{r['precision']['value']:.3f}",
        f"{r['recall']['value']:.3f}",
        pm("is"),
        f"{r['classes']['value']:.3f}",
        pm("parzen", fmt=".1f"),
        f"{r['memorisation']['value']:.2f}",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--ckpt", type=Path, default=REPO / "runs/mnist5k-dcgan")
    ap.add_argument("--steps", type=int, default=1500, help="training steps if --ckpt is missing")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--classifier-epochs", type=int, default=None)
    ap.add_argument("--quick", action="store_true", help="30 training steps, 500 samples")
    args = ap.parse_args()
    n = 2500
    if args.quick:
        n, args.steps = 500, 30
        args.ckpt = WORK / "quick-dcgan"
        args.classifier_epochs = args.classifier_epochs or 2
    t0 = time.time()
    a, b = write_halves(WORK / "halves")
    ckpt = args.ckpt
    if not (ckpt / "model.safetensors").exists():
        ckpt = train(ckpt, args.steps, args.device)
    cold = untrained(ckpt, WORK / "untrained")
    from gancli.store.checkpoint import read_checkpoint

    step = read_checkpoint(ckpt / "model.safetensors").step

    runs = [
        ("real half A (--fake)", "real", ["--fake", str(a), "--image-size", "28"]),
        (f"DCGAN, {step} steps", "trained", [str(ckpt)]),
        ("DCGAN, untrained", "untrained", [str(cold)]),
    ]
    docs = []
    for label, name, target in runs:
        print(f"evaluating {label} ...", flush=True)
        docs.append(evaluate(name, target, b, n, args))
    headers = [
        "samples",
        "FID ± SE",
        "KID ×10³ ± std",
        "precision",
        "recall",
        "IS ± std",
        "class KL",
        "Parzen nats ± SE",
        "NN ratio",
    ]
    rows = [[label, *cells(doc)] for (label, _, _), doc in zip(runs, docs)]
    print(text_table(headers, rows))
    ext = docs[0].get("extractor", {})
    fid = [x["receipt"] for d in docs for x in d["results"] if x["metric"] == "fid"]
    shared = {(r["features_hash"], r["reference_hash"]) for r in fid}
    assert len(shared) == 1, "the three rows must share the classifier and the reference"
    if args.quick:
        return
    body = f"""## Evaluation on mnist5k: trained vs untrained DCGAN vs real data

`python benchmarks/eval_mnist5k.py` — {today()}, {machine_summary()}; {args.device}; ran {(time.time() - t0) / 60:.0f} min.

Reference: the second half of mnist5k (2,500 digits, as class folders); every row scores
{n:,} samples against it with `gan evaluate ... --features classifier -m {METRICS}`. The
classifier feature extractor (SmallCNN, 128-d features) was trained on the reference for
{ext.get("epochs")} epochs and labels {(ext.get("held_out_accuracy") or 0):.1%} of its own
held-out 10% correctly. The first row is the first half of mnist5k, digits no model or
classifier here saw as reference: a perfect generator of this sample size scores about that.
The DCGAN is `{os.path.relpath(ckpt, REPO)}` (the paper's defaults, bf16 on CPU); "untrained"
is the same nets at their initialisation.

{markdown_table(headers, rows)}

FID and KID on a 128-d classifier's features are on their own scale: they rank models on this
reference and extractor, and compare with nothing published (Inception FIDs do; they need the
Inception weights, which cannot be downloaded here). FID is biased upwards at small n, which is
why even real data is not at 0 at n = 2,500; KID is unbiased (real: about 0). IS is the
classifier's, at most 10. Parzen: Goodfellow et al.'s protocol (σ from logspace(-1, 0, 10) on
1,000 validation images, the other 1,500 as test) on 2,500 samples where the paper used 10,000
on the full MNIST test set, so it is not comparable with Table 1's 225 ± 2. NN ratio: the
samples' median pixel distance to their nearest training image over that of held-out real
images (about 1 for new images of the data's kind; near 0 for copies).
"""
    write_section(REPO / "docs/benchmarks.md", SECTION, body)
    print("wrote docs/benchmarks.md")


if __name__ == "__main__":
    main()
