"""The GPU path: training steps that never wait on the GPU, reduced precision, torch.compile,
and GPU checkpoints that load on a CPU. Skipped where no CUDA device is visible (CI has none);
benchmarks/gpu_checks.sh runs this file on a GPU machine."""

from __future__ import annotations

import traceback
import warnings
from pathlib import Path

import pytest
import torch

from gancli.engine.loop import Trainer
from gancli.engine.model import load_model
from gancli.store.checkpoint import load_state
from gancli.store.files import MODEL_FILE, STATE_FILE
from tests.conftest import tiny_options

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

# Variants whose steps differ in what they add to the plain loop: labels (cgan, acgan), extra
# critic steps with clipping (wgan), a gradient penalty (wgan-gp), unrolled D copies with
# create_graph (unrolled), a Q head with sampled codes (infogan).
VARIANTS = {
    "dcgan": {},
    "wgan": {},
    "wgan-gp": {},
    "unrolled": {"extra": {"unroll": 2}},
    "infogan": {"data": "mnist5k", "image_size": 28, "channels": 1},
    "cgan": {"data": "mnist5k", "image_size": 16, "channels": 1},
    "acgan": {"data": "mnist5k", "image_size": 16, "channels": 1},
}


def gpu_options(out: Path, variant: str, **overrides):
    base = dict(
        image_size=32,
        width=16,
        batch_size=16,
        steps=8,
        precision="bf16",
        device="cuda",
        log_every=1000,
    )
    base.update(VARIANTS.get(variant, {}))
    base.update(overrides)
    return tiny_options(out, variant, **base)


def _call_site() -> str:
    """Where the running code is, as 'file:line <- caller <- ...' (innermost first, the
    test's own frames and the warnings machinery left out)."""
    frames = [f for f in traceback.extract_stack()[:-1] if "warnings" not in f.filename]
    frames = [f for f in frames if not f.filename.endswith("test_cuda.py")]
    return " <- ".join(f"{f.filename}:{f.lineno}" for f in reversed(frames[-6:]))


def run_watching_syncs(opts, after: int = 2) -> tuple[Trainer, list[str]]:
    """Train, with PyTorch's sync debug mode on from step `after` until the last step starts
    its log record (where reading the losses is the one sync meant to happen). Returns the
    call stacks (innermost first) that synchronised the host with the GPU in between."""
    trainer = Trainer(opts, quiet=True)
    checked = trainer._stopping

    def stopping() -> bool:
        watching = after <= trainer.step < trainer.total
        torch.cuda.set_sync_debug_mode("warn" if watching else "default")
        return checked()

    trainer._stopping = stopping  # called once per step, before the log branch
    syncs: set[str] = set()

    def note(message, *args, **kwargs) -> None:  # called where the warning is raised
        if "synchronizing" in str(message):
            syncs.add(_call_site())

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = note
        try:
            trainer.run()
        finally:
            torch.cuda.set_sync_debug_mode("default")
    return trainer, sorted(syncs)


@cuda
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_training_steps_never_wait_for_the_gpu(tmp_path, variant):
    trainer, syncs = run_watching_syncs(gpu_options(tmp_path / "run", variant))
    assert trainer.step == 8
    assert syncs == [], f"{variant}: the step synchronised with the GPU at {syncs}"
    # The GPU run's checkpoint samples on a CPU.
    model = load_model(tmp_path / "run" / MODEL_FILE, "cpu")
    z = model.variant.sample_z(4)
    labels = torch.arange(4) % model.variant.num_classes if model.variant.conditional else None
    x = model.sample(z, labels)
    assert torch.isfinite(x).all()


@cuda
def test_fp16_trains_with_a_grad_scaler_and_resumes(tmp_path):
    out = tmp_path / "run"
    Trainer(
        gpu_options(out, "dcgan", precision="fp16", steps=6, checkpoint_every=3), quiet=True
    ).run()
    state = load_state(out / STATE_FILE)
    assert state["scaler"]["scale"] > 0
    resumed = Trainer(
        tiny_options(out, "dcgan", resume=str(out), steps=9, device="cuda"), quiet=True
    )
    assert resumed.precision == "fp16" and resumed.scaler.is_enabled()
    resumed.run()
    model = load_model(out / MODEL_FILE, "cpu")
    assert torch.isfinite(model.sample(model.variant.sample_z(4))).all()


@cuda
@pytest.mark.parametrize(
    "size",
    [
        dict(image_size=32, width=16, batch_size=16),
        # The default DCGAN at 64x64, where channels_last weights broke inductor's backward
        # of the first transposed convolution (torch 2.11, H100).
        dict(image_size=64, width=64, batch_size=64),
    ],
    ids=["small", "dcgan64"],
)
def test_compiled_nets_train_and_save_plain_weights(tmp_path, size):
    out = tmp_path / "run"
    trainer = Trainer(gpu_options(out, "dcgan", compile=True, steps=6, **size), quiet=True)
    trainer.run()
    # Same keys as an eager run's checkpoint: no compiler wrapper prefixes.
    model = load_model(out / MODEL_FILE, "cpu")
    eager = Trainer(gpu_options(tmp_path / "eager", "dcgan", steps=1, **size), quiet=True)
    eager.run()
    assert set(model.tensors()) == set(load_model(tmp_path / "eager" / MODEL_FILE).tensors())
    assert torch.isfinite(model.sample(model.variant.sample_z(4))).all()


@cuda
@pytest.mark.parametrize("variant", ["dcgan", "wgan-gp", "infogan"])
def test_cuda_graphs_through_reduce_overhead(tmp_path, variant):
    """`--compile-mode reduce-overhead` replays the compiled nets as CUDA graphs. D runs twice
    per step (real, fake) and G's output feeds it: no replay may overwrite a tensor the step
    still needs, and the logged losses stay finite (wgan-gp's penalty pass runs eagerly)."""
    import json

    out = tmp_path / "run"
    opts = gpu_options(out, variant, compile_mode="reduce-overhead", steps=12, log_every=4)
    Trainer(opts, quiet=True).run()
    logs = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    losses = [r["d_loss"] for r in logs if "d_loss" in r]
    assert losses and all(torch.isfinite(torch.tensor(losses)))
    model = load_model(out / MODEL_FILE, "cpu")
    assert torch.isfinite(model.sample(model.variant.sample_z(4))).all()
