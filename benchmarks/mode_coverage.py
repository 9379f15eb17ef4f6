"""Mode coverage on 2-D mixtures: which variants drop modes of `ring8` and `grid25`.

    python benchmarks/mode_coverage.py            # full run; writes docs/benchmarks.md + images
    python benchmarks/mode_coverage.py --quick    # smoke run: one seed, few steps; prints only
    python benchmarks/mode_coverage.py --variants gan,unrolled,unrolled-lookahead --seeds 5

The table in docs/benchmarks.md comes from `--variants core` (CORE below); the default is
every registered variant that trains on 2-D points, which takes longer.

Every variant trains under ONE protocol (PROTOCOL below), through the library as a user's run
does (`Trainer(TrainOptions(...)).run()`), then the saved checkpoint is loaded (`load_model`)
and its raw generator (not the EMA, as the papers evaluate) draws 2,500 samples from the fixed
latents of seeds 0..2499 (`seeded_latents`). The metric is `gancli.metrics.mode_coverage`:
VEEGAN / PacGAN's modes captured, % high quality (within 3 std of the nearest mode) and
PacGAN's KL(mode histogram || uniform).

`unrolled-lookahead` is `unrolled --lookahead`, the cheap look-ahead without the second-order
term (not the paper's method). Conditional variants are left out (they are told the mode as
their class label), and so is `dcgan`, whose toy nets and loss are the GAN's: its rows would
repeat `gan`'s.

A second, smaller table checks the look-ahead where the Unrolled GAN paper shows it: on the
reference notebook's own nets (tanh MLPs, no batch norm), which no registered net family
builds, so they are swapped into the variant and trained by a short loop here (see NOTEBOOK);
`wgan-gp` joins it on the same nets, with its authors' toy settings (`--notebook-methods`).

Runs go to `--jobs` worker processes with one thread each; wall times are per run, measured
in the worker, and include whatever else the machine was doing.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _common import machine_summary, markdown_table, text_table, today, write_section  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "benchmarks.md"
SECTION = "mode_coverage"
DATASETS = ("ring8", "grid25")
SAMPLES = 2500
LOOKAHEAD = "unrolled-lookahead"
EXCLUDED = {"dcgan": "same loss and toy nets as gan"}

# The one protocol every variant trains under: the Unrolled GAN reference notebook's
# optimiser (z 256-d N(0, I), Adam lr 1e-4 for D and 1e-3 for G, beta1 0.5, K = 5) on the
# PacGAN-shaped toy nets, cut to fit about 30 minutes of a 2-core CPU: width 64 (G 4x64
# BN+ReLU, D 3x32 maxout with 5 pieces), batch 128 instead of 512, and 1,000 generator steps
# instead of 25,000. beta2, n_critic, the optimiser kind and loss constants (clipping,
# penalty weights) stay each variant's own.
PROTOCOLS: dict[str, dict[str, Any]] = {
    "notebook": {
        "width": 64,
        "z_dim": 256,
        "batch_size": 128,
        "lr_d": 1e-4,
        "lr_g": 1e-3,
        "beta1": 0.5,
        "unroll": 5,
        "steps": 1000,
    },
    # PacGAN's own 2-D protocol (its released config for the ring and the grid): G 4x400
    # BN+ReLU, D 3x200 maxout with 5 pieces, z 2-d N(0, I), Adam 1e-4 for both, beta1 0.8,
    # batch 100. PacGAN trains 400 epochs of 100,000 points (400,000 steps); the step count
    # here is what fits a CPU, and the table says it.
    "pacgan": {
        "width": 400,
        "z_dim": 2,
        "batch_size": 100,
        "lr_d": 1e-4,
        "lr_g": 1e-4,
        "beta1": 0.8,
        "unroll": 5,
        "steps": 20000,
    },
}
PROTOCOL: dict[str, Any] = dict(PROTOCOLS["notebook"])  # the one in use (see --protocol)
CORE = "gan,unrolled,unrolled-lookahead,wgan,wgan-gp,lsgan,hinge"  # the documented run
QUICK = {"steps": 60, "seeds": 1}


def protocol_name() -> str:
    p = PROTOCOL
    if p["width"] == PROTOCOLS["pacgan"]["width"] and p["beta1"] == PROTOCOLS["pacgan"]["beta1"]:
        return f"PacGAN's nets and optimiser, batch {p['batch_size']}"
    return (
        f"Unrolled-notebook optimiser, batch {p['batch_size']}, on PacGAN-shaped nets "
        f"at width {p['width']}"
    )


# Published numbers (PAPERS.md), under their own protocols: VEEGAN Table 1 (modes / % HQ)
# and PacGAN Table 1 (modes, % HQ, KL; +- SE over 10 runs).
PUBLISHED = [
    ("VEEGAN T1", "GAN", "1 / 99.3 / -", "3.3 / 0.5 / -"),
    ("VEEGAN T1", "ALI", "2.8 / 0.13 / -", "15.8 / 1.6 / -"),
    ("VEEGAN T1", "Unrolled GAN", "7.6 / 35.6 / -", "23.6 / 16 / -"),
    ("VEEGAN T1", "VEEGAN", "8 / 52.9 / -", "24.6 / 40 / -"),
    ("PacGAN T1", "GAN", "6.3±0.5 / 98.2±0.2 / 0.45±0.09", "17.3±0.8 / 94.8±0.7 / 0.70±0.07"),
    ("PacGAN T1", "PacGAN2", "7.9±0.1 / 95.6±2.0 / 0.07±0.03", "23.8±0.7 / 91.3±0.8 / 0.13±0.04"),
    ("PacGAN T1", "PacGAN4", "-", "24.8±0.2 / 93.6±0.6 / 0.04±0.01"),
]


# ---- which variants ---------------------------------------------------------------------------


def point_variants() -> list[str]:
    """Registered variants that train on 2-D points, plus the look-ahead form of unrolled."""
    from gancli import variants
    from gancli.data import load_data

    spec = load_data("ring8").spec()
    names = []
    for name in variants.names():
        cls = variants.get(name)
        if name in EXCLUDED or cls.conditional:
            continue
        try:
            cls.check_data(spec)
            cls.net_config(spec, cls.hyper_for(spec), PROTOCOL["width"])
        except Exception:  # a variant for images only
            continue
        names.append(name)
        if name == "unrolled":
            names.append(LOOKAHEAD)
    return names


def options_for(entry: str, data: str, seed: int, steps: int, out: str) -> Any:
    """The TrainOptions of one run under PROTOCOL."""
    from gancli import variants
    from gancli.data import load_data
    from gancli.engine.options import TrainOptions

    name = "unrolled" if entry == LOOKAHEAD else entry
    cls = variants.get(name)
    own_beta2 = cls.hyper_for(load_data(data).spec()).betas[1]
    extra = None
    if name == "unrolled":
        extra = {"unroll": PROTOCOL["unroll"], "lookahead": entry == LOOKAHEAD}
    return TrainOptions(
        variant=name,
        data=data,
        steps=steps,
        width=PROTOCOL["width"],
        z_dim=PROTOCOL["z_dim"],
        batch_size=PROTOCOL["batch_size"],
        lr_d=PROTOCOL["lr_d"],
        lr_g=PROTOCOL["lr_g"],
        betas=(PROTOCOL["beta1"], own_beta2),
        extra=extra,
        seed=seed,
        device="cpu",
        precision="fp32",
        out=out,
        sample_every=10**9,
        checkpoint_every=10**9,
        log_every=max(1, steps // 10),
    )


def own_settings(entry: str, data: str) -> str:
    """What each variant keeps of its own under PROTOCOL: optimiser, D steps, loss constants."""
    from gancli import variants
    from gancli.data import load_data

    opts = options_for(entry, data, 0, 1, "")
    cls = variants.get(opts.variant)
    hyper = cls.with_options(cls.hyper_for(load_data(data).spec()), opts.extra or {})
    parts = [hyper.optimizer if hyper.optimizer != "adam" else f"adam β2 {opts.betas[1]}"]
    parts.append(f"{hyper.n_critic} D step{'s' if hyper.n_critic > 1 else ''}")
    parts += [f"{k} {v}" for k, v in hyper.extra.items()]
    return ", ".join(parts)


# ---- one run (in a worker process) --------------------------------------------------------


def run_one(entry: str, data: str, seed: int, protocol: dict[str, Any]) -> dict[str, Any]:
    """Train, save, load, sample, measure; returns the metric, the wall time and the samples."""
    import torch

    PROTOCOL.update(protocol)  # a spawned worker starts from the module's defaults

    torch.set_num_threads(1)
    from gancli.engine.loop import Trainer
    from gancli.engine.model import load_model
    from gancli.latent.priors import seeded_latents
    from gancli.metrics import mode_coverage

    with tempfile.TemporaryDirectory(prefix="gancli-modes-") as tmp:
        opts = options_for(entry, data, seed, protocol["steps"], str(Path(tmp) / "run"))
        start = time.perf_counter()
        path = Trainer(opts, quiet=True).run()
        wall = time.perf_counter() - start
        model = load_model(path)
    spec = model.spec
    z = seeded_latents(model.variant, list(range(SAMPLES)))
    samples = model.sample(z, ema=False).numpy()
    result = mode_coverage(samples, spec["modes"], spec["mode_std"])
    return {"entry": entry, "data": data, "seed": seed, "wall": wall, **result, "samples": samples}


# ---- the Unrolled GAN notebook's own nets -------------------------------------------------------

# The reference notebook's setting, nets included: G z 256 -> 128 tanh -> 128 tanh -> 2 and
# D 2 -> 128 tanh -> 128 tanh -> 1 (no batch norm), Adam (D 1e-4, G 1e-3, beta1 0.5, eps 1e-8),
# batch 512, on ring8. The project has no net family for these nets, so this check swaps them
# into a variant and runs the steps by hand. `gan` and `unrolled` train as the notebook does:
# G minimises the value function at the look-ahead parameters (minus D's unrolled loss:
# `--g-loss minimax`), and both players' gradients come from the same parameters before either
# steps (one session call runs both updates); `gan` is K = 0. `wgan-gp` has no notebook of its
# own here: it gets the same nets, data, batch and latents, with its authors' toy settings
# (`WGANGP.toy_defaults`: Adam 1e-4 for both, betas (0.5, 0.9), lambda 0.1) and their
# Algorithm 1's order: 5 critic steps, each on a fresh real batch, then one G step.
NOTEBOOK = {"steps": 5000, "every": 1000, "batch_size": 512, "z_dim": 256}
# What each method's saved checks must match to be reused (older checks lack "method").
NOTEBOOK_METHODS: dict[str, dict[str, Any]] = {
    "unrolled": {"k": 5, "g_loss": "minimax", "updates": "simultaneous"},
    "wgan-gp": {"updates": "critic first", "n_critic": 5, "gp_lambda": 0.1},
    "gan": {"k": 0, "g_loss": "minimax", "updates": "simultaneous"},
}  # in order of cost: the slowest start first
SHOWN_ORDER = ("gan", "unrolled", "wgan-gp")  # rows of the table and the picture
NOTEBOOK_SHOWN = 1000  # samples of seed 0 kept at each evaluation, for the picture


def method_of(check: dict[str, Any]) -> str:
    """A saved check's method; checks saved before wgan-gp joined have only K."""
    return check.get("method") or ("gan" if check["k"] == 0 else "unrolled")


