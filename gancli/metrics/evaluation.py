"""One evaluation: generated samples and a reference set in, results with receipts out.

`draw_samples` takes the samples from a checkpoint (seed s gives sample s, as in `gan sample`),
`load_fakes` from a folder of images or an array file; `evaluate` runs the metrics. The CLI only
parses, calls these and renders.

Generated images are quantised to uint8 first, exactly as if they were saved as PNG files, so
that a checkpoint and a folder of its saved samples score the same.
"""

from __future__ import annotations

import datetime
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from gancli import __version__
from gancli.errors import GanError
from gancli.metrics import registry
from gancli.metrics.receipt import receipt
from gancli.store.files import MEMORISATION_FILE

BOOTSTRAP = 20
PARZEN_SPLIT_SEED = 0  # the reference splits are fixed, whatever --seed, so results compare
MEMORISATION_HELD_OUT = 1000
PARZEN_MIN_REFERENCE = 4


@dataclass
class Protocol:
    """Everything about how the metrics are computed that a user may choose."""

    metrics: list[str]
    features: str | None = None  # None: inception for images, points for 2-D data
    seed: int = 0
    kid_subsets: int = 100
    kid_subset_size: int = 1000
    pr_k: int = 3
    is_splits: int = 10
    bootstrap: int = BOOTSTRAP
    inception_weights: str | None = None
    classifier_epochs: int | None = None
    batch_size: int = 256
    out_dir: Path | None = None  # where memorisation.png goes; None: not written

    def extractor_name(self, kind: str) -> str:
        return self.features or ("inception" if kind == "image" else "points")


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
    from gancli.latent.priors import seeded_latents
    from gancli.reporting import report

    variant = model.variant
    chunks = []
    for start in range(seed, seed + n, 1024):
        report("drawing samples", start - seed, n)
        seeds = list(range(start, min(start + 1024, seed + n)))
        z = seeded_latents(variant, seeds)
        labels = None
        if variant.conditional:
            labels = torch.tensor([s % variant.num_classes for s in seeds])
        x = model.sample(z, labels, ema=ema, batch=batch_size).cpu()
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
    from gancli.metrics.kid import kid_minimum
    from gancli.metrics.pr import pr_minimum

    if "kid" in metrics:
        if proto.kid_subset_size < 2:
            raise GanError(f"--kid-subset-size must be at least 2; got {proto.kid_subset_size}")
        need = kid_minimum(proto.kid_subset_size)
        if min(n_fake, n_ref) < need:
            fix = (
                "raise -n or lower --kid-subset-size"
                if n_fake < need
                else (f"lower --kid-subset-size to at most {n_ref}, the size of the reference")
            )
            raise GanError(
                f"KID draws subsets of {proto.kid_subset_size} samples from each set, so it needs "
                f"at least {need} generated and {need} reference samples; got {n_fake} generated "
                f"and {n_ref} reference: {fix} (the convention is 1000)"
            )
    if "pr" in metrics:
        need = pr_minimum(proto.pr_k)
        if proto.pr_k < 1:
            raise GanError(f"--pr-k must be at least 1; got {proto.pr_k}")
        if min(n_fake, n_ref) < need:
            raise GanError(
                f"precision/recall measures the distance to the k-th nearest neighbour "
                f"(k = {proto.pr_k}) within each set, so it needs at least {need} generated and "
                f"{need} reference samples; got {n_fake} and {n_ref}: "
                + ("raise -n or lower --pr-k" if n_fake < need else "lower --pr-k")
            )
    if "fid" in metrics and min(n_fake, n_ref) < 2:
        raise GanError(
            f"FID fits a covariance to each set, so it needs at least 2 generated and 2 "
            f"reference samples; got {n_fake} and {n_ref} (the convention is 10,000 or more)"
        )
    if "is" in metrics and n_fake < proto.is_splits:
        raise GanError(
            f"the Inception Score splits the samples into {proto.is_splits} groups, so it needs "
            f"at least {proto.is_splits} samples; got {n_fake}: raise -n or lower --is-splits"
        )
    if "parzen" in metrics and n_ref < PARZEN_MIN_REFERENCE:
        raise GanError(
            f"parzen splits the reference into validation and test images, so it needs at least "
            f"{PARZEN_MIN_REFERENCE} reference images; got {n_ref}"
        )
    if "memorisation" in metrics and n_ref < 2:
        raise GanError(
            f"memorisation holds out part of the reference, so it needs at least 2 reference "
            f"images; got {n_ref}"
        )
    if proto.bootstrap < 0:
        raise GanError(f"--bootstrap must be 0 (off) or more; got {proto.bootstrap}")


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
    uses_fidelity = name == "inception" and any(registry.METRICS[m].features for m in proto.metrics)
    imported = 0.0
    if uses_fidelity or any(m in ("fid", "kid", "is", "pr") for m in proto.metrics):
        require_torch_fidelity()
        imported = time.perf_counter() - t
    prepared = Prepared(data_hash(reference), import_seconds=imported)
    feature_metrics = [m for m in proto.metrics if registry.METRICS[m].features]
    if feature_metrics:
        for m in feature_metrics:
            if m in ("is", "classes") and name not in ("inception", "classifier"):
                raise GanError(f"{m} needs class logits; --features {name} has none")
            if m == "classes" and name != "classifier":
                raise GanError(f"classes needs --features classifier (named classes); not {name}")
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
    from gancli.metrics.features import reference_features, tensor_sha256

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
    ref_hash = prepared.ref_hash
    base = {
        "reference": describe_reference(reference),
        "seed": proto.seed,
        "gancli_version": __version__,
        "source": source,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }

    def add(metric: str, value: float, r: dict[str, Any], **extra: Any) -> None:
        result = {"metric": metric, "value": value, "spread": None, "spread_kind": None}
        result.update({k: v for k, v in extra.items() if k != "details"})
        result["details"] = extra.get("details", {})
        family = r.get("metric", metric)  # precision and recall are both "pr"
        result["better"] = registry.METRICS[family].better if family in registry.METRICS else None
        result["receipt"] = receipt(**{**base, **r, "metric": metric})
        report.results.append(result)

    extractor = prepared.extractor
    if extractor is not None:
        t = time.perf_counter()
        fake_f = extractor(fake)
        timings["features_fake"] = time.perf_counter() - t
        t = time.perf_counter()
        ref = reference_features(reference, ref_hash, extractor, note)
        timings["features_reference"] = time.perf_counter() - t
        report.info["reference_features"] = "cache" if ref.cached else "computed"
        report.info["extractor"] = {"name": extractor.name, **extractor.info}
        if not np.isfinite(fake_f.features.numpy()).all():
            raise GanError(
                "the samples' features hold NaN or infinity (a diverged generator?): no metric "
                "can be computed on them"
            )
        feat = {
            "features": extractor.name,
            "features_hash": extractor.weights_hash,
            "resize": extractor.resize,
            "n": len(fake),
            "n_ref": len(reference),
            "reference_hash": ref.hash,
        }
    pixel = {
        "features": "raw-pixels",
        "features_hash": None,
        "resize": "none (pixels in [0, 1])",
        "n": len(fake),
        "n_ref": len(reference),
        "reference_hash": ref_hash,
    }
    for m in proto.metrics:
        t = time.perf_counter()
        if m == "fid":
            _fid(add, fake_f.features, ref, feat, proto)
        elif m == "kid":
            _kid(add, fake_f.features, ref.features.features, feat, proto)
        elif m == "is":
            _is(add, fake_f.logits, feat, proto)
        elif m == "pr":
            _pr(add, fake_f.features, ref.features.features, feat, proto)
        elif m == "classes":
            _classes(add, fake_f.logits, ref.features.logits, extractor.class_names, feat)
        elif m == "modes" and reference.kind == "image":
            _stacked_modes(add, fake, reference, proto, device, note)
        elif m == "modes":
            _modes(add, fake, reference, tensor_sha256)
        elif m == "parzen":
            _parzen(add, fake, reference, pixel)
        elif m == "memorisation":
            out = _memorisation(add, fake, reference, pixel, proto, "checkpoint" in source)
            if out:
                report.outputs.append(out)
        timings[m] = time.perf_counter() - t
    return report


