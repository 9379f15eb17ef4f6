"""Does the health monitor catch failing runs, and stay quiet on healthy ones? At what cost?

    python benchmarks/health_monitor.py            # full run (about 10 min, one thread);
                                                   # writes docs/benchmarks.md
    python benchmarks/health_monitor.py --quick    # smoke run: one seed, few steps; prints only
    python benchmarks/health_monitor.py --from-results --image-run RUN   # + a healthy image run

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


def train(data: str, seed: int, out: Path, **overrides: Any) -> dict[str, Any]:
    """One run; its checks, its health events, its wall time and the monitor's seconds."""
    from gancli.engine.loop import Trainer
    from gancli.engine.options import TrainOptions

    opts = TrainOptions(
        variant="gan", data=data, seed=seed, device="cpu", precision="fp32", out=str(out),
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


def run_all(quick: bool) -> dict[str, Any]:
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:

        def one(kind: str, expected: str | None, data: str, seed: int, **kw: Any) -> None:
            t = time.perf_counter()
            got = train(data, seed, Path(tmp) / f"{kind}-{data}-{seed}", **kw)
            got.update(kind=kind, expected=expected, data=data, seed=seed)
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
    rows = []
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in runs:
        if r["expected"]:
            groups.setdefault((r["expected"], r["data"]), []).append(r)
    for (state, data), group in groups.items():
        firsts = [
            next((e["step"] for e in r["events"] if e["state"] == state), None) for r in group
        ]
        hit = [f for f in firsts if f is not None]
        others = sorted({e["state"] for r in group for e in r["events"]} - {state})
        rows.append([
            state, data, f"{len(hit)} of {len(group)}",
            f"{100 * len(hit) / len(group):.0f}%",
            f"{max(hit)}" if hit else "-", f"{min(hit)}-{max(hit)}" if hit else "-",
            f"{group[0]['steps']}", ", ".join(others) or "-",
        ])  # fmt: skip
    return rows


def healthy_rows(runs: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for r in runs:
        if r["expected"]:
            continue
        n = len(r["checks"])
        alarms = sum(bool(c["warnings"]) for c in r["checks"])
        states = sorted({e["state"] for e in r["events"]}) or ["-"]
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


def report(result: dict[str, Any], command: str) -> tuple[str, list[tuple[str, str]]]:
    from gancli.engine.health import THRESHOLDS as t

    runs = result["runs"]
    det = detection_rows(runs)
    swe = sweep_rows(runs)
    hea = healthy_rows(runs)
    sig = signal_rows(runs)
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

{markdown_table(swe_h, swe)}
"""
    return body, [("detection", text_table(det_h, det)), ("healthy", text_table(hea_h, hea)),
                  ("signals", text_table(sig_h, sig)), ("sweep", text_table(swe_h, swe))]  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="one seed, 200 steps; prints only")
    p.add_argument("--no-doc", action="store_true", help="do not write docs/benchmarks.md")
    p.add_argument("--from-results", action="store_true", help="redo the tables from RESULTS")
    p.add_argument("--image-run", type=Path, action="append", default=[],
                   help="a finished healthy image run to replay (repeatable; kept in RESULTS)")  # fmt: skip
    a = p.parse_args()
    if a.from_results:
        result = json.loads(RESULTS.read_text())
    else:
        start = time.perf_counter()
        result = run_all(a.quick)
        result["total_s"] = time.perf_counter() - start
        if not a.quick:
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            RESULTS.write_text(json.dumps(result))
    if a.image_run:
        result["image_runs"] = [image_run(r) for r in a.image_run]
        if not a.quick:
            RESULTS.write_text(json.dumps(result))
    command = "python benchmarks/health_monitor.py"
    command += "".join(f" --image-run {r['path']}" for r in result.get("image_runs", []))
    body, tables = report(result, command)
    for name, table in tables:
        print(f"\n{name}\n{table}")
    if not a.quick and not a.no_doc:
        write_section(DOC, SECTION, body)
        print(f"\nwrote {DOC}")


if __name__ == "__main__":
    main()
