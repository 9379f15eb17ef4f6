"""What a checkpoint is, read from its safetensors header alone: no tensors, no torch.

A safetensors file starts with 8 bytes (little-endian header length) and a JSON header that
names every tensor with its dtype, shape and byte range, plus the gancli metadata. That is
enough to say what a model is and how large its nets are, in milliseconds, for `gan info`,
`gan zoo list` and the model cards.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from gancli.errors import GanError
from gancli.store.checkpoint import FORMAT, FORMAT_VERSION
from gancli.store.files import MODEL_FILE, RESULTS_FILE, concepts_file

MAX_HEADER = 100 * 1024 * 1024  # safetensors' own limit on the JSON header
BUFFERS = ("running_mean", "running_var", "num_batches_tracked")  # BatchNorm state, not weights


def read_header(path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """The tensor table and the metadata of a safetensors file, validated against its size."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(8)
            n = int.from_bytes(head, "little") if len(head) == 8 else -1
            if n < 2 or n > min(size - 8, MAX_HEADER):
                raise GanError(f"{path} is not a safetensors file (no valid header)")
            raw = f.read(n)
    except OSError as e:
        raise GanError(f"cannot read {path}: {e.strerror or e}") from None
    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise GanError(f"{path} is not a safetensors file (unreadable header)") from None
    if not isinstance(header, dict):
        raise GanError(f"{path} is not a safetensors file (unreadable header)")
    meta = header.pop("__metadata__", None) or {}
    try:
        end = max((int(t["data_offsets"][1]) for t in header.values()), default=0)
    except (KeyError, TypeError, ValueError, IndexError):
        raise GanError(f"{path} is not a safetensors file (malformed tensor table)") from None
    if 8 + n + end > size:
        raise GanError(
            f"{path} is damaged: it has {size} bytes but its header describes {8 + n + end} "
            "(a partial download or copy?)"
        )
    return header, meta


