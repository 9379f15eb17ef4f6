"""DCGAN's face arithmetic ("glasses man - man + woman"), judged on synthfaces whose attributes are known.

    python benchmarks/latent_faces.py --run DIR [--run DIR2]   # measure trained faces models
    python benchmarks/latent_faces.py --run DIR --trend DIR2   # DIR2 (e.g. fewer steps): summary only
    python benchmarks/latent_faces.py --quick                  # smoke run on a tiny model; prints only

Each model is one `gan train dcgan --data synthfaces ...` run (the command is read back from
the checkpoint and printed in the report).

1. The judge: one small CNN with a head per attribute (presentation, glasses, expression),
   trained on 24,000 real synthfaces and checked on 3,000 others (`judges`, cached beside the
   runs as safetensors, so the curated zoo's build uses the same one).
2. Exemplars, as a person picks them from `gan sample --label-seeds`: among the samples of seeds
   0..N-1, those the judge labels with probability > 0.9 for every attribute the concept names
   (`man` is a man without glasses; `glasses man` a man with clear glasses or sunglasses;
   `smiling woman` a smiling woman without glasses; ...), `CONCEPTS` below.
3. Radford et al. 2016's protocol: each draw picks K random exemplars per concept (K = 3, the
   paper's; and 30), sums the concept means, and draws the result with 8 neighbours at +-0.25
   uniform noise (a 3x3 grid, as `gan arithmetic` does). The judge checks all 9 images for
   both target attributes. The same sums on the exemplars' pixels are the paper's Figure 7
   baseline.
4. Why a rate is what it is: how linearly each attribute reads out of z (a logistic regression
   on the confidently judged samples, held-out accuracy against the majority answer).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_summary, markdown_table, today, write_section  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SECTION = "latent_faces"
IMAGES = REPO / "docs" / "images"
CONFIDENT = 0.9
JUDGED = ("presentation", "glasses", "expression")
JUDGE_FILE = REPO / "runs" / "benchmarks" / "synthfaces-judge.safetensors"
TRAIN_N, HELD_N = 24_000, 3_000

# concept -> {attribute: accepted label names}; an attribute a concept does not name is free,
# except glasses: a concept that does not name glasses has none, as in the paper's exemplars
CONCEPTS: dict[str, dict[str, tuple[str, ...]]] = {
    "man": {"presentation": ("man",), "glasses": ("none",)},
    "woman": {"presentation": ("woman",), "glasses": ("none",)},
    "glasses man": {"presentation": ("man",), "glasses": ("clear", "sunglasses")},
    "glasses woman": {"presentation": ("woman",), "glasses": ("clear", "sunglasses")},
    "smiling man": {"presentation": ("man",), "expression": ("smiling",), "glasses": ("none",)},
    "neutral man": {"presentation": ("man",), "expression": ("neutral",), "glasses": ("none",)},
    "smiling woman": {
        "presentation": ("woman",),
        "expression": ("smiling",),
        "glasses": ("none",),
    },
    "neutral woman": {
        "presentation": ("woman",),
        "expression": ("neutral",),
        "glasses": ("none",),
    },
}
# the paper's two face analogies: terms (concept, sign) and the target attributes
ANALOGIES = {
    "glasses man - man + woman": (
        [("glasses man", 1), ("man", -1), ("woman", 1)],
        {"presentation": ("woman",), "glasses": ("clear", "sunglasses")},
    ),
    "smiling woman - neutral woman + neutral man": (
        [("smiling woman", 1), ("neutral woman", -1), ("neutral man", 1)],
        {"presentation": ("man",), "expression": ("smiling",)},
    ),
}


class Judge(nn.Module):
    """A small CNN for 64x64 faces (any size is area-resized to 64) with one head per attribute."""

    def __init__(self, classes: dict[str, int]) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 32, 4, 2, 1),  # 32x32
            nn.ReLU(),
            nn.Conv2d(32, 64, 3, 1, 1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 16x16
            nn.Conv2d(64, 64, 3, 1, 1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 8x8
            nn.Flatten(),
            nn.Linear(64 * 64, 128),
            nn.ReLU(),
        )
        self.heads = nn.ModuleDict({k: nn.Linear(128, n) for k, n in classes.items()})

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        if x.shape[-1] != 64:
            x = nn.functional.interpolate(x, size=64, mode="area")
        h = self.body(x)
        return {k: head(h) for k, head in self.heads.items()}


def judges(epochs: int = 6, path: Path = JUDGE_FILE) -> tuple[Judge, dict[str, float]]:
    """The judge and its held-out accuracy per attribute, trained once and kept in `path`."""
    from safetensors.torch import load_file, save_file

    from gancli.data import load_data
    from gancli.data.synthfaces import ATTRIBUTE_NAMES

    net = Judge({k: len(ATTRIBUTE_NAMES[k]) for k in JUDGED})
    data = load_data("synthfaces")
    labels = {k: torch.as_tensor(np.asarray(data.attributes[k])) for k in JUDGED}
    held = slice(TRAIN_N, TRAIN_N + HELD_N)
    if path.exists():
        net.load_state_dict(load_file(str(path)))
    else:
        torch.manual_seed(0)
        g = torch.Generator().manual_seed(0)
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        # the last third of the epochs at a tenth of the rate: presentation has subtle cases
        sched = torch.optim.lr_scheduler.MultiStepLR(opt, [max(1, 2 * epochs // 3)], 0.1)
        net.train()
        for _ in range(epochs):
            perm = torch.randperm(TRAIN_N, generator=g)
            for i in range(0, TRAIN_N - 127, 128):
                idx = perm[i : i + 128]
                xb = torch.as_tensor(np.asarray(data.x[idx.numpy()])).float().div(127.5).sub(1)
                out = net(xb)
                loss = sum(nn.functional.cross_entropy(out[k], labels[k][idx]) for k in JUDGED)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
            sched.step()
        path.parent.mkdir(parents=True, exist_ok=True)
        save_file(net.state_dict(), str(path))
    net.eval()
    x_held = torch.as_tensor(np.asarray(data.x[held])).float().div(127.5).sub(1)
    verdict = judge(net, x_held)
    acc = {
        k: float((torch.as_tensor(verdict[k][0]) == labels[k][held]).float().mean()) for k in JUDGED
    }
    return net, acc


@torch.no_grad()
def judge(net: Judge, x: torch.Tensor) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per attribute: the predicted label and its probability, for images in [-1, 1]."""
    outs = [net(x[i : i + 500]) for i in range(0, len(x), 500)]
    result = {}
    for k in JUDGED:
        p = torch.softmax(torch.cat([o[k] for o in outs]), 1)
        conf, cls = p.max(1)
        result[k] = (cls.numpy(), conf.numpy())
    return result