def _fid(add: Any, fake: torch.Tensor, ref: Any, feat: dict, proto: Protocol) -> None:
    from gancli.metrics.frechet import frechet_bootstrap, frechet_distance, gaussian_stats

    mu, sigma = gaussian_stats(fake)
    value = frechet_distance(mu, sigma, ref.mu, ref.sigma)
    extra: dict[str, Any] = {"details": {"dim": int(fake.shape[1])}}
    if proto.bootstrap >= 2:
        reps = frechet_bootstrap(fake, ref.mu, ref.sigma, proto.bootstrap, proto.seed)
        se = float(np.std(reps, ddof=1))
        extra.update(
            spread=se,
            spread_kind=f"bootstrap SE ({proto.bootstrap} resamples of the samples)",
            ci95=[value - 1.96 * se, value + 1.96 * se],
        )
        extra["details"]["bootstrap_mean"] = float(np.mean(reps))
    add("fid", value, {**feat, "protocol": {"fid": 1}}, **extra)


def _kid(add: Any, fake: torch.Tensor, real: torch.Tensor, feat: dict, proto: Protocol) -> None:
    from gancli.metrics.kid import kernel_inception_distance

    mean, std = kernel_inception_distance(
        fake, real, proto.kid_subsets, proto.kid_subset_size, proto.seed
    )
    add(
        "kid",
        mean,
        {
            **feat,
            "protocol": {
                "kid": 1,
                "subsets": proto.kid_subsets,
                "subset_size": proto.kid_subset_size,
                "kernel": "(x.y/d + 1)^3",
            },
        },
        spread=std,
        spread_kind=f"std over {proto.kid_subsets} subsets",
    )


