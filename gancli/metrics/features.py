"""Feature extractors registered by name, and the cache of reference features.

An extractor turns uint8 images (N, C, H, W) into features (N, d) and, where it has them,
class logits. Every extractor says what it is in a receipt: its name, a hash of its weights
and how it resizes the images, because FID-type numbers only compare when all three match.

- `inception`: torch-fidelity's Inception-v3 with the TF-ported FID weights; images are resized
  to 299x299 by torch-fidelity's TF1-exact bilinear interpolation, grey images repeated to RGB.
  The weights download once into torch's hub cache on a machine with internet; elsewhere give
  the file with --inception-weights or $GANCLI_INCEPTION_WEIGHTS. It is read as plain tensors
  (safetensors, or torch.load with weights_only=True): nothing is unpickled.
- `classifier`: `SmallCNN` trained once on the labelled reference set at its resolution, and
  cached; 128-d features and class logits. Works offline.
- `pixels`: the image average-pooled to 8x8 per channel in [0, 1]. No weights at all.
- `points`: 2-D toy data, the coordinates themselves.

Reference features (and their mean and covariance) are cached per data set and extractor under
`<cache>/eval/`, keyed by a hash of the reference's pixels and of the extractor's identity.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import torch

from gancli.errors import GanError
from gancli.store.checkpoint import save_tensors

EVAL_FORMAT = 1  # bump when cached features or classifiers must not be reused
CLASSIFIER_ARCH = "SmallCNN/1"
CLASSIFIER_HELD_OUT = 0.1  # of the reference, to report the classifier's accuracy
CLASSIFIER_MAX_TRAIN = 20_000
INCEPTION_ENV = "GANCLI_INCEPTION_WEIGHTS"
INCEPTION_FEATURES = ("2048", "logits_unbiased")
# sha256 of torch-fidelity's weights-inception-2015-12-05-6726825d.pth (the file name carries
# its first 8 hex digits): the FID weights that published numbers use.
INCEPTION_SHA256 = "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2"


def eval_cache_dir() -> Path:
    """`<cache root>/eval`: beside the decoded data sets (`<cache root>/data`)."""
    from gancli.data.cache import cache_root

    return cache_root().parent / "eval"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._")[:40] or "data"


def _key(material: dict[str, Any]) -> str:
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

    @property
    def has_logits(self) -> bool:
        return self.name in ("inception", "classifier")

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


# ---- the extractors ---------------------------------------------------------------------


def _points(device: torch.device) -> Extractor:
    return Extractor(
        "points", None, "none (2-D coordinates)", lambda x: (x.float(), None), device, 65536
    )


def _pixels(device: torch.device, batch_size: int) -> Extractor:
    def forward(x: torch.Tensor) -> tuple[torch.Tensor, None]:
        f = torch.nn.functional.adaptive_avg_pool2d(x.float() / 255.0, 8)
        return f.flatten(1), None

    return Extractor("pixels", None, "adaptive average pooling to 8x8", forward, device, batch_size)


def auto_epochs(n_train: int) -> int:
    """About 50,000 images seen, from 3 to 30 passes: mnist5k (4,500) trains 12 epochs."""
    return int(min(30, max(3, math.ceil(50_000 / max(1, n_train)))))


def _classifier(
    ref: Any, ref_hash: str, device: torch.device, epochs: int | None, batch_size: int, note: Any
) -> Extractor:
    from safetensors import safe_open

    from gancli.metrics.classifier import SmallCNN, predict, train_classifier

    if ref.labels is None or ref.num_classes < 2:
        raise GanError(
            f"--features classifier trains a classifier on the reference's labels, and "
            f"'{ref.source or ref.name}' has none: give a labelled set (a folder with one "
            f"sub-folder per class, mnist5k, shapes), or use --features inception or pixels"
        )
    n = len(ref)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(0))
    n_held = max(1, int(n * CLASSIFIER_HELD_OUT)) if n >= 10 else 0
    held, train = perm[:n_held], perm[n_held:][:CLASSIFIER_MAX_TRAIN]
    epochs = epochs or auto_epochs(len(train))
    if epochs < 1:
        raise GanError(f"--classifier-epochs must be at least 1; got {epochs}")
    shape = [int(s) for s in ref.x.shape[1:]]
    material = {
        "data": ref_hash,
        "arch": CLASSIFIER_ARCH,
        "epochs": epochs,
        "split_seed": 0,
        "max_train": CLASSIFIER_MAX_TRAIN,
    }
    path = eval_cache_dir() / f"classifier-{_slug(ref.name)}-{_key(material)[:24]}.safetensors"
    k = ref.num_classes
    net = SmallCNN(shape[0], k)
    meta: dict[str, Any] | None = None
    if path.is_file():
        try:
            with safe_open(str(path), framework="pt") as f:
                meta = json.loads(f.metadata()["gancli_classifier"])
                state = {name: f.get_tensor(name) for name in f.keys()}
            net.load_state_dict(state)
        except Exception:
            meta = None
    if meta is None:
        note(
            f"training the classifier feature extractor on {ref.name} ({len(train)} images, "
            f"{epochs} epochs; once, then cached)"
        )
        x = ref.x[train]
        net = train_classifier(x, ref.labels[train], k, epochs=epochs, seed=0, device=device)
        acc = None
        if n_held:
            pred = predict(net, ref.x[held].float().div(127.5).sub(1))
            acc = float((pred == ref.labels[held]).float().mean())
        meta = {
            "data": ref.name,
            "data_hash": ref_hash,
            "arch": CLASSIFIER_ARCH,
            "epochs": epochs,
            "n_train": len(train),
            "n_held_out": n_held,
            "held_out_accuracy": acc,
            "class_names": list(ref.class_names),
            "shape": shape,
        }
        try:
            save_tensors(path, net.cpu().state_dict(), {"gancli_classifier": json.dumps(meta)})
        except OSError as e:
            raise GanError(
                f"could not save the classifier in {path.parent} ({e.strerror or e}): point "
                f"GANCLI_CACHE at a writable folder"
            ) from e
    net = net.to(device).eval()

    def forward(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = net.features(x.float().div(127.5).sub(1))
        return f, net.head(f)

    acc = meta.get("held_out_accuracy")
    return Extractor(
        "classifier",
        file_sha256(path),
        f"none: trained at the reference's {shape[1]}x{shape[2]}",
        forward,
        device,
        batch_size,
        class_names=list(meta["class_names"]),
        info={
            "dim": 128,
            "weights": str(path),
            "held_out_accuracy": acc,
            "epochs": meta["epochs"],
            "trained_on": meta["data"],
        },
    )


def _inception_url() -> str:
    from torch_fidelity.feature_extractor_inceptionv3 import URL_INCEPTION_V3

    return URL_INCEPTION_V3


def inception_weights_path(given: str | os.PathLike | None) -> Path:
    """The Inception weights file: --inception-weights, else $GANCLI_INCEPTION_WEIGHTS, else
    torch's hub cache, downloading it there once when the network is allowed."""
    from gancli.data.builtins import offline

    given = given or os.environ.get(INCEPTION_ENV) or None
    if given:
        path = Path(given).expanduser()
        if not path.is_file():
            raise GanError(f"Inception weights '{given}': no such file")
        return path
    url = _inception_url()
    hub = Path(torch.hub.get_dir()) / "checkpoints" / url.rsplit("/", 1)[-1]
    if hub.is_file():
        return hub
    how = (
        f"download {url} on a machine with internet and pass --inception-weights PATH "
        f"(or set {INCEPTION_ENV}=PATH), or use --features classifier, which works offline"
    )
    if offline():
        raise GanError(f"the Inception weights for FID/KID/IS are not on this machine: {how}")
    hub.parent.mkdir(parents=True, exist_ok=True)
    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(60)
    try:
        torch.hub.download_url_to_file(url, str(hub), hash_prefix=INCEPTION_SHA256, progress=False)
    except Exception as e:
        reason = " ".join(str(e).split())[:120] or type(e).__name__
        raise GanError(f"could not download the Inception weights ({reason}): {how}") from e
    finally:
        socket.setdefaulttimeout(old)
    return hub


