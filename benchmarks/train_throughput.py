"""Training speed: gancli's engine against the classic DCGAN loop, on a folder of JPEGs.

    python benchmarks/train_throughput.py           # full run; writes docs/performance.md
    python benchmarks/train_throughput.py --quick   # smoke run; prints the table only

Both sides train the same DCGAN (gancli.nets.dcgan, width 64 = pytorch/examples' ngf/ndf 64)
at 64x64, batch 64, for the same number of steps, on a folder of 128x128 JPEGs this script
renders itself (the procedural `shapes` set), so that both must resize 128 -> 64:

- classic: a re-implementation of pytorch/examples `dcgan/main.py`, the way most DCGAN code
  is written: torchvision ImageFolder + Resize/CenterCrop/ToTensor/Normalize, a DataLoader
  with 2 workers, fp32, contiguous tensors; the whole data pipeline runs every step.
- gancli: the real engine through the library (`Trainer(TrainOptions(...)).run()`), with its
  defaults: precision "auto", channels_last, EMA of G; the folder is decoded and resized once
  into its cache. A second gancli run with the other of fp32 / bf16 (whichever "auto" did not
  pick) shows what reduced precision is worth here.

Each side runs in its own subprocess, one after the other, while this process samples the
memory of its whole process tree (DataLoader workers included). Throughput is timed over the
steps after a warm-up; quality is a pixel-level Fréchet distance at equal steps (see
`quality`). Pass `--device cuda` to run both sides on a GPU.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    MIB,
    Measured,
    cpu_cores,
    cpu_seconds,
    frechet_distance,
    machine_summary,
    markdown_table,
    package_version,
    pixel_features,
    run_measured,
    tail,
    text_table,
    today,
    write_section,
)

REPO = Path(__file__).resolve().parent.parent
SECTION = "train_throughput"
IMAGE_SIZE, SOURCE_SIZE, JPEG_QUALITY = 64, 128, 90
BATCH, WIDTH, Z_DIM = 64, 64, 100
DATA_SEED, SAMPLE_SEED = 0, 1234
# The goals: gancli at least this many times the classic loop's images/s, on a CPU and on a GPU.
TARGETS = {"cpu": 2.5, "cuda": 3.0}
# Dense bf16 tensor-core peaks (TFLOP/s, no sparsity) from the vendor's data sheets, for model
# FLOP utilisation; matched against torch.cuda.get_device_name(). Unknown GPUs get no MFU.
BF16_PEAK_TFLOPS = (
    ("H100 PCIe", 756.0),
    ("H100 NVL", 835.0),
    ("H100", 989.4),  # SXM5 (the "H100 80GB HBM3")
    ("H200", 989.4),
    ("A100", 312.0),
    ("L40S", 362.1),
    ("L4", 121.0),
)

# The runs, in order: the classic loop; gancli with its default precision ("auto"); gancli with
# the other of fp32 / bf16, so the table shows what reduced precision is worth whichever one
# "auto" picks on this device (see main).
CLASSIC = ("classic", "fp32")


# ---- the data: a folder of JPEGs larger than the training size -------------------------------


def make_jpeg_folder(root: Path, n: int) -> Path:
    """`n` shapes images as 128x128 JPEGs (quality 90), one sub-folder per shape (the
    ImageFolder layout). Reused when `root` already holds the same set."""
    from PIL import Image

    from gancli.data.shapes import SHAPES, make_shapes

    folder = root / "jpegs"
    manifest = {"n": n, "size": SOURCE_SIZE, "quality": JPEG_QUALITY, "seed": DATA_SEED}
    stamp = root / "jpegs.json"
    if folder.is_dir() and stamp.exists() and json.loads(stamp.read_text()) == manifest:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    arrays = make_shapes(n, SOURCE_SIZE, DATA_SEED)
    assert arrays.labels is not None
    for name in SHAPES:
        (folder / name).mkdir(parents=True)
    for i, (img, label) in enumerate(zip(arrays.x, arrays.labels)):
        path = folder / SHAPES[int(label)] / f"{i:05d}.jpg"
        Image.fromarray(img.transpose(1, 2, 0)).save(path, quality=JPEG_QUALITY)
    stamp.write_text(json.dumps(manifest))
    return folder


def read_jpegs(folder: Path) -> np.ndarray:
    """Every JPEG in the folder, decoded as stored (uint8 N, 3, 128, 128), in a fixed order
    shuffled with DATA_SEED so that any prefix mixes the classes."""
    from PIL import Image

    paths = sorted(folder.rglob("*.jpg"))
    order = np.random.default_rng(DATA_SEED).permutation(len(paths))
    out = np.empty((len(paths), 3, SOURCE_SIZE, SOURCE_SIZE), np.uint8)
    for i, j in enumerate(order):
        with Image.open(paths[j]) as img:
            out[i] = np.asarray(img.convert("RGB")).transpose(2, 0, 1)
    return out


# ---- the subprocesses ------------------------------------------------------------------------


def _sync(device) -> None:
    """Wait for queued device work, so that a clock read means the steps are done."""
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _device_peak_mib(device) -> float | None:
    import torch

    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / MIB
    return None


def bf16_peak_tflops(device_name: str) -> float | None:
    for key, peak in BF16_PEAK_TFLOPS:
        if key in device_name:
            return peak
    return None


def step_flops(variant, real, labels) -> float:
    """Model FLOPs of one training step (D's loss and backward, then G's), counted by
    torch.utils.flop_counter as the step runs: convolutions and matrix products, forward and
    backward; the optimisers, EMA and elementwise work are not counted (the usual MFU
    convention). Gradients land in .grad and are cleared; no optimiser steps."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        d_loss, _ = variant.d_loss(real, labels)
        d_loss.backward()
        g_loss, _ = variant.g_loss(real, labels)
        g_loss.backward()
    for p in variant.nets.parameters():
        p.grad = None
    return float(counter.get_total_flops())