def _is(add: Any, logits: torch.Tensor, feat: dict, proto: Protocol) -> None:
    from gancli.metrics.inception_score import inception_score

    mean, std = inception_score(logits, proto.is_splits, proto.seed)
    r = {**feat, "n_ref": None, "reference_hash": None}
    r["protocol"] = {"is": 1, "splits": proto.is_splits, "classes": int(logits.shape[1])}
    add("is", mean, r, spread=std, spread_kind=f"std over {proto.is_splits} splits")


def _pr(add: Any, fake: torch.Tensor, real: torch.Tensor, feat: dict, proto: Protocol) -> None:
    from gancli.metrics.pr import precision_recall

    m = min(len(fake), len(real))
    g = torch.Generator().manual_seed(proto.seed)
    if len(fake) > m:
        fake = fake[torch.randperm(len(fake), generator=g)[:m]]
    if len(real) > m:
        real = real[torch.randperm(len(real), generator=g)[:m]]
    precision, recall = precision_recall(fake, real, proto.pr_k)
    r = {**feat, "n": m, "n_ref": m, "protocol": {"pr": 1, "k": proto.pr_k, "equal_n": True}}
    note = {"subsampled_to": m} if m < feat["n"] or m < feat["n_ref"] else {}
    add("precision", precision, {**r, "metric": "pr"}, details=dict(note))
    add("recall", recall, {**r, "metric": "pr"}, details=dict(note))


def _classes(
    add: Any, logits: torch.Tensor, ref_logits: torch.Tensor, names: list[str], feat: dict
) -> None:
    k = len(names)
    fake_h = np.bincount(logits.argmax(1).numpy(), minlength=k) / len(logits)
    ref_h = np.bincount(ref_logits.argmax(1).numpy(), minlength=k) / len(ref_logits)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(fake_h > 0, fake_h * np.log(fake_h / ref_h), 0.0)
    kl = float(terms.sum())
    add(
        "classes",
        kl,
        {**feat, "protocol": {"classes": 1, "histograms": "classifier predictions, both sets"}},
        details={
            "covered": int((fake_h > 0).sum()),
            "total": k,
            "histogram": {n: round(float(v), 6) for n, v in zip(names, fake_h)},
            "reference_histogram": {n: round(float(v), 6) for n, v in zip(names, ref_h)},
        },
    )


def _modes(add: Any, fake: torch.Tensor, reference: Any, hash_fn: Any) -> None:
    from gancli.metrics.modes import SIGMAS, mode_coverage

    if reference.modes is None or reference.mode_std is None:
        raise GanError(f"modes needs a 2-D mixture with known modes; {reference.name} has none")
    r = mode_coverage(fake, reference.modes, reference.mode_std)
    add(
        "modes",
        float(r["modes"]),
        {
            "features": "points",
            "features_hash": None,
            "resize": "none",
            "n": len(fake),
            "n_ref": None,
            "reference_hash": hash_fn(reference.modes, np.array([reference.mode_std])),
            "protocol": {"modes": 1, "high_quality_within_std": SIGMAS},
        },
        details={
            "total": r["total"],
            "high_quality": r["high_quality"],
            "kl": None if math.isnan(r["kl"]) else r["kl"],
        },
    )


