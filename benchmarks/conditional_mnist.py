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
import json
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
from gancli.store.checkpoint import atomic_write  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PER_CLASS = 100


def class_accuracy(model, clf, k: int) -> tuple[float, float, torch.Tensor]:
    """Accuracy over PER_CLASS samples per class, the worst class's, and the samples."""
    z = seeded_latents(model.variant, list(range(PER_CLASS)))
    z = z.repeat(k, 1)
    labels = torch.arange(k).repeat_interleave(PER_CLASS)
    x = model.sample(z, labels)
    pred = predict(clf, x)
    hits = (pred == labels).float()
    per_class = hits.view(k, PER_CLASS).mean(1)
    return float(hits.mean()), float(per_class.min()), x


@torch.no_grad()
def with_dropout_on(model, clf, k: int) -> tuple[float, torch.Tensor] | None:
    """The same latents and labels as `class_accuracy`, drawn with the dropout layers of the
    (EMA) generator left on, as during training (seeded); None when G has no dropout."""
    net = model.ema.net
    drops = [m for m in net.modules() if isinstance(m, torch.nn.Dropout)]
    if not drops:
        return None
    z = seeded_latents(model.variant, list(range(PER_CLASS))).repeat(k, 1)
    labels = torch.arange(k).repeat_interleave(PER_CLASS)
    net.eval()
    for m in drops:
        m.train()
    torch.manual_seed(0)
    x = torch.cat(
        [
            model.variant.generate(z[i : i + 250], labels[i : i + 250], net=net).float()
            for i in range(0, len(z), 250)
        ]
    )
    net.eval()
    return float((predict(clf, x) == labels).float().mean()), x


def within_class_spread(x: torch.Tensor, labels: torch.Tensor, k: int) -> float:
    """Mean over classes of the per-pixel standard deviation among that class's images: how
    different the images of one class are from each other (0 when they are all the same)."""
    return float(torch.stack([x[labels == c].float().std(0).mean() for c in range(k)]).mean())