def child_classic(a: argparse.Namespace) -> dict:
    """pytorch/examples dcgan/main.py, minus its printing and image saving. The nets are
    gancli's (same layers and N(0, 0.02) init as the example's), whose D returns logits:
    BCEWithLogitsLoss is the example's Sigmoid + BCELoss in one numerically safer op."""
    import torch
    from torch import nn
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms

    from gancli.data import to_uint8
    from gancli.nets.dcgan import Discriminator, Generator

    wall0 = time.time()
    device = torch.device(a.device)
    torch.manual_seed(a.seed)
    dataset = datasets.ImageFolder(
        a.data,
        transform=transforms.Compose(
            [
                transforms.Resize(IMAGE_SIZE),
                transforms.CenterCrop(IMAGE_SIZE),
                transforms.ToTensor(),
                transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
            ]
        ),
    )
    loader = DataLoader(dataset, batch_size=BATCH, shuffle=True, num_workers=2, drop_last=True)
    net_g = Generator(z_dim=Z_DIM, channels=3, image_size=IMAGE_SIZE, width=WIDTH).to(device)
    net_d = Discriminator(channels=3, image_size=IMAGE_SIZE, width=WIDTH).to(device)
    criterion = nn.BCEWithLogitsLoss()
    opt_d = torch.optim.Adam(net_d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(net_g.parameters(), lr=2e-4, betas=(0.5, 0.999))

    step, t_warm, cpu_warm = 0, 0.0, 0.0
    while step < a.steps:
        for data in loader:
            # (1) D: maximise log D(x) + log(1 - D(G(z)))
            net_d.zero_grad()
            real = data[0].to(device)
            b = real.size(0)
            label = torch.full((b,), 1.0, dtype=real.dtype, device=device)
            err_d_real = criterion(net_d(real), label)
            err_d_real.backward()
            noise = torch.randn(b, Z_DIM, 1, 1, device=device)
            fake = net_g(noise)
            label.fill_(0.0)
            err_d_fake = criterion(net_d(fake.detach()), label)
            err_d_fake.backward()
            opt_d.step()
            # (2) G: maximise log D(G(z)), on the same fakes, as the example does
            net_g.zero_grad()
            label.fill_(1.0)
            err_g = criterion(net_d(fake), label)
            err_g.backward()
            opt_g.step()
            # The example reads its losses back every step (to print them).
            _ = (err_d_real + err_d_fake).item(), err_g.item()
            step += 1
            if step == a.warmup:
                _sync(device)
                t_warm, cpu_warm = time.time(), cpu_seconds()
            if step >= a.steps:
                break
    _sync(device)
    t_end, cpu_end = time.time(), cpu_seconds()

    net_g.eval()  # sampled like gancli's generators: batch norm on its running statistics
    z = torch.randn(a.samples, Z_DIM, generator=torch.Generator().manual_seed(SAMPLE_SEED))
    with torch.no_grad():
        out = torch.cat(
            [net_g(z[i : i + 250].to(device)).float().cpu() for i in range(0, len(z), 250)]
        )
    np.save(a.result_dir / "samples_g.npy", to_uint8(out).numpy())
    return {
        "precision": "fp32",
        "img_per_s": (a.steps - a.warmup) * BATCH / (t_end - t_warm),
        "cpu_s_per_1k": 1000 * (cpu_end - cpu_warm) / ((a.steps - a.warmup) * BATCH),
        "time_to_steps_s": t_end - wall0,
        "cache_build_s": None,
        "device_peak_mib": _device_peak_mib(device),
        "flops_per_img": None,  # the same nets and work as gancli's: the parent fills it in
        "compiled": False,
        "samples": {"G": "samples_g.npy"},
    }


def child_gancli(a: argparse.Namespace) -> dict:
    """The engine as a user's `gan train dcgan --data DIR` runs it, from the library. Its
    metrics.jsonl gets a record every `warmup` steps and at the last step, each written after
    the losses were read back from the device; the timed span is from the record at the
    warm-up step to the one at the last step."""
    import torch

    import gancli.engine.loop
    from gancli.data import load_data, to_uint8
    from gancli.engine.device import autocast
    from gancli.engine.loop import Trainer
    from gancli.engine.options import TrainOptions

    cpu_at: dict[int, float] = {}

    class CpuNotingReporter(gancli.engine.loop.Reporter):
        # The loop calls log() right after it writes each metrics.jsonl record.
        def log(self, record: dict) -> None:
            cpu_at[record["step"]] = cpu_seconds()
            super().log(record)

    gancli.engine.loop.Reporter = CpuNotingReporter

    wall0 = time.time()
    # GANCLI_CACHE points at an empty folder (the parent made it), so this first load
    # decodes and resizes every JPEG: the one-time cost a user pays on a new folder.
    t = time.perf_counter()
    load_data(a.data, image_size=IMAGE_SIZE)
    cache_s = time.perf_counter() - t

    out = a.result_dir / "run"
    opts = TrainOptions(
        variant="dcgan",
        data=str(a.data),
        image_size=IMAGE_SIZE,
        batch_size=BATCH,
        width=WIDTH,
        steps=a.steps,
        sample_every=10**9,
        checkpoint_every=10**9,
        log_every=a.warmup,
        out=str(out),
        device=a.device,
        precision=a.precision,
        seed=a.seed,
        compile=a.compile_nets,
        compile_mode=a.compile_mode if a.compile_nets else "default",
    )
    trainer = Trainer(opts, quiet=True)
    trainer.run()
    real, labels = trainer.batcher.next()
    with autocast(trainer.device, trainer.precision):
        flops = step_flops(trainer.variant, real, labels)
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    at = {r["step"]: r["time"] for r in records}

    z = trainer.variant.sample_z(a.samples, torch.Generator().manual_seed(SAMPLE_SEED))
    for ema, name in ((True, "samples_ema.npy"), (False, "samples_g.npy")):
        np.save(a.result_dir / name, to_uint8(trainer.model.sample(z, ema=ema)).cpu().numpy())
    return {
        "precision": trainer.precision,
        "img_per_s": (a.steps - a.warmup) * BATCH / (at[a.steps] - at[a.warmup]),
        "cpu_s_per_1k": 1000
        * (cpu_at[a.steps] - cpu_at[a.warmup])
        / ((a.steps - a.warmup) * BATCH),
        "time_to_steps_s": at[a.steps] - wall0,
        "cache_build_s": cache_s,
        "device_peak_mib": _device_peak_mib(trainer.device),
        "flops_per_img": flops / BATCH,
        "compiled": bool(a.compile_nets),
        "compile_mode": a.compile_mode if a.compile_nets else None,
        "samples": {"EMA G": "samples_ema.npy", "G": "samples_g.npy"},
    }


def compile_flag(r: dict | argparse.Namespace) -> str:
    """How the compiled run was asked for, as `gan train` spells it."""
    mode = r.get("compile_mode") if isinstance(r, dict) else r.compile_mode
    return "--compile" if mode in (None, "default") else f"--compile-mode {mode}"


def compile_error(log: str) -> str:
    """The line of a failed run's log that says what went wrong (its last exception)."""
    lines = [ln.strip() for ln in log.splitlines() if ln.strip()]
    errors = [ln for ln in lines if re.match(r"^[A-Za-z_.]*(Error|Exception): ", ln)]
    return (errors or lines or ["no output"])[-1][:300]


def run_child(a: argparse.Namespace) -> None:
    import torch

    if a.threads:
        torch.set_num_threads(a.threads)
    a.result_dir = Path(a.result_dir)
    result = (child_classic if a.child == "classic" else child_gancli)(a)
    (a.result_dir / "result.json").write_text(json.dumps(result))


# ---- the parent: run both sides, measure, report ---------------------------------------------


def launch(
    args: argparse.Namespace,
    loop: str,
    precision: str,
    data: Path,
    work: Path,
    compile_nets: bool = False,
) -> dict:
    tag = f"{loop}-{precision}" + ("-compile" if compile_nets else "")
    result_dir = work / tag
    shutil.rmtree(result_dir, ignore_errors=True)
    result_dir.mkdir(parents=True)
    env = dict(
        os.environ, PYTHONUNBUFFERED="1", HF_HUB_OFFLINE="1", GANCLI_CACHE=str(result_dir / "cache")
    )  # empty: the cache build is timed
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        loop,
        "--precision",
        precision,
        "--data",
        str(data),
        "--result-dir",
        str(result_dir),
        "--steps",
        str(args.steps),
        "--warmup",
        str(args.warmup),
        "--samples",
        str(args.samples),
        "--device",
        args.device,
        "--seed",
        str(args.seed),
    ]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
        env["OMP_NUM_THREADS"] = str(args.threads)
    if compile_nets:
        cmd += ["--compile-nets", "--compile-mode", args.compile_mode]
    load = os.getloadavg()[0]
    print(f"  {tag}: {args.steps} steps (load average {load:.1f}) ...", flush=True)
    m: Measured = run_measured(cmd, result_dir / "log.txt", env=env)
    if m.returncode != 0:
        raise SystemExit(
            f"the {tag} run failed (exit {m.returncode}):\n{tail(result_dir / 'log.txt')}"
        )
    res = json.loads((result_dir / "result.json").read_text())
    res.update(
        default=precision == "auto",
        loop=loop,
        load=load,
        wall_s=m.wall_s,
        peak_rss_mib=m.peak_rss / MIB,
        peak_pss_mib=None if m.peak_pss is None else m.peak_pss / MIB,
        samples={k: np.load(result_dir / v) for k, v in res["samples"].items()},
    )
    print(f"  {tag}: {res['img_per_s']:.1f} img/s, {res['wall_s']:.0f} s", flush=True)
    return res


