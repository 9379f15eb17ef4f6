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
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    gan,
    machine_summary,
    markdown_table,
    shapes_fid_kid,
    text_table,
    today,
    write_section,
)
from _figures import side_by_side, stack  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SECTION = "discriminator_samples"
IMAGES = REPO / "docs" / "images"


def evaluate_fake(npy: Path, n: int) -> dict[str, float]:
    return shapes_fid_kid("--fake", str(npy), n=n)


def real_images(n: int):
    """n real shapes (a fixed draw), float (N, C, H, W) in [-1, 1]."""
    import numpy as np
    import torch

    from gancli.data import load_data

    data = load_data("shapes")
    pick = np.random.default_rng(0).permutation(len(data.x))[:n]
    return data.x[torch.from_numpy(pick)].float() / 127.5 - 1


def real_score(run: Path, n: int) -> float:
    """D's mean score of n real shapes (D in eval mode, as the ascent scores)."""
    from gancli.api.ascend import ascend
    from gancli.engine.model import load_model

    got = ascend(load_model(run), real_images(n), steps=0, step_size=1.0)
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


def spread(x) -> tuple[float, float]:
    """(diversity, coloured share) of images (N, C, H, W) in [-1, 1]: the mean RMS pixel
    distance in [0, 1] between two different images of the set (0 when every image is the
    same), and the share of pixels with a channel above 0.5 (the shapes are saturated colours
    on black)."""
    import numpy as np

    v = ((np.asarray(x, dtype=np.float64) + 1) / 2).reshape(len(x), -1)
    sq = (v**2).sum(1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * v @ v.T, 0) / v.shape[1]
    n = len(v)
    diversity = float(np.sqrt(d2)[~np.eye(n, dtype=bool)].mean())
    coloured = float((v.reshape(x.shape).max(1) > 0.5).mean())
    return diversity, coloured


def sampled(run: Path, extra: list[str], n: int, npy: Path) -> dict | None:
    """`gan sample` into npy (kept, with its --json reply beside it, for a rerun); D's score."""
    reply = npy.with_suffix(".json")
    if not (npy.exists() and reply.exists()):
        doc = json.loads(gan("sample", str(run), *extra, "-n", str(n), "-o", str(npy), "--json"))
        reply.write_text(json.dumps(doc))
    return json.loads(reply.read_text()).get("discriminator_score")


def measure(name: str, run: Path, args: argparse.Namespace, work: Path) -> tuple[list, list]:
    import numpy as np

    rows, grids = [], []
    start = work / f"{name}_noise.png"
    noise_grid(run, start)
    grids.append(start)
    for slug, caption, extra in ways(args):
        npy, png = work / f"{name}_{slug}.npy", work / f"{name}_{slug}.png"
        score = sampled(run, extra, args.n, npy)
        grid_of_16(npy, png)
        grids.append(png)
        res = evaluate_fake(npy, args.n)
        diversity, coloured = spread(np.load(npy))
        rows.append(
            [
                name, caption,
                f"{score['start']:.4f} -> {score['end']:.4f}" if score else "-",
                f"{res['fid']:.2f}", f"{res['kid'] * 1000:.2f}", f"{diversity:.3f}",
                f"{coloured:.1%}",
            ]
        )  # fmt: skip
        print(*rows[-1], sep="  |  ", flush=True)
    rows[0][2] = rows[-1][2].split(" ->")[0]  # G's samples: where the climb from them starts
    diversity, coloured = spread(real_images(args.n))
    rows.append(
        [
            name, "real shapes", f"{real_score(run, args.n):.4f}", "-", "-", f"{diversity:.3f}",
            f"{coloured:.1%}",
        ]
    )  # fmt: skip
    return rows, grids


def reading(table: list[list[str]]) -> str:
    """What the numbers say, worded from them: does D's climb pass the real shapes' score,
    and what happens to the variety of the images."""
    out = []
    for name in ("BEGAN", "EBGAN"):
        rows = {r[1]: r for r in table if r[0] == name}
        real = float(rows["real shapes"][2])
        noise = rows["D from noise"]
        end = float(noise[2].split("-> ")[1])
        g_div, d_div = float(rows["G's samples"][5]), float(noise[5])
        real_div = float(rows["real shapes"][5])
        out.append(
            f"{name}: from noise, D's score climbs to {end:.4f}, "
            f"{'above' if end > real else 'below'} its score of real shapes ({real:.4f}); "
            f"the climbed images have a diversity of {d_div:.3f} against {g_div:.3f} for G's "
            f"samples and {real_div:.3f} for real shapes, and {noise[6]} coloured pixels "
            f"(real: {rows['real shapes'][6]})."
        )
    return " ".join(out)


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
    headers = [
        "model", "images", "D's mean score (start -> end)", "FID", "KID x1000", "diversity",
        "coloured pixels",
    ]  # fmt: skip
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
Diversity: the mean RMS distance (pixels in [0, 1]) between two different images of the set;
0 when D makes one image whatever the start. Coloured pixels: the share of pixels with a
channel above 0.5 (the shapes are saturated colours on black).

{markdown_table(headers, table)}

![What G makes and what D alone makes from noise or from G's samples](images/discriminator_samples.png)

Each row: the noise the climb starts from (seeds 0-15), G's samples, D's climb from that noise
(plain, then with noise added each step), and D's climb from G's samples.

{reading(table)} A higher score than real data's means D's climb finds images its
auto-encoder reconstructs better than the data it was trained on: D scores how easy an image is
to reconstruct, which is not how much it looks like a shape.
"""
    write_section(REPO / "docs" / "benchmarks.md", SECTION, body, after="began_convergence")
    print("wrote docs/benchmarks.md section", SECTION)


if __name__ == "__main__":
    main()
