"""Training under torchrun: 2 CPU processes with gloo, tiny shapes, a few steps each.

Every rank appends a hash of its weights after each step to $GANCLI_TRACE_WEIGHTS/rank<R>.jsonl;
the ranks must agree at every step, and rank 0's checkpoint must hold exactly those weights.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from gancli.engine.batcher import Batcher
from gancli.engine.distributed import derived_seed, weights_sha256
from gancli.engine.loop import Trainer
from gancli.engine.model import load_model
from gancli.errors import GanError
from gancli.store.checkpoint import load_state, read_checkpoint
from gancli.store.files import STATE_FILE
from tests.conftest import tiny_options

needs_gloo = pytest.mark.skipif(
    not (torch.distributed.is_available() and torch.distributed.is_gloo_available()),
    reason="torch.distributed with gloo is not available",
)


def _torchrun(args: list[str], trace: Path, **popen: object) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc-per-node",
        "2",
        "-m",
        "gancli",
        "train",
        *args,
        "--json",
    ]
    env = {**os.environ, "GANCLI_TRACE_WEIGHTS": str(trace), "OMP_NUM_THREADS": "1"}
    env.pop("GANCLI_DEBUG", None)
    return subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen
    )


def _tiny_args(variant: str, out: Path, **overrides: object) -> list[str]:
    opts = {
        "data": "shapes",
        "image-size": 16,
        "width": 8,
        "batch-size": 8,
        "precision": "fp32",
        "device": "cpu",
        "log-every": 1,
        "sample-every": 1000,
        "checkpoint-every": 1000,
        "out": out,
        **overrides,
    }
    args = [variant]
    for k, v in opts.items():
        args += [f"--{k}"] if v is True else [f"--{k}", str(v)]
    return args


def _trace(trace: Path) -> dict[int, dict[int, str]]:
    """rank -> step -> weights hash."""
    out: dict[int, dict[int, str]] = {}
    for rank in (0, 1):
        for line in (trace / f"rank{rank}.jsonl").read_text().splitlines():
            rec = json.loads(line)
            out.setdefault(rank, {})[rec["step"]] = rec["sha256"]
    return out


def _finish(proc: subprocess.Popen, timeout: float = 120) -> tuple[str, str]:
    try:
        return proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()


# ---- the shards, without any process group ---------------------------------------------------


class _Data:
    kind = "image"

    def __init__(self, n: int = 20) -> None:
        self.x = torch.arange(n, dtype=torch.uint8).view(n, 1, 1, 1).expand(n, 1, 2, 2).clone()
        self.x[:, :, :, 1] = 255  # flipping shows
        self.labels = torch.arange(n)

    def __len__(self) -> int:
        return len(self.x)


@pytest.mark.parametrize("batch, world", [(8, 2), (7, 2), (7, 3)])
def test_rank_slices_make_up_the_one_process_batch(batch, world):
    data = _Data()
    one = Batcher(data, batch, torch.device("cpu"), seed=3, flip=True)
    ranks = [
        Batcher(data, batch, torch.device("cpu"), seed=3, flip=True, rank=r, world=world)
        for r in range(world)
    ]
    assert sum(b.share for b in ranks) == pytest.approx(1.0)
    for _ in range(7):  # past an epoch boundary (20 items)
        x, labels = one.next()
        parts = [b.next() for b in ranks]
        assert torch.equal(torch.cat([p[0] for p in parts]), x)  # flips included
        assert torch.equal(torch.cat([p[1] for p in parts]), labels)
    # the state is the same on every rank and for any world size
    for b in ranks:
        for key, value in one.state_dict().items():
            assert torch.equal(torch.as_tensor(b.state_dict()[key]), torch.as_tensor(value))


def test_global_batch_smaller_than_world_is_refused():
    with pytest.raises(GanError, match="global batch"):
        Batcher(_Data(), 2, torch.device("cpu"), rank=0, world=3)


def test_rank_seeds_differ():
    seeds = {derived_seed(0, r) for r in range(1, 9)} | {derived_seed(0, 1, 100)}
    assert len(seeds) == 9 and 0 not in seeds


def test_gpus_builds_a_torchrun_command():
    from gancli.engine.launch import torchrun_command

    cmd = torchrun_command(4, ["train", "dcgan", "--gpus", "4", "--steps", "3", "--gpus=4"])
    assert cmd[1:] == [
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc-per-node=4",
        "-m",
        "gancli",
        "train",
        "dcgan",
        "--steps",
        "3",
    ]
    with pytest.raises(GanError):
        torchrun_command(0, [])


# ---- 2 processes under torchrun --------------------------------------------------------------


@needs_gloo
def test_two_processes_hold_one_model_and_resume_in_one(tmp_path):
    run, trace = tmp_path / "run", tmp_path / "trace"
    proc = _torchrun(_tiny_args("dcgan", run, steps=3, flip=True), trace)
    out, err = _finish(proc)
    assert proc.returncode == 0, f"{out[-1500:]}\n{err[-3000:]}"

    hashes = _trace(trace)
    assert sorted(hashes[0]) == sorted(hashes[1]) == [1, 2, 3]
    assert hashes[0] == hashes[1], "the ranks' weights differ"
    ckpt = read_checkpoint(run)
    assert ckpt.step == 3 and weights_sha256(ckpt.tensors) == hashes[0][3]
    # rank 0 alone writes the log: one line per step
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3]
    state = load_state(run / STATE_FILE)
    assert state["world_size"] == 2 and len(state["rng_ranks"]) == 1
    # the data order is the one a single process draws
    straight = tmp_path / "straight"
    Trainer(tiny_options(straight, steps=3, flip=True), quiet=True).run()
    ref = load_state(straight / STATE_FILE)["batcher"]
    assert state["batcher"]["pos"] == ref["pos"] and torch.equal(
        state["batcher"]["perm"], ref["perm"]
    )

    # one process loads the checkpoint and continues the run
    load_model(run)
    Trainer(tiny_options(None, steps=5, resume=str(run)), quiet=True).run()
    assert read_checkpoint(run).step == 5


@needs_gloo
def test_one_process_run_resumes_on_two_and_a_signal_stops_both(tmp_path):
    """wgan-gp (double backward for the penalty), a global batch of 7 split 4 + 3, resumed
    from a one-process run; SIGTERM to rank 1 alone stops both ranks at the same step."""
    run, trace = tmp_path / "run", tmp_path / "trace"
    Trainer(tiny_options(run, "wgan-gp", steps=1, batch_size=7), quiet=True).run()
    proc = _torchrun(
        ["wgan-gp", "--resume", str(run), "--steps", "1000000", "--checkpoint-every", "1000000"],
        trace,
    )
    try:
        deadline = time.time() + 120
        rank1 = trace / "rank1.jsonl"
        while not (rank1.exists() and len(rank1.read_text().splitlines()) >= 2):
            assert proc.poll() is None, proc.communicate()[1][-3000:]
            assert time.time() < deadline, "training never started"
            time.sleep(0.1)
        os.kill(json.loads(rank1.read_text().splitlines()[0])["pid"], signal.SIGTERM)
        out, err = _finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0  # torchrun reports its workers' exit 130
    assert "interrupted at step" in err

    hashes = _trace(trace)
    last = max(hashes[0])
    assert max(hashes[1]) == last, "the ranks stopped at different steps"
    assert hashes[0] == hashes[1], "the ranks' weights differ"
    ckpt = read_checkpoint(run)
    assert ckpt.step == last and weights_sha256(ckpt.tensors) == hashes[0][last]
    assert load_state(run / STATE_FILE)["world_size"] == 2


@needs_gloo
@pytest.mark.parametrize("variant", ["unrolled", "infogan"])
def test_variants_with_extra_steps_stay_in_step(tmp_path, variant):
    """unrolled (functional look-ahead through D) and infogan (Q head on D's trunk)."""
    run, trace = tmp_path / "run", tmp_path / "trace"
    extra = {"unroll": 2} if variant == "unrolled" else {}
    proc = _torchrun(_tiny_args(variant, run, steps=2, **extra), trace)
    out, err = _finish(proc)
    assert proc.returncode == 0, err[-3000:]
    hashes = _trace(trace)
    assert sorted(hashes[0]) == [1, 2] and hashes[0] == hashes[1]
    assert weights_sha256(read_checkpoint(run).tensors) == hashes[0][2]