def quality(results: list[dict], real: np.ndarray, n: int) -> float:
    """Pixel FD (8x8): each image average-pooled to 8x8 (3*64 = 192 features in [0, 1]) and
    the Fréchet distance to `n` real images. Sees colour, position and size of blobs, not
    shape detail: a rough check that one loop's samples are not worse, not an FID.
    Returns the same distance between two disjoint real sets: the floor for this n."""
    ref = pixel_features(real[:n])
    for r in results:
        r["fd"] = {k: frechet_distance(pixel_features(v), ref) for k, v in r["samples"].items()}
    return frechet_distance(pixel_features(real[n : 2 * n]), ref)


def tile(images: np.ndarray, nrow: int, pad: int = 2, fill: int = 96) -> np.ndarray:
    """uint8 (N, C, H, W) -> one (rows*(H+pad)+pad, nrow*(W+pad)+pad, C) picture; a grey
    padding, because the shapes sit on black and black lines would vanish between them."""
    n, c, h, w = images.shape
    rows = math.ceil(n / nrow)
    out = np.full((rows * (h + pad) + pad, nrow * (w + pad) + pad, c), fill, np.uint8)
    for i, img in enumerate(images):
        r, k = divmod(i, nrow)
        y, x = pad + r * (h + pad), pad + k * (w + pad)
        out[y : y + h, x : x + w] = img.transpose(1, 2, 0)
    return out


