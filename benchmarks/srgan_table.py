"""SRGAN's table (Ledig et al. 2017, table 2) on held-out synthfaces: PSNR / SSIM for bicubic,
SRResNet and SRGAN at x4, and a perceptual measure (FID in the project's offline classifier
features) where the paper says SRGAN wins while SRResNet keeps the best PSNR.

    python benchmarks/srgan_table.py [--size 64] [--srresnet-steps 800] [--srgan-steps 300]
    python benchmarks/srgan_table.py --quick          # smoke run, tiny; prints only

Training (all of it within the CPU budget; what differs from the paper is said in the docs):
`gan train srresnet --data synthfaces` (MSE), then `gan train srgan --init` that run (content
loss in the random-weight VGG54 features + 1e-3 adversarial), the paper's Adam 1e-4 and batch
16, a narrower and shallower G (--width, --blocks) and few steps. Runs already trained to the
asked step are measured, not retrained.

Measured on the 1,000 faces of `synthfaces-test` (never seen in training) at --size: the LR
input made as in training (antialiased bicubic x1/4, 8-bit), each model's output written as an
8-bit PNG (what `gan upscale` writes), then
- PSNR (RGB) and SSIM (luma, 11x11 Gaussian window; `gancli.metrics.ssim`) against the HR face;
- FID and KID: `gan evaluate --fake OUTPUTS --data synthfaces-test --features classifier`, the
  offline classifier (SmallCNN trained on the held-out set's labels) comparing the outputs' set
  with the real HR faces'. 1,000 other real faces (from `synthfaces`) place the floor.
Writes the section `srgan_table` of docs/benchmarks.md and docs/images/srgan_table.png
(bicubic | SRResNet | SRGAN | HR, 6 held-out faces, and crops of them enlarged).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import fid_kid as common_fid_kid  # noqa: E402
from _common import machine_summary, markdown_table, today, train_or_finish, write_section  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
RUNS = REPO / "runs" / "benchmarks" / "srgan"
DOC = REPO / "docs" / "benchmarks.md"
FIGURE = REPO / "docs" / "images" / "srgan_table.png"
CROPS = REPO / "docs" / "images" / "srgan_crops.png"


def content(name: str) -> str | None:
    """The content loss of an SRGAN row ("srgan-vgg22" -> "vgg22"); None for SRResNet."""
    return name.split("-", 1)[1] if name.startswith("srgan-") else None


def run_dir(name: str, args: argparse.Namespace) -> Path:
    steps = args.srresnet_steps if name == "srresnet" else args.srgan_steps
    lr = f"-lr{args.srresnet_lr:g}" if name == "srresnet" and args.srresnet_lr != 1e-4 else ""
    stem = "srgan" if content(name) == "vgg54" else name  # the default content: no suffix
    return args.runs / f"{stem}-{args.size}-w{args.width}b{args.blocks}{lr}-{steps}"


def train_args(name: str, args: argparse.Namespace) -> list[str]:
    steps = args.srresnet_steps if name == "srresnet" else args.srgan_steps
    extra = (
        ["--content", str(content(name)), "--init", str(run_dir("srresnet", args))]
        if content(name)
        else ["--lr", f"{args.srresnet_lr:g}"]
    )
    return [
        "train", name.split("-")[0], "--data", "synthfaces", "--image-size", str(args.size), "--scale", "4",
        "--width", str(args.width), "--blocks", str(args.blocks), "--batch-size",
        str(args.batch_size), "--steps", str(steps), "--seed", "0", "--precision", "fp32",
        "--device", "cpu", "--sample-every", str(steps), "--checkpoint-every", "200",
        "--log-every", "20", "--json", *extra, "--out", str(run_dir(name, args)),
    ]  # fmt: skip


def train_one(name: str, args: argparse.Namespace) -> Path:
    """Train one model, or finish it; a run at the asked step is kept."""
    steps = args.srresnet_steps if name == "srresnet" else args.srgan_steps
    return train_or_finish(train_args(name, args), run_dir(name, args), steps)


def train_minutes(run: Path) -> float | None:
    """Wall minutes of a run, from its first to its last logged step (plus one interval)."""
    try:
        rows = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    except OSError:
        return None
    rows = [r for r in rows if "time" in r]
    if len(rows) < 2:
        return None
    per_step = (rows[-1]["time"] - rows[0]["time"]) / max(1, rows[-1]["step"] - rows[0]["step"])
    return per_step * rows[-1]["step"] / 60


def held_out(size: int, n: int) -> torch.Tensor:
    from gancli.data import load_data

    ds = load_data("synthfaces-test", image_size=size)
    return torch.as_tensor(np.asarray(ds.x[:n])).float().div(127.5).sub(1)


def as_8bit(x: torch.Tensor) -> torch.Tensor:
    """What a PNG keeps: floats rounded to the 256 levels."""
    return ((x.clamp(-1, 1) + 1) * 127.5).round() / 127.5 - 1


@torch.no_grad()
def upscale_all(run: Path, lr: torch.Tensor) -> torch.Tensor:
    from gancli.engine.model import load_model

    model = load_model(run, "cpu")
    return as_8bit(
        torch.cat([model.sample(lr[i : i + 50], batch=50) for i in range(0, len(lr), 50)])
    )


def detail(x: torch.Tensor) -> float:
    """Mean absolute Laplacian of the luma (pixels in [0, 1]): the images' high-frequency
    energy; below the real faces' is blur, above it is detail that is not there (noise, a grid)."""
    w = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
    y = ((x.clamp(-1, 1) + 1) / 2 * w).sum(1, keepdim=True)
    k = torch.tensor([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]]).view(1, 1, 3, 3)
    return float(torch.nn.functional.conv2d(y, k).abs().mean())