def read_config(path: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """Config, tensor table and metadata of a gancli model file, with the checks of the loader."""
    tensors, meta = read_header(path)
    if meta.get("format") != FORMAT:
        raise GanError(
            f"{path} is a safetensors file but not a gancli model (no gancli metadata); "
            "was it written by another tool?"
        )
    if meta.get("kind", "model") != "model":
        raise GanError(f"{path} is a gancli {meta.get('kind')} file, not a model file")
    try:
        version = int(meta.get("format_version", "1"))
    except ValueError:
        raise GanError(
            f"{path}: unreadable format version {meta.get('format_version')!r}"
        ) from None
    if version > FORMAT_VERSION:
        raise GanError(
            f"{path} was written by a newer gancli (format {version}; this one reads up to "
            f"{FORMAT_VERSION}): upgrade with pip install -U gancli"
        )
    try:
        config = json.loads(meta["config"])
    except (KeyError, ValueError):
        raise GanError(f"{path}: the checkpoint's config is missing or not valid JSON") from None
    for key in ("variant", "hyper", "nets", "data"):
        if key not in config:
            raise GanError(f"{path}: the checkpoint's config has no '{key}'")
    return config, tensors, meta


def net_sizes(tensors: dict[str, Any]) -> dict[str, int]:
    """Weights per net (`generator`, `generator_ema`, `discriminator`, `aux.NAME`), in order."""
    sizes: dict[str, int] = {}
    for name, t in tensors.items():
        parts = name.split(".")
        net = ".".join(parts[:2]) if parts[0] == "aux" and len(parts) > 2 else parts[0]
        count = 0 if parts[-1] in BUFFERS else math.prod(int(d) for d in t.get("shape", []))
        sizes[net] = sizes.get(net, 0) + count
    order = {"generator": 0, "generator_ema": 1, "discriminator": 2}
    return dict(sorted(sizes.items(), key=lambda kv: (order.get(kv[0], 3), kv[0])))


def resolution(spec: dict[str, Any]) -> str:
    shape = spec.get("shape") or []
    if spec.get("kind") == "image" and len(shape) == 3:
        return f"{shape[1]}x{shape[2]}" + (" grey" if shape[0] == 1 else "")
    if spec.get("kind") == "points":
        return f"{shape[-1] if shape else 2}-D points"
    return "x".join(map(str, shape)) or "?"


def read_results(folder: Path) -> list[dict[str, Any]]:
    """The gan evaluate results in `folder`/metrics.json, or [] (an unreadable file counts as none)."""
    try:
        doc = json.loads((folder / RESULTS_FILE).read_text())
    except (OSError, ValueError):
        return []
    results = doc.get("results") if isinstance(doc, dict) else None
    if not isinstance(results, list):
        return []
    return [r for r in results if isinstance(r, dict) and "metric" in r and "value" in r]


def key_metrics(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The latest result of each metric, in the order the metrics first appear."""
    latest: dict[str, dict[str, Any]] = {}
    for r in results:
        latest[str(r["metric"])] = r
    out = []
    for metric, r in latest.items():
        rec = r.get("receipt") if isinstance(r.get("receipt"), dict) else {}
        out.append(
            {
                "metric": metric,
                "value": r.get("value"),
                "spread": r.get("spread"),
                "n": rec.get("n"),
                "features": rec.get("features"),
                "reference": rec.get("reference"),
            }
        )
    return out


def _evaluated(result: dict[str, Any]) -> str | None:
    source = (result.get("receipt") or {}).get("source") or {}
    checkpoint = source.get("checkpoint") if isinstance(source, dict) else None
    return Path(checkpoint).name if checkpoint else None


def number(v: Any) -> str:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return str(v)
    if v != v:
        return "nan"
    a = abs(v)
    if a != 0 and (a >= 1e5 or a < 1e-3):
        return f"{v:.3e}"
    return f"{v:.4g}" if a >= 1 else f"{v:.4f}"


def metrics_text(metrics: list[dict[str, Any]], limit: int = 3) -> str:
    shown = [f"{m['metric']} {number(m['value'])}" for m in metrics[:limit]]
    return ", ".join(shown) + (" ..." if len(metrics) > limit else "")


def concept_names(model_file: Path) -> list[str]:
    path = concepts_file(model_file)
    if not path.exists():
        return []
    try:
        _, meta = read_header(path)
        return [str(c.get("name")) for c in json.loads(meta.get("concepts", "[]"))]
    except (GanError, ValueError, AttributeError, TypeError):
        return []


def summarize(path: Path) -> dict[str, Any]:
    """Everything `gan info` says about the model file at `path`, as plain data."""
    config, tensors, meta = read_config(path)
    spec = config["data"]
    hyper = config.get("hyper", {})
    codes = config.get("codes") or []
    sizes = net_sizes(tensors)
    nets = {}
    for net, count in sizes.items():
        family = (config.get("nets") or {}).get(net.removeprefix("aux."), {})
        if net == "generator_ema":
            family = (config.get("nets") or {}).get("generator", {})
        nets[net] = {"family": family.get("family") if isinstance(family, dict) else None}
        nets[net]["parameters"] = count
    dtypes = sorted(
        {str(t.get("dtype")) for k, t in tensors.items() if k.split(".")[-1] not in BUFFERS}
    )
    z_dim = int(hyper.get("z_dim") or 0)
    code_width = sum(int(c.get("size", 1)) for c in codes)
    results = read_results(path.parent)
    if path.name != MODEL_FILE:  # a loose file shares its folder's metrics.json
        results = [r for r in results if _evaluated(r) == path.name]
    return {
        "file": str(path),
        "bytes": path.stat().st_size,
        "variant": config["variant"],
        "nets": nets,
        "slim": config.get("parts") is not None,
        "dtype": ", ".join(dtypes),
        "data": {
            "name": spec.get("name"),
            "kind": spec.get("kind"),
            "shape": spec.get("shape"),
            "resolution": resolution(spec),
            "classes": int(spec.get("num_classes") or 0),
            "value_range": spec.get("value_range"),
            "vocabulary": len((spec.get("text") or {}).get("vocabulary") or []),
        },
        "latent": {
            "prior": hyper.get("prior"),
            "z_dim": z_dim,
            "codes": codes,
            "size": z_dim + code_width,
        },
        "steps": int(config.get("step", 0)),
        "hyper": {k: v for k, v in hyper.items() if k != "extra"} | dict(hyper.get("extra") or {}),
        "format_version": int(meta.get("format_version", "1")),
        "gancli_version": config.get("gancli_version"),
        "metrics": key_metrics(results),
        "concepts": concept_names(path),
        "train": config.get("train") or {},
        "translation": config.get("translation"),
    }


def translates(summary: dict[str, Any]) -> str | None:
    """What a translation model (pix2pix) maps, e.g. 'edges -> faces (AtoB), 32x32'; None for
    a model that draws from noise."""
    info = summary.get("translation")
    if not info:
        return None
    ways = "; ".join(f"{a} -> {b} ({way})" for way, (a, b) in info["directions"].items())
    return f"{ways}, trained at {info['image_size']}x{info['image_size']}"


def applying_command(translation: dict[str, Any] | None) -> str:
    """The command that applies a translation model: `upscale` for a super-resolution model
    (its translation says a `scale`), `translate` for the rest."""
    return "upscale" if translation and "scale" in translation else "translate"


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"


def summary_lines(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """A summary (see `summarize`) as the lines of `gan info`: (field, text)."""

    data, latent, hyper = summary["data"], summary["latent"], summary["hyper"]
    out = [("variant", summary["variant"])]
    for net, info in summary["nets"].items():
        family = info.get("family") or ""
        if net == "generator_ema":
            family = "EMA copy of the generator"
        out.append((net, f"{info['parameters']:,} parameters" + (f" ({family})" if family else "")))
    if summary.get("slim"):
        out.append(("slim", f"only the EMA generator is kept ({summary.get('dtype')} weights)"))
    kind = "images" if data["kind"] == "image" else "points"
    shape = "x".join(map(str, data.get("shape") or []))
    if kind == "points":
        shape = f"{shape}-D"
    text = f"{data.get('name')}: {shape} {kind}"
    if data.get("classes"):
        text += f", {data['classes']} classes"
    if data.get("value_range"):
        lo, hi = data["value_range"]
        text += f", values in [{number(lo)}, {number(hi)}]"
    out.append(("data", text))
    codes = ", ".join(
        f"{c.get('name')} {c.get('kind')}" + (f" {c['size']}" if c.get("size") else "")
        for c in latent["codes"]
    )
    text = f"{latent['prior']} prior, {latent['z_dim']} dimensions"
    if codes:
        text += f" + codes {codes} ({latent['size']} in all)"
    maps = translates(summary)
    out.append(("translates", maps) if maps else ("latent", text))
    if data.get("vocabulary"):
        words = f"{data['vocabulary']:,}-word vocabulary, bag of words (gan sample --text)"
        out.append(("text", words))
    out.append(("steps", f"{summary['steps']:,}"))
    train = []
    if hyper.get("optimizer"):
        train.append(str(hyper["optimizer"]))
    if hyper.get("lr_g") is not None:
        train.append(f"lr G {hyper['lr_g']:g} / D {hyper.get('lr_d') or 0:g}")
    if hyper.get("optimizer") == "adam" and hyper.get("betas"):
        train.append("betas " + ",".join(f"{b:g}" for b in hyper["betas"]))
    for key, label in (("batch_size", "batch"), ("n_critic", "n_critic")):
        if hyper.get(key) is not None:
            train.append(f"{label} {hyper[key]}")
    if summary["train"].get("precision_resolved"):
        train.append(str(summary["train"]["precision_resolved"]))
    if train:
        out.append(("training", ", ".join(train)))
    out.append(
        (
            "format",
            f"gancli format {summary['format_version']}, written by gancli "
            f"{summary['gancli_version']}; {summary['dtype']}; {human_bytes(summary['bytes'])}",
        )
    )
    if summary["metrics"]:
        for m in summary["metrics"]:
            about = ", ".join(
                str(x) for x in (f"n {m['n']}" if m.get("n") else None, m.get("features")) if x
            )
            out.append((m["metric"], number(m["value"]) + (f"  ({about})" if about else "")))
    else:
        out.append(("metrics", "none yet (gan evaluate CKPT --data ... adds them)"))
    if summary["concepts"]:
        out.append(("concepts", ", ".join(summary["concepts"])))
    return out
