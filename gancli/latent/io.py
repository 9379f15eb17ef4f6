"""Saved latents: a safetensors file with a tensor `z` (or a .npy array), so that `sample`,
`interpolate` and `arithmetic` can reuse exact latents."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from gancli.errors import GanError
from gancli.store.checkpoint import save_tensors


def save_latents(path: str | Path, z: torch.Tensor, **meta: str) -> None:
    if str(path) == "-":
        import io
        import sys

        buf = io.BytesIO()
        np.save(buf, z.cpu().numpy())
        sys.stdout.buffer.write(buf.getvalue())
        return
    path = Path(path)
    if path.suffix == ".npy":
        np.save(path, z.cpu().numpy())
    else:
        save_tensors(path, {"z": z}, {"format": "gancli", "kind": "latents", **meta})


def load_latents(path: str | Path, z_dim: int) -> torch.Tensor:
    path = Path(path)
    if not path.exists():
        raise GanError(f"no latents file at {path}")
    try:
        if path.suffix == ".npy":
            z = torch.from_numpy(np.load(path, allow_pickle=False)).float()
        else:
            from safetensors.torch import load_file

            tensors = load_file(str(path))
            if "z" not in tensors:
                raise GanError(f"{path} holds no tensor named 'z'")
            z = tensors["z"].float()
    except GanError:
        raise
    except Exception as e:  # any parse failure of a user-supplied file is a user error
        raise GanError(f"cannot read latents from {path}: {str(e).splitlines()[0][:200]}") from e
    if z.dim() != 2 or z.shape[1] != z_dim:
        raise GanError(
            f"latents in {path} have shape {tuple(z.shape)}; this model needs (N, {z_dim})"
        )
    return z
