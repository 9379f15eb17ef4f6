"""The health monitor: failing runs raise a named state through `gan train`, a healthy one
does not; --on-collapse stop stops with a resumable checkpoint; --rollback goes back with a
lower learning rate, a bounded number of times, and says so each time."""

from __future__ import annotations

import json
import math

import torch
from typer.testing import CliRunner

from gancli.cli import app
from gancli.engine.health import MESSAGES, THRESHOLDS, HealthMonitor
from gancli.engine.loop import Trainer
from gancli.engine.options import MAX_ROLLBACKS, ROLLBACK_LR
from gancli.store.checkpoint import read_checkpoint
from tests.conftest import tiny_options

runner = CliRunner()
# A plain GAN on the 8-Gaussian ring on the toy nets at width 64 (benchmarks/health_monitor.py's
# failing runs), checked every 50 steps (the default).
TOY = ["gan", "--data", "ring8", "--width", "64", "--precision", "fp32",
       "--sample-every", "100000", "--json"]  # fmt: skip
# Both learning rates at 0.05: the weights blow up within the first checks, and G then
# saturates, every sample at the same point (collapse).
DIVERGING = ["--lr", "0.05", "--betas", "0.5,0.999"]


def events(output: str, name: str) -> list[dict]:
    out = []
    for line in output.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("event") == name:
                out.append(record)
    return out


def train(tmp_path, *args: str):
    return runner.invoke(app, ["train", *TOY, "--out", str(tmp_path / "run"), *args])


