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
  it): batches of 256 from the generator while worker processes (one per core) encode PNGs.

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


def child(mode: str, ckpt: str, n: int, out: str) -> None:
    """Runs in its own process: one way of writing n PNGs, timed; prints one JSON line."""
    import torch  # noqa: F401 - imported before the clock starts, as in both ways

    t0 = time.perf_counter()
    if mode == "pil-loop":
        from PIL import Image

        from gancli.engine.model import load_model
        from gancli.latent.priors import seeded_latents
        from gancli.render import to_uint8_images

        model = load_model(ckpt)
        z = seeded_latents(model.variant, list(range(n)))
        Path(out).mkdir(parents=True, exist_ok=True)
        for i in range(0, n, BATCH):
            images = to_uint8_images(model.sample(z[i : i + BATCH], batch=BATCH))
            for j, img in enumerate(images):
                Image.fromarray(img[..., 0] if img.shape[-1] == 1 else img).save(
                    Path(out) / f"{i + j:06d}.png"
                )
    else:
        from gancli.cli.sample import sample

        sample(ckpt=ckpt, n=n, out_dir=Path(out), batch_size=BATCH, seed=0, device="cpu")
    wall = time.perf_counter() - t0
    print(json.dumps({"mode": mode, "n": n, "wall_s": wall, "img_per_s": n / wall}))


def run(mode: str, ckpt: Path, n: int, out: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", mode, str(ckpt), str(n), str(out)]
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
        "--child", nargs=4, metavar=("MODE", "CKPT", "N", "OUT"), help=argparse.SUPPRESS
    )
    args = ap.parse_args()
    if args.child:
        mode, ckpt, n, out = args.child
        child(mode, ckpt, int(n), out)
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
        results = {}
        for mode in ("pil-loop", "gan-sample"):
            results[mode] = run(mode, ckpt, n, work / mode)
        identical = same_images(work / "pil-loop", work / "gan-sample")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    base = results["pil-loop"]["img_per_s"]
    headers = ["way", "images", "seconds", "images/s", "vs PIL loop"]
    rows = [
        [
            label,
            f"{r['n']:,}",
            f"{r['wall_s']:.1f}",
            f"{r['img_per_s']:,.0f}",
            f"{r['img_per_s'] / base:.2f}x",
        ]
        for label, r in (
            ("single-threaded PIL loop", results["pil-loop"]),
            (f"gan sample --out-dir ({cpu_cores()} workers)", results["gan-sample"]),
        )
    ]
    threads = os.environ.get("OMP_NUM_THREADS", "torch default")
    print(text_table(headers, rows))
    print(f"identical images: {identical}; OMP_NUM_THREADS={threads}")
    if not identical:
        raise SystemExit("the two ways wrote different images")
    if args.quick:
        return
    body = "\n\n".join(
        [
            "## Sampling to PNG files: `gan sample --out-dir` against a PIL loop",
            f"`python benchmarks/sample_speed.py`, {today()}, on {machine_summary()}; "
            f"OMP_NUM_THREADS={threads}. A 32x32 RGB DCGAN (width 64), {n:,} samples, batches "
            f"of {BATCH}, PIL's default PNG settings; both ways wrote identical images. Timed "
            "from loading the checkpoint to the last file.",
            markdown_table(headers, rows),
        ]
    )
    write_section(REPO / "docs/performance.md", SECTION, body)
    print("wrote docs/performance.md")


if __name__ == "__main__":
    main()
