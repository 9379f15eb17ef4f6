"""Does the health monitor catch failing runs, and stay quiet on healthy ones? At what cost?

    python benchmarks/health_monitor.py            # full run (about 10 min, one thread);
                                                   # writes docs/benchmarks.md
    python benchmarks/health_monitor.py --quick    # smoke run: one seed, few steps; prints only
    python benchmarks/health_monitor.py --from-results --image-run RUN   # + a healthy image run
    python benchmarks/health_monitor.py --images [healthy|narrow|failing]  # DCGAN on digits
                                                   # (all parts: about 35 min, one thread)
    python benchmarks/health_monitor.py --stuck-figure [RUN]   # docs/images/health_stuck_run.png

Every run trains through the library as `gan train` does (`Trainer(TrainOptions(...)).run()`)
with the monitor on at its defaults (`gancli.engine.health.THRESHOLDS`) and the default
`--log-every 50`, so each run is checked every 50 steps; the run's `metrics.jsonl` holds every
check's signals and every `health` event, and this script reads them back.

Healthy runs: the zoo's recipe for the ring (`gan train gan --data ring8`, the toy defaults:
PacGAN's nets and optimiser), cut to HEALTHY_STEPS, on ring8 and grid25, several seeds. A
false alarm is a check at which any state is raised (the run's `warnings`).

Failing runs (FAILING), plain GAN on the toy nets at width 64, each made to fail one way:
  collapse     G trained a thousand times faster than D (lr G 1e-2, D 1e-5): G chases the
               point D rates highest, the cause of mode collapse in Goodfellow's 2016 tutorial
  d_winning    a D much stronger than G: 5 D steps per G step, lr D 1e-3 against G 1e-5, and
               the minimax G loss
  divergence   both learning rates at 0.05
A failing run is flagged when the state it was made to show is raised; the table gives the step
of that first event, against the run's length.

Healthy image runs (`--image-run RUN`, repeatable): a finished `gan train` run on images, its
checks read from its metrics.jsonl and replayed under the defaults (the states depend on the
signals alone); kept in RESULTS with the run's command, so --from-results redoes them.

Cost: the seconds the monitor spent (its checks and the gradient norms it reads on the steps
that end at a check, `HealthMonitor.seconds`) over the run's wall time, in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _common import machine_summary, markdown_table, text_table, today, write_section  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "benchmarks.md"
RESULTS = REPO / "benchmarks" / "results" / "health_monitor.json"
SECTION = "health_monitor"
HEALTHY_STEPS = 2000
HEALTHY_SEEDS = {"ring8": 3, "grid25": 2}
FAILING_SEEDS = 5
TOY = {"width": 64, "betas": (0.5, 0.999)}
FAILING: dict[str, dict[str, Any]] = {
    "collapse": {"steps": 1500, "lr_g": 1e-2, "lr_d": 1e-5, **TOY},
    "d_winning": {
        "steps": 1300,
        "lr_g": 1e-5,
        "lr_d": 1e-3,
        "n_critic": 5,
        "extra": {"g_loss": "minimax"},
        **TOY,
    },  # fmt: skip
    "divergence": {"steps": 400, "lr_g": 0.05, "lr_d": 0.05, **TOY},
}
FAILING_DATA = {"collapse": ("ring8", "grid25"), "d_winning": ("ring8",), "divergence": ("ring8",)}

# --images: DCGAN on MNIST digits (28x28), narrowed so that a run takes minutes on a CPU: the
# paper's optimiser (Adam 2e-4, beta1 0.5), width 16, batch 32. Healthy: those defaults, several
# seeds; failing: the same nets, each made to fail one way (the toys' settings where they carry
# over; "collapse" below is the setting that collapsed these nets, found by trying).
IMAGE = {"variant": "dcgan", "width": 16, "batch_size": 32}
IMAGE_DATA = "mnist5k"
IMAGE_HEALTHY_STEPS = 3000
IMAGE_SEEDS = 3
# The narrow nets at the paper's settings got stuck on 2 of 3 seeds (flat grey samples for up
# to 1,650 steps before they learned): healthy runs are the nets at twice the width, batch 64.
IMAGE_HEALTHY = {"variant": "dcgan", "width": 32, "batch_size": 64, "steps": 2000}
IMAGE_FAILING: dict[str, dict[str, Any]] = {
    "d_fooled": {"steps": 1500, "lr_g": 1e-2, "lr_d": 1e-5},
    "d_winning": {
        "steps": 1500,
        "lr_g": 1e-5,
        "lr_d": 1e-3,
        "n_critic": 5,
        "extra": {"g_loss": "minimax"},
    },  # fmt: skip
    "divergence": {"steps": 400, "lr_g": 0.05, "lr_d": 0.05},
}


def train(data: str, seed: int, out: Path, **overrides: Any) -> dict[str, Any]:
    """One run; its checks, its health events, its wall time and the monitor's seconds."""
    from gancli.engine.loop import Trainer
    from gancli.engine.options import TrainOptions

    overrides.setdefault("variant", "gan")
    opts = TrainOptions(
        data=data, seed=seed, device="cpu", precision="fp32", out=str(out),
        sample_every=10**9, checkpoint_every=10**9, **overrides,
    )  # fmt: skip
    trainer = Trainer(opts, quiet=True)
    start = time.perf_counter()
    error = None
    try:
        trainer.run()
    except Exception as e:  # a NaN stop counts as what it is: the run's end
        error = str(e)
    wall = time.perf_counter() - start
    checks, events = [], []
    for line in (out / "metrics.jsonl").read_text().splitlines():
        r = json.loads(line)
        if r.get("event") == "health":
            events.append({"step": r["step"], "state": r["state"], "message": r["message"]})
        elif "health" in r:
            checks.append({"step": r["step"], "warnings": r.get("warnings", []), **r["health"]})
    monitor = trainer.health.seconds if trainer.health is not None else 0.0
    return {"checks": checks, "events": events, "wall_s": wall, "monitor_s": monitor,
            "steps": opts.steps, "error": error}  # fmt: skip


