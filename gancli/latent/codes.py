"""Structured latent codes (InfoGAN): where each code lives in the latent vector, how to draw
it, and how to set it by hand (`gan sample --code c1=3`, `--sweep c2`).

A latent is [noise (z_dim) | code 1 | code 2 | ...]. A categorical code of size K takes K
entries (one-hot); a uniform code takes one entry in [-1, 1].
"""

from __future__ import annotations

from typing import Any

import torch

from gancli.errors import GanError


def code_width(code: dict[str, Any]) -> int:
    return int(code["size"]) if code["kind"] == "categorical" else 1


def codes_width(codes: list[dict[str, Any]]) -> int:
    return sum(code_width(c) for c in codes)


def code_slices(z_dim: int, codes: list[dict[str, Any]]) -> dict[str, tuple[slice, dict[str, Any]]]:
    out, start = {}, z_dim
    for c in codes:
        out[c["name"]] = (slice(start, start + code_width(c)), c)
        start += code_width(c)
    return out


def sample_codes(
    codes: list[dict[str, Any]], n: int, generator: torch.Generator | None, device: Any
) -> torch.Tensor:
    where = "cpu" if generator is not None else device
    parts = []
    for c in codes:
        if c["kind"] == "categorical":
            idx = torch.randint(int(c["size"]), (n,), generator=generator, device=where)
            parts.append(torch.nn.functional.one_hot(idx, int(c["size"])).float())
        elif c["kind"] == "uniform":
            parts.append(torch.rand(n, 1, generator=generator, device=where) * 2 - 1)
        else:
            raise GanError(f"unknown code kind {c['kind']!r}")
    return torch.cat(parts, 1).to(device)


def find_code(z_dim: int, codes: list[dict[str, Any]], name: str) -> tuple[slice, dict[str, Any]]:
    slices = code_slices(z_dim, codes)
    if not slices:
        raise GanError("this checkpoint has no latent codes (only InfoGAN checkpoints do)")
    if name not in slices:
        raise GanError(f"unknown code '{name}'; this checkpoint has: {', '.join(slices)}")
    return slices[name]


def set_code(
    z: torch.Tensor, z_dim: int, codes: list[dict[str, Any]], name: str, value: float
) -> None:
    """Set one code of every latent in z, in place."""
    where, code = find_code(z_dim, codes, name)
    if code["kind"] == "categorical":
        k = int(code["size"])
        if value != int(value) or not 0 <= value < k:
            raise GanError(f"code {name} is categorical: give a whole number from 0 to {k - 1}")
        z[:, where] = 0.0
        z[:, where.start + int(value)] = 1.0
    else:
        z[:, where] = float(value)


def parse_assignment(text: str) -> tuple[str, float]:
    """'c1=3' -> ('c1', 3.0)."""
    name, sep, value = text.partition("=")
    try:
        if not sep or not name.strip():
            raise ValueError
        return name.strip(), float(value)
    except ValueError as e:
        raise GanError(f"--code takes NAME=VALUE, like c1=3 or c2=0.5; got {text!r}") from e


def sweep_values(
    z_dim: int, codes: list[dict[str, Any]], name: str, steps: int, lo: float, hi: float
) -> list[float]:
    """The values a sweep of one code walks through: every category, or `steps` even steps."""
    _, code = find_code(z_dim, codes, name)
    if code["kind"] == "categorical":
        return [float(i) for i in range(int(code["size"]))]
    if steps < 2:
        raise GanError("--sweep-steps must be at least 2")
    return torch.linspace(lo, hi, steps).tolist()