def write_pngs(x: torch.Tensor, folder: Path) -> Path:
    from PIL import Image

    from gancli.render import to_uint8_images

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for i, a in enumerate(to_uint8_images(x)):
        Image.fromarray(a).save(folder / f"{i:05d}.png")
    return folder


def fid_kid(folder: Path, n: int, size: int) -> dict[str, float]:
    return common_fid_kid(
        "--fake", str(folder), n=n, data="synthfaces-test", extra=("--image-size", str(size))
    )


def other_faces(n: int, size: int) -> torch.Tensor:
    from gancli.data import load_data

    ds = load_data("synthfaces", image_size=size)
    return torch.as_tensor(np.asarray(ds.x[:n])).float().div(127.5).sub(1)


def figure(outs: dict[str, torch.Tensor], k: int = 6) -> None:
    """Rows: k held-out faces; columns: each output then HR. And one crop of each, enlarged."""
    from PIL import Image

    from gancli.render import grid, to_uint8_images

    tiles = torch.stack([o[i] for i in range(k) for o in outs.values()])
    img = grid(to_uint8_images(tiles), nrow=len(outs))
    img = img.resize((img.width * 2, img.height * 2), Image.Resampling.NEAREST)
    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    img.save(FIGURE)
    s = next(iter(outs.values())).shape[-1]
    top, left, side = s * 5 // 16, s // 4, s // 2  # the eyes and nose
    crops = torch.stack(
        [o[i, :, top : top + side, left : left + side] for i in range(3) for o in outs.values()]
    )
    img = grid(to_uint8_images(crops), nrow=len(outs))
    img.resize((img.width * 6, img.height * 6), Image.Resampling.NEAREST).save(CROPS)