def _runner(runs: list[dict[str, Any]], tmp: str) -> Any:
    """A function that trains one run into `runs` and says how it went."""

    def one(kind: str, expected: str | None, data: str, seed: int, recipe: str = "", **kw: Any):
        t = time.perf_counter()
        got = train(data, seed, Path(tmp) / f"{kind}-{data}-{seed}", **kw)
        got.update(kind=kind, expected=expected, data=data, seed=seed)
        if recipe:
            got["recipe"] = recipe
        runs.append(got)
        first = next((e["step"] for e in got["events"] if e["state"] == expected), None)
        said = (
            f"flagged at {first}"
            if expected
            else f"{sum(bool(c['warnings']) for c in got['checks'])} alarms"
        )
        print(f"{kind:10s} {data:7s} seed {seed}: {said}; events "
              f"{[(e['step'], e['state']) for e in got['events']]}; "
              f"{time.perf_counter() - t:.0f} s", flush=True)  # fmt: skip

    return one


def run_all(quick: bool) -> dict[str, Any]:
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        one = _runner(runs, tmp)
        for data, seeds in HEALTHY_SEEDS.items():
            for seed in range(1 if quick else seeds):
                one("healthy", None, data, seed, steps=200 if quick else HEALTHY_STEPS)
        for state, settings in FAILING.items():
            for data in FAILING_DATA[state]:
                for seed in range(1 if quick else FAILING_SEEDS):
                    kw = dict(settings)
                    if quick:
                        kw["steps"] = min(kw["steps"], 200)
                    one(state, state, data, seed, **kw)
    return {"runs": runs, "machine": machine_summary(), "date": today()}


