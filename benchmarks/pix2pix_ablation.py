"""pix2pix's loss ablation (Isola et al. 2017, table 1) on the held-out synthfaces edge maps:
the same U-Net trained with L1 alone, cGAN alone and L1 + cGAN, then measured on
`synthfaces-edges-test` (1,000 pairs never seen in training).

    python benchmarks/pix2pix_ablation.py [--steps 3000] [--size 32] [--width 32] [--train-only]

Metrics, each on the 1,000 held-out pairs at the training size, outputs with dropout on (the
paper's test-time noise) and one fixed seed:
- L1 (mean absolute error, pixels in [0, 1]), PSNR (dB, on [0, 1]) and SSIM (Wang et al. 2004,
  11x11 Gaussian window, sigma 1.5, on luma; `gancli.metrics.ssim`) against the true face;
- FD: the Fréchet distance between the features of the translations and of the true faces, in
  the synthfaces attribute judge's 128-d features (benchmarks/latent_faces.py, trained once on
  real synthfaces): lower is closer to the distribution of real faces, the paper's "sharper,
  more realistic". The same for the targets against themselves is 0; the row "edges (input)"
  places the untranslated inputs.
Runs already trained (RUN/model.safetensors at the asked step) are measured, not retrained.
It also times `gan translate` on a folder of the held-out edge maps against a plain per-image
PyTorch loop over the same files.
Writes the section `pix2pix_ablation` of docs/benchmarks.md and docs/images/pix2pix_ablation.png.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_summary, markdown_table, today, write_section  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
RUNS = REPO / "runs" / "benchmarks" / "pix2pix"
SECTION = "pix2pix_ablation"
ABLATION = {  # name -> pix2pix options
    "L1": ["--gan-weight", "0"],
    "cGAN": ["--l1-lambda", "0"],
    "L1+cGAN": [],
}


def train_args(name: str, args: argparse.Namespace) -> list[str]:
    return [
        "train", "pix2pix", "--data", "synthfaces-edges", "--image-size", str(args.size),
        "--width", str(args.width), "--steps", str(args.steps), "--seed", "0",
        "--precision", "fp32", "--sample-every", str(args.steps),
        "--out", str(RUNS / f"{name}-{args.size}-{args.steps}"), *ABLATION[name],
    ]  # fmt: skip


def train(args: argparse.Namespace) -> dict[str, Path]:
    runs = {}
    for name in ABLATION:
        cmd = [sys.executable, "-m", "gancli", *train_args(name, args)]
        run = Path(cmd[cmd.index("--out") + 1])
        runs[name] = run
        if (run / "model.safetensors").is_file():
            from gancli.store.checkpoint import read_checkpoint

            if read_checkpoint(run / "model.safetensors").step >= args.steps:
                continue
            cmd += ["--resume", str(run)]
        print("training", name, file=sys.stderr, flush=True)
        log = run.parent / f"{run.name}.log"
        run.parent.mkdir(parents=True, exist_ok=True)
        with log.open("w") as out:
            subprocess.run(cmd, check=True, stdout=out, stderr=subprocess.STDOUT)
    return runs


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--train-only", action="store_true")
    args = p.parse_args()
    runs = train(args)
    if args.train_only:
        return
    from pix2pix_measure import measure_all  # noqa: E402

    body = measure_all(runs, args, machine_summary(), today(), markdown_table)
    write_section(REPO / "docs" / "benchmarks.md", SECTION, body + "\n")


if __name__ == "__main__":
    main()
