"""BEGAN's convergence measure, and BEGAN next to EBGAN on the same data.

    python benchmarks/began_convergence.py            # train both, measure; writes docs
    python benchmarks/began_convergence.py --quick    # smoke run; prints only

Berthelot et al. 2017 (figure 2) plot M_global = L(x) + |gamma L(x) - L(G(z))| against the
training step and show that it falls as the samples improve. Here, as a user runs it:

1. `gan train began --data shapes` (32x32, the paper's defaults but for --width) and
   `gan train ebgan` with the same data, width and number of steps (each its paper's batch:
   16 for BEGAN, 64 for EBGAN), keeping a snapshot every --keep-every steps.
2. M_global and k_t from BEGAN's metrics.jsonl, plotted against the step
   (docs/images/began_convergence.png), and BEGAN's samples at each snapshot
   (docs/images/began_snapshots.png): does the measure fall while the samples get better?
3. `gan evaluate` of every BEGAN snapshot and of EBGAN's last one: FID and KID in the
   classifier features (a small CNN trained on the shapes' labels; offline), 2,000 samples
   against the 10,000 shapes. The rank correlation between M_global and FID over the
   snapshots says whether the measure tracks quality, measured rather than assumed.
4. Both models' samples side by side (docs/images/began_vs_ebgan.png).
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
from _figures import line_chart, moving_average, side_by_side  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SECTION = "began_convergence"
IMAGES = REPO / "docs" / "images"


def train(variant: str, run: Path, args: argparse.Namespace) -> None:
    """Train unless the run is already there."""
    if (run / "model.safetensors").exists():
        return
    gan(
        "train", variant, "--data", "shapes", "--width", str(args.width),
        "--steps", str(args.steps), "--keep-every", str(args.keep_every),
        "--log-every", "10", "--sample-every", str(args.steps), "--precision", "fp32",
        "--seed", "0", "--out", str(run), "--json", "--quiet",
    )  # fmt: skip


def train_minutes(run: Path) -> float:
    """Training time from the run's own log: each logged stretch of steps at its images/s."""
    batch = json.loads((run / "config.json").read_text())["hyper"]["batch_size"]
    seconds, prev = 0.0, 0
    for r in log_rows(run):
        if "img_per_s" in r:
            seconds += (r["step"] - prev) * batch / r["img_per_s"]
            prev = r["step"]
    return seconds / 60


def evaluate(ckpt: str, n: int, work: Path) -> dict[str, float]:
    """FID and KID of a checkpoint; kept in work/evaluations.json, so a rerun that only
    redraws the figures or the page does not evaluate again."""
    cache = work / "evaluations.json"
    done = json.loads(cache.read_text()) if cache.exists() else {}
    key = f"{ckpt} n={n}"
    if key not in done:
        done[key] = shapes_fid_kid(ckpt, n=n)
        cache.write_text(json.dumps(done, indent=1))
    return done[key]


def coloured_share(ckpt: str, n: int, work: Path, level: float = 0.5) -> float:
    """The share of pixels of n samples with a channel above `level` in [0, 1]: the shapes
    are drawn in saturated colours on black (about 11% of a real image's pixels), so a
    generator that only draws the background scores about 0."""
    import numpy as np

    npy = work / "coloured.npy"
    gan("sample", ckpt, "-n", str(n), "-o", str(npy))
    v = (np.load(npy) + 1) / 2
    return float((v.max(1) > level).mean())


def real_coloured_share(level: float = 0.5) -> float:
    from gancli.data import load_data

    x = load_data("shapes").x
    return float((x.max(1).values > 255 * level).float().mean())


def log_rows(run: Path) -> list[dict]:
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    return [r for r in rows if "event" not in r]


def spearman(a: list[float], b: list[float]) -> float:
    def ranks(v: list[float]) -> list[float]:
        order = sorted(range(len(v)), key=v.__getitem__)
        r = [0.0] * len(v)
        for i, j in enumerate(order):
            r[j] = float(i)
        return r

    ra, rb = ranks(a), ranks(b)
    n = len(a)
    ma, mb = sum(ra) / n, sum(rb) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    var = (sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb)) ** 0.5
    return cov / var if var else float("nan")