def run_images(quick: bool, part: str, before: dict[str, Any]) -> dict[str, Any]:
    """--images [part]: DCGAN runs on digits: `healthy` (several seeds of IMAGE_HEALTHY),
    `narrow` (IMAGE at the paper's settings), `failing` (made to fail), or `all`; the runs of
    the other parts are kept from `before`."""
    parts = ("healthy", "narrow", "failing") if part == "all" else (part,)
    runs = [r for r in before.get("runs", []) if _part(r) not in parts]
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        one = _runner(runs, tmp)
        for seed in range(1 if quick else IMAGE_SEEDS) if "healthy" in parts else ():
            kw = {**IMAGE_HEALTHY, "steps": 200 if quick else IMAGE_HEALTHY["steps"]}
            one("healthy", None, IMAGE_DATA, seed, recipe="healthy", **kw)
        for seed in range(1 if quick else IMAGE_SEEDS) if "narrow" in parts else ():
            steps = 200 if quick else IMAGE_HEALTHY_STEPS
            one("narrow", None, IMAGE_DATA, seed, recipe="narrow", steps=steps, **IMAGE)
        for state, settings in IMAGE_FAILING.items() if "failing" in parts else ():
            for seed in range(1 if quick else IMAGE_SEEDS):
                kw = {**IMAGE, **settings}
                if quick:
                    kw["steps"] = min(kw["steps"], 200)
                one(state, state, IMAGE_DATA, seed, **kw)
    return {"runs": runs, "machine": machine_summary(), "date": today(),
            "total_s": time.perf_counter() - start + before.get("total_s", 0.0)}  # fmt: skip


def _part(run: dict[str, Any]) -> str:
    """Which --images part a run belongs to (the first image runs, before parts had names,
    were the narrow recipe's healthy-looking runs and the failing ones)."""
    if run["expected"]:
        return "failing"
    return run.get("recipe", "narrow")


# ---- replaying the recorded checks under other thresholds ---------------------------------
# The states are a function of the checks' signals alone, and the monitor changes nothing the
# run computes, so the recorded checks answer "what would these thresholds have raised?"
# without training again: that is how the defaults were chosen (SWEEP).

# (the state it names, the values tried, the other thresholds changed with it: each collapse
# criterion alone, the other one off)
SWEEP: dict[str, tuple[str, tuple[float, ...], dict[str, float]]] = {
    "modes": ("collapse", (0.2, 0.3, 0.4, 0.5, 0.6), {"diversity": 0.0}),
    "diversity": ("collapse", (0.2, 0.35, 0.5, 0.7, 0.9), {"modes": 0.0}),
    "accuracy": ("d_winning", (0.8, 0.9, 0.95, 0.99), {}),
    "frozen": ("d_winning", (0.005, 0.01, 0.02, 0.05, 0.1), {}),
    "drift": ("oscillation", (0.2, 0.3, 0.4, 0.6), {}),
    "weight_jump": ("divergence", (1.1, 1.25, 1.5, 2.0, 3.0), {}),
    "blowup": ("divergence", (10.0, 20.0, 50.0, 100.0, 1e9), {}),
    "fooled": ("d_fooled", (0.01, 0.05, 0.1, 0.2), {}),
}


class _Stub:
    spec: dict[str, Any] = {}

    @staticmethod
    def remedies(state: str, spec: Any) -> list[str]:
        return []

    @staticmethod
    def realness_threshold() -> float:
        return 0.0  # the runs here are all the log-loss GAN's


def replay(checks: list[dict[str, Any]], thresholds: Any) -> list[tuple[int, str]]:
    """The (step, state) events the monitor raises on these checks under `thresholds`."""
    from gancli.engine.health import HealthMonitor

    m = HealthMonitor.__new__(HealthMonitor)
    m.variant, m.thresholds = _Stub(), thresholds
    m.history, m.active, m.streak = [], set(), {}
    events = []
    for c in checks:
        s = {k: v for k, v in c.items() if k not in ("step", "warnings")}
        events += [(f.step, f.state) for f in m._states(c["step"], s)]
        m.history.append(s)
    return events


