"""One evaluation: generated samples and a reference set in, results with receipts out.

`draw_samples` takes the samples from a checkpoint (seed s gives sample s, as in `gan sample`),
`load_fakes` from a folder of images or an array file; `evaluate` runs the metrics. The CLI only
parses, calls these and renders.

Each metric is computed by its own module (registered in `gancli.metrics.registry`): this module
settles what they share (the samples, the feature extractor, the features of both sets, the
receipt fields) and hands it to each metric's `compute` as `Inputs`.

Generated images are quantised to uint8 first, exactly as if they were saved as PNG files, so
that a checkpoint and a folder of its saved samples score the same.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from gancli import __version__
from gancli.errors import GanError
from gancli.metrics.protocol import Protocol
from gancli.metrics.receipt import receipt
from gancli.metrics.registry import EXTRACTORS, METRICS

__all__ = [
    "Inputs",
    "Prepared",
    "Protocol",
    "Report",
    "array_shape",
    "check_reference",
    "describe_reference",
    "draw_samples",
    "evaluate",
    "load_fakes",
    "preflight",
    "prepare",
    "require_torch_fidelity",
    "split_reference",
]

SPLIT_SEED = 0  # the reference's held-out splits are fixed, whatever --seed, so results compare


@dataclass
class Report:
    results: list[dict[str, Any]]
    timings: dict[str, float] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


# ---- inputs ---------------------------------------------------------------------------------


@torch.no_grad()
def draw_samples(
    model: Any, n: int, seed: int = 0, ema: bool = True, batch_size: int = 256
) -> torch.Tensor:
    """n samples from the latents of seeds seed .. seed+n-1 (conditional checkpoints: class
    (seed+i) mod K), as uint8 images (N, C, H, W) or float (N, 2) points, on the CPU."""
    from gancli.data import to_uint8
    from gancli.latent.draw import draw
    from gancli.reporting import report

    chunks = []
    for start in range(seed, seed + n, 1024):
        report("drawing samples", start - seed, n)
        batch = draw(model.variant, seeds=range(start, min(start + 1024, seed + n)))
        x = model.sample(batch.z, batch.labels, ema=ema, batch=batch_size).cpu()
        chunks.append(to_uint8(x) if model.spec["kind"] == "image" else x.float())
    report("drawing samples", n, n)
    return torch.cat(chunks)


def array_shape(path: str | Path) -> tuple[int, ...] | None:
    """The shape of a .npy file (read from its header only), or None for anything else."""
    p = Path(path).expanduser()
    if not (p.is_file() and p.suffix == ".npy"):
        return None
    try:
        return tuple(np.load(p, mmap_mode="r", allow_pickle=False).shape)
    except Exception as e:
        raise GanError(
            f"--fake {path} is not a readable .npy array of numbers ({type(e).__name__})"
        ) from None


def load_fakes(
    path: str | Path, reference: Any, n: int, seed: int = 0
) -> tuple[torch.Tensor, dict[str, Any]]:
    """Samples from elsewhere: a folder of images (read at the reference's size and channels,
    unreadable files skipped and counted) or a .npy array (float in [-1, 1] as `gan sample -o
    x.npy` writes, or uint8; (N, C, H, W) images or (N, 2) points). More than n: a random n of
    them, drawn with `seed` (a folder is read in sorted order, often one class after another)."""
    from gancli.data import load_data, to_uint8

    p = Path(path).expanduser()
    info: dict[str, Any] = {"fake": str(path)}
    if p.is_dir():
        if reference.kind != "image":
            raise GanError(f"--fake {path} is a folder of images; the reference is 2-D points")
        c, h, _ = (int(s) for s in reference.x.shape[1:])
        ds = load_data(str(p), image_size=h, channels=c)
        x = ds.x
        info["skipped"] = list(ds.skipped)
    elif p.is_file() and p.suffix == ".npy":
        try:
            a = np.load(p, allow_pickle=False)
        except Exception as e:
            raise GanError(
                f"--fake {path} is not a readable .npy array of numbers ({type(e).__name__})"
            ) from None
        x = torch.from_numpy(np.ascontiguousarray(a))
        if reference.kind == "points":
            if x.ndim != 2 or x.shape[1] != reference.x.shape[1]:
                raise GanError(
                    f"--fake {path} holds an array of shape {tuple(x.shape)}; 2-D points are (N, 2)"
                )
            x = x.float()
        else:
            want = tuple(int(s) for s in reference.x.shape[1:])
            if x.ndim != 4 or tuple(x.shape[1:]) != want:
                raise GanError(
                    f"--fake {path} holds an array of shape {tuple(x.shape)}; the reference's "
                    f"images are (N, {', '.join(map(str, want))})"
                )
            x = x if x.dtype == torch.uint8 else to_uint8(x.float())
    elif p.exists():
        raise GanError(f"--fake {path}: give a folder of images or a .npy array")
    else:
        raise GanError(f"--fake {path}: no such file or folder")
    if len(x) == 0:
        raise GanError(f"--fake {path} holds no samples")
    if len(x) > n:
        info["subset"] = f"{n} of {len(x)} drawn with seed {seed}"
        keep = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))[:n]
        x = x[keep.sort().values]
    return x, info


# ---- checks before the expensive part ------------------------------------------------------


def preflight(metrics: list[str], n_fake: int, n_ref: int, proto: Protocol) -> None:
    """The sample-count minimums of each metric, checked before anything is drawn."""
    for m in metrics:
        check = METRICS.load(m).check
        if check is not None:
            check(n_fake, n_ref, proto)
    if proto.bootstrap < 0:
        raise GanError(f"--bootstrap must be 0 (off) or more; got {proto.bootstrap}")


def check_reference(metrics: list[str], reference: Any) -> None:
    """Whether each metric can be computed against this reference set at all (modes needs
    modes to count), checked before anything is drawn."""
    for m in metrics:
        check = METRICS.load(m).check_reference
        if check is not None:
            check(reference)


# ---- the evaluation -----------------------------------------------------------------------


def describe_reference(ref: Any) -> str:
    shape = "x".join(str(int(s)) for s in ref.x.shape[1:])
    what = "points" if ref.kind == "points" else "images"
    return f"{ref.source or ref.name} ({len(ref)} {what}, {shape})"


@dataclass
class Prepared:
    """What can be settled before any sample is drawn: the reference's hash and the
    feature extractor (the Inception weights found, the classifier trained)."""

    ref_hash: str
    extractor: Any = None  # features.Extractor, when a metric needs one
    seconds: float = 0.0  # hashing the reference, building the extractor
    import_seconds: float = 0.0  # importing torch-fidelity


def require_torch_fidelity() -> None:
    try:
        import torch_fidelity  # noqa: F401
    except ImportError:
        raise GanError(
            "FID, KID, IS and precision/recall are computed by torch-fidelity, which is not "
            "installed: pip install 'gancli[eval]'"
        ) from None


def prepare(
    reference: Any,
    proto: Protocol,
    device: Any = "cpu",
    note: Callable[[str], None] = lambda s: None,
) -> Prepared:
    from gancli.metrics.features import build_extractor, data_hash

    t = time.perf_counter()
    name = proto.extractor_name(reference.kind)
    ext = EXTRACTORS.get(name)
    feature_metrics = [m for m in proto.metrics if METRICS[m].features]
    uses_fidelity = ext is not None and ext.torch_fidelity and bool(feature_metrics)
    imported = 0.0
    if uses_fidelity or any(METRICS[m].torch_fidelity for m in proto.metrics):
        require_torch_fidelity()
        imported = time.perf_counter() - t
    prepared = Prepared(data_hash(reference), import_seconds=imported)
    if feature_metrics:
        for m in feature_metrics:
            info = METRICS[m]
            if info.logits and not (ext is not None and ext.logits):
                raise GanError(f"{m} needs class logits; --features {name} has none")
            if info.named_classes and not (ext is not None and ext.named_classes):
                named = ", ".join(n for n, e in EXTRACTORS.items() if e.named_classes)
                raise GanError(f"{m} needs --features {named} (named classes); not {name}")
        prepared.extractor = build_extractor(
            name,
            reference,
            prepared.ref_hash,
            device,
            inception_weights=proto.inception_weights,
            classifier_epochs=proto.classifier_epochs,
            batch_size=proto.batch_size,
            note=note,
        )
    prepared.seconds = time.perf_counter() - t - imported
    return prepared


@dataclass
class Inputs:
    """What the protocol hands each metric's `compute`: the samples, the reference set, their
    features when a metric uses features, and the receipt fields every result carries.

    `compute` calls `add` once per result (precision/recall add two) and appends any file it
    writes to `outputs`."""

    fake: torch.Tensor  # uint8 images (N, C, H, W) or float points (N, 2), on the CPU
    reference: Any  # the Dataset
    proto: Protocol
    source: dict[str, Any]  # what was evaluated: {"checkpoint": ...} or {"fake": ...}
    device: Any
    note: Callable[[str], None]
    ref_hash: str  # a hash of the reference's pixels (or points), labels and class names
    report: Report
    base: dict[str, Any]  # the receipt fields of every result (reference, seed, version, ...)
    extractor: Any = None  # features.Extractor: its name, weights hash, resize, class names
    fake_features: Any = None  # features.Features of the samples (features, logits)
    ref_features: Any = None  # features.Reference: the reference's features, mu, sigma, hash
    # the receipt fields of a result computed on features, and on pixels in [0, 1]
    features_receipt: dict[str, Any] = field(default_factory=dict)
    pixels_receipt: dict[str, Any] = field(default_factory=dict)

    @property
    def outputs(self) -> list[str]:
        return self.report.outputs

    @property
    def seeded(self) -> bool:
        """The samples come from a checkpoint, so sample i is the latent of seed proto.seed + i."""
        return "checkpoint" in self.source

    def add(self, metric: str, value: float, fields: dict[str, Any], **extra: Any) -> None:
        """One result: its value, `spread`, `spread_kind`, `ci95` and `details` from `extra`,
        and a receipt of `fields` (n, features, protocol, ...; "metric" names the registered
        metric when the result's own name differs, as precision's is "pr")."""
        result = {"metric": metric, "value": value, "spread": None, "spread_kind": None}
        result.update({k: v for k, v in extra.items() if k != "details"})
        result["details"] = extra.get("details", {})
        family = fields.get("metric", metric)  # precision and recall are both "pr"
        result["better"] = METRICS[family].better if family in METRICS else None
        result["receipt"] = receipt(**{**self.base, **fields, "metric": metric})
        self.report.results.append(result)


def split_reference(n: int, first: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A fixed permutation of range(n) (seed SPLIT_SEED), cut after `first`."""
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(SPLIT_SEED))
    return perm[:first], perm[first:]


