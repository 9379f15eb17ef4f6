"""The checkpoint a command uses when none is named: $GAN_CKPT, else the model most recently
trained (or pulled) on this machine, which `gan train` records as it saves."""

from __future__ import annotations

import json
import os
from pathlib import Path

from gancli.errors import GanError


def _record() -> Path:
    from gancli.data.cache import cache_root

    return cache_root().parent / "recent.json"


def remember(model_file: Path) -> None:
    """Record `model_file` as the most recent model; never fails a run over it."""
    try:
        path = _record()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"model": str(Path(model_file).resolve())}))
        os.replace(tmp, path)
    except OSError:
        pass


def most_recent() -> str | None:
    try:
        model = json.loads(_record().read_text()).get("model")
    except (OSError, ValueError, AttributeError):
        return None
    return model if model and Path(model).exists() else None


def default_checkpoint(given: str | None) -> tuple[str, str | None]:
    """The CKPT to use and, when it was not given, a note saying where it came from."""
    if given:
        return given, None
    env = os.environ.get("GAN_CKPT")
    if env:
        return env, f"using $GAN_CKPT: {env}"
    recent = most_recent()
    if recent:
        return recent, f"using the most recently trained model: {recent}"
    raise GanError("no checkpoint: pass -c CKPT, set GAN_CKPT, or train one with gan train")