def method_label(method: str) -> str:
    return {"gan": "gan (K=0)", "unrolled": f"unrolled K={NOTEBOOK_METHODS['unrolled']['k']}"}.get(
        method, method
    )


def notebook_nets(z_dim: int) -> tuple[Any, Any]:
    from torch import nn

    g = nn.Sequential(
        nn.Linear(z_dim, 128), nn.Tanh(), nn.Linear(128, 128), nn.Tanh(), nn.Linear(128, 2)
    )
    d = nn.Sequential(
        nn.Linear(2, 128),
        nn.Tanh(),
        nn.Linear(128, 128),
        nn.Tanh(),
        nn.Linear(128, 1),
        nn.Flatten(0),
    )
    return g, d


def run_notebook(method: str, seed: int, steps: int, every: int) -> dict[str, Any]:
    import torch

    torch.set_num_threads(1)
    from gancli import variants
    from gancli.data import load_data
    from gancli.metrics import mode_coverage

    settings = NOTEBOOK_METHODS[method]
    torch.manual_seed(seed)
    data = load_data("ring8")
    spec = data.spec()
    cls = variants.get("wgan-gp" if method == "wgan-gp" else "unrolled")
    if method == "wgan-gp":
        extra = {"gp_lambda": settings["gp_lambda"]}
    else:
        extra = {"unroll": settings["k"], "lookahead": False, "g_loss": settings["g_loss"]}
    hyper = cls.toy_defaults.replace(
        batch_size=NOTEBOOK["batch_size"], z_dim=NOTEBOOK["z_dim"], extra=extra
    )
    if method == "wgan-gp":
        hyper = hyper.replace(n_critic=settings["n_critic"])
    config = {
        "variant": cls.name,
        "hyper": hyper.to_dict(),
        "nets": cls.net_config(spec, hyper, 8),
        "data": spec,
    }
    v = cls(config)
    v.nets["generator"], v.nets["discriminator"] = notebook_nets(hyper.z_dim)
    opt_d = torch.optim.Adam(v.d_parameters(), lr=hyper.lr_d, betas=hyper.betas, eps=1e-8)
    opt_g = torch.optim.Adam(v.g_parameters(), lr=hyper.lr_g, betas=hyper.betas, eps=1e-8)
    v.bind_optimizers(opt_g, opt_d)
    z = torch.randn(SAMPLES, hyper.z_dim, generator=torch.Generator().manual_seed(10_000 + seed))
    order = torch.Generator().manual_seed(seed)

    def batch() -> Any:
        return data.x[torch.randint(len(data), (hyper.batch_size,), generator=order)]

    curve = []
    start = time.perf_counter()
    for step in range(1, steps + 1):
        if method == "wgan-gp":  # Algorithm 1: the critic's steps, then G's
            for _ in range(v.critic_steps(step - 1)):  # as the engine: n_critic, no burn-in
                real = batch()
                d_loss, _ = v.d_loss(real, None)
                opt_d.zero_grad(set_to_none=True)
                d_loss.backward()
                opt_d.step()
                v.after_d_step()  # nothing for wgan-gp (no clipping), as in the engine
            g_loss, _ = v.g_loss(real, None)
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_g.step()
        else:
            real = batch()
            # Both losses from the parameters (and D's Adam state) before either update.
            # Neither backward reaches the other player: d_loss detaches G's samples, and
            # g_loss unrolls a detached copy of D.
            d_loss, _ = v.d_loss(real, None)
            g_loss, _ = v.g_loss(real, None)
            opt_d.zero_grad(set_to_none=True)
            opt_g.zero_grad(set_to_none=True)
            d_loss.backward()
            g_loss.backward()
            opt_d.step()
            opt_g.step()
        if step % every == 0 or step == steps:
            with torch.no_grad():
                x = v.generator(z)
                r = mode_coverage(x, spec["modes"], spec["mode_std"])
            if seed == 0:  # the picture's points: the first 1,000 of the 2,500
                r["samples"] = np.round(x[:NOTEBOOK_SHOWN].numpy(), 4).tolist()
            curve.append({"step": step, **r})
    wall = time.perf_counter() - start
    return {"method": method, "seed": seed, "wall": wall, "curve": curve, **settings}