def matches(verdict: dict, want: dict[str, tuple[str, ...]], confident: bool) -> np.ndarray:
    """Which judged images show every wanted attribute (with probability > CONFIDENT if asked)."""
    from gancli.data.synthfaces import ATTRIBUTE_NAMES

    ok = None
    for attr, values in want.items():
        cls, prob = verdict[attr]
        idx = [ATTRIBUTE_NAMES[attr].index(v) for v in values]
        hit = np.isin(cls, idx)
        if confident:
            hit &= prob > CONFIDENT
        ok = hit if ok is None else ok & hit
    return ok


def exemplar_pools(verdict: dict) -> dict[str, np.ndarray]:
    """Seeds of the confidently judged samples of each concept (in seed order)."""
    return {name: np.flatnonzero(matches(verdict, want, True)) for name, want in CONCEPTS.items()}


def linear_readout(z: torch.Tensor, labels: np.ndarray) -> tuple[float, float]:
    """Held-out accuracy of a logistic regression from z (fitted on 80%), and the majority rate."""
    y = torch.as_tensor(labels, dtype=torch.long)
    cut = int(0.8 * len(y))
    if cut == 0 or cut == len(y):  # too few confident samples (an untrained model): no read-out
        return float("nan"), float("nan")
    k = int(y.max()) + 1
    lin = nn.Linear(z.shape[1], k)
    for w in lin.parameters():
        nn.init.zeros_(w)
    opt = torch.optim.LBFGS(lin.parameters(), max_iter=500)

    def closure():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(lin(z[:cut]), y[:cut]) + 1e-3 * lin.weight.square().sum()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        acc = float((lin(z[cut:]).argmax(1) == y[cut:]).float().mean())
    return acc, float(torch.bincount(y[cut:], minlength=k).max()) / max(1, len(y) - cut)


