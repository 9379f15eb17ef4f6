"""Conditional GANs on mnist5k: does a sample of class y look like a y?

A small CNN is trained on 4,000 of the 5,000 real digits (its accuracy on the other 1,000 is
reported), then `cgan` and `acgan` are trained on all 5,000 over several seeds; 100 samples per
class from each are labelled by the classifier. PAPERS.md: "a classifier trained on the real
data labels class-conditional samples correctly (>90% after a short MNIST run)".

    python benchmarks/conditional_mnist.py              # the full run (see docs/benchmarks.md)
    python benchmarks/conditional_mnist.py --quick      # a smoke run
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_summary, markdown_table, today, write_section  # noqa: E402

from gancli.data import load_data  # noqa: E402
from gancli.engine.loop import Trainer  # noqa: E402
from gancli.engine.model import load_model  # noqa: E402
from gancli.engine.options import TrainOptions  # noqa: E402
from gancli.latent.priors import seeded_latents  # noqa: E402
from gancli.metrics.classifier import predict, train_classifier  # noqa: E402
from gancli.render import grid, save_image, to_uint8_images  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PER_CLASS = 100


def class_accuracy(model, clf, k: int) -> tuple[float, float]:
    z = seeded_latents(model.variant, list(range(PER_CLASS)))
    z = z.repeat(k, 1)
    labels = torch.arange(k).repeat_interleave(PER_CLASS)
    pred = predict(clf, model.sample(z, labels))
    hits = (pred == labels).float()
    per_class = hits.view(k, PER_CLASS).mean(1)
    return float(hits.mean()), float(per_class.min())


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--variants", default="cgan,acgan")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--quick", action="store_true", help="one seed, 200 steps, no docs update")
    args = ap.parse_args()
    if args.quick:
        args.steps, args.seeds = 200, "0"
    seeds = [int(s) for s in args.seeds.split(",")]
    t0 = time.time()

    data = load_data("mnist5k")
    k = data.num_classes
    clf = train_classifier(data.x[:4000], data.labels[:4000], k, epochs=20)
    held = predict(clf, data.x[4000:].float() / 127.5 - 1)
    clf_acc = float((held == data.labels[4000:]).float().mean())
    print(f"classifier: {clf_acc:.1%} on 1,000 held-out real digits")

    rows = []
    for variant in args.variants.split(","):
        accs, mins, secs = [], [], []
        for seed in seeds:
            with tempfile.TemporaryDirectory() as tmp:
                s0 = time.time()
                opts = TrainOptions(
                    variant=variant,
                    data="mnist5k",
                    steps=args.steps,
                    seed=seed,
                    out=f"{tmp}/run",
                    sample_every=10**9,
                    checkpoint_every=10**9,
                    log_every=100,
                )
                Trainer(opts, quiet=True).run()
                secs.append(time.time() - s0)
                model = load_model(f"{tmp}/run")
                acc, worst = class_accuracy(model, clf, k)
                accs.append(acc)
                mins.append(worst)
                print(
                    f"{variant} seed {seed}: {acc:.1%} (worst class {worst:.1%}), {secs[-1]:.0f} s"
                )
                if seed == seeds[0] and not args.quick:
                    z = seeded_latents(model.variant, list(range(10))).repeat(k, 1)
                    x = model.sample(z, torch.arange(k).repeat_interleave(10))
                    save_image(
                        grid(to_uint8_images(x), nrow=10),
                        ROOT / f"docs/images/{variant}_mnist5k_classes.png",
                    )
        a = np.array(accs)
        se = a.std(ddof=1) / np.sqrt(len(a)) if len(a) > 1 else 0.0
        rows.append(
            [
                variant,
                f"{a.mean():.1%} ± {se:.1%}",
                f"{min(mins):.1%}",
                f"{len(seeds)}",
                f"{args.steps}",
                f"{np.mean(secs) / 60:.1f} min",
            ]
        )

    headers = [
        "variant",
        "class accuracy (mean ± SE)",
        "worst class (any seed)",
        "seeds",
        "steps",
        "train time / seed",
    ]
    table = markdown_table(headers, rows)
    print(table)
    if args.quick:
        return
    body = f"""## Conditional GANs on mnist5k (`cgan`, `acgan`)

`python benchmarks/conditional_mnist.py --variants {args.variants} --steps {args.steps} --seeds {args.seeds}` — {today()}, {machine_summary()}; ran {(time.time() - t0) / 60:.0f} min.

A small CNN (`gancli.metrics.classifier`) trained on 4,000 of the 5,000 real digits labels
{PER_CLASS} samples of each class drawn with `--class`; it scores {clf_acc:.1%} on the other
1,000 real digits. Each variant trains with its paper's defaults (cgan: Mirza & Osindero's MLPs
and SGD; acgan: DCGAN nets, Adam) on all 5,000 digits at 28x28, bf16 autocast on this CPU.
PAPERS.md's check: "> 90% after a short MNIST run" (no published number on a 5k subset).

{table}

Samples, one row per class (seed 0): {" ".join(f"![{v}](images/{v}_mnist5k_classes.png)" for v in args.variants.split(","))}
"""
    write_section(ROOT / "docs/benchmarks.md", "conditional-mnist", body)


if __name__ == "__main__":
    main()