def read_weights(path: Path) -> dict[str, torch.Tensor]:
    """A state dict from safetensors or a torch file, as tensors only (nothing unpickled)."""
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            return load_file(str(path))
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        reason = " ".join(str(e).split())[:160]
        raise GanError(f"could not read '{path}' as a file of weights ({reason})") from e
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise GanError(f"'{path}' is not a state dict of tensors")
    return state


def _inception(
    device: torch.device, weights: str | None, batch_size: int, note: Callable[[str], None]
) -> Extractor:
    path = inception_weights_path(weights)
    digest = file_sha256(path)
    standard = digest == "sha256:" + INCEPTION_SHA256
    if not standard:
        note(
            f"warning: {path} is not torch-fidelity's FID Inception weights file (sha256 "
            f"{INCEPTION_SHA256[:8]}...): these numbers will not compare with published FIDs"
        )
    state = read_weights(path)
    from torch_fidelity import feature_extractor_inceptionv3 as fe

    # torch-fidelity's own loader unpickles the weights file in full (weights_only off), which
    # can run code from it; hand it the tensors read above in place of that loader.
    with mock.patch.object(fe, "load_state_dict_from_url", lambda *a, **k: state):
        try:
            net = fe.FeatureExtractorInceptionV3("inception-v3-compat", list(INCEPTION_FEATURES))
        except RuntimeError as e:
            first = str(e).strip().splitlines()[0][:160]
            raise GanError(f"'{path}' does not hold the FID Inception-v3 weights ({first})") from e
    net = net.to(device)

    def forward(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        f, logits = net(x.contiguous())
        return f, logits

    return Extractor(
        "inception",
        digest,
        "torch-fidelity TF1-exact bilinear to 299x299 (grey repeated to RGB), from uint8",
        forward,
        device,
        batch_size,
        info={"dim": 2048, "weights": str(path), "standard_fid_weights": standard},
    )


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
    dev = torch.device(device)
    if reference.kind == "points":
        if name != "points":
            raise GanError(f"2-D points have no image features: use --features points, not {name}")
        return _points(dev)
    if name == "points":
        raise GanError("--features points is for 2-D toy data; these are images")
    if name == "pixels":
        return _pixels(dev, batch_size)
    if name == "classifier":
        return _classifier(reference, ref_hash, dev, classifier_epochs, batch_size, note)
    if name == "inception":
        return _inception(dev, inception_weights, min(batch_size, 64), note)
    raise GanError(f"unknown feature extractor '{name}'")


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

    if extractor.name == "points":
        f = Features(ref.x.float())
        mu, sigma = gaussian_stats(f.features)
        return Reference(f, mu, sigma, tensor_sha256(f.features), False, None)
    material = {
        "data": ref_hash,
        "extractor": extractor.name,
        "weights": extractor.weights_hash,
        "resize": extractor.resize,
    }
    path = eval_cache_dir() / (
        f"features-{_slug(ref.name)}-{extractor.name}-{_key(material)[:24]}.safetensors"
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
