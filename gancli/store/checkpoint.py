"""The one on-disk format: a self-describing safetensors file.

`model.safetensors` holds tensors named `generator.*`, `generator_ema.*`, `discriminator.*`
(and `aux.*` for extra nets) and, in its metadata, the JSON config that rebuilds the model:
variant, hyperparameters, net constructor arguments, data spec, step, versions. Resumable
training state (optimisers, RNG states, data order) lives beside it in `state.safetensors`,
also tensors plus JSON: nothing is ever pickled. Every write is atomic (temp file + rename).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gancli import __version__
from gancli.errors import GanError
from gancli.store.files import (
    MODEL_FILE,
    SNAPSHOT_GLOB,
    SNAPSHOTS_DIR,
    snapshot_name,
    snapshot_step,
)

FORMAT = "gancli"
FORMAT_VERSION = 1


def atomic_write(path: str | os.PathLike, write: Any) -> None:
    """Call write(tmp_path), then move the result over `path` in one rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_tensors(
    path: str | os.PathLike, tensors: dict[str, Any], metadata: dict[str, str]
) -> None:
    from safetensors.torch import save_file

    flat = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    atomic_write(path, lambda tmp: save_file(flat, tmp, metadata=metadata))


# ---- packing nested state (optimiser state_dicts, RNG states) into tensors + JSON -------------


