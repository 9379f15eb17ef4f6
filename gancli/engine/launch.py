"""Training on several processes of this machine: `gan train ... --gpus N` starts torchrun
with N processes running the same command (less --gpus), and waits for it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from gancli.errors import GanError


def torchrun_command(gpus: int, argv: list[str]) -> list[str]:
    """The torchrun command that runs `gan ARGV` (less --gpus) as `gpus` processes here."""
    if gpus < 1:
        raise GanError(f"--gpus must be at least 1; got {gpus}")
    args, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--gpus":
            skip = True
        elif not arg.startswith("--gpus="):
            args.append(arg)
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc-per-node={gpus}",
        "-m",
        "gancli",
        *args,
    ]


def launch_torchrun(gpus: int, argv: list[str], note: Callable[[str], None] | None = None) -> int:
    """Run the training under torchrun and return its exit code (130 when interrupted).

    Ctrl-C reaches torchrun and its workers directly (one process group); SIGTERM sent to this
    process is passed on to torchrun, which passes it to the workers: either way they save a
    checkpoint at the same step and exit.
    """
    if os.environ.get("WORLD_SIZE"):
        raise GanError("--gpus starts torchrun; this process already runs under it")
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        raise GanError("--gpus needs torch")
    cmd = torchrun_command(gpus, argv)
    if note is not None:
        note(f"starting: {' '.join(cmd[1:])}")
    proc = subprocess.Popen(cmd)
    seen: list[int] = []

    def forward(signum: int, frame: Any) -> None:
        seen.append(signum)
        if signum == signal.SIGTERM:
            proc.send_signal(signum)

    old = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        rc = proc.wait()
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    return 130 if seen and rc != 0 else rc