def sample_sheet(results: list[dict], real: np.ndarray, path: Path, k: int = 4) -> None:
    """k x k samples of each run side by side, real images first, each with a caption."""
    from PIL import Image, ImageDraw

    def small(x: np.ndarray) -> np.ndarray:  # 128 -> 64 by 2x2 means, like the samples
        n, c, h, w = x.shape
        return x.reshape(n, c, h // 2, 2, w // 2, 2).mean(axis=(3, 5)).round().astype(np.uint8)

    panels = [("real (the JPEG folder)", small(real[-k * k :]))]
    for r in results:
        which = "EMA G" if "EMA G" in r["samples"] else "G"
        label = "EMA of G" if which == "EMA G" else "G"
        panels.append((f"{r['loop']} {r['precision']}: {label}", r["samples"][which][: k * k]))
    tiles = [tile(x, k) for _, x in panels]
    caption, gap = 18, 8
    width = sum(t.shape[1] for t in tiles) + gap * (len(tiles) - 1)
    sheet = Image.new("RGB", (width, tiles[0].shape[0] + caption), "white")
    draw = ImageDraw.Draw(sheet)
    x = 0
    for (title, _), t in zip(panels, tiles):
        draw.text((x + 4, 3), title, fill="black")
        sheet.paste(Image.fromarray(t), (x, caption))
        x += t.shape[1] + gap
    path.parent.mkdir(parents=True, exist_ok=True)
    # A 256-colour palette keeps the PNG small (early samples are noise, which never
    # compresses) and shows nothing a reader could tell apart at this size.
    sheet.quantize(256, dither=Image.Dither.NONE).save(path, optimize=True)


def fmt(v: float | None, digits: int = 1) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{digits}f}"


