"""Device, precision and seeding."""

from __future__ import annotations

import contextlib
import random
from pathlib import Path

import numpy as np
import torch

from gancli.errors import GanError

PRECISIONS = ("auto", "fp32", "bf16", "fp16")
# torch.compile's modes: reduce-overhead replays each compiled net as CUDA graphs on a GPU
COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


def resolve_device(name: str = "auto") -> torch.device:
    """cuda > mps > cpu for 'auto'; an explicit name must be usable here."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError as e:
        raise GanError(f"unknown device {name!r}; use auto, cpu, cuda, cuda:N or mps") from e
    if device.type == "cuda" and not torch.cuda.is_available():
        raise GanError(
            f"device {name!r} requested but CUDA is not available here; use --device cpu"
        )
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise GanError("device 'mps' requested but MPS is not available here; use --device cpu")
    return device


def cpu_has_fast_bf16() -> bool:
    """True where the CPU has native bf16 matrix instructions (AVX-512 BF16 or AMX)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def resolve_precision(precision: str, device: torch.device, kind: str = "image") -> str:
    """'auto' picks bf16 where the hardware runs it fast (on this project's AMX CPU, bf16 halves
    the CPU time of a DCGAN step: docs/performance.md); 2-D toys stay fp32 (tiny nets, modes
    0.01 wide: bf16's 8-bit mantissa would blur them and buy nothing)."""
    if precision not in PRECISIONS:
        raise GanError(f"unknown precision {precision!r}; use one of: {', '.join(PRECISIONS)}")
    if precision == "fp16" and device.type == "cpu":
        raise GanError("fp16 training needs a GPU; on a CPU use --precision bf16 or fp32")
    if precision != "auto":
        return precision
    if kind != "image":
        return "fp32"
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    if device.type == "cpu" and cpu_has_fast_bf16():
        return "bf16"
    return "fp32"


def autocast(device: torch.device, precision: str) -> contextlib.AbstractContextManager:
    if precision == "fp32":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return torch.autocast(device_type=device.type, dtype=dtype)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def check_compile_mode(mode: str) -> str | None:
    """The `mode` argument for torch.compile (None for its default), or a clear error."""
    if mode not in COMPILE_MODES:
        raise GanError(f"unknown compile mode {mode!r}; use one of: {', '.join(COMPILE_MODES)}")
    return None if mode == "default" else mode