def pack(obj: Any, tensors: dict[str, Any], prefix: str = "s") -> Any:
    """Split a nested structure into a JSON skeleton and a dict of named tensors."""
    import torch

    if isinstance(obj, torch.Tensor):
        tensors[prefix] = obj
        return {"__tensor__": prefix}
    if isinstance(obj, dict):
        return {"__dict__": [[k, pack(v, tensors, f"{prefix}.{k}")] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        items = [pack(v, tensors, f"{prefix}.{i}") for i, v in enumerate(obj)]
        return {"__tuple__": items} if isinstance(obj, tuple) else items
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"cannot store {type(obj).__name__} in a checkpoint")


def unpack(skeleton: Any, tensors: dict[str, Any]) -> Any:
    if isinstance(skeleton, dict):
        if "__tensor__" in skeleton:
            return tensors[skeleton["__tensor__"]]
        if "__dict__" in skeleton:
            return {k: unpack(v, tensors) for k, v in skeleton["__dict__"]}
        if "__tuple__" in skeleton:
            return tuple(unpack(v, tensors) for v in skeleton["__tuple__"])
    if isinstance(skeleton, list):
        return [unpack(v, tensors) for v in skeleton]
    return skeleton


def save_state(path: str | os.PathLike, state: dict[str, Any]) -> None:
    tensors: dict[str, Any] = {}
    skeleton = pack(state, tensors)
    meta = {
        "format": FORMAT,
        "kind": "training-state",
        "format_version": str(FORMAT_VERSION),
        "state": json.dumps(skeleton),
    }
    save_tensors(path, tensors, meta)


def load_state(path: str | os.PathLike) -> dict[str, Any]:
    tensors, meta = _read(Path(path), expect="training-state")
    return unpack(json.loads(meta["state"]), tensors)


# ---- the model file --------------------------------------------------------------------------


@dataclass
class Checkpoint:
    path: Path
    config: dict[str, Any]
    tensors: dict[str, Any]

    @property
    def step(self) -> int:
        return int(self.config.get("step", 0))


def model_metadata(config: dict[str, Any]) -> dict[str, str]:
    config = {**config, "gancli_version": __version__, "format_version": FORMAT_VERSION}
    return {
        "format": FORMAT,
        "kind": "model",
        "format_version": str(FORMAT_VERSION),
        "config": json.dumps(config, sort_keys=True),
    }


def model_path(path: str | os.PathLike) -> Path:
    """A run folder or zoo entry stands for the model file inside it; `RUN@STEP` for the
    snapshot of that step (train --keep-every)."""
    path = Path(path)
    text = str(path)
    if "@" in path.name and not path.exists():
        run, _, step = text.rpartition("@")
        if step.isdigit() and Path(run).is_dir():
            kept = Path(run) / SNAPSHOTS_DIR / snapshot_name(int(step))
            if not kept.exists():
                steps = sorted(
                    snapshot_step(p) for p in (Path(run) / SNAPSHOTS_DIR).glob(SNAPSHOT_GLOB)
                )
                have = ", ".join(map(str, steps)) if steps else "none (train with --keep-every N)"
                raise GanError(f"{run} has no snapshot of step {step}; snapshots: {have}")
            return kept
    if path.is_dir():
        inner = path / MODEL_FILE
        if not inner.exists():
            raise GanError(f"{path} is a folder without {MODEL_FILE}: not a gancli run or model")
        return inner
    if not path.exists():
        raise GanError(f"no checkpoint at {path}")
    return path


def _read(path: Path, expect: str) -> tuple[dict[str, Any], dict[str, str]]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    if path.stat().st_size == 0:
        raise GanError(f"{path} is empty (0 bytes): not a checkpoint")
    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
    except (SafetensorError, OSError, ValueError) as e:
        raise GanError(f"{path} is not a safetensors file ({_short(e)})") from e
    if meta.get("format") != FORMAT:
        raise GanError(
            f"{path} is a safetensors file but not a gancli {expect} (no gancli metadata); "
            "was it written by another tool?"
        )
    if meta.get("kind", "model") != expect:
        raise GanError(f"{path} is a gancli {meta.get('kind')} file, not a {expect} file")
    try:
        version = int(meta.get("format_version", "1"))
    except ValueError as e:
        raise GanError(f"{path}: unreadable format version {meta.get('format_version')!r}") from e
    if version > FORMAT_VERSION:
        raise GanError(
            f"{path} was written by a newer gancli (format {version}; this one reads up to "
            f"{FORMAT_VERSION}): upgrade with pip install -U gancli"
        )
    try:
        tensors = load_file(str(path), device="cpu")
    except (SafetensorError, OSError, ValueError, RuntimeError) as e:
        raise GanError(f"{path} is damaged: {_short(e)}") from e
    return tensors, meta


def read_file(path: str | os.PathLike, expect: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Tensors and metadata of a gancli safetensors file of kind `expect` (validated)."""
    return _read(Path(path), expect)


def _short(e: BaseException) -> str:
    return str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__


def _upgrade(config: dict[str, Any]) -> dict[str, Any]:
    """Fill in what older checkpoints lack. Format 1 is the first; later versions add here."""
    config.setdefault("step", 0)
    config.setdefault("train", {})
    return config


def read_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read and validate a model file (or the one in a run folder)."""
    path = model_path(path)
    tensors, meta = _read(path, expect="model")
    try:
        config = json.loads(meta["config"])
    except (KeyError, json.JSONDecodeError) as e:
        raise GanError(f"{path}: the checkpoint's config is missing or not valid JSON") from e
    for key in ("variant", "hyper", "nets", "data"):
        if key not in config:
            raise GanError(f"{path}: the checkpoint's config has no '{key}'")
    return Checkpoint(path, _upgrade(config), tensors)


def check_tensors(path: Path, expected: dict[str, Any], got: dict[str, Any]) -> None:
    """Explain, in one line, how a checkpoint's tensors differ from what its config builds."""
    missing = sorted(set(expected) - set(got))
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise GanError(f"{path} is missing tensors: {', '.join(missing[:3])}{more}")
    unexpected = sorted(set(got) - set(expected))
    if unexpected:
        more = f" and {len(unexpected) - 3} more" if len(unexpected) > 3 else ""
        raise GanError(
            f"{path} has tensors its config does not build: {', '.join(unexpected[:3])}{more}"
        )
    for name, t in expected.items():
        if tuple(got[name].shape) != tuple(t.shape):
            raise GanError(
                f"{path}: tensor {name} has shape {tuple(got[name].shape)}, "
                f"the config builds {tuple(t.shape)}"
            )