def sweep_rows(runs: list[dict[str, Any]]) -> list[list[str]]:
    """Per threshold and value: healthy checks without an alarm, failing runs flagged."""
    from dataclasses import replace

    from gancli.engine.health import THRESHOLDS

    rows = []
    healthy = [r for r in runs if not r["expected"]]
    for name, (state, values, others) in SWEEP.items():
        made = "collapse" if state == "oscillation" else state
        failing = [r for r in runs if r["expected"] == made]
        for v in values:
            t = replace(THRESHOLDS, **{**others, name: v})
            clean = total = 0
            for r in healthy:  # a check is clean when the monitor holds no state after it
                held = _held(r["checks"], t)
                clean += sum(not h for h in held)
                total += len(held)
            flagged = sum(any(st == state for _, st in replay(r["checks"], t)) for r in failing)
            mark = " (default)" if getattr(THRESHOLDS, name) == v else ""
            mark += "".join(f", {k} off" for k in others)
            rows.append([
                f"{name}{mark}", f"{v:g}", f"{100 * clean / max(total, 1):.1f}%",
                f"{flagged} of {len(failing)} {made} runs raise {state}",
            ])  # fmt: skip
    return rows


def _held(checks: list[dict[str, Any]], thresholds: Any) -> list[bool]:
    """For each check, whether the monitor holds any state after it."""
    from gancli.engine.health import HealthMonitor

    m = HealthMonitor.__new__(HealthMonitor)
    m.variant, m.thresholds = _Stub(), thresholds
    m.history, m.active, m.streak = [], set(), {}
    held = []
    for c in checks:
        s = {k: v for k, v in c.items() if k not in ("step", "warnings")}
        m._states(c["step"], s)
        m.history.append(s)
        held.append(bool(m.active))
    return held


# ---- the tables ---------------------------------------------------------------------------


def detection_rows(runs: list[dict[str, Any]]) -> list[list[str]]:
    """Per state made to show: the runs flagged, when, and what else was raised, replayed
    under the current defaults (a run records the events of the code it ran with)."""
    from gancli.engine.health import THRESHOLDS

    rows = []
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in runs:
        if r["expected"]:
            groups.setdefault((r["expected"], r["data"]), []).append(r)
    for (state, data), group in groups.items():
        events = [replay(r["checks"], THRESHOLDS) for r in group]
        firsts = [next((step for step, st in ev if st == state), None) for ev in events]
        hit = [f for f in firsts if f is not None]
        others = sorted({st for ev in events for _, st in ev} - {state})
        rows.append([
            state, data, f"{len(hit)} of {len(group)}",
            f"{100 * len(hit) / len(group):.0f}%",
            f"{max(hit)}" if hit else "-", f"{min(hit)}-{max(hit)}" if hit else "-",
            f"{group[0]['steps']}", ", ".join(others) or "-",
        ])  # fmt: skip
    return rows


def healthy_rows(runs: list[dict[str, Any]]) -> list[list[str]]:
    """Per run not made to fail: its checks without an alarm under the current defaults."""
    from gancli.engine.health import THRESHOLDS

    rows = []
    for r in runs:
        if r["expected"]:
            continue
        n = len(r["checks"])
        alarms = sum(_held(r["checks"], THRESHOLDS))
        states = sorted({st for _, st in replay(r["checks"], THRESHOLDS)}) or ["-"]
        rows.append([
            r["data"], str(r["seed"]), str(n), str(n - alarms), f"{100 * (n - alarms) / n:.1f}%",
            ", ".join(states), f"{100 * r['monitor_s'] / r['wall_s']:.2f}%",
        ])  # fmt: skip
    return rows