def measure(runs: dict[str, Path], args: argparse.Namespace) -> tuple[list, dict]:
    from gancli.metrics.ssim import paired_metrics
    from gancli.variants._superres import bicubic_up, downsample

    hr = held_out(args.size, args.n_test)
    lr = downsample(hr, 4)
    outs = {"bicubic": as_8bit(bicubic_up(lr, 4))}
    for name, run in runs.items():
        outs[name] = upscale_all(run, lr)
    work = args.runs / "eval"
    found, rows = {}, []
    for name, x in [
        *outs.items(),
        ("other real faces (floor)", other_faces(args.n_test, args.size)),
    ]:
        m = paired_metrics(x, hr) if name in outs else {}
        m["detail"] = detail(x) / detail(hr)
        m.update(fid_kid(write_pngs(x, work / name.split()[0]), args.n_test, args.size))
        found[name] = m
        minutes = train_minutes(runs[name]) if name in runs else None
        rows.append(
            [name, f"{minutes:.1f}" if minutes else "-",
             f"{m['psnr']:.2f}" if "psnr" in m else "-", f"{m['ssim']:.4f}" if "ssim" in m else "-",
             f"{m['detail']:.2f}", f"{m['fid']:.2f} ± {m['fid_se']:.2f}", f"{m['kid']:.4f}"]
        )  # fmt: skip
        print(name, m, flush=True)
    if not args.quick:
        figure({**outs, "HR": hr})
    return rows, found


def finding(found: dict, gans: list[str]) -> str:
    """The paper's shape, checked in words from the numbers, for each SRGAN row."""
    b, r = found["bicubic"], found["srresnet"]
    best_psnr = max(("bicubic", "srresnet", *gans), key=lambda k: found[k]["psnr"])
    parts = [
        f"Best PSNR: {best_psnr} ({found[best_psnr]['psnr']:.2f} dB; SRResNet {r['psnr']:.2f}, "
        f"bicubic {b['psnr']:.2f})."
    ]
    for name in gans:
        g = found[name]
        apart = (r["fid"] - g["fid"]) / max(g["fid_se"], r["fid_se"], 1e-9)
        fid_ok = apart >= 2  # a win clear of the bootstrap noise
        if best_psnr == "srresnet" and fid_ok:
            parts.append(
                f"{name}: the paper's shape holds at this budget: {g['psnr']:.2f} dB, less than "
                f"SRResNet's, and closer to the real faces in FID ({g['fid']:.2f} against "
                f"SRResNet's {r['fid']:.2f}, {apart:.1f} bootstrap SEs apart)."
            )
        else:
            what = (
                [] if best_psnr == "srresnet" else [f"{best_psnr}, not SRResNet, has the best PSNR"]
            )
            if not fid_ok:
                what.append(
                    f"its FID {g['fid']:.2f} is not clearly below SRResNet's {r['fid']:.2f} "
                    f"({apart:.1f} bootstrap SEs apart; 2 would be clear)"
                )
            parts.append(
                f"{name}: the paper's shape does not hold at this budget: {'; '.join(what)}."
            )
        if g["detail"] > 1.2:
            parts.append(
                f"But {name}'s images hold {g['detail']:.1f}x the real faces' high-frequency "
                "energy (detail / HR's): detail that is not in the faces, the grid and stripe "
                "patterns the crops show"
                + (
                    ", which these FID features score as closer to real than SRResNet's blur"
                    if fid_ok
                    else ""
                )
                + "; by eye it is not the paper's photo-realism."
            )
    return " ".join(parts)