def notebook_rows(runs: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """One row per (method, seed): modes / % HQ at each evaluated step."""
    steps = [c["step"] for c in runs[0]["curve"]]
    headers = ["method", "seed", *(f"step {s}" for s in steps), "train s"]
    rows = []
    for r in sorted(runs, key=lambda r: (SHOWN_ORDER.index(method_of(r)), r["seed"])):
        name = method_label(method_of(r))
        cells = [f"{c['modes']}/8, {100 * c['high_quality']:.0f}%" for c in r["curve"]]
        rows.append([name, str(r["seed"]), *cells, f"{r['wall']:.0f}"])
    return headers, rows


def notebook_summary(runs: list[dict[str, Any]]) -> str:
    """Per method: at the last step, modes and high-quality % (mean ± SE over seeds) and how many
    seeds captured all 8; over every evaluation (every seed, every step), how many did."""
    last, every = [], []
    for method in [m for m in SHOWN_ORDER if any(method_of(r) == m for r in runs)]:
        name = method_label(method)
        ends = [r["curve"][-1] for r in runs if method_of(r) == method]
        points = [c for r in runs if method_of(r) == method for c in r["curve"]]
        modes = mean_se([float(c["modes"]) for c in ends], ".1f")
        hq = mean_se([100 * c["high_quality"] for c in ends], ".1f")
        full = sum(c["modes"] == 8 for c in ends)
        last.append(
            f"{name} {modes} modes, {hq}% high quality, all 8 in {full} of {len(ends)} seeds"
        )
        every.append(f"{name} {sum(c['modes'] == 8 for c in points)} of {len(points)}")
    step = runs[0]["curve"][-1]["step"]
    return (
        f"At step {step:,} (mean ± SE over seeds): " + "; ".join(last) + ". Evaluations that "
        "captured all 8 modes, over every seed and step: " + ", ".join(every) + "."
    )


# ---- the table ---------------------------------------------------------------------------------


def mean_se(values: Sequence[float], fmt: str) -> str:
    v = np.asarray([x for x in values if math.isfinite(x)], dtype=np.float64)
    if len(v) == 0:
        return "-"
    missing = f" ({len(v)}/{len(values)})" if len(v) < len(values) else ""
    if len(v) == 1:
        return f"{v[0]:{fmt}}{missing}"
    se = v.std(ddof=1) / math.sqrt(len(v))
    return f"{v.mean():{fmt}} ± {se:{fmt}}{missing}"


def table_rows(results: list[dict[str, Any]], entries: list[str], data: str) -> list[list[str]]:
    rows = []
    for entry in entries:
        rs = [r for r in results if r["entry"] == entry and r["data"] == data]
        if not rs:
            continue
        rows.append(
            [
                entry,
                own_settings(entry, data),
                str(len(rs)),
                mean_se([r["modes"] for r in rs], ".1f"),
                mean_se([100 * r["high_quality"] for r in rs], ".1f"),
                mean_se([r["kl"] for r in rs], ".2f"),
                f"{np.mean([r['wall'] for r in rs]):.0f}",
            ]
        )
    return rows


def all_modes_counts(results: list[dict[str, Any]], entries: list[str], data: str) -> str:
    """'gan 2 of 3, wgan-gp 3 of 3': per variant, the runs with every mode captured."""
    parts = []
    for entry in entries:
        rs = [r for r in results if r["entry"] == entry and r["data"] == data]
        if rs:
            full = sum(r["modes"] == r["total"] for r in rs)
            parts.append(f"{entry} {full} of {len(rs)}")
    return ", ".join(parts)


HEADERS = ["variant", "its own settings", "seeds", "modes", "high quality %", "KL", "train s/run"]


# ---- pictures ----------------------------------------------------------------------------------


def scatter_grid(results: list[dict[str, Any]], entries: list[str], data: str, path: Path) -> None:
    """The samples of seed 0 of each variant, next to the data, as one small PNG."""
    from PIL import Image, ImageDraw

    from gancli.data import load_data
    from gancli.render import scatter

    ds = load_data(data)
    spec = ds.spec()
    modes, bounds = np.asarray(spec["modes"]), tuple(spec["value_range"])
    rng = np.random.default_rng(0)
    panels = [("data", ds.x.numpy()[rng.choice(len(ds), SAMPLES, replace=False)])]
    for entry in entries:
        first = [r for r in results if r["entry"] == entry and r["data"] == data]
        if first:
            r = min(first, key=lambda r: r["seed"])
            panels.append((f"{entry}: {r['modes']}/{r['total']}", r["samples"]))
    size, cols = 200, 4
    rows = math.ceil(len(panels) / cols)
    sheet = Image.new("RGB", (cols * size, rows * (size + 14)), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (label, pts) in enumerate(panels):
        r, c = divmod(i, cols)
        sheet.paste(scatter(pts, modes, bounds, size=size), (c * size, r * (size + 14) + 14))
        draw.text((c * size + 6, r * (size + 14) + 1), label, fill=(0, 0, 0))
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, optimize=True)


def notebook_sheet(checks: list[dict[str, Any]], path: Path) -> None:
    """Seed 0's samples at each evaluation, one row per K (the Unrolled GAN paper's figure 1
    layout); nothing when no check kept its samples."""
    from PIL import Image, ImageDraw

    from gancli.data import load_data
    from gancli.render import scatter

    rows = sorted(
        (c for c in checks if c["seed"] == 0 and all("samples" in e for e in c["curve"])),
        key=lambda c: SHOWN_ORDER.index(method_of(c)),
    )
    if not rows:
        return
    spec = load_data("ring8").spec()
    modes, bounds = np.asarray(spec["modes"]), tuple(spec["value_range"])
    size, cols = 200, len(rows[0]["curve"])
    sheet = Image.new("RGB", (cols * size, len(rows) * (size + 14)), "white")
    draw = ImageDraw.Draw(sheet)
    for i, check in enumerate(rows):
        name = method_label(method_of(check))
        for j, e in enumerate(check["curve"]):
            top = i * (size + 14)
            sheet.paste(
                scatter(np.asarray(e["samples"]), modes, bounds, size=size), (j * size, top + 14)
            )
            label = f"{name}, step {e['step']:,}: {e['modes']}/8"
            draw.text((j * size + 4, top + 1), label, fill=(0, 0, 0))
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, optimize=True)


