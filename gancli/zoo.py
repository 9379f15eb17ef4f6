"""Name resolution for the CKPT argument of every command.

Today a CKPT is a path: a `.safetensors` file, or a run folder / model folder holding
`model.safetensors`.
"""

from __future__ import annotations

from pathlib import Path

from gancli.checkpoint import model_path
from gancli.errors import GanError


def resolve(ckpt: str) -> Path:
    """The model file that `ckpt` names."""
    if ckpt.startswith("hf://"):
        raise GanError(
            f"cannot load {ckpt}: Hugging Face Hub checkpoints are not supported yet; "
            "download the repo's model.safetensors and pass its path"
        )
    path = Path(ckpt).expanduser()
    if not path.exists():
        raise GanError(f"no checkpoint '{ckpt}': no such file or folder")
    return model_path(path)
