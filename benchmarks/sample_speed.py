"""How fast `gan sample -n 50000 --out-dir` writes one PNG per sample (what FID tools read),
against a single-threaded PIL loop.

    python benchmarks/sample_speed.py            # 50,000 samples; writes docs/performance.md
    python benchmarks/sample_speed.py --quick    # 2,000 samples; prints the table only

The checkpoint is a DCGAN for 32x32 RGB images (CIFAR-10's size; width 64, z 100) after one
training step on the procedural shapes: sampling costs the same whatever the weights. Each way
runs in a fresh process and is timed there from loading the checkpoint to the last file
written (imports and process start are left out):

- PIL loop: the plain way, one process and one thread of Python: generate a batch, then save
  each image with `PIL.Image.save`, then the next batch;
- gan sample: `gan sample CKPT -n N --out-dir DIR` (the command's function, as the CLI calls
  it), with one worker process per core. On a CPU each worker loads the checkpoint and both
  generates (one torch thread) and encodes its own batches of 256; with `--device cuda` this
  process generates on the GPU and the workers only encode.

Both write the same files with PIL's default PNG settings; this script checks that the two
folders hold identical images. Threads for torch are whatever the environment says
(OMP_NUM_THREADS), the same for both, and are reported with the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    cpu_cores,
    machine_summary,
    markdown_table,
    text_table,
    today,
    write_section,
)

REPO = Path(__file__).resolve().parent.parent
SECTION = "sample_speed"
BATCH = 256


def child(mode: str, ckpt: str, n: int, out: str, device: str) -> None:
    """Runs in its own process: one way of writing n PNGs, timed; prints one JSON line."""
    import torch  # noqa: F401 - imported before the clock starts, as in both ways

    t0 = time.perf_counter()
    if mode == "pil-loop":
        from PIL import Image

        from gancli.engine.model import load_model
        from gancli.latent.priors import seeded_latents
        from gancli.render import to_uint8_images

        model = load_model(ckpt, device)
        z = seeded_latents(model.variant, list(range(n)))
        Path(out).mkdir(parents=True, exist_ok=True)
        for i in range(0, n, BATCH):
            images = to_uint8_images(model.sample(z[i : i + BATCH], batch=BATCH))
            for j, img in enumerate(images):
                Image.fromarray(img[..., 0] if img.shape[-1] == 1 else img).save(
                    Path(out) / f"{i + j:06d}.png"
                )
    else:
        from gancli.api.sample import SampleOptions, sample

        sample(str(ckpt), SampleOptions(n=n, out_dir=Path(out), batch_size=BATCH, device=device))
    wall = time.perf_counter() - t0
    print(json.dumps({"mode": mode, "n": n, "wall_s": wall, "img_per_s": n / wall}))


def run(mode: str, ckpt: Path, n: int, out: Path, device: str) -> dict:
    cmd = [sys.executable, __file__, "--child", mode, str(ckpt), str(n), str(out), device]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    if r.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{r.stdout}\n{r.stderr}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def same_images(a: Path, b: Path) -> bool:
    import numpy as np
    from PIL import Image

    names = sorted(p.name for p in a.iterdir())
    if names != sorted(p.name for p in b.iterdir()):
        return False
    return all(
        np.array_equal(np.asarray(Image.open(a / f)), np.asarray(Image.open(b / f))) for f in names
    )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="2,000 samples, no docs update")
    ap.add_argument("-n", type=int, default=None, help="samples (default 50,000; quick 2,000)")
    ap.add_argument(
        "--device", default="cpu", help="where the generator runs: cpu (default) or cuda"
    )
    ap.add_argument("--doc", type=Path, default=REPO / "docs" / "performance.md")
    ap.add_argument(
        "--repeats", type=int, default=3, help="runs of each way, alternating (median shown)"
    )
    ap.add_argument(
        "--child", nargs=5, metavar=("MODE", "CKPT", "N", "OUT", "DEVICE"), help=argparse.SUPPRESS
    )
    args = ap.parse_args()
    if args.child:
        mode, ckpt, n, out, device = args.child
        child(mode, ckpt, int(n), out, device)
        return
    n = args.n or (2000 if args.quick else 50_000)

    work = Path(tempfile.mkdtemp(prefix="gancli-sample-speed-"))
    env = {**os.environ, "GAN_ZOO_REGISTER": "0", "GANCLI_CACHE": str(work / "cache")}
    try:
        ckpt = work / "run"
        train = [
            sys.executable, "-m", "gancli", "train", "dcgan", "--data", "shapes",
            "--image-size", "32", "--channels", "3", "--width", "64", "--batch-size", "16",
            "--steps", "1", "--precision", "fp32", "--device", "cpu", "--out", str(ckpt),
            "--quiet",
        ]  # fmt: skip
        subprocess.run(train, check=True, env=env, cwd=REPO, capture_output=True)
        runs: dict[str, list[dict]] = {"pil-loop": [], "gan-sample": []}
        identical = True
        for _ in range(args.repeats):  # the two ways alternate, so drifts hit both alike
            for mode in runs:
                shutil.rmtree(work / mode, ignore_errors=True)
                runs[mode].append(run(mode, ckpt, n, work / mode, args.device))
            identical = identical and same_images(work / "pil-loop", work / "gan-sample")
        # Each way's median run (by time), with the range of its repeats.
        results = {
            mode: {**sorted(rs, key=lambda r: r["wall_s"])[len(rs) // 2], "all": rs}
            for mode, rs in runs.items()
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)

    base = results["pil-loop"]["img_per_s"]
    headers = ["way", "images", "seconds (median)", "range s", "images/s", "vs PIL loop"]
    rows = [
        [
            label,
            f"{r['n']:,}",
            f"{r['wall_s']:.1f}",
            "-".join(
                f"{v:.1f}"
                for v in (min(x["wall_s"] for x in r["all"]), max(x["wall_s"] for x in r["all"]))
            ),
            f"{r['img_per_s']:,.0f}",
            f"{r['img_per_s'] / base:.2f}x",
        ]
        for label, r in (
            ("single-threaded PIL loop", results["pil-loop"]),
            (f"gan sample --out-dir ({cpu_cores()} workers)", results["gan-sample"]),
        )
    ]
    threads = os.environ.get("OMP_NUM_THREADS", "torch default")
    command = " ".join(["python", "benchmarks/sample_speed.py", *sys.argv[1:]])
    gpu = None
    if args.device.startswith("cuda"):
        import torch

        gpu = torch.cuda.get_device_name(torch.device(args.device))
    print(text_table(headers, rows))
    print(f"identical images: {identical}; OMP_NUM_THREADS={threads}")
    if not identical:
        raise SystemExit("the two ways wrote different images")
    if args.quick:
        return
    body = "\n\n".join(
        [
            "## Sampling to PNG files: `gan sample --out-dir` against a PIL loop"
            + (" (generator on a GPU)" if gpu else ""),
            f"`{command}`, {today()}, on {machine_summary()}"
            + (f"; generator on {gpu}" if gpu else "")
            + "; "
            f"OMP_NUM_THREADS={threads}. A 32x32 RGB DCGAN (width 64), {n:,} samples, batches "
            f"of {BATCH}, PIL's default PNG settings; both ways wrote identical images. Each "
            f"way ran {args.repeats} times, alternating with the other; the table shows the "
            "median run and the range. Timed "
            "from loading the checkpoint to the last file, the workers' start (each imports "
            "torch and loads the checkpoint) included. The PIL loop's generator uses torch's "
            "threads; "
            + (
                "`gan sample` generates on the GPU and its workers only encode."
                if gpu
                else "in `gan sample` each worker generates its own batches with one thread, "
                "then encodes them, so the generator's fp32 work is spread over the cores too."
            ),
            markdown_table(headers, rows),
        ]
    )
    section = SECTION if args.device == "cpu" else f"{SECTION}_{args.device.split(':')[0]}"
    write_section(args.doc, section, body)
    print(f"wrote {args.doc}")


if __name__ == "__main__":
    main()
