"""Can the discriminator generate? What D alone makes, next to G's samples, measured.

    python benchmarks/discriminator_samples.py            # needs began_convergence's runs
    python benchmarks/discriminator_samples.py --quick    # smoke run on its quick runs; prints

The lecture's question, asked of the two auto-encoder GANs that benchmarks/began_convergence.py
trains on the built-in `shapes` (BEGAN and EBGAN, 32x32, the same steps and width): their D
scores an image by how well it reconstructs it (minus BEGAN's L1 error, minus EBGAN's energy),
so `gan sample RUN --from-discriminator` can climb that score without G:

1. from uniform noise (plain gradient ascent, and Langevin-style with --d-noise),
2. from G's own samples (does D still see something to improve in them?),

each for --d-steps steps of --d-step-size pixels, seeds 0 to n-1. For every set of images, D's
mean score before and after, and the FID and KID against the shapes in the classifier features
(`gan evaluate --fake X.npy --data shapes -m fid,kid --features classifier`; offline), next to
the score and the FID of G's samples and D's score of real shapes. The pictures
(docs/images/discriminator_samples.png): one row per model, G's samples and what D makes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_summary, markdown_table, text_table, today, write_section  # noqa: E402
from _figures import side_by_side, stack  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SECTION = "discriminator_samples"
IMAGES = REPO / "docs" / "images"


def gan(*args: str) -> str:
    """Run `gan ARGS` as a user would; its stdout, or exit with its stderr."""
    cmd = [sys.executable, "-m", "gancli", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ})
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out.stderr[-3000:]}")
    return out.stdout


def evaluate_fake(npy: Path, n: int) -> dict[str, float]:
    doc = json.loads(
        gan(
            "evaluate",
            "--fake",
            str(npy),
            "--data",
            "shapes",
            "-n",
            str(n),
            "-m",
            "fid,kid",
            "--features",
            "classifier",
            "--kid-subset-size",
            str(min(1000, n)),
            "--json",
            "--no-save",
        )  # fmt: skip
    )
    return {r["metric"]: r["value"] for r in doc["results"]}


def real_score(run: Path, n: int) -> float:
    """D's mean score of n real shapes (D in eval mode, as the ascent scores)."""
    import numpy as np
    import torch

    from gancli.api.ascend import ascend
    from gancli.data import load_data
    from gancli.engine.model import load_model

    data = load_data("shapes")
    pick = np.random.default_rng(0).permutation(len(data.x))[:n]
    x = data.x[torch.from_numpy(pick)].float() / 127.5 - 1
    got = ascend(load_model(run), x, steps=0, step_size=1.0)
    return sum(got.start_score) / n


def ways(args: argparse.Namespace) -> list[tuple[str, str, list[str]]]:
    """(file name, caption, extra `gan sample` arguments) of each set of images."""
    climb = ["--from-discriminator", "--d-steps", str(args.d_steps)]
    climb += ["--d-step-size", str(args.d_step_size)]
    return [
        ("g", "G's samples", []),
        ("d_noise", "D from noise", [*climb, "--d-start", "noise"]),
        (
            "d_langevin",
            f"D from noise, Langevin {args.d_noise}",
            [*climb, "--d-start", "noise", "--d-noise", str(args.d_noise)],
        ),
        ("d_g", "D from G's samples", [*climb, "--d-start", "generator"]),
    ]


def noise_grid(run: Path, path: Path) -> None:
    """The uniform noise the ascent starts from (seeds 0-15): zero steps from noise."""
    gan(
        "sample", str(run), "--from-discriminator", "--d-steps", "0", "-n", "16", "--nrow",
        "4", "-o", str(path),
    )  # fmt: skip


def grid_of_16(npy: Path, png: Path) -> None:
    """The first 16 images of an array (seeds 0-15), 4 by 4."""
    import numpy as np
    import torch

    from gancli.render import grid, to_uint8_images

    grid(to_uint8_images(torch.from_numpy(np.load(npy)[:16])), 4).save(png)