def device_name(device: str) -> str | None:
    if not device.startswith("cuda"):
        return None
    import torch

    return torch.cuda.get_device_name(torch.device(device))


def table(
    results: list[dict], steps: int, peak_tflops: float | None = None
) -> tuple[list[str], list[list[str]]]:
    base = results[0]["img_per_s"]
    headers = [
        "loop",
        "precision",
        "img/s",
        "x classic",
        "CPU s / 1k img",
        "peak RSS MiB (sum)",
        "peak PSS MiB",
        f"pixel FD (8x8) @{steps}, EMA G",
        f"pixel FD (8x8) @{steps}, G",
        "cache build s",
        f"s to step {steps}",
    ]
    rows = []
    for r in results:
        name = (
            "classic (ImageFolder + DataLoader, 2 workers)"
            if r["loop"] == "classic"
            else "gancli (Trainer" + (f", {compile_flag(r)})" if r.get("compiled") else ")")
        )
        rows.append(
            [
                name,
                r["precision"] + (" (auto)" if r.get("default") else ""),
                fmt(r["img_per_s"]),
                f"{r['img_per_s'] / base:.2f}",
                fmt(r["cpu_s_per_1k"]),
                fmt(r["peak_rss_mib"], 0),
                fmt(r["peak_pss_mib"], 0),
                fmt(r["fd"].get("EMA G"), 3),
                fmt(r["fd"].get("G"), 3),
                fmt(r["cache_build_s"]),
                fmt(r["time_to_steps_s"], 0),
            ]
        )
    if any(r["device_peak_mib"] is not None for r in results):
        headers.append("peak device MiB")
        for row, r in zip(rows, results):
            row.append(fmt(r["device_peak_mib"], 0))
    flops = next((r["flops_per_img"] for r in results if r.get("flops_per_img")), None)
    if peak_tflops and flops:
        headers += ["model TFLOP/s", "MFU (bf16 peak)"]
        for row, r in zip(rows, results):
            achieved = r["img_per_s"] * flops / 1e12
            row += [fmt(achieved, 2), f"{100 * achieved / peak_tflops:.2f}%"]
    return headers, rows