def signal_rows(runs: list[dict[str, Any]]) -> list[list[str]]:
    """Per signal: the worst a healthy run reached after the warm-up, against failing runs."""
    from gancli.engine.health import THRESHOLDS as t

    def after(rs: list[dict[str, Any]], start: int) -> list[dict[str, Any]]:
        return [c for r in rs for c in r["checks"] if c["step"] >= start]

    healthy = [r for r in runs if not r["expected"]]
    failing = {s: [r for r in runs if r["expected"] == s] for s in FAILING}
    h = after(healthy, t.warmup)

    def worst(checks: list[dict[str, Any]], key: Any, fn: Any) -> str:
        vals = [key(c) for c in checks if key(c) is not None]
        return f"{fn(vals):.3g}" if vals else "-"

    def med(checks: list[dict[str, Any]], key: Any) -> str:
        vals = [key(c) for c in checks if key(c) is not None]
        return f"{statistics.median(vals):.3g}" if vals else "-"

    def modes(c: dict[str, Any]) -> float | None:
        return c["modes"] / c["modes_total"] if "modes" in c else None

    def acc(c: dict[str, Any]) -> float:
        return min(c["acc_real"], c["acc_fake"])

    def jump(c: dict[str, Any]) -> float:
        return max(c.get("jump_d", 1.0), c.get("jump_g", 1.0))

    fc, fd = after(failing["collapse"], t.warmup), after(failing["d_winning"], t.warmup)
    fv = after(failing["divergence"], 0)
    h_all = after(healthy, 0)
    return [
        ["diversity (share of the data's)", worst(h, lambda c: c["diversity"], min),
         med(fc, lambda c: c["diversity"]), f"< {t.diversity}"],
        ["modes reached (share)", worst(h, modes, min), med(fc, modes), f"< {t.modes}"],
        ["D accuracy, the lower of real and fake", worst(h, acc, max), med(fd, acc),
         f">= {t.accuracy}"],
        ["drift while D's accuracy is pinned (image runs: below)",
         worst([c for c in h if acc(c) >= t.accuracy], lambda c: c.get("drift"), min),
         med(fd, lambda c: c.get("drift")), f"< {t.frozen}"],
        ["drift (centre moved, share of the data's spread)", worst(h, lambda c: c.get("drift"), max),
         med(fc, lambda c: c.get("drift")), f"> {t.drift}"],
        ["weight growth per check (all steps)", worst(h_all, jump, max), worst(fv, jump, max),
         f"> {t.weight_jump}"],
    ]  # fmt: skip


def fooled_rows(runs: list[dict[str, Any]], replayed: list[dict[str, Any]]) -> list[list[str]]:
    """D's accuracy on fake: the lowest any healthy check reached after the warm-up (runs
    trained here and image runs replayed), against the runs made to show D losing."""
    from gancli.engine.health import THRESHOLDS as t

    healthy = [c for r in runs if not r["expected"] for c in r["checks"]]
    healthy += [c for r in replayed for c in r["checks"]]
    fooled = [c for r in runs if r["expected"] == "d_fooled" for c in r["checks"]]
    low = [c["acc_fake"] for c in healthy if c["step"] >= t.warmup]
    bad = [c["acc_fake"] for c in fooled if c["step"] >= t.warmup]
    return [[
        "D accuracy on fake (d_fooled; image runs too)", f"{min(low):.3g}" if low else "-",
        f"{statistics.median(bad):.3g}" if bad else "-", f"<= {t.fooled}",
    ]]  # fmt: skip


def image_run(run: Path) -> dict[str, Any]:
    """A finished image run's checks (the `health` of its step records) and its command."""
    checks = []
    for line in (run / "metrics.jsonl").read_text().splitlines():
        record = json.loads(line)
        if "health" in record:
            checks.append({"step": record["step"], **record["health"]})
    config = json.loads((run / "config.json").read_text())
    t = config.get("train", {})
    command = f"gan train {config.get('variant')} --data {t.get('data')}"
    for flag in ("width", "batch_size", "steps", "seed"):
        if t.get(flag) is not None:
            command += f" --{flag.replace('_', '-')} {t[flag]}"
    stopped = checks[-1]["step"] if checks and checks[-1]["step"] < t.get("steps", 0) else None
    return {"command": command, "checks": checks, "path": str(run), "stopped": stopped}


def image_rows(images: list[dict[str, Any]]) -> list[list[str]]:
    from gancli.engine.health import THRESHOLDS as t

    rows = []
    for r in images:
        held = _held(r["checks"], t)
        late = [c for c in r["checks"] if c["step"] >= t.warmup]
        acc = [min(c["acc_real"], c["acc_fake"]) for c in late]
        drift = [c["drift"] for c in late if "drift" in c]
        div = [c["diversity"] for c in late]
        events = sorted({st for _, st in replay(r["checks"], t)})
        rows.append([
            f"`{r['command']}`"
            + (f" (stopped at step {r['stopped']:,})" if r.get("stopped") else ""),
            str(len(held)), str(sum(not h for h in held)),
            ", ".join(events) or "-",
            f"{min(acc):.2f}-{max(acc):.2f}" if acc else "-",
            f"{min(drift):.2f}-{max(drift):.2f}" if drift else "-",
            f"{min(div):.2f}-{max(div):.2f}" if div else "-",
        ])  # fmt: skip
    return rows