def evaluate(
    fake: torch.Tensor,
    reference: Any,
    proto: Protocol,
    source: dict[str, Any],
    device: Any = "cpu",
    note: Callable[[str], None] = lambda s: None,
    prepared: Prepared | None = None,
) -> Report:
    """Run `proto.metrics` on `fake` (uint8 images or float points) against `reference`;
    the results come in the order of `proto.metrics`."""
    from gancli.metrics.features import reference_features

    kind = reference.kind
    if kind == "image" and tuple(fake.shape[1:]) != tuple(reference.x.shape[1:]):
        raise GanError(
            f"the samples are {'x'.join(map(str, fake.shape[1:]))} and the reference images "
            f"{'x'.join(map(str, reference.x.shape[1:]))}: they must match"
        )
    preflight(proto.metrics, len(fake), len(reference), proto)
    if prepared is None:
        prepared = prepare(reference, proto, device, note)
    timings: dict[str, float] = {"extractor": prepared.seconds}
    if prepared.import_seconds:
        timings["import_torch_fidelity"] = prepared.import_seconds
    report = Report([], timings)
    inputs = Inputs(
        fake=fake,
        reference=reference,
        proto=proto,
        source=source,
        device=device,
        note=note,
        ref_hash=prepared.ref_hash,
        report=report,
        base={
            "reference": describe_reference(reference),
            "seed": proto.seed,
            "gancli_version": __version__,
            "source": source,
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        },
        pixels_receipt={
            "features": "raw-pixels",
            "features_hash": None,
            "resize": "none (pixels in [0, 1])",
            "n": len(fake),
            "n_ref": len(reference),
            "reference_hash": prepared.ref_hash,
        },
    )
    extractor = prepared.extractor
    if extractor is not None:
        t = time.perf_counter()
        fake_f = extractor(fake)
        timings["features_fake"] = time.perf_counter() - t
        t = time.perf_counter()
        ref = reference_features(reference, prepared.ref_hash, extractor, note)
        timings["features_reference"] = time.perf_counter() - t
        report.info["reference_features"] = "cache" if ref.cached else "computed"
        report.info["extractor"] = {"name": extractor.name, **extractor.info}
        if not np.isfinite(fake_f.features.numpy()).all():
            raise GanError(
                "the samples' features hold NaN or infinity (a diverged generator?): no metric "
                "can be computed on them"
            )
        inputs.extractor, inputs.fake_features, inputs.ref_features = extractor, fake_f, ref
        inputs.features_receipt = {
            "features": extractor.name,
            "features_hash": extractor.weights_hash,
            "resize": extractor.resize,
            "n": len(fake),
            "n_ref": len(reference),
            "reference_hash": ref.hash,
        }
    for m in proto.metrics:
        t = time.perf_counter()
        compute = METRICS.load(m).compute
        assert compute is not None
        compute(inputs)
        timings[m] = time.perf_counter() - t
    return report
