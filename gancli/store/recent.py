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


def remember(model_file: Path, how: str = "trained") -> None:
    """Record `model_file` as the most recent model, and `how` it came (trained, pulled);
    never fails a run over it."""
    try:
        path = _record()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"model": str(Path(model_file).resolve()), "how": how}))
        os.replace(tmp, path)
    except OSError:
        pass


def most_recent() -> str | None:
    return _recent()[0]


def _recent() -> tuple[str | None, str]:
    try:
        record = json.loads(_record().read_text())
        model, how = record.get("model"), str(record.get("how", "trained"))
    except (OSError, ValueError, AttributeError):
        return None, ""
    return (model, how) if model and Path(model).exists() else (None, "")


def default_checkpoint(given: str | None) -> tuple[str, str | None]:
    """The CKPT to use and, when it was not given, a note saying where it came from."""
    if given:
        return given, None
    env = os.environ.get("GAN_CKPT")
    if env:
        return env, f"using $GAN_CKPT: {env}"
    recent, how = _recent()
    if recent:
        return recent, f"using the most recently {how} model: {recent}"
    raise GanError("no checkpoint: pass -c CKPT, set GAN_CKPT, or train one with gan train")