def _image_note(images: list[dict[str, Any]]) -> str:
    total = sum(r["wall_s"] for r in images)
    return f"{len(images)} runs, {total / 60:.0f} min in all." if images else ""


def report(result: dict[str, Any], command: str) -> tuple[str, list[tuple[str, str]]]:
    from gancli.engine.health import THRESHOLDS as t

    runs = result["runs"]
    images = result.get("images", {}).get("runs", [])
    det = detection_rows(runs)
    # the narrow recipe's runs got stuck by themselves: neither healthy nor made to fail
    judged = runs + [r for r in images if _part(r) != "narrow"]
    swe = sweep_rows(judged)
    img_det = detection_rows(images)
    img_hea = healthy_rows([r for r in images if _part(r) == "healthy"])
    img_nar = healthy_rows([r for r in images if _part(r) == "narrow"])
    img_checks = sum(int(r[2]) for r in img_hea)
    img_clean = sum(int(r[3]) for r in img_hea)
    hea = healthy_rows(runs)
    sig = signal_rows(runs) + fooled_rows(judged, result.get("image_runs", []))
    img = image_rows(result.get("image_runs", []))
    img_h = ["healthy image run", "checks", "no alarm", "states raised",
             "D accuracy after warm-up", "drift", "diversity"]  # fmt: skip
    checks = sum(int(r[2]) for r in hea)
    clean = sum(int(r[3]) for r in hea)
    cost = [100 * r["monitor_s"] / r["wall_s"] for r in runs if not r["expected"]]
    det_h = ["made to show", "data", "flagged", "share", "by step", "first event, range",
             "run length", "other states raised"]  # fmt: skip
    hea_h = ["data", "seed", "checks", "no alarm", "share", "states raised", "monitor cost"]
    swe_h = ["threshold", "value", "healthy checks without an alarm", "failing runs"]
    sig_h = ["signal", "healthy, worst after warm-up", "failing, median after warm-up",
             "threshold"]  # fmt: skip
    body = f"""## Health monitor: failing runs flagged, healthy runs left alone

Made by `{command}` on {result["date"]}: {result["machine"]}; fp32, one thread;
{result.get("total_s", 0) / 60:.0f} min in all, on a machine shared with other jobs.

Healthy runs: the zoo's ring recipe (`gan train gan --data ring8`: the toy defaults, PacGAN's
nets and optimiser) cut to {HEALTHY_STEPS} steps, on ring8 and grid25; a false alarm is a check
(every 50 steps, the default `--log-every`) at which the monitor holds any state. Failing runs:
plain GAN on the toy nets at width 64 (beta1 0.5), {FAILING_SEEDS} seeds each: **collapse** (lr
G 1e-2 against D 1e-5: G chases the point D rates highest), **d_winning** (5 D steps per G
step, lr D 1e-3 against G 1e-5, minimax G loss), **divergence** (both lr 0.05). Thresholds are
the monitor's defaults: warm-up {t.warmup} steps, {t.patience} checks in a row (divergence at
once). Script and how each run is set: `benchmarks/health_monitor.py`.

Failing runs flagged with the state they were made to show:

{markdown_table(det_h, det)}

Healthy runs: {clean} of {checks} checks without an alarm ({100 * clean / max(checks, 1):.1f}%).

{markdown_table(hea_h, hea)}

Healthy image runs, their recorded checks replayed under the defaults (the README's quick
start among them: its faces improve from check to check while D's accuracy stays near 100%):

{markdown_table(img_h, img) if img else "(none recorded)"}

DCGAN on digits trained here (`--images`), {IMAGE_SEEDS} seeds of each, the paper's Adam 2e-4 and
beta1 0.5. {_image_note(images)} Healthy: `gan train dcgan --data {IMAGE_DATA} --width
{IMAGE_HEALTHY["width"]} --batch-size {IMAGE_HEALTHY["batch_size"]} --steps {IMAGE_HEALTHY["steps"]}`:
{img_clean} of {img_checks} checks without an alarm ({100 * img_clean / max(img_checks, 1):.1f}%).

{markdown_table(hea_h, img_hea) if img_hea else "(not run)"}

Made to fail, on the nets at width {IMAGE["width"]}, batch {IMAGE["batch_size"]}: **d_fooled** (lr G 1e-2
against D 1e-5, the toys' collapse setting: on these nets D soon takes every fake for real
and G's samples stay noise, diversity 0.37-0.48: no collapse), **d_winning** and
**divergence** (the toys' settings). No setting tried collapsed these nets on purpose (lr 2e-3
and 5e-3 for both, G 10x and 50x faster than D: all learned, diversity near 1), so image
collapse is shown by the runs below that collapsed by themselves.

{markdown_table(det_h, img_det) if img_det else "(not run)"}

The width-{IMAGE["width"]} nets at the paper's settings for {IMAGE_HEALTHY_STEPS} steps, meant as the healthy
runs, were not all healthy: seed 2 drew the same flat grey image from step 200 to 1,650
(diversity 0.01, D right about everything) before it broke out and learned digits by step
3,000 (docs/images/health_stuck_run.png, steps 1,000, 1,500, 2,000, 3,000); the monitor
called collapse and D winning at step 1,100, the first check after the warm-up, and let them go
when the samples spread again. Seed 1 was stuck from step 200 to about 1,050: collapse was
called at 1,100, the third check in a row under the threshold, as the samples began to spread
again (diversity 0.01, 0.01, 0.14), and let go two checks later: late, as the warm-up makes
it. Seed 0 was stuck from step 250 to 850, inside the warm-up, where nothing but divergence
is called. So the runs below count their stuck phases' checks as alarms, true ones. The first version of the divergence rule
(a gradient 20x its recent median) called both break-outs divergence: D's gradient climbs back
from near zero (155x its median on seed 2, still below its first checks' values); a blow-up
now also has to pass the highest value the signal has had.

{markdown_table(hea_h, img_nar) if img_nar else "(not run)"}

The monitor's cost, its seconds over the run's wall time in the same run: median
{statistics.median(cost) if cost else 0:.2f}% (max {max(cost) if cost else 0:.2f}%).

How the thresholds were chosen: each sits between the worst value any healthy check reached
after the warm-up and the values of the runs made to fail (below); where the two are far apart
the threshold leaves a margin on the healthy side.

{markdown_table(sig_h, sig)}

The same recorded checks replayed under other values of one threshold at a time (the states
depend on the signals alone, and the monitor changes nothing a run computes, so this needs no
new training; each collapse criterion is replayed with the other one off). Each default is
one of the values that keep every healthy check clean and flag at least 90% of the runs made
to fail that way, inside that range rather than at its edge; where the range reaches far
toward the failing side (weight growth) the default sits toward it, leaving room on the
healthy side for settings not measured here (image runs, other learning rates). Two
exceptions: **diversity** stays at 0.35, below its toy range (0.7 and up flag all ten toy
runs alone): on toys the modes criterion decides collapse, and diversity is the criterion for
images, where no run was measured here and a healthy G's samples can be less diverse than
the data; **oscillation** has no run made to show it: its threshold sits above the largest
drift of any healthy toy check, and the collapsing runs, whose G hops between modes, raise it.
The image runs above set two limits the toys could not: a DCGAN's D is right about nearly
every image at many checks while its G still learns, and an image G's samples move 0.04-0.09
(digits) to 0.2-0.41 (faces) of the data's spread between checks while they improve, more than
the toy oscillation threshold on faces. So **D winning** needs G's output to have stopped
moving too (drift under `frozen`: the toy runs made to show it stay under 0.004, the learning
image runs at 0.04 and above: a margin of 2x on the digits' side), and **oscillation** is called on 2-D toys only.
**D losing** (`d_fooled`, D's accuracy on fake at most {t.fooled}) was added for the image runs
whose D took every fake for real while nothing else was raised; the runs made to show it sit at
0 from the first check after the warm-up. One healthy image check went as low as 0.016 (the
last check of a width-32 run, its neighbours at 0.9 and above): a single check can dip that
far, and the {t.patience} checks in a row the state needs are what keep such a dip quiet.
The sweep below counts the toys' healthy runs and the width-32 image runs as healthy (not the
narrow runs that got stuck).

{markdown_table(swe_h, swe)}
"""
    return body, [("detection", text_table(det_h, det)), ("healthy", text_table(hea_h, hea)),
                  ("signals", text_table(sig_h, sig)), ("sweep", text_table(swe_h, swe))]  # fmt: skip


