"""Latent arithmetic, walks and projection, judged on the procedural shapes whose attributes are known.

    python benchmarks/latent_shapes.py                # train, then measure; writes docs
    python benchmarks/latent_shapes.py --run DIR      # measure an existing shapes model
    python benchmarks/latent_shapes.py --quick        # smoke run; prints only
    python benchmarks/latent_shapes.py --centred      # train on the shapes all in the centre

1. Train `gan train VARIANT --data shapes` (32x32; dcgan unless `--variant`; `--width`, `--steps`).
   `--centred` trains on the same 10,000 shapes with every one in the centre cell instead
   (written as PNGs to runs/benchmarks/shapes-centred-SIZE): aligned, as the DCGAN paper's
   faces were. The judges and exemplars are the same either way. With `--variant infogan`
   the latent is InfoGAN's [noise | codes] and concepts average all of it, codes included.
2. Train a small CNN per attribute (shape, colour, size) on 9,000 real shapes; check it on 1,000 others.
3. Exemplars, as a person would pick them from `gan sample --label-seeds`: among the samples
   of seeds 0..N-1, the large shapes the classifiers label with probability > 0.9 for shape,
   colour and size.
4. Arithmetic in the DCGAN paper's form ("smiling woman - neutral woman + neutral man"):
   `A1 S1 - A2 S1 + A2 S2` for colours A1 != A2 and shapes S1 != S2, which should show an
   A1-coloured S2. Each concept averages 3 exemplars, as the paper did; each analogy is drawn
   as `gan arithmetic` draws it (the result and 8 neighbours with +-0.25 uniform noise), and
   the classifiers judge the 9 images: the rate at which both target attributes appear. The
   same sums on the exemplars' pixels (the paper's baseline) are judged the same way.
5. Smoothness: 100 random walks (the prior's default method, 16 frames each); for each, the
   largest mean-absolute pixel change between adjacent frames over the walk's mean change.
6. Projection: 20 generated images with known latents, projected as `gan project` does;
   pixel error and PSNR, against the error of an unrelated sample of the same model.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_summary, markdown_table, today, write_section  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SECTION = "latent_shapes"
IMAGES = REPO / "docs" / "images"
CONFIDENT = 0.9
JUDGE_SIZE = 32  # the judges' input; a model at another size is box-averaged to it
CENTRED = "shapes-centred-"  # + the image size: the folder `--centred` trains on


def write_centred(size: int) -> Path:
    """The shapes set (data seed 0) with every shape in the centre cell, as PNGs."""
    from PIL import Image

    from gancli.data.shapes import COUNT, make_shapes

    folder = REPO / "runs" / "benchmarks" / f"{CENTRED}{size}"
    if folder.is_dir() and len(list(folder.glob("*.png"))) == COUNT:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for i, img in enumerate(make_shapes(COUNT, size, 0, position="centre").x):
        Image.fromarray(img.transpose(1, 2, 0)).save(folder / f"{i:05d}.png")
    return folder


def logged_minutes(run: Path) -> str:
    """' (N min by its metrics.jsonl)': the time between its logged steps, summed, leaving out
    gaps of over 10 minutes (a pause before a resume)."""
    try:
        times = [
            json.loads(line)["time"]
            for line in (run / "metrics.jsonl").read_text().splitlines()
            if '"time"' in line
        ]
    except (OSError, ValueError, KeyError):
        return ""
    busy = sum(b - a for a, b in zip(times, times[1:]) if 0 < b - a < 600)
    return f" ({busy / 60:.0f} min by its metrics.jsonl)" if busy else ""


def train(
    run: Path,
    variant: str,
    steps: int,
    width: int,
    seed: int,
    size: int,
    z_dim: int | None,
    data: str = "shapes",
    categories: int | None = None,
) -> float:
    cmd = [sys.executable, "-m", "gancli", "train", variant, "--data", data]
    cmd += ["--categories", str(categories)] if categories is not None else []
    cmd += ["--image-size", str(size)] + (["--z-dim", str(z_dim)] if z_dim else [])
    cmd += ["--steps", str(steps), "--width", str(width), "--seed", str(seed)]
    cmd += ["--out", str(run), "--json", "--sample-every", str(max(1, steps // 4))]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def classifiers(epochs: int) -> tuple[dict, dict]:
    """One SmallCNN per attribute, trained on 9,000 real shapes; accuracy on 1,000 others."""
    from gancli.data import load_data, to_float
    from gancli.metrics.classifier import predict, train_classifier

    data = load_data("shapes", image_size=32)
    nets, acc = {}, {}
    for attr in ("shape", "colour", "size"):
        labels = torch.as_tensor(np.asarray(data.attributes[attr]))
        k = len(data.attribute_names[attr])
        net = train_classifier(data.x[:9000], labels[:9000], k, epochs=epochs, seed=0)
        held = predict(net, to_float(data.x[9000:]))
        nets[attr] = net
        acc[attr] = float((held == labels[9000:]).float().mean())
    return nets, acc


@torch.no_grad()
def judge(nets: dict, x: torch.Tensor) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per attribute: predicted class and its probability, for images in [-1, 1]. Larger
    images (a 64x64 model) are box-averaged to the judges' 32x32, as the shapes set itself is
    rendered at a higher resolution and box-averaged down."""
    if x.shape[-1] != JUDGE_SIZE:
        x = torch.nn.functional.interpolate(x, size=JUDGE_SIZE, mode="area")
    out = {}
    for attr, net in nets.items():
        p = torch.cat([torch.softmax(net(x[i : i + 500]), 1) for i in range(0, len(x), 500)])
        conf, cls = p.max(1)
        out[attr] = (cls.numpy(), conf.numpy())
    return out


