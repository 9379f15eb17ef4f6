"""`gan train dcgan --data faces/` on a folder of real face photos: the 100 LFW faces that
scikit-image ships, written out as a user's folder (never committed).

    python benchmarks/real_faces.py                 # trains, measures, writes docs
    python benchmarks/real_faces.py --quick         # smoke run; prints only

The photos are 25x25 grey crops; they are written as PNGs upscaled to mixed sizes (25 to 250
px), so the folder has what a user's has: sizes and modes that differ. The run is
`gan train dcgan --data FOLDER --image-size 64 --width 32 --augment translation,cutout,color`
(DiffAugment: 100 images are few), and it is measured with `gan evaluate RUN --data FOLDER -m
memorisation` (are the samples new faces, or copies of the photos?); its samples go in the docs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_summary, today, write_section  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
GAN = [sys.executable, "-m", "gancli"]


def write_faces(folder: Path) -> Path:
    from skimage.data import lfw_subset

    folder.mkdir(parents=True, exist_ok=True)
    for i, a in enumerate(lfw_subset()[:100]):  # the first 100 are faces (float in [0, 1])
        img = Image.fromarray(np.rint(a * 255).astype(np.uint8))
        side = (25, 40, 64, 100, 250)[i % 5]
        img.resize((side, side), Image.BICUBIC).convert(("L", "RGB")[i % 2]).save(
            folder / f"face{i:03d}.png"
        )
    return folder


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--out", type=Path, default=REPO / "runs" / "benchmarks" / "lfw100-dcgan")
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    if args.quick:
        args.steps, args.out = 20, Path("/tmp/gancli-real-faces-quick")
    folder = write_faces(args.out.parent / "lfw100")
    train = [
        "train", "dcgan", "--data", str(folder), "--image-size", "64", "--width", "32",
        "--steps", str(args.steps), "--augment", "translation,cutout,color", "--seed", "0",
        "--sample-every", str(max(1, args.steps // 3)), "--out", str(args.out), "--json",
    ]  # fmt: skip
    start = time.perf_counter()
    if not (args.out / "model.safetensors").exists():
        subprocess.run([*GAN, *train], check=True, stdout=subprocess.DEVNULL,
                       env={**__import__("os").environ, "GAN_ZOO_REGISTER": "0"})  # fmt: skip
    took = time.perf_counter() - start
    ev = subprocess.run(
        [*GAN, "evaluate", str(args.out), "--data", str(folder), "-m", "memorisation", "-n", "500", "--json"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    result = json.loads(ev.stdout)["results"][0]
    print(
        json.dumps(
            {"metric": result["metric"], "value": result["value"], "details": result.get("details")}
        )
    )
    if args.quick:
        return
    images = REPO / "docs" / "images"
    subprocess.run([*GAN, "sample", str(args.out), "-n", "32", "--nrow", "8", "-o", str(images / "lfw100_samples.png")], check=True)  # fmt: skip
    if took < 1:  # trained earlier: its time is in its log (gaps over 10 min left out)
        times = [
            json.loads(line)["time"]
            for line in (args.out / "metrics.jsonl").read_text().splitlines()
            if '"time"' in line
        ]
        took = sum(b - a for a, b in zip(times, times[1:]) if 0 < b - a < 600)
    body = "\n\n".join(
        [
            "## A folder of real faces: 100 LFW photos",
            f"Script: `python benchmarks/real_faces.py` ({today()}; {machine_summary()}; "
            f"training {took / 60:.1f} min, beside other jobs).",
            f"Data: the 100 real LFW faces scikit-image ships (25x25 grey crops), written as PNGs "
            "of 25 to 250 px, grey and RGB. Run: `gan train dcgan --data lfw100/ --image-size 64 "
            f"--width 32 --steps {args.steps} --augment translation,cutout,color --seed 0` (the "
            "batch is cut to 64, the set's size; the folder is read in colour, as some files are RGB).",
            f"Copying check, `gan evaluate RUN --data lfw100/ -m memorisation -n 500`: "
            f"{result['metric']} {result['value']:.3f} (the samples' median distance to their "
            "nearest training photo over that of held-out photos: about 1 for new faces, towards "
            "0 for copies).",
            "Samples (the photos themselves are scikit-image's `skimage.data.lfw_subset()`; "
            "they are not copied into this repository):",
            "![samples](images/lfw100_samples.png)",
        ]
    )
    write_section(REPO / "docs" / "benchmarks.md", "real_faces", body + "\n")
    print("wrote docs/benchmarks.md")


if __name__ == "__main__":
    main()
