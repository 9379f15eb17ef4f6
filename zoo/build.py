"""Build the curated zoo: train each model, slim it, add concepts, sample and evaluate it.

    python zoo/build.py                       # every entry (trains what is not trained yet)
    python zoo/build.py --only ring8-gan      # one entry
    python zoo/build.py --skip-train          # rebuild the entries from runs already trained

Every step is a `gan` command, printed before it runs, so each entry can be rebuilt by hand:

1. `gan train VARIANT ... -o runs/curated/NAME` (resumed where it stopped, if it did);
2. `gan zoo add runs/curated/NAME --slim`: the EMA generator alone, in fp16;
3. shapes-dcgan: `gan concept add "red circle" --seeds ...` for every colour-shape pair,
   each the mean of 30 exemplars that classifiers trained on the real shapes confirm
   (the exemplar rule of benchmarks/latent_shapes.py); synthfaces-dcgan: the paper's face
   concepts (man, woman, glasses man, smiling woman, ...), each the mean of 30 exemplars the
   attribute judge of benchmarks/latent_faces.py confirms;
4. `gan sample NAME -n 64 -o samples.png` (seeds 0..63; a scatter of 2,000 points on toys);
5. `gan evaluate NAME ...`: writes metrics.json and rewrites the card with the results.
A translation model instead translates 8 held-out pairs (`gan data export` + `gan translate
--pairs --side-by-side`) into samples.png and measures L1 / PSNR / SSIM on 1,000 of them.

The results (and, for InfoGAN, the accuracy of its categorical code, which needs the full
checkpoint's Q head) are written to zoo/README.md. Needs the `mnist` extra for mnist5k.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ZOO = Path(__file__).resolve().parent
REPO = ZOO.parent
RUNS = REPO / "runs" / "curated"
GAN = [sys.executable, "-m", "gancli"]

# `gan evaluate` of a face model that is not synthfaces-dcgan: sharpness shows a VAE's blur
FACES_EVALUATE = "--data synthfaces --features classifier -m fid,kid,pr,sharpness".split()

# No BEGAN entry: `gan train began --data synthfaces --image-size 32 --width 32 --steps 4000
# --seed 0` drew one face for every z, with PyTorch's default initialisation and with Glorot's
# (the health monitor's diversity in the run's metrics.jsonl: 6-9% of the data's; collapse).

# name -> the training command's arguments after `gan train`, and how to evaluate the model
ENTRIES: dict[str, dict] = {
    "ring8-gan": {
        "train": ["gan", "--data", "ring8", "--steps", "5000", "--seed", "0"],
        "evaluate": ["--data", "ring8", "-m", "modes,fid"],
        "about": "Goodfellow et al. 2014's GAN on the 8-Gaussian ring (PacGAN's nets and "
        "optimiser); compare with ring8-unrolled.",
    },
    "ring8-unrolled": {
        "train": ["unrolled", "--data", "ring8", "--steps", "2000", "--seed", "0"],
        "evaluate": ["--data", "ring8", "-m", "modes,fid"],
        "about": "Unrolled GAN (K = 5, gradients through the unrolled Adam steps) on the ring, "
        "the reference notebook's optimiser on PacGAN's nets.",
    },
    "mnist5k-dcgan": {
        "train": ["dcgan", "--data", "mnist5k", "--steps", "3000", "--seed", "0"],
        "evaluate": ["--data", "mnist5k", "--features", "classifier", "-m", "fid,kid,pr,classes"],
        "about": "DCGAN with the paper's defaults on 5,000 MNIST digits (28x28).",
    },
    "mnist5k-infogan": {
        "train": [
            "infogan",
            "--data",
            "mnist5k",
            "--augment",
            "rotation",
            "--steps",
            "5000",
            "--seed",
            "1",
        ],
        "evaluate": ["--data", "mnist5k", "--features", "classifier", "-m", "fid,kid,pr,classes"],
        "about": "InfoGAN's MNIST setup (c1 ~ Cat(10), c2, c3 ~ U(-1, 1), 62 noise variables), "
        "with every image D sees turned by up to 15 degrees (`--augment rotation`), which makes "
        "c1 a far better digit classifier than the paper's recipe on 5,000 digits; try "
        "`gan sample mnist5k-infogan --sweep c1` and `--sweep c2`.",
    },
    "shapes-dcgan": {
        "train": ["dcgan", "--data", "shapes", "--width", "64", "--steps", "6000", "--seed", "0"],
        "evaluate": ["--data", "shapes", "--features", "classifier", "-m", "fid,kid,pr,classes"],
        "about": "DCGAN (half width) on the procedural shapes, with a concept for each "
        "colour-shape pair it draws clearly (see below): "
        '`gan arithmetic "red circle - blue circle + blue square" -c shapes-dcgan --renorm`.',
        "concepts": 30,
    },
    "synthfaces-dcgan": {
        "train": "dcgan --data synthfaces --width 32 --batch-size 64 --steps 4000 --seed 0".split(),
        "evaluate": ["--data", "synthfaces", "--features", "classifier", "-m", "fid,kid,pr"],
        "about": "DCGAN (quarter width) on the procedural faces at 64x64, with the paper's face "
        "concepts (man, woman, glasses man, smiling woman, ...): "
        '`gan arithmetic "glasses man - man + woman" -c synthfaces-dcgan`.',
        "face_concepts": 30,
    },
    "synthfaces-vae": {
        "train": "vae --data synthfaces --width 32 --batch-size 64 --steps 4000 --seed 0".split(),
        "evaluate": FACES_EVALUATE,
        "about": "No discriminator: synthfaces-dcgan's generator (same width, batch and steps) "
        "trained as the decoder of a VAE, the lecture's baseline; compare its samples and FID "
        "with synthfaces-dcgan's (`gan sample synthfaces-vae -o vae.png`).",
    },
    "synthfaces-edges-pix2pix": {
        "train": "pix2pix --data synthfaces-edges --image-size 32 --width 32 --batch-size 4 "
        "--patch 16 --steps 8000 --seed 0".split(),
        "translate": "synthfaces-edges-test",
        "about": "pix2pix (U-Net G, 16x16 PatchGAN D, cGAN + 100 x L1) from edge maps to the "
        "procedural faces at 32x32: `gan translate synthfaces-edges-pix2pix edges.png -o "
        "face.png`; an edge map does not say the colours, so they are the model's guess.",
    },
    "shapes-gancls": {
        "train": "gancls --data shapes --width 32 --batch-size 64 --steps 5000 --seed 0".split(),
        "sample": [
            *("--text", "a red circle", "--text", "a small green triangle on the left"),
            *("--text", "a large blue square in the centre", "--text", "a yellow shape"),
            *("-n", "8"),
        ],
        "evaluate": ["--data", "shapes", "--features", "classifier", "-m", "fid,kid"],
        "about": "GAN-CLS + GAN-INT (Reed et al. 2016: matching-aware D, interpolated captions; "
        "a bag-of-words text encoder) on the procedural shapes and their built-in captions: "
        '`gan sample shapes-gancls --text "a large red circle on the left" -n 16`. '
        "Samples: one row per caption.",
    },
    "synthfaces-srresnet": {
        "train": "srresnet --data synthfaces --image-size 64 --scale 4 --width 32 --blocks 4 "
        "--lr 5e-4 --steps 2000 --seed 0".split(),
        "upscale": "synthfaces-test",
        "about": "SRResNet (Ledig et al. 2017's baseline: pixel MSE, no D), x4 from 16x16 to "
        "64x64 faces, width 32 and 4 blocks for the CPU: `gan upscale synthfaces-srresnet "
        "small.png -o big.png`. Samples: bicubic, then the model, on held-out faces.",
    },
    "synthfaces-srgan": {
        "train": "srgan --data synthfaces --image-size 64 --scale 4 --width 32 --blocks 4 "
        "--content vgg22 --init runs/curated/synthfaces-srresnet --steps 500 --seed 0".split(),
        "after": "synthfaces-srresnet",
        "upscale": "synthfaces-test",
        "about": "SRGAN (VGG22 content + 1e-3 adversarial loss) fine-tuned from "
        "synthfaces-srresnet, as the paper does; the content loss uses VGG19's layers with fixed "
        "random weights (no trained VGG19 offline), and VGG22 rather than the paper's VGG54, "
        "which drew colour grids at this budget (docs/benchmarks.md, srgan_table). Expect "
        "sharper, less faithful faces than synthfaces-srresnet.",
    },
}


def sh(args: list[str], env: dict | None = None) -> str:
    shown = " ".join(shlex.quote(str(a)) for a in ["gan", *args[len(GAN) :]])
    print(f"$ {shown}", flush=True)
    done = subprocess.run(
        [str(a) for a in args],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=REPO,  # the printed command runs from the repository's root
    )
    return done.stdout


def trained_steps(run: Path) -> int:
    from gancli.store.checkpoint import read_checkpoint

    try:
        return read_checkpoint(run).step
    except Exception:
        return 0


def train(name: str, spec: dict) -> tuple[Path, float]:
    run = RUNS / name
    target = int(spec["train"][spec["train"].index("--steps") + 1])
    after = spec.get("after")
    if after and not (RUNS / after / "model.safetensors").exists():
        raise SystemExit(f"{name} starts from {after}'s run: build {after} first")
    start = time.perf_counter()
    if trained_steps(run) < target:
        cmd = [*GAN, "train", *spec["train"], "-o", run, "-q"]
        if (run / "state.safetensors").exists():
            cmd += ["--resume", run]
        sh(cmd, env={"GAN_ZOO_REGISTER": "0"})
    return run, time.perf_counter() - start


def shape_concepts(entry: Path, per_concept: int) -> list[str]:
    """'red circle' etc.: seeds of large shapes that the three judges label confidently."""
    import numpy as np
    import torch

    sys.path.insert(0, str(REPO / "benchmarks"))
    from latent_shapes import CONFIDENT, classifiers, judge

    from gancli.data.shapes import COLOURS, SHAPES
    from gancli.engine.model import load_model
    from gancli.latent.priors import seeded_latents

    torch.manual_seed(0)
    model = load_model(entry, "cpu")
    nets, _ = classifiers(5)
    pool = 5000
    x = model.sample(seeded_latents(model.variant, list(range(pool))), None)
    v = judge(nets, x)
    (shape_c, shape_p), (col_c, col_p), (size_c, size_p) = v["shape"], v["colour"], v["size"]
    sure = (shape_p > CONFIDENT) & (col_p > CONFIDENT) & (size_p > CONFIDENT) & (size_c == 1)
    added = []
    for ci, colour in enumerate(COLOURS):
        for si, shape in enumerate(SHAPES):
            seeds = np.flatnonzero(sure & (col_c == ci) & (shape_c == si))[:per_concept]
            if len(seeds) < 3:
                print(f"  {colour} {shape}: {len(seeds)} confident samples, no concept")
                continue
            name = f"{colour} {shape}"
            sh([*GAN, "concept", "add", name, "-c", entry, "--seeds", ",".join(map(str, seeds))])
            added.append(f"{name} ({len(seeds)})")
    return added


def face_concepts(entry: Path, per_concept: int) -> list[str]:
    """The paper's face concepts: seeds the attribute judge of benchmarks/latent_faces.py is
    sure of (the same exemplar rule as that benchmark), the first `per_concept` of each. A
    concept with fewer than 3 such samples (a generator that seldom draws it) takes the
    `per_concept` samples the judge rates most likely to show it, and says so."""
    import numpy as np
    import torch

    sys.path.insert(0, str(REPO / "benchmarks"))
    from latent_faces import CONCEPTS, exemplar_pools, judge, judges

    from gancli.data.synthfaces import ATTRIBUTE_NAMES
    from gancli.engine.model import load_model
    from gancli.latent.priors import seeded_latents

    torch.manual_seed(0)
    model = load_model(entry, "cpu")
    net, _ = judges()
    pool = 5000
    z = seeded_latents(model.variant, list(range(pool)))
    x = torch.cat([model.sample(z[i : i + 500], None) for i in range(0, pool, 500)])
    with torch.no_grad():
        probs = [net(x[i : i + 500]) for i in range(0, pool, 500)]
    probs = {k: torch.softmax(torch.cat([p[k] for p in probs]), 1).numpy() for k in probs[0]}
    added = []
    for name, seeds in exemplar_pools(judge(net, x)).items():
        seeds = seeds[:per_concept]
        how = ""
        if len(seeds) < 3:
            score = np.ones(pool)
            for attr, values in CONCEPTS[name].items():
                idx = [ATTRIBUTE_NAMES[attr].index(v) for v in values]
                score *= probs[attr][:, idx].sum(1)
            seeds = np.sort(np.argsort(-score)[:per_concept])
            how = f", the most likely by the judge (p {score[seeds].min():.2f}-{score[seeds].max():.2f})"
            print(f"  {name}: fewer than 3 confident samples; using the {per_concept}{how[1:]}")
        sh([*GAN, "concept", "add", name, "-c", entry, "--seeds", ",".join(map(str, seeds))])
        added.append(f"{name} ({len(seeds)}{how})")
    return added


def _sheet(out: Path, dest: Path, zoom: int, columns: int = 1) -> None:
    """The PNGs of a folder laid out in `columns`, row by row, enlarged `zoom` times: an
    entry's samples.png for a model that maps images to images."""
    from PIL import Image

    tiles = [Image.open(p).convert("RGB") for p in sorted(out.glob("*.png"))]
    w, h, gap = tiles[0].width, tiles[0].height, 4 if columns > 1 else 0
    rows = -(-len(tiles) // columns)
    sheet = Image.new("RGB", (columns * w + (columns - 1) * gap, rows * h), "white")
    for i, tile in enumerate(tiles):
        sheet.paste(tile, ((i % columns) * (w + gap), (i // columns) * h))
    sheet.resize((sheet.width * zoom, sheet.height * zoom), Image.Resampling.NEAREST).save(dest)


def _paired_results(entry: Path, fake, target, reference: str, details: dict) -> None:
    """L1 / PSNR / SSIM of `fake` against `target` into the entry's metrics.json, and its card
    refreshed; `details` are kept with each result (e.g. the bicubic baseline's values)."""
    from gancli.metrics.receipt import merge_results
    from gancli.metrics.ssim import paired_metrics
    from gancli.store.zoo import refresh_card

    values = paired_metrics(fake, target)
    receipt = {"reference": reference, "seed": 0,
               "source": {"checkpoint": f"{entry.name}/model.safetensors"}}  # fmt: skip
    better = {"l1": "lower", "psnr": "higher", "ssim": "higher"}
    merge_results(entry / "metrics.json", [
        {"metric": k, "value": v, "spread": None, "better": better[k], "details": details.get(k, {}),
         "receipt": {**receipt, "metric": k, "n": len(fake)}}
        for k, v in values.items()
    ])  # fmt: skip
    refresh_card(entry)


def translation_results(entry: Path, held_out: str, n: int = 1000) -> None:
    """A translation model's samples.png (held-out pairs: input | output | target, one per row,
    through `gan translate`) and metrics.json (L1, PSNR and SSIM against the targets of the
    first `n` held-out pairs; dropout on, seed 0), then its card refreshed."""
    import numpy as np
    import torch

    from gancli.data import load_data
    from gancli.data.pairs import split_pair
    from gancli.engine.model import load_model

    model = load_model(entry, "cpu")
    size = int(model.config["translation"]["image_size"])
    with tempfile.TemporaryDirectory() as tmp:
        pairs, out = Path(tmp) / "pairs", Path(tmp) / "out"
        sh([*GAN, "data", "export", held_out, pairs, "-n", "8", "--image-size", str(size)])
        sh([*GAN, "translate", entry, pairs, "--pairs", "--side-by-side", "--seed", "0",
            "--out-dir", out])  # fmt: skip
        _sheet(out, entry / "samples.png", 3)
    ds = load_data(held_out, image_size=size, paired=True)
    a, b = (torch.as_tensor(h).float().div(127.5).sub(1) for h in split_pair(np.asarray(ds.x[:n])))
    x, y = model.variant.split_pairs(torch.cat([a, b], 1))
    torch.manual_seed(0)  # the dropout noise
    with torch.no_grad():
        fake = torch.cat([model.sample(x[i : i + 100], batch=100) for i in range(0, len(x), 100)])
    _paired_results(entry, fake, y, f"{held_out} (first {len(x)} pairs, {size}x{size})", {})


def upscale_results(entry: Path, held_out: str, n: int = 1000) -> None:
    """A super-resolution model's samples.png (8 held-out images down-sampled as in training,
    then `gan upscale --side-by-side`: bicubic | model, one per row) and metrics.json (L1,
    PSNR and SSIM against the first `n` held-out images, the model's outputs rounded to 8 bits
    as `gan upscale` writes them; bicubic's values in each result's details)."""
    import numpy as np
    import torch
    from PIL import Image

    from gancli.data import load_data
    from gancli.engine.model import load_model
    from gancli.metrics.ssim import paired_metrics
    from gancli.render import to_uint8_images
    from gancli.variants._superres import bicubic_up, downsample, quantise

    model = load_model(entry, "cpu")
    info = model.config["translation"]
    scale = int(info["scale"])
    size = int(info["image_size"]) * scale  # the input's size times the factor
    ds = load_data(held_out, image_size=size)
    hr = torch.as_tensor(np.asarray(ds.x[:n])).float().div(127.5).sub(1)
    lr = downsample(hr, scale)
    with tempfile.TemporaryDirectory() as tmp:
        small, out = Path(tmp) / "small", Path(tmp) / "out"
        small.mkdir()
        for i, img in enumerate(to_uint8_images(lr[:8])):
            Image.fromarray(img).save(small / f"{i:02d}.png")
        sh([*GAN, "upscale", entry, small, "--side-by-side", "--out-dir", out])
        _sheet(out, entry / "samples.png", 2, columns=2)
    with torch.no_grad():
        fake = torch.cat([model.sample(lr[i : i + 50], batch=50) for i in range(0, n, 50)])
    bicubic = {f"bicubic_{k}": v for k, v in paired_metrics(bicubic_up(lr, scale), hr).items()}
    details = {k: {"bicubic": bicubic[f"bicubic_{k}"]} for k in ("l1", "psnr", "ssim")}
    reference = f"{held_out} (first {n} images, {size}x{size}, input x1/{scale} bicubic)"
    _paired_results(entry, quantise(fake), hr, reference, details)


def build(name: str, spec: dict, skip_train: bool) -> dict:
    run = RUNS / name
    train_s = 0.0
    if not skip_train:
        run, train_s = train(name, spec)
    if not (run / "model.safetensors").exists():
        raise SystemExit(f"{run} has no model: train it first (leave out --skip-train)")
    with tempfile.TemporaryDirectory() as tmp:
        sh([*GAN, "zoo", "add", run, "--slim", "--name", name], env={"GAN_ZOO": tmp})
        entry = ZOO / name
        if entry.exists():
            shutil.rmtree(entry)
        shutil.copytree(Path(tmp) / name, entry)
    (entry / "origin.json").write_text(
        json.dumps({"source": "curated", "built_by": "python zoo/build.py"}, indent=1) + "\n"
    )
    (entry / "metrics.json").unlink(missing_ok=True)
    concepts = shape_concepts(entry, spec["concepts"]) if spec.get("concepts") else []
    if spec.get("face_concepts"):
        concepts = face_concepts(entry, spec["face_concepts"])
    t0 = time.perf_counter()
    if spec.get("translate"):
        translation_results(entry, spec["translate"])
    elif spec.get("upscale"):
        upscale_results(entry, spec["upscale"])
    else:
        n = ["-n", "64" if "ring8" not in spec["evaluate"] else "2000"]
        sh(
            [
                *GAN,
                "sample",
                entry,
                *spec.get("sample", n),
                "--seed",
                "0",
                "-o",
                entry / "samples.png",
            ]
        )
        t0 = time.perf_counter()
        sh([*GAN, "evaluate", entry, *spec["evaluate"]])
    eval_s = time.perf_counter() - t0
    # the receipts name the file evaluated: the entry's, not this machine's path to it
    doc = json.loads((entry / "metrics.json").read_text())
    for r in doc["results"]:
        source = (r.get("receipt") or {}).get("source") or {}
        if "checkpoint" in source:
            source["checkpoint"] = f"{name}/model.safetensors"
    (entry / "metrics.json").write_text(json.dumps(doc, indent=1) + "\n")
    results = doc["results"]
    extra = {}
    if name.endswith("infogan"):
        sys.path.insert(0, str(REPO / "benchmarks"))
        from infogan_mnist import code_accuracy

        extra["c1 accuracy (full checkpoint)"] = code_accuracy(run / "model.safetensors")
    return {
        "name": name,
        "train": "gan train " + " ".join(spec["train"]),
        "about": spec["about"],
        "results": {r["metric"]: r for r in results},
        "extra": extra,
        "concepts": concepts,
        "bytes": (entry / "model.safetensors").stat().st_size,
        "full_bytes": (run / "model.safetensors").stat().st_size,
        "train_s": train_s,
        "eval_s": eval_s,
    }


def _value(r: dict) -> str:
    v = r.get("value")
    text = f"{v:.4g}" if isinstance(v, float) else str(v)
    if r["metric"] == "modes":
        d = r.get("details") or {}
        text = f"{v:g}/{d.get('total')} modes, {100 * d.get('high_quality', 0):.1f}% HQ"
        text += f", KL {d.get('kl', float('nan')):.2f}"
    elif r["metric"] == "pr":
        d = r.get("details") or {}
        text = f"P {d.get('precision', v):.3f} / R {d.get('recall', float('nan')):.3f}"
    elif r.get("spread") is not None:
        text += f" ± {r['spread']:.2g}"
    if "bicubic" in (r.get("details") or {}):
        text += f" (bicubic {r['details']['bicubic']:.4g})"
    return f"{r['metric']} {text}"


def write_readme(done: dict) -> None:
    lines = [
        "# The curated zoo",
        "",
        "Models this project trained itself, on data that needs no download, shipped inside the",
        "package: right after `pip install gancli`, offline, `gan sample mnist5k-dcgan -o grid.png`",
        "works. Each entry keeps only the EMA generator in fp16 (`gan zoo add --slim`); its card",
        "(README.md) holds the exact training command, and metrics.json what `gan evaluate` measured",
        "on the shipped file. Everything here is rebuilt by `python zoo/build.py`, which prints each",
        "`gan` command it runs (training, slimming, concepts, sampling, evaluation).",
        "",
        "FID/KID/PR on images are in the features of gancli's offline classifier (`--features",
        "classifier`), not Inception's: they compare models on the same data set, not with papers.",
        "",
        "| name | what | trained with | results | size (full run) |",
        "|---|---|---|---|---:|",
    ]
    for name, d in done.items():
        results = [_value(r) for r in d["results"].values()]
        for label, x in d.get("extra", {}).items():
            results.append(f"{label} {100 * x['accuracy']:.1f}%")
        if d.get("concepts"):
            results.append(f"{len(d['concepts'])} concepts")
        size = f"{d['bytes'] / 1e6:.1f} MB ({d['full_bytes'] / 1e6:.1f} MB)"
        lines.append(
            f"| `{name}` | {d['about']} | `{d['train']}` | {'; '.join(results)} | {size} |"
        )
    shapes = done.get("shapes-dcgan", {}).get("concepts")
    if shapes:
        from gancli.data.shapes import COLOURS, SHAPES

        have = {c.rsplit(" (", 1)[0] for c in shapes}
        missing = [f"{c} {s}" for c in COLOURS for s in SHAPES if f"{c} {s}" not in have]
        lines += [
            "",
            f"shapes-dcgan's concepts ({len(have)}): {', '.join(sorted(shapes))} (exemplars in "
            "parentheses). "
            + (
                f"None for {', '.join(missing)}: among the first 5,000 seeds, fewer than 3 "
                "samples are large shapes of that kind that the judges are sure of (this "
                "generator seldom draws a clean triangle)."
                if missing
                else ""
            ),
        ]
    faces = done.get("synthfaces-dcgan", {}).get("concepts")
    if faces:
        lines += [
            "",
            f"synthfaces-dcgan's concepts ({len(faces)}): {'; '.join(faces)} (exemplars in "
            "parentheses: seeds the attribute judge of benchmarks/latent_faces.py is sure of; "
            "where the generator draws fewer than 3 such faces, the ones the judge rates most "
            "likely, with their probabilities). How often the arithmetic draws both target "
            "attributes is in docs/benchmarks.md (latent_faces).",
        ]
    info = done.get("mnist5k-infogan", {}).get("extra", {}).get("c1 accuracy (full checkpoint)")
    if info:
        mapping = ", ".join(f"c1={k} → {v}" for k, v in sorted(info["mapping"].items()))
        lines += [
            "",
            "mnist5k-infogan's categorical code, matched to the real digits one-to-one (Hungarian "
            f"matching of Q's predictions on the 5,000 digits): {mapping}.",
        ]
    lines.append("")
    (ZOO / "README.md").write_text("\n".join(lines))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", help="comma-separated entry names")
    p.add_argument("--skip-train", action="store_true")
    args = p.parse_args()
    names = args.only.split(",") if args.only else list(ENTRIES)
    unknown = [n for n in names if n not in ENTRIES]
    if unknown:
        raise SystemExit(f"unknown entries {unknown}; known: {', '.join(ENTRIES)}")
    record = ZOO / "build.json"
    for name in names:
        print(f"== {name}", flush=True)
        result = build(name, ENTRIES[name], args.skip_train)
        done = json.loads(record.read_text()) if record.exists() else {}  # others may have run
        if args.skip_train and name in done:  # the training time of the run it rebuilt from
            result["train_s"] = done[name].get("train_s", 0.0)
        done[name] = result
        done = {n: done[n] for n in ENTRIES if n in done}
        record.write_text(json.dumps(done, indent=1) + "\n")
        write_readme(done)
    print(f"wrote {record} and {ZOO / 'README.md'}")


if __name__ == "__main__":
    main()