def m_global_at(rows: list[dict], step: int, window: int = 100) -> float:
    """Mean M_global over the logged steps in (step - window, step]."""
    near = [r["m_global"] for r in rows if step - window < r["step"] <= step]
    return sum(near) / len(near)


def reading(
    m_at: list[float],
    fids: list[float],
    eb: dict,
    snaps: list[int],
    coloured: list[float],
    real: float,
) -> str:
    """What the numbers say, worded from them."""
    m_fell = m_at[-1] < m_at[0]
    fid_fell = fids[-1] < fids[0]
    best = min(range(len(fids)), key=fids.__getitem__)
    began_vs = "lower" if fids[-1] < eb["fid"] else "higher"
    return (
        f"From the first snapshot to the last, M_global {'fell' if m_fell else 'rose'} "
        f"({m_at[0]:.4f} to {m_at[-1]:.4f}) and FID {'fell' if fid_fell else 'rose'} "
        f"({fids[0]:.1f} to {fids[-1]:.1f}); the best FID is at step {snaps[best]}. BEGAN's last "
        f"FID is {began_vs} than EBGAN's ({fids[-1]:.1f} against {eb['fid']:.1f})."
        + (
            " BEGAN's samples have no coloured pixels at any snapshot: its G draws only the "
            "black background (which takes up most of every real image and an L1 auto-encoder "
            "reconstructs almost perfectly), so here the falling M_global measures D and G "
            "settling on that background, not samples getting better; k_t, which starts at 0 "
            "and moves by lambda_k = 0.001 times the imbalance per step, is still near 0."
            if max(coloured) < 0.005
            else ""
        )
        + (
            f" BEGAN's last samples colour {coloured[-1]:.0%} of their pixels against the real "
            f"shapes' {real:.0%}: its G draws a haze over the whole image, nearly the same for "
            "every z (the figure below), not shapes on black; k_t, which starts at 0 and moves "
            "by lambda_k = 0.001 times the imbalance per step, is still small, so D has hardly "
            "begun to push back on G's samples."
            if coloured[-1] > 3 * real
            else ""
        )
        + " The nets start from Glorot-uniform weights (gancli.nets.began); under PyTorch's "
        "default initialisation, in an earlier run of this script, G drew only the black "
        "background at every snapshot (FID 334.0 at step 1,500)."
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--keep-every", type=int, default=250)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("-n", type=int, default=2000, help="samples per evaluation")
    ap.add_argument("--work", type=Path, default=REPO / "runs/benchmarks/began_convergence")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.steps, args.keep_every, args.width, args.n = 20, 10, 8, 200
        args.work = args.work.with_name(args.work.name + "-quick")
    began, ebgan = args.work / "began", args.work / "ebgan"
    train("began", began, args)
    train("ebgan", ebgan, args)

    rows = log_rows(began)
    steps = [r["step"] for r in rows]
    window = max(1, len(rows) // 20)
    m = [r["m_global"] for r in rows]
    snaps = list(range(args.keep_every, args.steps + 1, args.keep_every))
    fids, kids = [], []
    for s in snaps:
        res = evaluate(f"{began}@{s}", args.n, args.work)
        fids.append(res["fid"])
        kids.append(res["kid"])
    eb = evaluate(str(ebgan), args.n, args.work)
    black = [coloured_share(f"{began}@{s}", 500, args.work) for s in snaps]
    black_eb = coloured_share(str(ebgan), 500, args.work)
    m_at = [m_global_at(rows, s, args.keep_every // 2) for s in snaps]
    rho = spearman(m_at, fids)
    real_coloured = real_coloured_share()

    where = IMAGES if not args.quick else args.work
    chart = where / "began_convergence.png"
    line_chart(
        [
            {
                "title": "BEGAN on shapes 32x32: M_global (raw, and its moving average)",
                "series": [
                    ("raw", steps, m, True),
                    (f"M_global (mean of {window})", steps, moving_average(m, window), False),
                ],
            },
            {
                "title": "FID (classifier features) of the snapshots",
                "series": [("FID", snaps, fids, False)],
            },
            {
                "title": "k_t, the equilibrium control",
                "series": [("k_t", steps, [r["k"] for r in rows], False)],
            },
        ],
        chart,
    )
    grids = []
    for s in snaps:
        g = args.work / f"began_{s}.png"
        gan("sample", f"{began}@{s}", "-n", "16", "--nrow", "4", "-o", str(g))
        grids.append(g)
    side_by_side(grids, [f"step {s}" for s in snaps], where / "began_snapshots.png")
    final = []
    for name, run in (("began", began), ("ebgan", ebgan)):
        g = args.work / f"{name}_final.png"
        gan("sample", str(run), "-n", "64", "--nrow", "8", "-o", str(g))
        final.append(g)
    side_by_side(
        final, [f"BEGAN, {args.steps} steps", f"EBGAN, {args.steps} steps"],
        where / "began_vs_ebgan.png",
    )  # fmt: skip

    headers = ["model", "step", "M_global", "FID", "KID x1000", "coloured pixels"]
    table = [
        ["BEGAN", str(s), f"{ma:.4f}", f"{f:.2f}", f"{k * 1000:.2f}", f"{b:.1%}"]
        for s, ma, f, k, b in zip(snaps, m_at, fids, kids, black)
    ]
    table.append(
        [
            "EBGAN", str(args.steps), "-", f"{eb['fid']:.2f}", f"{eb['kid'] * 1000:.2f}",
            f"{black_eb:.1%}",
        ]
    )  # fmt: skip
    print(text_table(headers, table))
    print(f"Spearman rank correlation of M_global and FID over the snapshots: {rho:.2f}")
    if args.quick:
        return
    times = f"training BEGAN {train_minutes(began):.1f} min, EBGAN {train_minutes(ebgan):.1f} min"
    body = f"""## BEGAN's convergence measure, and BEGAN next to EBGAN (shapes, 32x32)

`python benchmarks/began_convergence.py` ({today()}; {machine_summary()}; fp32; {times}, by each run's log, on a machine shared with
other jobs).

Both trained {args.steps} steps on the built-in `shapes` (10,000 procedural 32x32 shapes) with
`--width {args.width}`, each otherwise with its paper's defaults (BEGAN: batch 16, Adam 1e-4,
gamma 0.5, z 64 uniform; EBGAN: batch 64, Adam 1e-3, margin and pulling-away term of its MNIST
setting). Every BEGAN snapshot (`--keep-every {args.keep_every}`) and EBGAN's last model
evaluated with `gan evaluate RUN@STEP --data shapes -n {args.n} -m fid,kid --features classifier`
(the classifier features need no download, so the numbers compare only with each other, not with
Inception FIDs). M_global is the mean of its logged values (every 10 steps) over the
{args.keep_every // 2} steps up to the snapshot.

{markdown_table(headers, table)}

Spearman rank correlation between M_global and FID over the BEGAN snapshots: **{rho:.2f}**
(1: the measure orders the snapshots exactly as FID does). {reading(m_at, fids, eb, snaps, black, real_coloured)}

Coloured pixels: the share of pixels of 500 samples with a channel above 0.5 in [0, 1] (the
shapes are saturated colours on black: {real_coloured:.1%} of the real images' pixels; a
generator that draws only the background is near 0).

![M_global, FID and k_t against the step](images/began_convergence.png)

BEGAN's samples at each snapshot (seeds 0-15), as in the paper's figure 2:

![BEGAN samples along training](images/began_snapshots.png)

The two auto-encoder GANs after the same number of steps (seeds 0-63):

![BEGAN and EBGAN samples](images/began_vs_ebgan.png)

These are short CPU runs ({args.steps} steps; the paper trains for hundreds of thousands), so
they show the beginning of the paper's curve, not its end.
"""
    write_section(REPO / "docs" / "benchmarks.md", SECTION, body)
    print("wrote docs/benchmarks.md section", SECTION)


if __name__ == "__main__":
    main()