def _stacked_modes(
    add: Any, fake: torch.Tensor, reference: Any, proto: Any, device: Any, note: Any
) -> None:
    """Stacked MNIST: every channel read by a digit classifier trained on mnist5k."""
    from gancli.data import load_data
    from gancli.metrics.features import build_extractor, data_hash
    from gancli.metrics.stacked import stacked_modes

    if reference.name != "stacked-mnist":
        raise GanError(
            "modes on images counts Stacked MNIST's 1,000 digit triples: use --data "
            f"stacked-mnist (or a 2-D mixture); {reference.name} has no modes to count"
        )
    size = int(fake.shape[-1])
    digits = load_data("mnist5k", image_size=size, channels=1)
    reader = build_extractor(
        "classifier",
        digits,
        data_hash(digits),
        device,
        classifier_epochs=proto.classifier_epochs,
        note=note,
    )
    r = stacked_modes(fake, lambda x: reader(x).logits.argmax(1))
    add(
        "modes",
        float(r["modes"]),
        {
            "features": "mnist5k digit classifier, per channel",
            "features_hash": reader.weights_hash,
            "resize": "none",
            "n": len(fake),
            "n_ref": None,
            "reference_hash": "stacked-mnist/1000",
            "protocol": {
                "modes": "stacked-mnist",
                "classifier_accuracy": reader.info.get("held_out_accuracy"),
            },
        },
        details={"total": r["total"], "kl": r["kl"], "most_common": r["most_common"]},
    )


def _split(n: int, first: int, seed: int = PARZEN_SPLIT_SEED) -> tuple[torch.Tensor, torch.Tensor]:
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return perm[:first], perm[first:]


def _parzen(add: Any, fake: torch.Tensor, reference: Any, pixel: dict) -> None:
    from gancli.metrics.parzen import TEST_MAX, VALIDATION, parzen_evaluate

    n_val = min(VALIDATION, len(reference) // 2)
    val_idx, test_idx = _split(len(reference), n_val)
    test_idx = test_idx[:TEST_MAX]
    x = reference.x
    r = parzen_evaluate(
        fake.reshape(len(fake), -1).float() / 255.0,
        x[val_idx].reshape(n_val, -1).float() / 255.0,
        x[test_idx].reshape(len(test_idx), -1).float() / 255.0,
    )
    protocol = {
        "parzen": 1,
        "sigmas": "logspace(-1, 0, 10)",
        "validation": r["n_validation"],
        "test": r["n_test"],
        "split": f"reference permuted with seed {PARZEN_SPLIT_SEED}",
    }
    details = {
        "sigma": r["sigma"],
        "sigma_at_grid_edge": r["sigma_at_edge"],
        "validation_ll": r["validation_ll"],
        "units": "nats, pixels in [0, 1]",
    }
    add(
        "parzen",
        r["mean"],
        {**pixel, "protocol": protocol},
        spread=r["se"],
        spread_kind=f"standard error over {r['n_test']} test images",
        ci95=[r["mean"] - 1.96 * r["se"], r["mean"] + 1.96 * r["se"]],
        details=details,
    )


def _memorisation(
    add: Any, fake: torch.Tensor, reference: Any, pixel: dict, proto: Protocol, seeded: bool
) -> str | None:
    from gancli.metrics.memorise import (
        GRID_ROWS,
        K,
        memorisation_stats,
        nearest_neighbours,
        neighbour_grid,
    )

    n = len(reference)
    n_held = min(MEMORISATION_HELD_OUT, max(1, n // 10))
    held_idx, train_idx = _split(n, n_held)
    train = reference.x[train_idx]
    fake_d, fake_i = nearest_neighbours(fake, train, K)
    held_d, _ = nearest_neighbours(reference.x[held_idx], train, 1)
    stats = memorisation_stats(fake_d[:, 0], held_d[:, 0])
    rows = np.argsort(fake_d[:, 0], kind="stable")[:GRID_ROWS]
    closest = []
    for r in rows:
        entry: dict[str, Any] = {"sample": int(r), "distance": float(fake_d[r, 0])}
        if seeded:  # samples drawn from a checkpoint: sample i is seed + i
            entry["seed"] = int(proto.seed + r)
        if reference.files:
            entry["nearest"] = [reference.files[int(train_idx[j])] for j in fake_i[r]]
        else:
            entry["nearest"] = [int(train_idx[j]) for j in fake_i[r]]
        closest.append(entry)
    out = None
    if proto.out_dir is not None:
        path = Path(proto.out_dir) / MEMORISATION_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        neighbour_grid(fake, train, fake_i, rows).save(path)
        out = str(path)
    protocol = {
        "memorisation": 1,
        "distance": "L2 over pixels in [0, 1]",
        "held_out": n_held,
        "split": f"reference permuted with seed {PARZEN_SPLIT_SEED}",
    }
    add(
        "memorisation",
        stats["median_ratio"],
        {**pixel, "n_ref": len(train_idx), "protocol": protocol},
        details={**stats, "closest": closest, "grid": out},
    )
    return out