def measure(name: str, run: Path, args: argparse.Namespace, work: Path) -> tuple[list, list]:
    rows, grids = [], []
    start = work / f"{name}_noise.png"
    noise_grid(run, start)
    grids.append(start)
    for slug, caption, extra in ways(args):
        npy, png = work / f"{name}_{slug}.npy", work / f"{name}_{slug}.png"
        doc = json.loads(
            gan("sample", str(run), *extra, "-n", str(args.n), "-o", str(npy), "--json")
        )
        grid_of_16(npy, png)
        grids.append(png)
        res = evaluate_fake(npy, args.n)
        score = doc.get("discriminator_score")
        rows.append(
            [
                name, caption,
                f"{score['start']:.4f} -> {score['end']:.4f}" if score else "-",
                f"{res['fid']:.2f}", f"{res['kid'] * 1000:.2f}",
            ]
        )  # fmt: skip
        print(*rows[-1], sep="  |  ", flush=True)
    rows[0][2] = rows[-1][2].split(" ->")[0]  # G's samples: where the climb from them starts
    rows.append([name, "real shapes", f"{real_score(run, args.n):.4f}", "-", "-"])
    return rows, grids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=Path, default=REPO / "runs/benchmarks/began_convergence")
    ap.add_argument("--d-steps", type=int, default=100)
    ap.add_argument("--d-step-size", type=float, default=0.04)
    ap.add_argument("--d-noise", type=float, default=0.02)
    ap.add_argument("-n", type=int, default=200, help="images per measurement")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.runs = args.runs.with_name(args.runs.name + "-quick")
        args.d_steps, args.n = 10, 100
    work = args.runs / "discriminator"
    work.mkdir(parents=True, exist_ok=True)
    models = {"BEGAN": args.runs / "began", "EBGAN": args.runs / "ebgan"}
    for run in models.values():
        if not (run / "model.safetensors").exists():
            raise SystemExit(f"{run} is missing: run benchmarks/began_convergence.py first")
    table, rows_of_grids = [], []
    for name, run in models.items():
        rows, grids = measure(name, run, args, work)
        table += rows
        row_png = work / f"{name.lower()}_row.png"
        captions = [f"{name}: start (noise)"] + [c for _, c, _ in ways(args)]
        side_by_side(grids, captions, row_png)
        rows_of_grids.append(row_png)
    where = IMAGES if not args.quick else work
    stack(rows_of_grids, where / "discriminator_samples.png")
    headers = ["model", "images", "D's mean score (start -> end)", "FID", "KID x1000"]
    print(text_table(headers, table))
    if args.quick:
        return
    config = json.loads((models["BEGAN"] / "config.json").read_text())
    steps = config["train"]["steps"]
    body = f"""## Can the discriminator generate? What D alone makes (shapes, 32x32)

`python benchmarks/discriminator_samples.py` ({today()}; {machine_summary()}; fp32), on the
BEGAN and EBGAN models of the section above ({steps} steps each).

`gan sample RUN --from-discriminator` climbs D's score of each image (BEGAN: minus its L1
reconstruction error; EBGAN: minus its energy, the mean squared reconstruction error) for
{args.d_steps} steps of {args.d_step_size} pixels (the gradient divided by its RMS; `gancli.api.ascend`
says how), from uniform noise (`--d-start noise`; with `--d-noise {args.d_noise}` for the
Langevin-style column) or from G's samples (`--d-start generator`). For each set, seeds 0 to
{args.n - 1}: D's mean score before and after the climb, and FID and KID against the 10,000
shapes from `gan evaluate --fake X.npy --data shapes -n {args.n} -m fid,kid --features classifier`
(classifier features, offline; {args.n} samples, so the FIDs carry the small-sample bias and
compare only with each other). The real shapes' row is D's mean score of {args.n} of them.

{markdown_table(headers, table)}

![What G makes and what D alone makes from noise or from G's samples](images/discriminator_samples.png)

Each row: the noise the climb starts from (seeds 0-15), G's samples, D's climb from that noise
(plain, then with noise added each step), and D's climb from G's samples.
"""
    write_section(REPO / "docs" / "benchmarks.md", SECTION, body, after="began_convergence")
    print("wrote docs/benchmarks.md section", SECTION)


if __name__ == "__main__":
    main()
