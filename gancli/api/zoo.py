"""The zoo's jobs, above the store and the engine: its listing, adding a checkpoint (with a
sample grid drawn for it when it has none, or a slim copy), and pulling from the Hub.
`gan zoo` is these with flags.

    from gancli.api.zoo import add_checkpoint, rows
    entry = add_checkpoint("runs/faces-dcgan", name="faces")
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gancli.errors import GanError


def same_weights(a: Any, b: Any) -> bool:
    """Whether two model files hold the same tensors (a model pushed and pulled back: a push
    rewrites the metadata, for one thing to leave out local paths, but not the weights)."""
    import torch
    from safetensors import safe_open

    try:
        with safe_open(str(a), framework="pt") as fa, safe_open(str(b), framework="pt") as fb:
            if set(fa.keys()) != set(fb.keys()):
                return False
            return all(torch.equal(fa.get_tensor(k), fb.get_tensor(k)) for k in fa.keys())
    except Exception:  # unreadable: not the same model as far as a pull can tell
        return False


def _origin_text(entry: Any) -> str:
    if entry.curated:
        return "curated"
    origin = entry.origin()
    if origin.get("source") == "hf":
        return f"hf://{origin.get('repo')}"
    return {"train": "train", "add": "added"}.get(origin.get("source"), "-")


def _row(entry: Any) -> dict[str, Any]:
    from gancli.store.describe import summarize

    row: dict[str, Any] = {
        "name": entry.name,
        "where": entry.where,
        "path": str(entry.path),
        "bytes": entry.size(),
        "origin": entry.origin(),
        "from": _origin_text(entry),
    }
    try:
        s = summarize(entry.model)
    except GanError as e:
        return {**row, "error": str(e)}
    return {
        **row,
        "variant": s["variant"],
        "data": s["data"]["name"],
        "resolution": s["data"]["resolution"],
        "steps": s["steps"],
        "metrics": s["metrics"],
        "concepts": s["concepts"],
    }


def rows() -> list[dict[str, Any]]:
    """One row per entry: local ones, then the curated ones shipped with gancli. A local entry
    of a curated model's name hides it from plain names: both are listed, and how to reach the
    curated one."""
    from gancli.store import zoo

    out = [_row(e) for e in zoo.entries()]
    local = zoo.local_entries()
    for name, entry in sorted(zoo.curated_entries().items()):
        if name in local:
            for r in out:
                if r["name"] == name:
                    r["from"] += f" (hides {zoo.CURATED_PREFIX}{name})"
            out.append({**_row(entry), "name": f"{zoo.CURATED_PREFIX}{name}"})
    return out


def origin_line(origin: dict[str, Any]) -> str | None:
    """Where an entry came from, in words."""
    if origin.get("source") == "hf":
        commit = str(origin.get("commit", ""))[:12]
        return f"hf://{origin.get('repo')}@{origin.get('revision')} (commit {commit})"
    if origin.get("source") == "train":
        return f"gan train, run {origin.get('run')}"
    if origin.get("source") == "add":
        return f"gan zoo add {origin.get('checkpoint')}"
    return None


def _default_name(where: Any) -> str:
    from gancli.store import zoo
    from gancli.store.files import MODEL_FILE

    model = where.path
    if where.source == "hf":
        return zoo.safe_name(str(where.name).split("@")[0].split("/")[-1])
    if model.name == MODEL_FILE:
        return zoo.safe_name(model.parent.resolve().name)
    return zoo.safe_name(model.stem)


def add_checkpoint(
    ckpt: str, name: str | None = None, force: bool = False, slim: bool = False
) -> Any:
    """Copy a checkpoint into the local zoo with its concepts, metrics and a sample grid (drawn
    now if the run has none); `slim`: only the EMA generator, in fp16. Returns the entry."""
    from gancli.store import zoo
    from gancli.store.describe import read_config
    from gancli.store.files import MODEL_FILE, SAMPLES_FILE
    from gancli.store.locate import locate

    where = locate(ckpt)
    model = where.path
    read_config(model)  # a broken or foreign file is refused before anything else
    name = zoo.check_name(name if name is not None else _default_name(where))
    if where.source in ("local", "curated") and where.name == name:
        raise GanError(f"'{name}' is already in the zoo")
    in_run = model.name == MODEL_FILE
    samples = zoo.latest_grid(model.parent) if in_run else None
    generated = samples is None and not (in_run and (model.parent / SAMPLES_FILE).is_file())
    if generated:
        samples = sample_grid(model)
    origin = {"source": "add", "checkpoint": str(where.name or model.resolve())}
    extra, slim_file = {}, None
    if slim:
        slim_file = extra[MODEL_FILE] = _slim_copy(model)
        origin["slim"] = True
    try:
        return zoo.add(
            name, model, origin, replace=force, samples=samples,
            keep_card=where.source == "hf", extra=extra,
        )  # fmt: skip
    finally:
        if generated and samples is not None:
            samples.unlink(missing_ok=True)
        if slim_file is not None:
            slim_file.unlink(missing_ok=True)


def _slim_copy(model_file: Path) -> Path:
    """A slim (EMA generator, fp16) copy of `model_file` in a temporary file."""
    import os
    import tempfile

    from gancli.engine.model import load_model, save_slim

    model = load_model(model_file, "cpu", channels_last=False)
    fd, tmp = tempfile.mkstemp(prefix=".gancli-slim-", suffix=".safetensors")
    os.close(fd)
    save_slim(model, tmp)
    return Path(tmp)


def use_hint(entry: Any) -> str:
    """How to use a zoo entry in one command: sample it, or translate (upscale) with it."""
    from gancli.store.describe import applying_command, read_config

    try:
        translation = read_config(entry.model)[0].get("translation")
    except (GanError, OSError):  # a hint is never worth an error
        translation = None
    if translation:
        verb = applying_command(translation)
        return f"{verb} with it: gan {verb} {entry.name} IMAGE -o OUT"
    return f"sample it: gan sample {entry.name}"


def sample_grid(model_file: Path) -> Path | None:
    """Samples of seeds 0, 1, ... from the EMA generator, for a checkpoint without a grid:
    an 8x8 grid of images, or a scatter of 2,000 points, in a temporary PNG; None for a
    translation model, which draws nothing without inputs."""
    import os
    import tempfile

    from gancli.engine.model import load_model
    from gancli.latent.draw import draw
    from gancli.render import picture, save_image

    model = load_model(model_file, "cpu")
    if model.variant.translates:
        return None
    batch = draw(model.variant, seeds=range(64 if model.spec["kind"] == "image" else 2000))
    x = model.sample(batch.z, batch.labels).cpu()
    fd, tmp = tempfile.mkstemp(prefix=".gancli-grid-", suffix=".png")
    os.close(fd)
    save_image(picture(x, model.spec, None), tmp)
    return Path(tmp)


@dataclass
class Pulled:
    name: str
    repo: str
    commit: str
    entry: Any  # the zoo entry (None: the zoo already held these weights under another origin)
    fresh: bool  # downloaded into the zoo now (else it was already there)


def pull(repo: str, name: str | None = None, force: bool = False) -> Pulled:
    """Download a gancli model from the Hub into the zoo (through huggingface_hub's cache, each
    file checked against the hash the Hub reports). Pulling what is already there is fine."""
    from gancli.store import hub, zoo
    from gancli.store.checkpoint import model_path
    from gancli.store.files import MODEL_FILE
    from gancli.store.recent import remember

    repo_id, revision = hub.parse(repo)
    name = zoo.check_name(name) if name else zoo.safe_name(repo_id.split("/")[1])
    existing = zoo.local_entries().get(name)
    folder, commit = hub.fetch(repo_id, revision)
    if existing is not None and not force and existing.origin().get("repo") != repo_id:
        if same_weights(existing.model, model_path(folder)):
            remember(existing.model, "pulled")
            return Pulled(name, repo_id, commit, None, False)
        raise GanError(
            f"the zoo already has '{name}' (another model): pass --force to replace it, "
            "or --name to choose another name"
        )
    if existing is not None:
        origin = existing.origin()
        if origin.get("repo") == repo_id and origin.get("commit") == commit:
            remember(existing.model, "pulled")
            return Pulled(name, repo_id, commit, existing, False)
        if not force:
            raise GanError(
                f"the zoo already has '{name}' (hf://{repo_id} at commit "
                f"{str(origin.get('commit'))[:12]}, not {commit[:12]}): pass --force to update it, "
                "or --name to choose another name"
            )
    origin = {"source": "hf", "repo": repo_id, "revision": revision or "main", "commit": commit}
    if hub.endpoint() != hub.DEFAULT_ENDPOINT:
        origin["endpoint"] = hub.endpoint()
    entry = zoo.add(name, folder / MODEL_FILE, origin, replace=force, keep_card=True)
    remember(entry.model, "pulled")
    return Pulled(name, repo_id, commit, entry, True)


def push(
    name: str, repo: str, private: bool = False, revision: str | None = None,
    message: str | None = None,
) -> tuple[Any, dict[str, Any]]:  # fmt: skip
    """Upload a zoo entry, a run folder or a model file to the Hub as one commit; the entry
    (or the staged folder) and the Hub's answer."""
    import contextlib

    from gancli.store import hub, zoo

    repo_id, at = hub.parse(repo)
    if at and revision and at != revision:
        raise GanError(f"{repo} names revision {at} and --revision says {revision}: pick one")
    is_path = not zoo.NAME_RE.fullmatch(name) or (
        Path(name).exists() and zoo.local_entries().get(name) is None
    )
    with zoo.staged(Path(name)) if is_path else contextlib.nullcontext(zoo.get(name)) as entry:
        return entry, hub.push(entry.path, entry.name, repo_id, at or revision, private, message)