def measure(run: Path, net: Judge, pool: int, draws: int, counts: list[int]) -> dict:
    """Every number of the report for one model."""
    from gancli.engine.model import load_model
    from gancli.latent.priors import renormalize, seeded_latents

    model = load_model(run, "cpu")
    variant = model.variant
    z_pool = seeded_latents(variant, list(range(pool)))
    x_pool = torch.cat([model.sample(z_pool[i : i + 500], None) for i in range(0, pool, 500)])
    verdict = judge(net, x_pool)
    pools = exemplar_pools(verdict)
    readout = {}
    for attr in JUDGED:
        cls, prob = verdict[attr]
        sure = prob > CONFIDENT
        readout[attr] = linear_readout(z_pool[sure], cls[sure]) + (int(sure.sum()),)
    shares = {attr: np.bincount(verdict[attr][0], minlength=3) / pool for attr in JUDGED}
    print(
        f"{run.name}: confirmed exemplars " + ", ".join(f"{k} {len(v)}" for k, v in pools.items())
    )
    rows: dict = {}
    figure = []
    for analogy, (terms, target) in ANALOGIES.items():
        for count in counts:
            short = [name for name, _ in terms if len(pools[name]) < count]
            if short:  # too few confident samples of a concept: say so rather than guess
                print(f"{run.name}: {analogy!r}, {count} exemplars: too few of {short}")
                continue
            for renorm in (False, True):
                rng = np.random.default_rng(0)
                both, centre, pixels = [], [], []
                for d in range(draws):
                    picks = {
                        name: rng.choice(pools[name], size=count, replace=False)
                        for name, _ in terms
                    }
                    z = sum(sign * z_pool[picks[name]].mean(0) for name, sign in terms)
                    if renorm:
                        z = renormalize(z[None], variant.hyper.prior, variant.hyper.z_dim)[0]
                    g = torch.Generator().manual_seed(d)
                    noise = (torch.rand(8, len(z), generator=g) * 2 - 1) * 0.25
                    zs = torch.cat([z[None] + noise[:4], z[None], z[None] + noise[4:]])
                    x = model.sample(zs, None)
                    ok = matches(judge(net, x), target, False)
                    both.append(float(ok.mean()))
                    centre.append(float(ok[4]))
                    px = sum(sign * x_pool[picks[name]].mean(0) for name, sign in terms)
                    px = px.clamp(-1, 1)
                    pixels.append(float(matches(judge(net, px[None]), target, False)[0]))
                    if d < 2 and count == counts[0] and not renorm:
                        shown = [
                            model.sample(z_pool[picks[n]].mean(0)[None], None)[0] for n, _ in terms
                        ]
                        figure.append(torch.stack([*shown, px, x[4]]))
                rows[(analogy, count, renorm)] = {
                    "both": statistics.fmean(both),
                    "centre": statistics.fmean(centre),
                    "pixels": statistics.fmean(pixels),
                }
                print(
                    f"{run.name}: {analogy!r}, {count} exemplars{', renorm' if renorm else ''}: "
                    f"both {100 * rows[(analogy, count, renorm)]['both']:.1f}% "
                    f"(centre {100 * statistics.fmean(centre):.1f}%, pixels {100 * statistics.fmean(pixels):.1f}%)",
                    flush=True,
                )
    return {
        "run": run,
        "trend": False,
        "model": model,
        "rows": rows,
        "pools": {k: len(v) for k, v in pools.items()},
        "readout": readout,
        "shares": shares,
        "figure": figure,
        "config": model.config,
    }