STUCK_SEED = 2
STUCK_STEPS = (1000, 1500, 2000, 3000)
STUCK_FIGURE = REPO / "docs" / "images" / "health_stuck_run.png"


def stuck_figure(run: Path | None) -> None:
    """The narrow recipe's seed that got stuck, its samples at STUCK_STEPS side by side: `run`
    is that run made by `gan train` (trained here when not given)."""
    from _common import gan
    from _figures import side_by_side

    if run is None:
        run = Path(tempfile.mkdtemp()) / "stuck"
        gan("train", IMAGE["variant"], "--data", IMAGE_DATA, "--width", str(IMAGE["width"]),
            "--batch-size", str(IMAGE["batch_size"]), "--steps", str(IMAGE_HEALTHY_STEPS),
            "--seed", str(STUCK_SEED), "--sample-every", "500", "--out", str(run), "--json")  # fmt: skip
    grids = [run / "samples" / f"step_{s:06d}.png" for s in STUCK_STEPS]
    side_by_side(grids, [f"step {s:,}" for s in STUCK_STEPS], STUCK_FIGURE)
    print(f"wrote {STUCK_FIGURE}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="one seed, 200 steps; prints only")
    p.add_argument("--no-doc", action="store_true", help="do not write docs/benchmarks.md")
    p.add_argument("--from-results", action="store_true", help="redo the tables from RESULTS")
    p.add_argument("--images", nargs="?", const="all", choices=("all", "healthy", "narrow", "failing"),
                   help="train the DCGAN image runs (all, or one part: the others and the toy "
                   "runs are read from RESULTS)")  # fmt: skip
    p.add_argument("--image-run", type=Path, action="append", default=[],
                   help="a finished healthy image run to replay (repeatable; kept in RESULTS)")  # fmt: skip
    p.add_argument("--stuck-figure", nargs="?", const="train", metavar="RUN",
                   help="draw docs/images/health_stuck_run.png from RUN (the narrow recipe, seed "
                   f"{STUCK_SEED}, --sample-every 500), training it when RUN is not given")  # fmt: skip
    a = p.parse_args()
    if a.stuck_figure:
        stuck_figure(None if a.stuck_figure == "train" else Path(a.stuck_figure))
        return
    if a.from_results or a.images:
        result = json.loads(RESULTS.read_text())
    else:
        start = time.perf_counter()
        result = run_all(a.quick)
        result["total_s"] = time.perf_counter() - start
        if not a.quick:
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            RESULTS.write_text(json.dumps(result))
    if a.images:
        result["images"] = run_images(a.quick, a.images, result.get("images", {}))
    if a.image_run:
        result["image_runs"] = [image_run(r) for r in a.image_run]
    if (a.images or a.image_run) and not a.quick:
        RESULTS.write_text(json.dumps(result))
    command = "python benchmarks/health_monitor.py"
    command += " --images" if "images" in result else ""
    command += "".join(f" --image-run {r['path']}" for r in result.get("image_runs", []))
    body, tables = report(result, command)
    for name, table in tables:
        print(f"\n{name}\n{table}")
    if not a.quick and not a.no_doc:
        write_section(DOC, SECTION, body)
        print(f"\nwrote {DOC}")


if __name__ == "__main__":
    main()