# ---- main --------------------------------------------------------------------------------------


def train_all(
    jobs: list[tuple[str, str, int]], notebook: list[tuple[int, int]], args: argparse.Namespace
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every run, spread over the workers; the notebook check's long unrolled runs go first."""
    results: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters: no forked torch state
    with ProcessPoolExecutor(max_workers=args.jobs, mp_context=ctx) as pool:
        every = max(1, min(args.notebook_every, args.notebook_steps))
        futures = {
            pool.submit(run_notebook, method, seed, args.notebook_steps, every): "notebook"
            for method, seed in sorted(notebook, key=lambda j: list(NOTEBOOK_METHODS).index(j[0]))
        }
        futures.update(
            {pool.submit(run_one, e, d, seed, dict(PROTOCOL)): "run" for e, d, seed in jobs}
        )
        for f in as_completed(futures):
            r = f.result()
            if futures[f] == "notebook":
                checks.append(r)
                last = r["curve"][-1]
                print(
                    f"  notebook nets {r['method']:<10} ring8   seed {r['seed']}: "
                    f"{last['modes']}/8 modes, {100 * last['high_quality']:.1f}% HQ at step "
                    f"{last['step']}, {r['wall']:.0f} s",
                    flush=True,
                )
                continue
            results.append(r)
            print(
                f"  {r['entry']:<20} {r['data']:<7} seed {r['seed']}: {r['modes']}/{r['total']} "
                f"modes, {100 * r['high_quality']:.1f}% HQ, KL {r['kl']:.2f}, {r['wall']:.0f} s",
                flush=True,
            )
    return results, checks


def load_saved(path: Path) -> dict[str, Any] | None:
    """What save_results wrote (samples as arrays, KL NaN where none), or None."""
    if not path.exists():
        return None
    saved = json.loads(path.read_text())
    for r in saved["results"]:
        r["samples"] = np.asarray(r["samples"]) if r.get("samples") is not None else None
        r["kl"] = math.nan if r["kl"] is None else r["kl"]
    return saved


def save_results(
    path: Path,
    results: list[dict[str, Any]],
    entries: list[str],
    datasets: list[str],
    checks: list[dict[str, Any]],
    took: float,
    command: str,
    reused: int = 0,
) -> None:
    """Every run's numbers, and the samples of the seed-0 runs that the pictures show."""
    rows = []
    for r in results:
        row = {k: v for k, v in r.items() if k != "samples"}
        row["kl"] = None if math.isnan(r["kl"]) else r["kl"]
        row["samples"] = np.round(r["samples"], 4).tolist() if r["seed"] == 0 else None
        rows.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "protocol": PROTOCOL,
                "entries": entries,
                "datasets": datasets,
                "took": took,
                "reused": reused,
                "command": command,
                "results": rows,
                "notebook": checks,
            }
        )
    )