def linear_readout(z: torch.Tensor, labels: np.ndarray) -> tuple[float, float, int]:
    """How linearly an attribute can be read from the latent: a logistic regression (L-BFGS,
    a light L2 penalty) fitted on the first 80% of (z, label) pairs, its accuracy on the rest,
    and the accuracy of always answering the most common label there. Latent arithmetic moves
    along straight lines, so an attribute it should carry has to be readable this way."""
    y = torch.as_tensor(labels, dtype=torch.long)
    cut = int(0.8 * len(y))
    k = int(y.max()) + 1
    lin = torch.nn.Linear(z.shape[1], k)
    for w in lin.parameters():  # the problem is convex: start at zero, leave the global RNG be
        torch.nn.init.zeros_(w)
    opt = torch.optim.LBFGS(lin.parameters(), max_iter=500)

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(lin(z[:cut]), y[:cut])
        loss = loss + 1e-3 * lin.weight.square().sum()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        acc = float((lin(z[cut:]).argmax(1) == y[cut:]).float().mean())
    majority = float(torch.bincount(y[cut:], minlength=k).max()) / max(1, len(y) - cut)
    return acc, majority, len(y)


def pct(values: list[float]) -> str:
    return f"{100 * statistics.fmean(values):.1f}%" if values else "-"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", type=Path, help="an existing shapes DCGAN (skips training)")
    p.add_argument("--out", type=Path, default=REPO / "runs" / "benchmarks" / "shapes-dcgan")
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--width", type=int, default=64)
    p.add_argument(
        "--variant",
        default="dcgan",
        help="an unconditional variant: dcgan, hinge, lsgan, wgan-gp, infogan (--categories), ...",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--z-dim", type=int, help="latent size (default: the variant's)")
    p.add_argument(
        "--categories", type=int, help="infogan: values of its categorical code (paper: 10)"
    )
    p.add_argument(
        "--image-size", type=int, default=32, help="the model's (the judges stay at 32x32)"
    )
    p.add_argument("--pool", type=int, default=5000, help="samples to pick exemplars from")
    p.add_argument("--analogies", type=int, default=30)
    p.add_argument("--exemplars", default="3,10", help="exemplars per concept, one table row each")
    p.add_argument("--classifier-epochs", type=int, default=5)
    p.add_argument("--project-steps", type=int, default=500)
    p.add_argument(
        "--centred",
        action="store_true",
        help="train on the shapes with every one in the centre cell (aligned, like faces)",
    )
    p.add_argument("--quick", action="store_true")
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args()
    if args.quick:
        args.steps, args.pool, args.analogies, args.no_write = 30, 300, 4, True
        args.classifier_epochs, args.project_steps = 1, 20
        args.out = Path("/tmp/gancli-latent-quick")
    started = time.perf_counter()
    torch.manual_seed(0)

    from gancli.data.shapes import COLOURS, SHAPES, SIZES
    from gancli.engine.model import load_model
    from gancli.latent.codes import set_code
    from gancli.latent.priors import renormalize, seeded_latents
    from gancli.latent.project import project
    from gancli.latent.walks import default_method, path
    from gancli.render import grid, save_image, to_uint8_images
    from gancli.store.checkpoint import read_checkpoint

    run = args.run
    train_s = None
    if run is None:
        run = args.out
        if args.centred and args.out == p.get_default("out"):
            run = args.out = run.with_name("shapes-centred-dcgan")
        data = "shapes"
        if args.centred:
            data = str(write_centred(args.image_size))
        if not (run / "model.safetensors").exists():
            train_s = train(
                run,
                args.variant,
                args.steps,
                args.width,
                args.seed,
                args.image_size,
                args.z_dim,
                data,
                args.categories,
            )
            print(f"trained {run} in {train_s / 60:.1f} min", flush=True)
    model = load_model(run, "cpu")
    variant = model.variant
    steps_trained = read_checkpoint(run).step
    width = model.config["nets"]["generator"].get("width", args.width)  # the run's, with --run
    size = int(model.config["nets"]["generator"].get("image_size", JUDGE_SIZE))
    z_dim = variant.hyper.z_dim
    # the paper's latent size unless the run chose another
    z_flag = "" if z_dim == variant.defaults.z_dim else f" --z-dim {z_dim}"
    z_flag += "".join(  # the variant's own options where the run changed them (infogan's codes)
        f" --{key.replace('_', '-')} {value}"
        for key, value in variant.hyper.extra.items()
        if variant.defaults.extra.get(key, value) != value
    )
    trained_on = str(model.config.get("train", {}).get("data", "shapes"))
    centred = Path(trained_on).name.startswith(CENTRED)
    if centred:  # a folder: its images are read at the size asked for
        folder = Path(trained_on)
        if folder.is_absolute() and folder.is_relative_to(REPO):
            folder = folder.relative_to(REPO)
        data_flag = f" --data {folder} --image-size {size}"
    else:
        data_flag = f" --data {trained_on}" + (
            f" --image-size {size}" if size != JUDGE_SIZE else ""
        )

    nets, acc = classifiers(args.classifier_epochs)
    print(f"classifiers: held-out accuracy {acc}", flush=True)

    # ---- exemplars: confidently labelled samples -------------------------------------------
    z_pool = seeded_latents(variant, list(range(args.pool)))
    x_pool = model.sample(z_pool, None)
    verdict = judge(nets, x_pool)
    (shape_c, shape_p), (col_c, col_p) = verdict["shape"], verdict["colour"]
    size_c, size_p = verdict["size"]
    # exemplars are large shapes (the small ones are a few pixels across at 32x32), confirmed
    # by the classifiers for all three attributes
    sure = (shape_p > CONFIDENT) & (col_p > CONFIDENT) & (size_p > CONFIDENT) & (size_c == 1)
    by_pair: dict[tuple[int, int], list[int]] = {}
    for i in np.flatnonzero(sure):
        by_pair.setdefault((int(col_c[i]), int(shape_c[i])), []).append(int(i))
    # what G draws: each shape's share of the samples the shape judge is sure of, and the
    # share of large shapes (the real set: a third each, half large)
    sure_shape, sure_size = shape_c[shape_p > CONFIDENT], size_c[size_p > CONFIDENT]
    shape_share = {
        name: float((sure_shape == k).mean()) if len(sure_shape) else 0.0
        for k, name in enumerate(SHAPES)
    }
    large_share = float((sure_size == 1).mean()) if len(sure_size) else 0.0
    print(
        "G's samples: "
        + ", ".join(f"{name} {100 * v:.0f}%" for name, v in shape_share.items())
        + f" (of those the shape judge is sure of); large {100 * large_share:.0f}%",
        flush=True,
    )
    # how linearly z encodes each attribute (the samples its judge is sure of)
    readout = {}
    for attr, (c, prob) in verdict.items():
        if (prob > CONFIDENT).sum() >= 50:
            readout[attr] = linear_readout(z_pool[prob > CONFIDENT], c[prob > CONFIDENT])
    print(
        "linear readout from z (held-out accuracy; always the most common label): "
        + ", ".join(
            f"{attr} {100 * acc:.1f}% ({100 * base:.1f}%)"
            for attr, (acc, base, _) in readout.items()
        ),
        flush=True,
    )
    # a categorical code (infogan): what G draws with each of its values, the noise as drawn
    code_lines = []
    for code in variant.latent_codes:
        if code["kind"] != "categorical":
            continue
        name = code["name"]
        for value in range(int(code["size"])):
            zc = z_pool.clone()
            set_code(zc, z_dim, variant.latent_codes, name, value)
            seen = judge(nets, model.sample(zc, None))
            shares = []
            for attr, names in (("shape", SHAPES), ("colour", COLOURS), ("size", SIZES)):
                c, prob = seen[attr]
                c = c[prob > CONFIDENT]
                shares.append(
                    ", ".join(
                        f"{n} {100 * float((c == k).sum()) / max(1, len(c)):.0f}%"
                        for k, n in enumerate(names)
                    )
                )
            code_lines.append(f"{name}={value}: " + "; ".join(shares))
    for line in code_lines:
        print(line, flush=True)
    counts = sorted({int(k) for k in args.exemplars.split(",")})
    usable = {k: v for k, v in by_pair.items() if len(v) >= max(counts)}
    print(
        f"{int(sure.sum())} of {args.pool} samples confidently labelled; {len(usable)} of "
        f"{len(COLOURS) * len(SHAPES)} colour-shape pairs have {max(counts)} exemplars",
        flush=True,
    )

    # ---- analogies --------------------------------------------------------------------------
    rng = np.random.default_rng(0)
    candidates = [
        (a1, a2, s1, s2)
        for a1 in range(len(COLOURS))
        for a2 in range(len(COLOURS))
        for s1 in range(len(SHAPES))
        for s2 in range(len(SHAPES))
        if a1 != a2 and s1 != s2 and all(k in usable for k in ((a1, s1), (a2, s1), (a2, s2)))
    ]
    rng.shuffle(candidates)
    chosen = candidates[: args.analogies]
    rates: dict[tuple[int, bool], dict[str, list[float]]] = {}
    figure = []
    for count, renorm in [(c, r) for c in counts for r in (False, True)]:
        r = rates[(count, renorm)] = {
            "both": [],
            "pixels": [],
            "shape": [],
            "colour": [],
            "centre": [],
            "target": [],
        }
        for n, (a1, a2, s1, s2) in enumerate(chosen):
            ex = {k: usable[k][:count] for k in ((a1, s1), (a2, s1), (a2, s2))}

            def mean_z(key, ex=ex):
                return z_pool[ex[key]].mean(0)

            def mean_x(key, ex=ex):
                return x_pool[ex[key]].mean(0)

            z = mean_z((a1, s1)) - mean_z((a2, s1)) + mean_z((a2, s2))
            if renorm:  # gan arithmetic --renorm
                z = renormalize(z[None], variant.hyper.prior, variant.hyper.z_dim)[0]
            g = torch.Generator().manual_seed(n)
            noise = (torch.rand(8, len(z), generator=g) * 2 - 1) * 0.25
            zs = torch.cat([z[None] + noise[:4], z[None], z[None] + noise[4:]])
            x = model.sample(zs, None)
            v = judge(nets, x)
            ok_shape, ok_col = v["shape"][0] == s2, v["colour"][0] == a1
            r["both"].append(float((ok_shape & ok_col).mean()))
            r["target"].append(s2)
            r["centre"].append(float(ok_shape[4] & ok_col[4]))
            r["shape"].append(float(ok_shape.mean()))
            r["colour"].append(float(ok_col.mean()))
            px = (mean_x((a1, s1)) - mean_x((a2, s1)) + mean_x((a2, s2))).clamp(-1, 1)
            vp = judge(nets, px[None])
            r["pixels"].append(float((vp["shape"][0][0] == s2) & (vp["colour"][0][0] == a1)))
            if n < 6 and count == counts[0] and not renorm:
                shown = [model.sample(mean_z(k)[None], None)[0] for k in ex]
                figure.append(torch.stack([*shown, px, x[4]]))
        print(
            f"{count} exemplars{', renormalised' if renorm else ''}: both attributes {pct(r['both'])}, shape {pct(r['shape'])}, "
            f"colour {pct(r['colour'])}, pixels {pct(r['pixels'])}",
            flush=True,
        )

    best_key = max(rates, key=lambda key: statistics.fmean(rates[key]["both"] or [0.0]))
    best = rates[best_key]
    per_target = ", ".join(
        f"{name} {pct([b for b, t in zip(best['both'], best['target']) if t == k])} "
        f"({best['target'].count(k)} analogies)"
        for k, name in enumerate(SHAPES)
    )
    print(f"both target attributes by target shape, best row {best_key}: {per_target}")

    # ---- smoothness ---------------------------------------------------------------------------
    method = default_method(variant.hyper.prior)
    factors = []
    g = torch.Generator().manual_seed(1)
    for _ in range(100):
        ends = variant.sample_z(2, g).cpu()
        frames = model.sample(path(ends, 16, method), None)
        change = (frames[1:] - frames[:-1]).abs().mean(dim=(1, 2, 3))
        factors.append(float(change.max() / change.mean().clamp_min(1e-12)))
    print(
        f"smoothness ({method}): max/mean change median {statistics.median(factors):.2f}, "
        f"worst {max(factors):.2f}",
        flush=True,
    )

    # ---- projection ---------------------------------------------------------------------------
    known = seeded_latents(variant, list(range(10_000, 10_020)))
    targets = model.sample(known, None)
    proj = project(model, targets, steps=args.project_steps)
    others = model.sample(seeded_latents(variant, list(range(20_000, 20_020))), None)
    baseline = (others - targets).pow(2).flatten(1).mean(1)
    print(
        f"projection: mse {float(proj.mse.mean()):.4f} (unrelated sample {float(baseline.mean()):.4f}), "
        f"PSNR {float(proj.psnr.mean()):.1f} dB",
        flush=True,
    )
    took = time.perf_counter() - started

    if args.no_write:
        return
    IMAGES.mkdir(parents=True, exist_ok=True)
    if figure:
        save_image(
            grid(to_uint8_images(torch.cat(figure)), nrow=5), IMAGES / "shapes_arithmetic.png"
        )
    save_image(
        grid(
            to_uint8_images(
                model.sample(
                    path(variant.sample_z(2, torch.Generator().manual_seed(5)).cpu(), 12, method),
                    None,
                )
            ),
            nrow=12,
        ),
        IMAGES / "shapes_walk.png",
    )
    pairs = torch.cat([targets[:8], proj.images[:8]])
    save_image(grid(to_uint8_images(pairs), nrow=8), IMAGES / "shapes_projection.png")

    headers = ["exemplars per concept", "both target attributes", "target shape"]
    headers += ["target colour", "centre image only (no noise)", "same sums on pixels"]
    table = markdown_table(
        headers,
        [
            [
                f"{c}"
                + (" (the paper's)" if c == 3 and not rn else "")
                + (", `--renorm`" if rn else ""),
                pct(r["both"]),
                pct(r["shape"]),
                pct(r["colour"]),
                pct(r["centre"]),
                pct(r["pixels"]),
            ]
            for (c, rn), r in rates.items()
        ],
    )
    drawn = (
        "What the generator draws, among its samples the shape judge is sure of: "
        + ", ".join(f"{name} {100 * v:.0f}%" for name, v in shape_share.items())
        + f"; {100 * large_share:.0f}% of those the size judge is sure of are large (the real "
        f"set: a third of each shape, half large). Both target attributes by the target "
        f"shape, in the best row ({best_key[0]} exemplars{', `--renorm`' if best_key[1] else ''}"
        f"): {per_target}."
    )
    linear = (
        "How linearly the latent encodes each attribute: a logistic regression from z to the "
        "judge's label, fitted on 80% of the samples the judge is sure of and scored on the "
        "other 20%, against always answering the most common label: "
        + ", ".join(
            f"{attr} {100 * acc:.1f}% (most common {100 * base:.1f}%, {n:,} samples)"
            for attr, (acc, base, n) in readout.items()
        )
        + ". Latent sums move along straight lines, so they can only carry an attribute that "
        "reads out this way."
    )
    trained = (
        f"trained for this run in {train_s / 60:.1f} min"
        if train_s is not None
        else f"trained earlier{logged_minutes(run)}"
    )
    command = (
        "python benchmarks/latent_shapes.py"
        + (
            f"{'' if args.variant == 'dcgan' else ' --variant ' + args.variant}"
            f"{'' if args.image_size == JUDGE_SIZE else f' --image-size {args.image_size}'}"
            f"{' --centred' if args.centred else ''}"
            f" --steps {args.steps} --width {args.width}"
            f"{f' --z-dim {args.z_dim}' if args.z_dim else ''}"
            f"{f' --categories {args.categories}' if args.categories is not None else ''}"
            if args.run is None
            else f" --run {args.run}"
        )
        + (f" --exemplars {args.exemplars}" if args.exemplars != "3,10" else "")
    )
    scaled = ", box-averaged to 32x32 for the judges" if size != JUDGE_SIZE else ""
    body = "\n\n".join(
        [
            "## Latent space on shapes: arithmetic, walks, projection",
            f"Script: `{command}` ({today()}; {machine_summary()}; {took / 60:.0f} min in all, "
            "on a machine shared with other jobs).",
            f"Model: `gan train {variant.name}{data_flag} --width {width}{z_flag}"
            + f"` ({size}x{size}{scaled}, "
            + (
                "the shapes set with every shape in the centre cell, as `--centred` writes it; "
                if centred
                else ""
            )
            + f"the defaults of {variant.name}'s paper"
            + (f" but for `{z_flag.strip()}`" if z_flag else "")
            + f"), {steps_trained} steps, {trained}. "
            "Judges: a small CNN per attribute "
            f"trained on 9,000 real shapes, held-out accuracy shape {100 * acc['shape']:.1f}%, "
            f"colour {100 * acc['colour']:.1f}%, size {100 * acc['size']:.1f}%.",
            f"Exemplars: of the samples of seeds 0..{args.pool - 1}, {int(sure.sum())} are "
            f"large shapes labelled with probability > {CONFIDENT} for shape, colour and size; "
            f"{len(usable)} of the "
            f"{len(COLOURS) * len(SHAPES)} colour-shape pairs have at least {max(counts)}. "
            f"Analogies: {len(chosen)} random `A1 S1 - A2 S1 + A2 S2` (colours A1 != A2, "
            "shapes S1 != S2; target: an A1 S2), each concept the mean of the first K "
            "exemplar latents of its pair; the result drawn with 8 neighbours at +-0.25 uniform "
            "noise, as `gan arithmetic` does: 9 images judged per analogy (the pixel sums: 1). "
            "`--renorm` rows rescale the result to the prior's typical norm first, as "
            "`gan arithmetic --renorm` does (a mean of K latents is about 1/sqrt(K) as long "
            "as a draw from the prior).",
            table,
            drawn,
            linear,
            *(
                [
                    "What each value of the categorical code draws (the pool's noise, the code "
                    "set; shares of the samples each judge is sure of): "
                    + " | ".join(code_lines)
                    + "."
                ]
                if code_lines
                else []
            ),
            f"Rows of the figure ({counts[0]} exemplars): the three concepts' images, the same "
            "sum on their exemplars' pixels, and the latent result.",
            "![arithmetic](images/shapes_arithmetic.png)",
            f"Smoothness: 100 random {method} walks of 16 frames; the largest mean-absolute "
            "change between adjacent frames is "
            f"{statistics.median(factors):.2f}x the walk's mean change (median over walks; "
            f"worst walk {max(factors):.2f}x; 1.0 would be perfectly even).",
            "![walk](images/shapes_walk.png)",
            f"Projection: 20 generated images with known latents, `gan project` defaults "
            f"({args.project_steps} steps, 4 starts, pixels + discriminator features): mean "
            f"pixel MSE {float(proj.mse.mean()):.4f} (PSNR {float(proj.psnr.mean()):.1f} dB) "
            f"against {float(baseline.mean()):.4f} between each target and an unrelated sample. "
            "Top: targets; bottom: reconstructions.",
            "![projection](images/shapes_projection.png)",
        ]
    )
    write_section(REPO / "docs" / "benchmarks.md", SECTION, body + "\n")
    print("wrote docs/benchmarks.md")


if __name__ == "__main__":
    main()