def body(
    args: argparse.Namespace, table: str, found_text: str, minutes: float, trained: float
) -> str:
    cols = " | ".join(
        ["bicubic", "srresnet", *(f"srgan-{c}" for c in args.contents.split(",")), "HR"]
    )
    return "\n\n".join(
        [
            "## SRGAN: the paper's table on held-out synthfaces (x4, 16x16 -> 64x64)"
            if args.size == 64
            else f"## SRGAN: the paper's table on held-out synthfaces (x4 to {args.size}px)",
            f"Script: `python benchmarks/srgan_table.py --size {args.size} --width {args.width} "
            f"--blocks {args.blocks} --srresnet-steps {args.srresnet_steps} --srgan-steps "
            f"{args.srgan_steps} --contents {args.contents}` ({today()}; {machine_summary()}, one thread, fp32, a machine "
            f"shared with other work; each model's training time is in the table, {trained:.1f} "
            f"min together; the whole script took {minutes:.1f} min).",
            f"Models: `gan {' '.join(train_args('srresnet', args)[:-2])}`, then "
            f"`gan {' '.join(train_args('srgan-vgg54', args)[:-4])}` that run (`--content` as "
            "the row says). The paper's "
            "losses (SRResNet: MSE; SRGAN: content loss in VGG54 features + 1e-3 adversarial), "
            "D and Adam (SRGAN at the paper's 1e-4), batch 16; what the CPU budget changed: "
            f"SRResNet's rate is {args.srresnet_lr:g} (the paper's 1e-4 is for 10^6 updates; in a "
            "first run at 1e-4 the training MSE was still above bicubic's after 480), G has width "
            f"{args.width} and {args.blocks} residual blocks (the paper: 64 and 16), D the same "
            f"width, whole {args.size}x{args.size} faces instead of 96x96 crops, and "
            f"{args.srresnet_steps} + {args.srgan_steps} updates instead of 10^6 + 2x10^5. "
            "The VGG features (vgg54: phi_5,4, the paper's SRGAN; vgg22: phi_2,2, its "
            "SRGAN-VGG22) are VGG19's layers at a quarter of its widths with fixed random "
            "weights (no trained VGG19 offline; `--vgg-weights` takes one).",
            f"Measured on the first {args.n_test:,} faces of `synthfaces-test` (other faces than "
            "the training set's): the LR input made as in training (antialiased bicubic x1/4, "
            "8-bit), outputs rounded to 8 bits as `gan upscale` writes them. PSNR on RGB in "
            "[0, 1] over the whole image (the paper: luma, 4-pixel border cut), SSIM on luma "
            "(11x11 Gaussian window). FID and KID: `gan evaluate --fake DIR --data "
            "synthfaces-test --features classifier` (the project's offline SmallCNN, trained on "
            "the held-out faces' labels; a different network from the content loss's; ± its "
            "bootstrap SE), "
            "outputs against the real HR faces; 1,000 other real faces place the floor. Detail / "
            "HR's: the mean absolute Laplacian of the luma over the real faces' (below 1: blur; "
            "above: high frequencies the faces do not have).",
            table,
            found_text,
            f"![{cols}](images/srgan_table.png)",
            f"Rows: 6 held-out faces; columns: {cols} (the real face) "
            f"({args.size}x{args.size}, enlarged 2x). Below: the eyes of three of them, "
            "enlarged 6x, in the same order.",
            f"![crops: {cols}](images/srgan_crops.png)",
        ]
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--blocks", type=int, default=4)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--srresnet-steps", type=int, default=800)
    p.add_argument("--srgan-steps", type=int, default=300)
    p.add_argument(
        "--contents",
        default="vgg54,vgg22",
        help="SRGAN content losses, one row each: vgg54,vgg22,mse",
    )
    p.add_argument(
        "--srresnet-lr", type=float, default=5e-4, help="SRResNet's Adam rate (the paper: 1e-4)"
    )
    p.add_argument("--n-test", type=int, default=1000)
    p.add_argument("--train-only", action="store_true")
    p.add_argument("--quick", action="store_true", help="tiny runs and sets; prints only")
    args = p.parse_args()
    args.runs = RUNS
    if args.quick:
        args.runs = RUNS / "quick"
        args.size, args.width, args.blocks, args.batch_size = 32, 8, 1, 4
        args.srresnet_steps, args.srgan_steps, args.n_test = 3, 3, 100
    torch.set_num_threads(1)
    started = time.perf_counter()
    gans = [f"srgan-{c}" for c in args.contents.split(",")]
    runs = {name: train_one(name, args) for name in ("srresnet", *gans)}
    if args.train_only:
        return
    rows, found = measure(runs, args)
    table = markdown_table(
        [
            "outputs",
            "train (min)",
            "PSNR dB",
            "SSIM",
            "detail / HR's",
            "FID (classifier) ± SE",
            "KID",
        ],
        rows,
    )
    print(table)
    print(finding(found, gans))
    if not args.quick:
        minutes = (time.perf_counter() - started) / 60
        trained = sum(train_minutes(run) or 0.0 for run in runs.values())
        text = body(args, table, finding(found, gans), minutes, trained)
        write_section(DOC, "srgan_table", text + "\n")
        print("wrote docs/benchmarks.md,", FIGURE.relative_to(REPO), "and", CROPS.name)


if __name__ == "__main__":
    main()