def doc_section(
    args: argparse.Namespace, results: list[dict], floor: float, took: float, command: str
) -> str:
    gpu = device_name(args.device)
    peak = bf16_peak_tflops(gpu) if gpu else None
    headers, rows = table(results, args.steps, peak)
    classic, default, other = results[:3]
    compiled = results[3] if len(results) > 3 else None
    base = classic["img_per_s"]
    ratio = default["img_per_s"] / base
    target = TARGETS["cuda" if gpu else "cpu"]
    verdict = "met" if ratio >= target else "**not met**"
    max_load = max(r["load"] for r in results)
    flops = default.get("flops_per_img")
    gpu_lines = []
    if gpu:
        gpu_lines.append(
            f"- GPU: {gpu}. Model FLOPs per image: {flops / 1e9:.2f} GFLOP (one D step and one "
            "G step, forward and backward, counted by `torch.utils.flop_counter` on gancli's "
            "step; the classic loop does the same convolutions). `model TFLOP/s` = img/s x "
            "that; MFU divides it by the GPU's dense bf16 peak"
            + (f" ({peak:g} TFLOP/s, data sheet)" if peak else " (unknown for this GPU)")
            + ", whatever precision the row ran in."
        )
        if getattr(args, "compile_failure", None):
            gpu_lines.append(
                f"- `{compile_flag(args)}`: the run with `torch.compile` of both nets "
                f"**failed** on this machine's torch, so it has no row: `{args.compile_failure}`"
            )
        if compiled is not None:
            gpu_lines.append(
                f"- `{compile_flag(compiled)}`: {compiled['precision']} with `torch.compile` "
                f"of both nets; its img/s is {compiled['img_per_s'] / default['img_per_s']:.2f}x the eager "
                f"{default['precision']} run's. Its warm-up steps include the compilation "
                "(see `s to step`)."
            )
    title = "on a GPU" if gpu else ""
    lines = [
        f"## Training throughput{' ' + title if title else ''}: gancli against the classic "
        "DCGAN loop",
        "",
        f"`{command}` on {args.device}{f' ({gpu})' if gpu else ''}: {machine_summary()}; "
        "torchvision "
        f"{package_version('torchvision')}; {today()}; the whole run took {took / 60:.1f} min; "
        "load average (1 min) as each run started: "
        + ", ".join(f"{r['loop']} {r['precision']} {r['load']:.1f}" for r in results)
        + ".",
        "",
        markdown_table(headers, rows),
        "",
        f"gancli with its default precision ({default['precision']}) trains at **{ratio:.2f}x** "
        f"the classic loop's images/s (target {target}x: {verdict}); with {other['precision']} "
        f"it is {other['img_per_s'] / base:.2f}x. Per image, the classic loop uses "
        f"{classic['cpu_s_per_1k'] / default['cpu_s_per_1k']:.2f}x the CPU time of gancli "
        f"{default['precision']} and {classic['cpu_s_per_1k'] / other['cpu_s_per_1k']:.2f}x "
        f"that of gancli {other['precision']}."
        + (
            f" **The machine was shared during this run** (load average up to {max_load:.1f} "
            f"on {cpu_cores()} cores): every rate is lower and noisier than on an idle machine"
            + (
                "; with one thread per run, CPU time per image is the steadier comparison."
                if args.threads == 1
                else ", and CPU times are inflated too (OpenMP threads spin while a sibling "
                "thread is preempted); re-run on an idle machine, or with `--threads 1`, for "
                "numbers to compare."
            )
            if max_load > cpu_cores()
            else ""
        ),
        "",
        "How it is measured:",
        "",
        *gpu_lines,
        *(
            [
                f"- Threads: every run used {args.threads} torch thread(s) (`--threads`, also "
                "OMP_NUM_THREADS); on a shared machine this keeps OpenMP threads from spinning "
                "on preempted siblings, so CPU time per image stays comparable between runs."
            ]
            if args.threads
            else []
        ),
        f"- Data: {args.images} procedural `shapes` images saved as {SOURCE_SIZE}x{SOURCE_SIZE} "
        f"JPEGs (quality {JPEG_QUALITY}) in ImageFolder layout; both loops train at "
        f"{IMAGE_SIZE}x{IMAGE_SIZE}, so both resize (classic: every step, in its DataLoader "
        "workers; gancli: once, into its cache).",
        f"- Model: DCGAN with width 64 (pytorch/examples' ngf = ndf = 64), z 100-d, batch "
        f"{BATCH}, Adam 2e-4 (0.5, 0.999), the same `gancli.nets.dcgan` nets on both sides. "
        "The classic loop is pytorch/examples `dcgan/main.py` (ImageFolder, Resize, CenterCrop, "
        "ToTensor, Normalize; DataLoader with 2 workers, shuffle, drop_last; fp32; BCE; its G "
        "step reuses the D step's fakes). gancli is `Trainer(TrainOptions(...)).run()` with "
        "its defaults (precision auto, channels_last, EMA of G, random flips; like the "
        "classic loop and dcgan.torch, its G step reuses the D step's fakes).",
        f"- img/s: real images per second over steps {args.warmup + 1}-{args.steps}, after "
        f"{args.warmup} warm-up steps (for gancli from the `metrics.jsonl` records at those "
        "steps, each written after the losses were read back). `s to step` counts from the "
        "subprocess's start (after imports) and includes gancli's cache build. "
        "`CPU s / 1k img`: CPU seconds (user + system) of the whole process tree, DataLoader "
        "workers included, over the same steps, per 1,000 images.",
        "- Memory: each run is its own subprocess; the peak is of the sum over its process "
        "tree (DataLoader workers included), sampled every 0.1 s. RSS counts pages that "
        "forked workers share with their parent once per process; PSS (sampled every 1 s) "
        "splits them, so it is the real footprint.",
        f"- Quality, at {args.steps} steps on every side: {args.samples} samples (batch norm "
        "in eval mode) against "
        f"{args.samples} real images, both average-pooled to 8x8: a Fréchet distance on "
        "these 192 pixel features. A rough check that one loop is not worse, not an FID. "
        f"Two disjoint sets of {args.samples} real images are {floor:.4f} apart (the floor)."
        + (
            f" Here every run is still far from the data after {args.steps} steps (all FDs "
            "are many times the floor, see the samples), so the check only says that the "
            "loops are at the same early stage."
            if min(v for r in results for v in r["fd"].values()) > 10 * floor
            else ""
        ),
        "",
        f"![samples after {args.steps} steps](images/{Path(args.image).name})",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--steps", type=int, default=None, help="training steps per run (default 200)")
    p.add_argument(
        "--warmup", type=int, default=None, help="steps before the clock starts (default 25)"
    )
    p.add_argument("--images", type=int, default=None, help="JPEGs to render (default 2000)")
    p.add_argument(
        "--samples",
        type=int,
        default=None,
        help="samples (and real images) for the pixel FD (default 1000)",
    )
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N (default cpu)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--threads", type=int, default=None, help="torch threads in each run (default: torch's)"
    )
    p.add_argument(
        "--work",
        type=Path,
        default=None,
        help="keep the JPEGs and the runs here (default: a temp folder, removed)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="a short smoke run (few steps, small sets); writes no docs",
    )
    p.add_argument(
        "--compile",
        action="store_true",
        help="add a run of gancli (default precision) with torch.compile of both nets",
    )
    p.add_argument(
        "--compile-mode",
        default="default",
        help="torch.compile mode of that run (gan train --compile-mode): default, "
        "reduce-overhead (CUDA graphs on a GPU), max-autotune, ...",
    )
    p.add_argument("--no-write", action="store_true", help="print the table only")
    p.add_argument("--doc", type=Path, default=REPO / "docs" / "performance.md")
    p.add_argument(
        "--image",
        type=Path,
        default=None,
        help="the sample sheet (default docs/images/throughput_samples[_cuda].png)",
    )
    # Internal: the subprocess that runs one side.
    p.add_argument("--child", choices=["classic", "gancli"], help=argparse.SUPPRESS)
    p.add_argument("--precision", default="auto", help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--result-dir", help=argparse.SUPPRESS)
    p.add_argument("--compile-nets", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    suffix = "" if a.device == "cpu" else "_" + a.device.split(":")[0]
    a.section = SECTION + suffix
    if a.image is None:
        a.image = REPO / "docs" / "images" / f"throughput_samples{suffix}.png"
    quick = {"steps": 12, "warmup": 4, "images": 400, "samples": 200}
    full = {"steps": 200, "warmup": 25, "images": 2000, "samples": 1000}
    for key, value in (quick if a.quick else full).items():
        if getattr(a, key) is None:
            setattr(a, key, value)
    if not 0 < a.warmup < a.steps:
        p.error("need 0 < --warmup < --steps")
    if a.images < 2 * a.samples or a.images < BATCH:
        p.error(
            "--images must be at least 2 x --samples (a reference and a floor set) and "
            f"at least the batch ({BATCH})"
        )
    return a


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        run_child(args)
        return
    try:
        import psutil  # noqa: F401
    except ImportError:
        raise SystemExit("this benchmark needs psutil: pip install psutil") from None
    started = time.perf_counter()
    command = shlex.join(["python", "benchmarks/train_throughput.py", *sys.argv[1:]])
    work = args.work or Path(tempfile.mkdtemp(prefix="gancli-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        print(f"{machine_summary()}\nwork folder: {work}", flush=True)
        data = make_jpeg_folder(work, args.images)
        results = [launch(args, *CLASSIC, data, work), launch(args, "gancli", "auto", data, work)]
        other = "bf16" if results[1]["precision"] == "fp32" else "fp32"
        results.append(launch(args, "gancli", other, data, work))
        args.compile_failure = None
        if args.compile:
            # torch.compile is the part most likely to break with a new torch or GPU: a failed
            # compiled run is reported, and the eager runs' table still written.
            try:
                results.append(launch(args, "gancli", "auto", data, work, compile_nets=True))
            except SystemExit as e:
                args.compile_failure = compile_error(str(e))
                print(f"  the compiled run failed: {args.compile_failure}", flush=True)
        results[0]["flops_per_img"] = results[1]["flops_per_img"]
        real = read_jpegs(data)
        floor = quality(results, real, args.samples)
        took = time.perf_counter() - started
        gpu = device_name(args.device)
        headers, rows = table(results, args.steps, bf16_peak_tflops(gpu) if gpu else None)
        print()
        print(text_table(headers, rows))
        print(
            f"\npixel FD floor (two real sets of {args.samples}): {floor:.4f}; "
            f"run took {took / 60:.1f} min"
        )
        if not (args.quick or args.no_write):
            sample_sheet(results, real, args.image)
            write_section(args.doc, args.section, doc_section(args, results, floor, took, command))
            print(f"wrote {args.doc} and {args.image}")
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