def _sci(x: float) -> str:
    return f"{x:.0e}".replace("e-0", "e-")


def doc_section(
    results: list[dict[str, Any]],
    entries: list[str],
    datasets: Sequence[str],
    checks: list[dict[str, Any]],
    steps: int,
    took: float,
    command: str,
    suffix: str = "",
    reused: int = 0,
) -> str:
    p = PROTOCOL
    pacgan = suffix == "_pacgan"
    # Runs saved by earlier calls carry the command that trained them.
    commands = list(dict.fromkeys(r["command"] for r in results + checks if r.get("command")))
    if len(commands) > 1:
        made = (
            f"Made by {len(commands)} calls under this protocol, each adding runs to the saved "
            "results (`--results`), the last on "
            f"{today()}: " + "; ".join(f"`{c}`" for c in commands) + f". {machine_summary()}; "
            "runs in parallel worker processes on a machine shared with other jobs (the times "
            "are each run's own and comparable within this table only)."
        )
    else:
        made = (
            f"Made by `{command}` on {today()}: {machine_summary()}; {took / 60:.0f} min in all"
            + (
                f" ({reused} runs reused from earlier calls under the same protocol: their "
                "times are in the tables, not in this total)"
                if reused
                else ""
            )
            + ", runs in parallel worker processes on a machine shared with other jobs (the "
            "times are comparable within this table only)."
        )
    if pacgan:
        reading = (
            f"Read it against PacGAN's Table 1, whose protocol this is except for the length: "
            f"{steps:,} generator steps here against PacGAN's 400 epochs of 100,000 points "
            "(400,000 steps at batch 100)."
        )
    else:
        reading = (
            f"Read it as early training: {steps} steps against the notebook's 25,000 and "
            "PacGAN's longer runs. The pictures show where the samples are; a variant whose "
            "samples still lie along the whole ring, between the modes, is not collapsed even "
            "when few of its modes count as captured, and high-quality fractions this low say "
            "that G is not yet precise to 3 std (0.03 on the ring), not that it dropped modes."
        )
    lines = [
        "## Mode coverage on 2-D mixtures" + (" under PacGAN's protocol" if pacgan else ""),
        "",
        made,
        "",
        f"Protocol, the same for every variant (**{protocol_name()}**): G 4x{p['width']} "
        f"BN+ReLU, D 3x{p['width'] // 2} maxout (5 pieces), z {p['z_dim']}-d N(0, I), "
        f"batch {p['batch_size']}, learning rate {_sci(p['lr_d'])} for D and "
        f"{_sci(p['lr_g'])} for G, beta1 {p['beta1']}, {steps:,} generator steps; unrolled "
        f"K = {p['unroll']}. The optimiser kind (Adam unless the variant's own is another), "
        "beta2, D steps per G step and loss constants are each variant's own (the table's "
        "second column). "
        f"Each run: {SAMPLES} samples of the raw generator from the latents of seeds "
        f"0..{SAMPLES - 1}; mean ± standard error over the training seeds (`seeds`). A sample is high "
        "quality within 3 std of its nearest mode; a mode is captured when it is the nearest "
        "mode of at least one high-quality sample; KL(histogram of the high-quality samples "
        "|| uniform), in nats (ln 8 = 2.08 for one ring mode; '(n/N)': only n runs had "
        "high-quality samples). `unrolled-lookahead` is `unrolled --lookahead`, without the "
        "second-order term: not the paper's method.",
        "",
        reading,
    ]
    for data in datasets:
        k = 8 if data == "ring8" else 25
        lines += [
            "",
            f"### {data} ({k} modes)",
            "",
            markdown_table(HEADERS, table_rows(results, entries, data)),
            "",
            "Runs that captured every mode: " + all_modes_counts(results, entries, data) + ".",
            "",
            f"![samples on {data}, seed 0](images/modes_{data}{suffix}.png)",
        ]
    if checks:
        lines += [
            "",
            "### ring8 with the Unrolled GAN notebook's own nets",
            "",
            "The same look-ahead on the reference notebook's nets, which the table above does "
            "not use: G z 256 -> 128 tanh -> 128 tanh -> 2 and D 2 -> 128 tanh -> 128 tanh -> 1, "
            "no batch norm, batch 512, Adam lr 1e-4 for D and 1e-3 for G, beta1 0.5; the "
            "`unrolled` variant with these nets swapped in and trained as the notebook trains: "
            "G minimises the value function at the look-ahead parameters (`--g-loss minimax`), "
            "and both players' updates are computed from the same parameters on the same real "
            "batch, then applied together. K = 0 is the plain GAN with that loss. `wgan-gp` "
            "has no notebook of its own: it gets the same nets, data, batch, latents and "
            "number of generator steps, with its authors' toy settings (their `gan_toy.py`: "
            "Adam 1e-4 for both, betas (0.5, 0.9), lambda 0.1) and their Algorithm 1's order, "
            "5 critic steps on fresh real batches, then one generator step. Each cell: "
            "modes captured / % high quality of 2,500 samples at that step; `train s` is the "
            "run's own wall time, which includes whatever else the machine ran beside it.",
            "",
            markdown_table(*notebook_rows(checks)),
            "",
            notebook_summary(checks),
        ]
        if any(c["seed"] == 0 and "samples" in c["curve"][-1] for c in checks):
            lines += [
                "",
                "Seed 0's samples at each evaluation (1,000 of the 2,500; red: the modes):",
                "",
                f"![notebook nets, seed 0](images/modes_ring8_notebook{suffix}.png)",
            ]
    lines += [
        "",
        "Published numbers, for scale only: the protocols differ from the one above and from "
        "each other (VEEGAN: its own nets and training length; PacGAN: z 2-d, G 4x400, D 3x200 "
        "maxout, Adam 1e-4, beta1 0.8, batch 100, 10 runs) and so do the mixtures' scales.",
        "",
        markdown_table(
            ["table", "method", "ring: modes / % HQ / KL", "grid: modes / % HQ / KL"],
            [list(r) for r in PUBLISHED],
        ),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--variants", help="comma-separated, or 'core' (default: every variant for 2-D data)"
    )
    ap.add_argument("--data", default=",".join(DATASETS), help="comma-separated toys")
    ap.add_argument("--seeds", type=int, default=3, help="training seeds per variant and toy")
    ap.add_argument(
        "--protocol",
        choices=sorted(PROTOCOLS),
        default="notebook",
        help="notebook: the Unrolled GAN notebook's optimiser on width-64 PacGAN-shaped nets, "
        "1,000 steps (the main table); pacgan: PacGAN's nets and optimiser, 20,000 steps "
        "(its own doc section and results file)",
    )
    ap.add_argument("--steps", type=int, default=None, help="generator steps")
    ap.add_argument("--width", type=int, default=None, help="toy net width")
    ap.add_argument("--batch-size", type=int, default=None)
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (one thread each)")
    ap.add_argument(
        "--notebook-steps",
        type=int,
        default=NOTEBOOK["steps"],
        help="steps of the check on the Unrolled GAN notebook's own nets (0: skip it)",
    )
    ap.add_argument("--notebook-seeds", type=int, default=3, help="seeds of that check")
    ap.add_argument(
        "--notebook-every",
        type=int,
        default=NOTEBOOK["every"],
        help="steps between that check's evaluations",
    )
    ap.add_argument(
        "--notebook-methods",
        default=",".join(SHOWN_ORDER),
        help=f"methods of that check, of {', '.join(SHOWN_ORDER)}",
    )
    ap.add_argument("--quick", action="store_true", help="one seed, few steps, print only")
    ap.add_argument("--doc", type=Path, default=DOC, help="the page to write the section into")
    ap.add_argument("--no-doc", action="store_true", help="print the table only")
    ap.add_argument(
        "--results",
        type=Path,
        default=None,
        help="where the raw per-run results (and seed-0 samples) are saved (runs/ is ignored by git)",
    )
    ap.add_argument(
        "--from-results",
        action="store_true",
        help="re-render the tables, images and doc from --results without training",
    )
    args = ap.parse_args(argv)
    args.notebook_methods = [m for m in args.notebook_methods.split(",") if m]
    unknown = [m for m in args.notebook_methods if m not in NOTEBOOK_METHODS]
    if unknown:
        ap.error(
            f"unknown --notebook-methods {', '.join(unknown)}; valid: {', '.join(SHOWN_ORDER)}"
        )

    if args.quick:
        args.steps, args.seeds, args.no_doc = QUICK["steps"], QUICK["seeds"], True
        args.notebook_steps, args.notebook_seeds = QUICK["steps"], 1
    PROTOCOL.clear()
    PROTOCOL.update(PROTOCOLS[args.protocol])
    for key in ("width", "batch_size", "steps"):
        if getattr(args, key) is not None:
            PROTOCOL[key] = getattr(args, key)
    args.steps = PROTOCOL["steps"]
    suffix = "" if args.protocol == "notebook" else f"_{args.protocol}"
    section = SECTION + suffix
    if args.results is None:
        args.results = REPO / "runs" / "benchmarks" / f"mode_coverage{suffix}.json"
    chosen = CORE if args.variants == "core" else args.variants
    entries = chosen.split(",") if chosen else point_variants()
    datasets = args.data.split(",")
    # The slowest runs first, so that the workers finish together.
    cost = {"unrolled": 8, LOOKAHEAD: 3}
    jobs = sorted(
        ((e, d, s) for e in entries for d in datasets for s in range(args.seeds)),
        key=lambda j: -cost.get(j[0], 1),
    )
    reused = 0
    if args.from_results:
        saved = load_saved(args.results)
        PROTOCOL.update(saved["protocol"])
        results, took, command = saved["results"], saved["took"], saved["command"]
        checks = saved.get("notebook", [])
        entries, datasets = saved["entries"], saved["datasets"]
        reused = saved.get("reused", 0)
        args.steps, args.seeds = PROTOCOL["steps"], len({r["seed"] for r in results})
    else:
        print(
            f"{len(jobs)} runs ({', '.join(entries)} on {', '.join(datasets)}, "
            f"{args.seeds} seeds, {args.steps} steps) on {args.jobs} workers",
            flush=True,
        )
        notebook = [
            (method, seed)
            for method in args.notebook_methods
            for seed in range(args.notebook_seeds if args.notebook_steps > 0 else 0)
        ]
        # Runs an earlier call finished under the same protocol are reused, not trained again:
        # a long benchmark can be stopped and continued, or extended by variants or seeds.
        saved = None if args.quick else load_saved(args.results)
        old_runs: dict[tuple, dict[str, Any]] = {}
        old_checks: dict[tuple, dict[str, Any]] = {}
        if saved is not None and saved["protocol"] == PROTOCOL:
            old_runs = {(r["entry"], r["data"], r["seed"]): r for r in saved["results"]}
            old_checks = {
                (method_of(c), c["seed"]): c
                for c in saved.get("notebook", [])
                if c["curve"]
                and c["curve"][-1]["step"] == args.notebook_steps
                # checks made with other settings (before the notebook's loss and update
                # order were followed) are made again
                and all(c.get(key) == v for key, v in NOTEBOOK_METHODS[method_of(c)].items())
                # seed 0 keeps its samples for the picture
                and (c["seed"] != 0 or all("samples" in e for e in c["curve"]))
            }
        wanted_runs, wanted_checks = set(jobs), set(notebook)
        jobs = [j for j in jobs if j not in old_runs]
        notebook = [j for j in notebook if j not in old_checks]
        reused = len(wanted_runs & old_runs.keys()) + len(wanted_checks & old_checks.keys())
        if reused:
            print(f"reusing {reused} finished runs from {args.results}", flush=True)
        start = time.perf_counter()
        results, checks = train_all(jobs, notebook, args)
        took = time.perf_counter() - start
        command = "python benchmarks/mode_coverage.py" + "".join(
            f" {a}" for a in (argv if argv is not None else sys.argv[1:])
        )
        for r in results + checks:
            r["command"] = command  # which call trained it, for the doc
        results += [r for key, r in old_runs.items() if key in wanted_runs]
        checks += [c for key, c in old_checks.items() if key in wanted_checks]
        if not args.quick:
            # Keep the saved runs this call did not ask for, too, as the file holds them now
            # (another call with the same protocol may have finished in the meantime).
            now = load_saved(args.results)
            if now is None or now["protocol"] != PROTOCOL:
                now = {"results": [], "notebook": [], "entries": [], "datasets": []}
            mine = {(r["entry"], r["data"], r["seed"]) for r in results}
            mine_checks = {(method_of(c), c["seed"]) for c in checks}
            keep = [r for r in now["results"] if (r["entry"], r["data"], r["seed"]) not in mine]
            keep_checks = [
                c for c in now["notebook"] if (method_of(c), c["seed"]) not in mine_checks
            ]
            save_results(  # the earlier runs first, then this call's
                args.results,
                keep + results,
                now["entries"] + [e for e in entries if e not in now["entries"]],
                now["datasets"] + [d for d in datasets if d not in now["datasets"]],
                keep_checks + checks,
                took,
                command,
                reused,
            )

    for data in datasets:
        print(f"\n{data}: {protocol_name()}, {args.steps} steps, {args.seeds} seeds")
        print(text_table(HEADERS, table_rows(results, entries, data)))
    if checks:
        print("\nring8, the Unrolled GAN notebook's nets: modes / % high quality")
        print(text_table(*notebook_rows(checks)))
    print(f"\n{took / 60:.1f} min")
    if not args.no_doc:
        for data in datasets:
            image = args.doc.parent / "images" / f"modes_{data}{suffix}.png"
            scatter_grid(results, entries, data, image)
        notebook_sheet(checks, args.doc.parent / "images" / f"modes_ring8_notebook{suffix}.png")
        body = doc_section(
            results,
            entries,
            datasets,
            checks,
            args.steps,
            took,
            command,
            suffix,
            reused,
        )
        if not args.doc.exists():
            args.doc.parent.mkdir(parents=True, exist_ok=True)
            args.doc.write_text(
                "# Benchmarks\n\nEvery number on this page comes from a script in `benchmarks/` "
                "that anyone can re-run; each section says how it was made.\n"
            )
        write_section(args.doc, section, body)
        print(f"wrote {args.doc} and {args.doc.parent / 'images'}/modes_*.png")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    raise SystemExit(main())