def test_a_diverging_run_raises_the_event_with_what_to_try(tmp_path):
    r = train(tmp_path, *DIVERGING, "--steps", "100")
    assert r.exit_code == 0, r.output
    found = events(r.stdout, "health")
    assert found and found[0]["state"] == "divergence", r.stdout
    assert found[0]["step"] == 50
    assert "weights grew" in found[0]["message"]
    assert "--rollback" in found[0]["remedies"]
    # the same event is in the run's log, and the step records carry the signals
    log = [json.loads(x) for x in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert any(x.get("event") == "health" and x["state"] == "divergence" for x in log)
    steps = [x for x in log if "health" in x]
    assert {"acc_real", "acc_fake", "gap", "grad_d", "grad_g", "diversity", "modes"} <= set(
        steps[-1]["health"]
    )


def test_a_healthy_run_raises_nothing(tmp_path):
    # the toy recipe's optimiser (the zoo's ring8-gan: Adam 1e-4, beta1 0.8), past the warm-up
    r = train(tmp_path, "--steps", str(THRESHOLDS.warmup + 150))
    assert r.exit_code == 0, r.output
    assert events(r.stdout, "health") == []
    log = (tmp_path / "run" / "metrics.jsonl").read_text()
    assert '"warnings"' not in log


def test_no_health_turns_it_off(tmp_path):
    r = train(tmp_path, *DIVERGING, "--steps", "50", "--no-health")
    assert r.exit_code == 0, r.output
    assert events(r.stdout, "health") == []
    assert '"health"' not in (tmp_path / "run" / "metrics.jsonl").read_text()


def test_on_collapse_stop_stops_with_a_resumable_checkpoint(tmp_path):
    steps = THRESHOLDS.warmup + 200
    r = train(tmp_path, *DIVERGING, "--steps", str(steps), "--on-collapse", "stop")
    assert r.exit_code == 1, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: stopped at step "), r.stderr
    assert "mode collapse" in lines[0] and "--resume" in lines[0]
    stopped = int(lines[0].split("stopped at step ")[1].split(":")[0])
    assert THRESHOLDS.warmup <= stopped < steps
    assert read_checkpoint(tmp_path / "run").step == stopped
    # the run goes on from there, warning only this time
    r = runner.invoke(app, ["train", "gan", "--resume", str(tmp_path / "run"), "--json",
                            "--on-collapse", "warn"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert read_checkpoint(tmp_path / "run").step == steps


def test_on_collapse_is_checked():
    r = runner.invoke(app, ["train", *TOY, "--on-collapse", "panic", "--steps", "1"])
    assert r.exit_code == 1
    assert "--on-collapse must be one of: warn, stop" in r.stderr


def test_rollback_goes_back_with_lower_lr_a_bounded_number_of_times(tmp_path):
    r = train(tmp_path, *DIVERGING, "--steps", "300", "--rollback", "--checkpoint-every", "50")
    assert r.exit_code == 0, r.output
    backs = events(r.stdout, "rollback")
    assert 1 <= len(backs) <= MAX_ROLLBACKS, r.stdout
    for i, b in enumerate(backs, 1):
        assert b["count"] == i and b["max"] == MAX_ROLLBACKS
        assert b["to_step"] < b["step"]
        assert math.isclose(b["lr_g"], 0.05 * ROLLBACK_LR**i)
    log = (tmp_path / "run" / "metrics.jsonl").read_text()
    assert log.count('"event": "rollback"') == len(backs)  # in the run's log too
    ckpt = read_checkpoint(tmp_path / "run")
    assert ckpt.step == 300
    assert math.isclose(ckpt.config["hyper"]["lr_g"], 0.05 * ROLLBACK_LR ** len(backs))


def test_the_monitor_changes_nothing_the_run_computes(tmp_path):
    """Its forwards put back the RNG and the batch-norm statistics: same weights either way."""
    weights = []
    for health in (True, False):
        opts = tiny_options(tmp_path / f"run-{health}", "dcgan", steps=3, health=health)
        trainer = Trainer(opts, quiet=True)
        trainer.run()
        weights.append({k: v.clone() for k, v in trainer.model.tensors().items()})
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])


class _Variant:
    """Just enough of a variant for the monitor's state logic."""

    @staticmethod
    def remedies(state, spec):
        return [f"try {state}"]

    @staticmethod
    def realness_threshold():
        return 0.0

    spec: dict = {}


def test_collapse_needs_patience_and_clears():
    monitor = HealthMonitor.__new__(HealthMonitor)
    monitor.variant, monitor.thresholds = _Variant(), THRESHOLDS
    monitor.history, monitor.active, monitor.streak = [], set(), {}
    healthy = {"diversity": 1.0, "acc_real": 0.6, "acc_fake": 0.6}
    collapsed = {**healthy, "diversity": 0.05}
    step = THRESHOLDS.warmup
    raised = []
    for s in [healthy] + [collapsed] * THRESHOLDS.patience + [healthy]:
        raised.append([f.state for f in monitor._states(step, s)])
        monitor.history.append(s)
        step += 10
    assert raised[-2] == ["collapse"] and not any(raised[:-2])
    assert monitor.active == set()  # cleared when diversity came back
    # before the warm-up nothing but divergence is called
    early = monitor.conditions(10, collapsed)
    assert early["collapse"] is None
    assert monitor.conditions(10, {**healthy, "d_loss": float("nan")})["divergence"]


def test_remedies_put_the_variant_s_own_first_and_never_suggest_itself():
    from gancli import variants

    gan = variants.get("gan").remedies("d_winning", {"kind": "points"})
    assert gan[0].startswith("--g-loss nonsaturating")
    assert not any("--augment" in r for r in gan)  # no augmentation for 2-D points
    assert any("--augment" in r for r in variants.get("dcgan").remedies("collapse", {}))
    unrolled = variants.get("unrolled").remedies("collapse", {})
    assert unrolled[0].startswith("a larger --unroll")
    assert not any(r.startswith("gan train unrolled") for r in unrolled)


def test_d_winning_is_called_only_where_d_decides():
    """A logit has a decision point; a critic's midpoint splits real from fake in healthy runs
    too, so WGAN-style variants are never told D is winning."""
    monitor = HealthMonitor.__new__(HealthMonitor)
    monitor.variant, monitor.thresholds = _Variant(), THRESHOLDS
    monitor.history, monitor.active, monitor.streak = [], set(), {}
    pinned = {"diversity": 1.0, "acc_real": 1.0, "acc_fake": 0.99, "drift": 0.001}
    assert monitor.conditions(THRESHOLDS.warmup, pinned)["d_winning"]

    class Critic(_Variant):
        @staticmethod
        def realness_threshold():
            return None

    monitor.variant = Critic()
    assert monitor.conditions(THRESHOLDS.warmup, pinned)["d_winning"] is None


def test_a_learning_image_g_is_not_told_d_is_winning_or_oscillating():
    """The README's DCGAN on synthfaces keeps D at 100% accuracy while its faces improve, its
    samples moving 0.2-0.45 of the data's spread between checks: no alarm. The same accuracy
    with G frozen is D winning; the same drift on a 2-D toy is oscillation."""
    monitor = HealthMonitor.__new__(HealthMonitor)
    monitor.variant, monitor.thresholds = _Variant(), THRESHOLDS
    monitor.history, monitor.active, monitor.streak = [], set(), {}
    learning = {"diversity": 0.55, "acc_real": 1.0, "acc_fake": 1.0, "drift": 0.43}
    held = monitor.conditions(THRESHOLDS.warmup, learning)
    assert not any(held.values()), held
    assert monitor.conditions(THRESHOLDS.warmup, {**learning, "drift": 0.003})["d_winning"]
    toy = {**learning, "modes": 8.0, "modes_total": 8.0}
    assert monitor.conditions(THRESHOLDS.warmup, toy)["oscillation"]


def test_a_d_that_takes_every_fake_for_real_is_called_losing():
    """G 1,000 times faster than D on MNIST: D's accuracy on fake sits at 0 while G's loss is
    near its floor and its samples stay noise; healthy runs keep it at 0.30 or more."""
    monitor = HealthMonitor.__new__(HealthMonitor)
    monitor.variant, monitor.thresholds = _Variant(), THRESHOLDS
    monitor.history, monitor.active, monitor.streak = [], set(), {}
    fooled = {"diversity": 0.4, "acc_real": 1.0, "acc_fake": 0.0, "drift": 0.5, "g_loss": 0.03}
    raised = [[f.state for f in monitor._states(THRESHOLDS.warmup + i, fooled)] for i in range(3)]
    assert raised == [[], [], ["d_fooled"]]
    assert "G's samples for real" in MESSAGES["d_fooled"]
    healthy = {**fooled, "acc_fake": 0.3}
    assert monitor.conditions(THRESHOLDS.warmup, healthy)["d_fooled"] is None
    assert monitor.conditions(10, fooled)["d_fooled"] is None  # not in the warm-up

    class Critic(_Variant):
        @staticmethod
        def realness_threshold():
            return None

    monitor.variant = Critic()
    assert monitor.conditions(THRESHOLDS.warmup, fooled)["d_fooled"] is None


def test_a_stuck_run_that_starts_learning_again_is_not_called_diverging():
    """DCGAN on MNIST at width 16, seed 2: G drew flat grey until step 1,650, D's gradient
    shrinking to 0.02; when G broke out, D's gradient went back up to 3.1 (155x its recent
    median, below the 7.7 of the run's first checks): learning again, not a blow-up. A gradient
    that climbs past everything seen is one."""
    monitor = HealthMonitor.__new__(HealthMonitor)
    monitor.variant, monitor.thresholds = _Variant(), THRESHOLDS
    monitor.history, monitor.active, monitor.streak = [], set(), {}
    base = {"diversity": 0.9, "acc_real": 1.0, "acc_fake": 1.0, "drift": 0.1}
    for g in (7.7, 5.0, 1.0, 0.05, 0.02, 0.02, 0.02, 0.02):
        monitor.history.append({**base, "grad_d": g})
    assert monitor.conditions(1700, {**base, "grad_d": 3.1})["divergence"] is None
    assert "grad_d" in monitor.conditions(1700, {**base, "grad_d": 40.0})["divergence"]