def parse_steps(text: str, variants: list[str]) -> dict[str, int]:
    """`10000` for every variant, or `cgan=10000,acgan=3000`."""
    if "=" not in text:
        return {v: int(text) for v in variants}
    steps = {k: int(v) for k, v in (p.split("=") for p in text.split(","))}
    missing = [v for v in variants if v not in steps]
    if missing:
        raise SystemExit(f"--steps names no count for {', '.join(missing)}")
    return steps


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--variants", default="cgan,acgan")
    ap.add_argument(
        "--steps", default="cgan=10000,acgan=3000", help="10000, or per variant: cgan=10000,..."
    )
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument(
        "--fresh",
        default="",
        help="variants to train again even where --results holds their runs (comma-separated)",
    )
    ap.add_argument("--quick", action="store_true", help="one seed, 200 steps, no docs update")
    ap.add_argument(
        "--results",
        type=Path,
        default=ROOT / "runs" / "benchmarks" / "conditional_mnist.json",
        help="each finished run's numbers; a rerun with the same variant, seed and steps reuses them",
    )
    args = ap.parse_args()
    if args.quick:
        args.steps, args.seeds = "200", "0"
    seeds = [int(s) for s in args.seeds.split(",")]
    steps = parse_steps(args.steps, args.variants.split(","))
    t0 = time.time()

    data = load_data("mnist5k")
    k = data.num_classes
    clf = train_classifier(data.x[:4000], data.labels[:4000], k, epochs=20)
    held = predict(clf, data.x[4000:].float() / 127.5 - 1)
    clf_acc = float((held == data.labels[4000:]).float().mean())
    print(f"classifier: {clf_acc:.1%} on 1,000 held-out real digits")
    real_spread = within_class_spread(data.x.float() / 127.5 - 1, data.labels, k)

    saved = {}
    if not args.quick and args.results.exists():
        saved = json.loads(args.results.read_text())
    reused = 0
    rows = []
    for variant in args.variants.split(","):
        accs, mins, secs, spreads = [], [], [], []
        drop_accs: list[float] = []
        drop_spreads: list[float] = []
        for seed in seeds:
            key = f"{variant}/seed{seed}/steps{steps[variant]}/clf{clf_acc:.4f}"
            if key in saved and not (args.fresh and variant in args.fresh.split(",")):
                r = saved[key]
                accs.append(r["acc"])
                mins.append(r["worst"])
                spreads.append(r["spread"])
                secs.append(r["secs"])
                if "drop_acc" in r:
                    drop_accs.append(r["drop_acc"])
                    drop_spreads.append(r["drop_spread"])
                reused += 1
                print(f"{variant} seed {seed}: {r['acc']:.1%} (from {args.results})", flush=True)
                continue
            with tempfile.TemporaryDirectory() as tmp:
                s0 = time.time()
                opts = TrainOptions(
                    variant=variant,
                    data="mnist5k",
                    steps=steps[variant],
                    seed=seed,
                    out=f"{tmp}/run",
                    sample_every=10**9,
                    checkpoint_every=10**9,
                    log_every=100,
                )
                Trainer(opts, quiet=True).run()
                secs.append(time.time() - s0)
                model = load_model(f"{tmp}/run")
                acc, worst, x = class_accuracy(model, clf, k)
                accs.append(acc)
                mins.append(worst)
                spread = within_class_spread(x, torch.arange(k).repeat_interleave(PER_CLASS), k)
                spreads.append(spread / real_spread)
                dropped = with_dropout_on(model, clf, k)
                if dropped is not None:
                    d_acc, d_x = dropped
                    d_spread = within_class_spread(
                        d_x, torch.arange(k).repeat_interleave(PER_CLASS), k
                    )
                    drop_accs.append(d_acc)
                    drop_spreads.append(d_spread / real_spread)
                print(
                    f"{variant} seed {seed}: {acc:.1%} (worst class {worst:.1%}), "
                    f"spread {spreads[-1]:.2f} of real, {secs[-1]:.0f} s",
                    flush=True,
                )
                if dropped is not None:
                    print(
                        f"  with G's dropout on: {drop_accs[-1]:.1%}, "
                        f"spread {drop_spreads[-1]:.2f}",
                        flush=True,
                    )
                if not args.quick:
                    saved[key] = {
                        "acc": acc,
                        "worst": worst,
                        "spread": spreads[-1],
                        "secs": secs[-1],
                        "date": today(),
                    }
                    if dropped is not None:
                        saved[key].update(drop_acc=drop_accs[-1], drop_spread=drop_spreads[-1])
                    text = json.dumps(saved, indent=1)
                    atomic_write(args.results, lambda tmp, text=text: Path(tmp).write_text(text))
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
                f"{np.mean(spreads):.2f}",
                (
                    f"{np.mean(drop_accs):.1%} / {np.mean(drop_spreads):.2f}"
                    if len(drop_accs) == len(seeds)
                    else "-"
                ),
                f"{len(seeds)}",
                f"{steps[variant]}",
                f"{np.mean(secs) / 60:.1f} min",
            ]
        )

    headers = [
        "variant",
        "class accuracy (mean ± SE)",
        "worst class (any seed)",
        "within-class spread / real",
        "G's dropout on at sampling: accuracy / spread",
        "seeds",
        "steps",
        "train time / seed",
    ]
    table = markdown_table(headers, rows)
    print(table)
    if args.quick:
        return
    reuse_note = (
        f" ({reused} of the runs finished in an earlier call with the same arguments, kept in "
        f"`{args.results.relative_to(ROOT) if args.results.is_relative_to(ROOT) else args.results}`;"
        " training is deterministic for a seed)"
        if reused
        else ""
    )
    body = f"""## Conditional GANs on mnist5k (`cgan`, `acgan`)

`python benchmarks/conditional_mnist.py --variants {args.variants} --steps {args.steps} --seeds {args.seeds}` — {today()}, {machine_summary()}; ran {(time.time() - t0) / 60:.0f} min{reuse_note}.

A small CNN (`gancli.metrics.classifier`) trained on 4,000 of the 5,000 real digits labels
{PER_CLASS} samples of each class drawn with `--class`; it scores {clf_acc:.1%} on the other
1,000 real digits. Each variant trains with its paper's defaults (cgan: Mirza & Osindero's MLPs
and SGD; acgan: DCGAN nets, Adam) on all 5,000 digits at 28x28, bf16 autocast on this CPU.
PAPERS.md's check: "> 90% after a short MNIST run" (no published number on a 5k subset).
Within-class spread: the per-pixel standard deviation among the {PER_CLASS} samples of one
class, averaged over pixels and classes, over the same for the real digits of each class
({real_spread:.3f}); near 0 means every sample of a class is the same image (the noise is
ignored), 1 means as varied as the real digits. A generator with dropout layers (cgan's, as in
Mirza & Osindero) samples with them off, like every net in eval mode; the extra column draws
the same latents and labels with G's dropout left on, as it is in training (seeded).

{table}

Samples, one row per class (seed 0): {" ".join(f"![{v}](images/{v}_mnist5k_classes.png)" for v in args.variants.split(","))}
"""
    write_section(ROOT / "docs/benchmarks.md", "conditional-mnist", body)


if __name__ == "__main__":
    main()
