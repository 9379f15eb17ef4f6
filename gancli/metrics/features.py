"""Feature extractors, and the cache of reference features.

An extractor turns uint8 images (N, C, H, W) into features (N, d) and, where it has them,
class logits. Every extractor says what it is in a receipt: its name, a hash of its weights
and how it resizes the images, because FID-type numbers only compare when all three match.

Each extractor is a module in `gancli/metrics/extractors/` whose builder is registered by
`@extractor(...)` (see `gancli.metrics.registry`): `inception` (FID's Inception-v3),
`classifier` (a small CNN trained on the labelled reference set, cached), `pixels` (8x8
average pooling) and `points` (2-D toy data, the coordinates themselves). `build_extractor`
finds the one asked for.

Reference features (and their mean and covariance) are cached per data set and extractor under
`<cache>/eval/`, keyed by a hash of the reference's pixels and of the extractor's identity.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from gancli.errors import GanError
from gancli.store.checkpoint import save_tensors

EVAL_FORMAT = 1  # bump when cached features or classifiers must not be reused

# names that lived here before each extractor had its own module
_MOVED = {
    "CLASSIFIER_ARCH": "classifier",
    "CLASSIFIER_HELD_OUT": "classifier",
    "CLASSIFIER_MAX_TRAIN": "classifier",
    "auto_epochs": "classifier",
    "INCEPTION_ENV": "inception",
    "INCEPTION_FEATURES": "inception",
    "INCEPTION_SHA256": "inception",
    "inception_weights_path": "inception",
    "read_weights": "inception",
}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(f"gancli.metrics.extractors.{_MOVED[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def eval_cache_dir() -> Path:
    """`<cache root>/eval`: beside the decoded data sets (`<cache root>/data`)."""
    from gancli.data.cache import cache_root

    return cache_root().parent / "eval"


def eval_slug(text: str) -> str:
    """A data set's name as a short, file-name-safe part of a cache file's name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._")[:40] or "data"


def eval_key(material: dict[str, Any]) -> str:
    """sha256 over EVAL_FORMAT and everything that decides a cached file's content."""
    blob = json.dumps({"eval_format": EVAL_FORMAT, **material}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def file_sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def tensor_sha256(*tensors: Any) -> str:
    """A hash of the values (dtype, shape and bytes) of tensors or arrays."""
    h = hashlib.sha256()
    for t in tensors:
        if t is None:
            h.update(b"none")
            continue
        a = np.ascontiguousarray(t.detach().cpu().numpy() if hasattr(t, "detach") else t)
        h.update(f"{a.dtype}{a.shape}".encode())
        flat = a.reshape(-1).view(np.uint8)
        for i in range(0, len(flat), 1 << 26):
            h.update(flat[i : i + (1 << 26)])
    return "sha256:" + h.hexdigest()


def data_hash(ds: Any) -> str:
    """A hash of a data set's content: pixels (or points), labels and class names."""
    names = json.dumps([ds.kind, list(ds.class_names)]).encode()
    return tensor_sha256(ds.x, ds.labels, np.frombuffer(names, dtype=np.uint8))


@dataclass
class Features:
    features: torch.Tensor  # (N, d) float32, CPU
    logits: torch.Tensor | None = None  # (N, K) float32, CPU


@dataclass
class Extractor:
    name: str
    weights_hash: str | None
    resize: str
    forward: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor | None]]
    device: torch.device
    batch_size: int = 256
    class_names: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    cache_features: bool = True  # keep the reference's features in the cache (not for points)

    @property
    def has_logits(self) -> bool:
        from gancli.metrics.registry import EXTRACTORS

        return self.name in EXTRACTORS and EXTRACTORS[self.name].logits

    @torch.no_grad()
    def __call__(self, x: torch.Tensor) -> Features:
        from gancli.reporting import report

        feats, logits = [], []
        what = f"{self.name} features"
        for i in range(0, len(x), self.batch_size):
            report(what, i, len(x))
            f, lg = self.forward(x[i : i + self.batch_size].to(self.device))
            feats.append(f.float().cpu())
            if lg is not None:
                logits.append(lg.float().cpu())
        report(what, len(x), len(x))
        width = self.info.get("dim", 0)
        return Features(
            torch.cat(feats) if feats else torch.empty(0, width),
            torch.cat(logits) if logits else None,
        )