def train_command(config: dict) -> str:
    """The `gan train` command a checkpoint was made with, from its config."""
    train = config.get("train", {})
    nets = config.get("nets", {}).get("generator", {})
    parts = [f"gan train {config.get('variant', 'dcgan')} --data {train.get('data', 'synthfaces')}"]
    if "width" in nets:
        parts.append(f"--width {nets['width']}")
    for key in ("batch_size", "steps", "seed"):
        if train.get(key) is not None:
            parts.append(f"--{key.replace('_', '-')} {train[key]}")
    return " ".join(parts)


def label(result: dict) -> str:
    """'seed S' for a model, 'seed S, step N' for a snapshot (RUN@N)."""
    seed = f"seed {result['config'].get('train', {}).get('seed', '?')}"
    return f"{seed}, step {result['config'].get('step', 0):,}" if result["trend"] else seed


def met(results: list[dict]) -> bool:
    """Both analogies at >= 80% with 3 exemplars, on every full model measured."""
    full = [r for r in results if not r["trend"]]
    return all(
        r["rows"].get((a, 3, renorm), {}).get("both", 0) >= 0.8
        for r in full
        for a in ANALOGIES
        for renorm in (False,)
    )


def pct(v: float) -> str:
    return f"{100 * v:.1f}%"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", type=Path, action="append", help="a synthfaces model (repeatable)")
    p.add_argument(
        "--trend",
        type=Path,
        action="append",
        default=[],
        help="a model measured for the summary table only (an earlier or later step of a recipe)",
    )
    p.add_argument("--pool", type=int, default=5000, help="samples to pick exemplars from")
    p.add_argument("--draws", type=int, default=50, help="independent draws of exemplars")
    p.add_argument("--exemplars", default="3,30", help="exemplars per concept, one row each")
    p.add_argument("--judge-epochs", type=int, default=6)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args()
    if args.quick:
        args.pool, args.draws, args.no_write, args.exemplars = 400, 3, True, "3"
    if not args.run:
        p.error("give --run DIR (a `gan train dcgan --data synthfaces` run) one or more times")
    started = time.perf_counter()
    counts = sorted({int(k) for k in args.exemplars.split(",")})
    net, acc = judges(args.judge_epochs)
    print(
        "judge held-out accuracy: " + ", ".join(f"{k} {pct(v)}" for k, v in acc.items()), flush=True
    )
    results = [measure(run, net, args.pool, args.draws, counts) for run in args.run]
    results += [
        {**measure(run, net, args.pool, args.draws, counts), "trend": True} for run in args.trend
    ]
    took = time.perf_counter() - started
    if args.no_write:
        return

    from gancli.render import grid, save_image, to_uint8_images

    if not results[0]["figure"]:
        sys.exit(f"{results[0]['run']}: too few confident exemplars to measure (train it longer)")
    IMAGES.mkdir(parents=True, exist_ok=True)
    save_image(
        grid(to_uint8_images(torch.cat(results[0]["figure"])), nrow=5),
        IMAGES / "faces_arithmetic.png",
    )
    headers = ["model", "analogy", "exemplars per concept", "both target attributes (9-image grid)"]
    headers += ["centre image only", "same sums on pixels"]
    table_rows = []
    for r in (r for r in results if not r["trend"]):
        for (analogy, count, renorm), v in r["rows"].items():
            table_rows.append(
                [
                    label(r),
                    f"`{analogy}`",
                    f"{count}"
                    + (" (the paper's)" if count == 3 else "")
                    + (", `--renorm`" if renorm else ""),
                    pct(v["both"]),
                    pct(v["centre"]),
                    pct(v["pixels"]),
                ]
            )
    summary_rows = []
    for r in results:
        cells = [label(r), f"{r['config'].get('step', 0):,}"]
        for analogy in ANALOGIES:
            for count, renorm in ((3, False), (30, True)):
                v = r["rows"].get((analogy, count, renorm))
                cells.append(pct(v["both"]) if v else "too few exemplars")
        cells.append(
            " / ".join(pct(r["readout"][a][0]) for a in ("presentation", "glasses", "expression"))
        )
        summary_rows.append(cells)
    summary_headers = ["model", "step"]
    for analogy in ANALOGIES:
        summary_headers += [f"`{analogy}`, 3", f"`{analogy}`, 30 `--renorm`"]
    summary_headers.append("readout from z: presentation / glasses / expression")
    readouts = "; ".join(
        f"{label(r)}: "
        + ", ".join(
            f"{a} {pct(acc_)} (majority {pct(base)}, {n:,} samples)"
            for a, (acc_, base, n) in r["readout"].items()
        )
        for r in results
    )
    pools = "; ".join(
        f"{label(r)}: " + ", ".join(f"{k} {v}" for k, v in r["pools"].items()) for r in results
    )
    drawn = "; ".join(
        f"{label(r)}: smiling "
        f"{100 * r['shares']['expression'][1]:.1f}% of all samples, glasses "
        f"{100 * (1 - r['shares']['glasses'][0]):.1f}%; sure glasses men "
        f"{r['pools']['glasses man']} against glasses women {r['pools']['glasses woman']}"
        for r in results
    )
    reading = (
        "What the generators draw, by the judge (the real set: half smiling, half with "
        f"glasses, glasses as often on women as on men): {drawn}. A concept the generator "
        "seldom draws has few or no confident exemplars (its rows are left out above), and an "
        "attribute it draws mostly with another (glasses mostly on men) cannot be moved by "
        "itself: the sums carry both."
    )
    body = "\n\n".join(
        [
            "## Latent arithmetic on faces (synthfaces)",
            "Script: `python benchmarks/latent_faces.py "
            + " ".join([*(f"--run {r}" for r in args.run), *(f"--trend {r}" for r in args.trend)])
            + f"{'' if args.exemplars == '3,30' else ' --exemplars ' + args.exemplars}` ({today()}; "
            f"{machine_summary()}; {took / 60:.1f} min).",
            "Models: "
            + "; ".join(
                f"`{train_command(r['config'])}`"
                + (f" (step {r['config'].get('step', 0):,})" if r["trend"] else "")
                for r in results
            )
            + ".",
            "Judge: one small CNN with a head per attribute, trained on 24,000 real synthfaces; "
            "held-out accuracy on 3,000 others: "
            + ", ".join(f"{k} {pct(v)}" for k, v in acc.items())
            + ".",
            f"Exemplars: of the samples of seeds 0..{args.pool - 1}, those the judge labels "
            f"with probability > {CONFIDENT} for every attribute the concept names (a concept "
            "that names no glasses has none). Confirmed exemplars per concept: " + pools + ".",
            f"Protocol (Radford et al. 2016): {args.draws} independent draws of K exemplars per "
            "concept; the sum of the concept means drawn with 8 neighbours at +-0.25 uniform "
            "noise; the rate is the share of the 9 images in which the judge finds both target "
            "attributes (woman and glasses; man and smiling). `--renorm` rows rescale the sum "
            "to the prior's typical norm first, as `gan arithmetic --renorm` does. The pixel "
            "column does the same sum on the exemplars' images (the paper's Figure 7 baseline).",
            markdown_table(headers, table_rows),
            "Every model measured, shorter runs of the same recipe (`--trend`) included: the share of "
            "the 9-image grid with both target attributes, with the paper's 3 exemplars and with "
            "30 exemplars and `--renorm`, and the held-out accuracy of a linear read-out of each "
            "attribute from z. The aim is 80% with 3 exemplars on two training seeds: "
            + ("met." if met(results) else "**not met**.")
            + " A sum of latents moves along straight lines, so it can carry an attribute only "
            "as far as the attribute reads out linearly from z.",
            markdown_table(summary_headers, summary_rows),
            "How linearly z encodes each attribute (logistic regression on 80% of the "
            "confidently judged samples, accuracy on the rest): " + readouts + ".",
            reading,
            "Rows of the figure (3 exemplars, first model): the three concepts, the same sum on "
            "pixels, and the latent result.",
            "![face arithmetic](images/faces_arithmetic.png)",
        ]
    )
    write_section(REPO / "docs" / "benchmarks.md", SECTION, body + "\n")
    print("wrote docs/benchmarks.md")


if __name__ == "__main__":
    main()
