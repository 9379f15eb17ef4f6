"""How good are a synthfaces model's faces? Fréchet distance in the attribute judge's features,
and how often the judge is sure of what it sees, for one or more checkpoints.

    python benchmarks/faces_quality.py CKPT [CKPT ...] [--n 5000] [--write]

The judge is benchmarks/latent_faces.py's (trained on 24,000 real synthfaces). For each model:
- FD: the Fréchet distance between the judge's 128-d features of N samples and of N real
  faces (held-out ones first); the same for N other real faces gives the floor.
- Sure: the share of samples the judge labels with probability > 0.9 on presentation, glasses
  and expression at once (real faces: the same measure on real images).
- The attribute shares the judge sees (woman, glasses, smiling), against the real set's.
`--write` puts the table into docs/benchmarks.md (section faces_quality), with the time each
model's run took by its metrics.jsonl where the checkpoint sits in a run folder.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import frechet_distance, machine_summary, markdown_table, today, write_section  # noqa: E402
from latent_faces import CONFIDENT, JUDGED, judge, judges, train_command  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


@torch.no_grad()
def features(net, x: torch.Tensor) -> np.ndarray:
    out = []
    for i in range(0, len(x), 500):
        xb = x[i : i + 500]
        if xb.shape[-1] != 64:
            xb = torch.nn.functional.interpolate(xb, size=64, mode="area")
        out.append(net.body(xb).numpy())
    return np.concatenate(out).astype(np.float64)


def shares(verdict: dict) -> dict[str, float]:
    (p, _), (g, _), (e, _) = (verdict[k] for k in JUDGED)
    sure = np.ones(len(p), bool)
    for k in JUDGED:
        sure &= verdict[k][1] > CONFIDENT
    return {
        "sure": float(sure.mean()),
        "woman": float((p == 1).mean()),
        "glasses": float((g > 0).mean()),
        "smiling": float((e == 1).mean()),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("ckpts", nargs="+")
    p.add_argument("--n", type=int, default=5000)
    p.add_argument("--write", action="store_true")
    args = p.parse_args()
    started = time.perf_counter()
    from gancli.data import load_data, to_float
    from gancli.engine.model import load_model
    from gancli.latent.priors import seeded_latents
    from gancli.store.locate import resolve

    torch.manual_seed(0)
    net, acc = judges()
    data = load_data("synthfaces")
    n = args.n
    real_a = to_float(torch.as_tensor(np.asarray(data.x[-n:])))
    real_b = to_float(torch.as_tensor(np.asarray(data.x[:n])))
    fa = features(net, real_a)
    floor = frechet_distance(fa, features(net, real_b))
    real = shares(judge(net, real_a))
    rows = [
        [
            "real faces (another 5,000)",
            "-",
            f"{floor:.2f}",
            *(f"{100 * real[k]:.1f}%" for k in real),
        ]
    ]
    print(f"real: FD {floor:.2f}, {real}", flush=True)
    for ckpt in args.ckpts:
        model = load_model(resolve(ckpt), "cpu")
        z = seeded_latents(model.variant, list(range(n)))
        x = torch.cat([model.sample(z[i : i + 500], None) for i in range(0, n, 500)])
        fd = frechet_distance(fa, features(net, x))
        s = shares(judge(net, x))
        cmd = train_command(model.config)
        step = model.config.get("step")
        print(f"{ckpt}: step {step}, FD {fd:.2f}, {s}", flush=True)
        rows.append([f"`{cmd}`", f"{step:,}", f"{fd:.2f}", *(f"{100 * s[k]:.1f}%" for k in s)])
    table = markdown_table(
        ["model", "step", "FD (judge features)", "judge sure", "woman", "glasses", "smiling"], rows
    )
    print(table)
    if args.write:
        body = "\n\n".join(
            [
                "## Faces: how good are the samples (synthfaces)",
                f"Script: `python benchmarks/faces_quality.py {' '.join(args.ckpts)}` ({today()}; "
                f"{machine_summary()}; {(time.perf_counter() - started) / 60:.1f} min).",
                f"Fréchet distance between the attribute judge's 128-d features of {n:,} samples "
                f"(seeds 0..{n - 1}) and of {n:,} real faces; the first row compares two sets of "
                "real faces (the floor). 'Judge sure': the share of images the judge labels with "
                f"probability > {CONFIDENT} on presentation, glasses and expression at once. The "
                "judge's held-out accuracy: "
                + ", ".join(f"{k} {100 * v:.1f}%" for k, v in acc.items())
                + ".",
                table,
            ]
        )
        write_section(REPO / "docs" / "benchmarks.md", "faces_quality", body + "\n")
        print("wrote docs/benchmarks.md")


if __name__ == "__main__":
    main()