# ---- finding the extractor ----------------------------------------------------------------


@dataclass
class ExtractorRequest:
    """What a registered builder is given: the reference set (the classifier trains on it)
    and the protocol's choices."""

    reference: Any
    ref_hash: str
    device: torch.device
    batch_size: int = 256
    inception_weights: str | None = None
    classifier_epochs: int | None = None
    note: Callable[[str], None] = lambda s: None


def build_extractor(
    name: str,
    reference: Any,
    ref_hash: str,
    device: Any = "cpu",
    *,
    inception_weights: str | None = None,
    classifier_epochs: int | None = None,
    batch_size: int = 256,
    note: Callable[[str], None] = lambda s: None,
) -> Extractor:
    """The extractor `name` for this reference set (the classifier is trained on it)."""
    from gancli.metrics.registry import EXTRACTORS

    info = EXTRACTORS.get(name)
    if info is None or reference.kind not in info.kinds:
        if reference.kind == "points":
            fits = ", ".join(n for n, e in EXTRACTORS.items() if "points" in e.kinds)
            raise GanError(f"2-D points have no image features: use --features {fits}, not {name}")
        if info is not None:
            raise GanError(f"--features {name} is for 2-D toy data; these are images")
        raise GanError(f"unknown feature extractor '{name}'")
    build = EXTRACTORS.load(name).build
    assert build is not None
    return build(
        ExtractorRequest(
            reference,
            ref_hash,
            torch.device(device),
            batch_size=batch_size,
            inception_weights=inception_weights,
            classifier_epochs=classifier_epochs,
            note=note,
        )
    )


# ---- reference features -----------------------------------------------------------------


@dataclass
class Reference:
    features: Features
    mu: np.ndarray
    sigma: np.ndarray
    hash: str  # of the features (from which every statistic derives)
    cached: bool
    path: Path | None


def reference_features(
    ref: Any, ref_hash: str, extractor: Extractor, note: Callable[[str], None] = lambda s: None
) -> Reference:
    """The extractor's features of the reference set, from the cache or computed and cached."""
    from safetensors import safe_open

    from gancli.metrics.frechet import gaussian_stats

    if not extractor.cache_features:  # cheap (the points themselves): one pass, no cache
        feats, logits = extractor.forward(ref.x.to(extractor.device))
        f = Features(feats.float().cpu(), None if logits is None else logits.float().cpu())
        mu, sigma = gaussian_stats(f.features)
        return Reference(f, mu, sigma, tensor_sha256(f.features), False, None)
    material = {
        "data": ref_hash,
        "extractor": extractor.name,
        "weights": extractor.weights_hash,
        "resize": extractor.resize,
    }
    path = eval_cache_dir() / (
        f"features-{eval_slug(ref.name)}-{extractor.name}-{eval_key(material)[:24]}.safetensors"
    )
    if path.is_file():
        try:
            with safe_open(str(path), framework="pt") as fh:
                meta = json.loads(fh.metadata()["gancli_features"])
                t = {k: fh.get_tensor(k) for k in fh.keys()}
            f = Features(t["features"], t.get("logits"))
            if len(f.features) == len(ref):
                return Reference(
                    f, t["mu"].numpy(), t["sigma"].numpy(), meta["features_hash"], True, path
                )
        except Exception:
            pass  # damaged: compute again
    note(f"computing {extractor.name} features of {len(ref)} reference images (once, then cached)")
    f = extractor(ref.x)
    mu, sigma = gaussian_stats(f.features) if len(f.features) >= 2 else (None, None)
    h = tensor_sha256(f.features, f.logits)
    if mu is not None:
        tensors = {
            "features": f.features,
            "mu": torch.from_numpy(mu),
            "sigma": torch.from_numpy(sigma),
        }
        if f.logits is not None:
            tensors["logits"] = f.logits
        meta = {"data": ref.name, "n": len(ref), "features_hash": h, **material}
        try:
            save_tensors(path, tensors, {"gancli_features": json.dumps(meta)})
        except OSError:
            path = None  # a read-only cache only costs the recomputation next time
    return Reference(f, mu, sigma, h, False, path)
