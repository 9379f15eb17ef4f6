"""How runs stop: NaN keeps the last good checkpoint; SIGTERM/Ctrl-C save and exit 130."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
import torch

from gancli import variants
from gancli.engine.loop import NonFinite, Trainer
from gancli.store.checkpoint import read_checkpoint
from gancli.variants.dcgan import DCGAN
from tests.conftest import tiny_options


@pytest.fixture
def diverging_variant():
    class Diverging(DCGAN):
        """DCGAN whose G loss turns NaN from its 5th step on."""

        name = "diverging-test"
        calls = 0

        def g_loss(self, real, labels):
            loss, logs = super().g_loss(real, labels)
            Diverging.calls += 1
            return (loss * float("nan") if Diverging.calls >= 5 else loss), logs

    variants.register(Diverging)
    yield Diverging.name
    variants._REGISTRY.pop(Diverging.name)


def test_nan_stops_and_keeps_last_good_checkpoint(tmp_path, diverging_variant):
    run = tmp_path / "run"
    opts = tiny_options(run, diverging_variant, steps=10, checkpoint_every=2, log_every=100)
    trainer = Trainer(opts, quiet=True)
    with pytest.raises(NonFinite, match=r"diverged at step 6 .*last good checkpoint \(step 4\)"):
        trainer.run()
    ckpt = read_checkpoint(run)
    assert ckpt.step == 4
    assert all(torch.isfinite(t).all() for t in ckpt.tensors.values())


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_saves_and_exits_130(tmp_path, sig):
    run = tmp_path / "run"
    cmd = [
        sys.executable,
        "-m",
        "gancli",
        "train",
        "dcgan",
        "--data",
        "shapes",
        "--image-size",
        "16",
        "--width",
        "8",
        "--batch-size",
        "8",
        "--steps",
        "1000000",
        "--log-every",
        "1",
        "--checkpoint-every",
        "1000000",
        "--precision",
        "fp32",
        "--out",
        str(run),
        "--json",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        metrics = run / "metrics.jsonl"
        while not (metrics.exists() and metrics.stat().st_size > 0):
            assert proc.poll() is None, proc.communicate()
            assert time.time() < deadline, "training never started"
            time.sleep(0.2)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted at step" in err
    assert f"continue with: gan train dcgan --resume {run}" in err  # a command that works
    assert "Traceback" not in err
    step = read_checkpoint(run).step
    assert step >= 1
    # and the run resumes from there
    t = Trainer(tiny_options(None, steps=step + 1, resume=str(run)), quiet=True)
    assert t.step == step
    t.run()
    assert read_checkpoint(run).step == step + 1
