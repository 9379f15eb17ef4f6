"""Scoring a generator (or a folder of samples) against a reference set, and comparing two
results files. `gan evaluate` is this with flags.

    from gancli.api.evaluate import EvaluateOptions, score
    scored = score("mnist5k-dcgan", EvaluateOptions(data="mnist5k", metrics="fid,kid"))
    for r in scored.report.results: print(r["metric"], r["value"])
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gancli.errors import GanError
from gancli.metrics.protocol import (
    DEFAULT_IMAGE_METRICS,
    DEFAULT_POINT_METRICS,
    DEFAULT_SAMPLES,
    DEFAULTS,
    Protocol,
)
from gancli.metrics.registry import EXTRACTORS, METRICS
from gancli.optionspec import at_least, device_option, ema_option, option, seed_option

# From the registries, which read the metric and extractor modules' declarations without
# importing them: `gan --help` stays free of torch and numpy.
_METRICS_HELP = (
    f"Comma-separated: {', '.join(sorted(METRICS))}. Default: "
    f"{','.join(DEFAULT_IMAGE_METRICS)} for images, {','.join(DEFAULT_POINT_METRICS)} for 2-D toys."
)
_FEATURES_HELP = (
    "Feature extractor: "
    + ", ".join(f"{name} ({EXTRACTORS[name].summary})" for name in sorted(EXTRACTORS))
    + "."
)
_N_HELP = (
    f"Generated samples (default {DEFAULT_SAMPLES['image']:,}; {DEFAULT_SAMPLES['points']:,} "
    "for 2-D toys, the mode protocol's); with --fake, at most this many."
)


@dataclass
class EvaluateOptions:
    data: str | None = option(
        None, "--data", "-d", help="The reference set: any data source `gan train` accepts."
    )
    metrics: str | None = option(None, "--metrics", "-m", help=_METRICS_HELP)
    n: int | None = option(None, "-n", "--n", "--num", help=_N_HELP)
    features: str | None = option(None, help=_FEATURES_HELP)
    fake: Path | None = option(
        None,
        help="Score these samples instead of a checkpoint: a folder of images (any "
        "generator's) or a .npy array as `gan sample -o x.npy` writes.",
    )
    inception_weights: str | None = option(
        None,
        help="The FID Inception-v3 weights file (.pth or .safetensors), for machines without "
        "internet; also $GANCLI_INCEPTION_WEIGHTS.",
    )
    image_size: int | None = option(
        None,
        help="With --fake DIR: the size both sets are compared at (default: the reference's own).",
    )
    kid_subset_size: int = option(DEFAULTS.kid_subset_size, help="KID: samples per subset.")
    kid_subsets: int = option(DEFAULTS.kid_subsets, help="KID: number of subsets.")
    pr_k: int = option(DEFAULTS.pr_k, help="Precision/recall: k nearest neighbours.")
    is_splits: int = option(DEFAULTS.is_splits, help="Inception Score: number of splits.")
    bootstrap: int = option(
        DEFAULTS.bootstrap, help="FID: bootstrap resamples for its standard error (0: none)."
    )
    classifier_epochs: int | None = option(
        None, help="--features classifier: training epochs (default: about 50,000 images seen)."
    )
    out_dir: Path | None = option(
        None,
        help="Where metrics.json and memorisation.png go (default: the checkpoint's folder; "
        "for --fake, curated and hf:// models, nothing is written unless this is given).",
    )
    save: bool = option(True, "--save/--no-save", help="Write the results into metrics.json.")
    ema: bool = ema_option()
    batch_size: int = option(
        DEFAULTS.batch_size, help="Samples per forward pass (sampling and features)."
    )
    seed: int = seed_option()
    device: str = device_option()

    def check(self) -> str | None:
        """Refuse what no evaluation can use, before anything is loaded; the extractor."""
        from gancli.metrics.registry import check_extractor, parse_metrics

        if self.data is None:
            raise GanError("--data is required: the reference set to compare the samples with")
        if self.n is not None and self.n < 1:
            raise GanError("-n must be at least 1")
        if self.batch_size < 1:
            raise GanError("--batch-size must be at least 1")
        at_least(self.kid_subsets, 1, "--kid-subsets")
        at_least(self.is_splits, 1, "--is-splits")
        parse_metrics(self.metrics, None)  # a misspelt name fails before anything is loaded
        return check_extractor(self.features) if self.features is not None else None


@dataclass
class Scored:
    source: dict[str, Any]
    reference: str
    report: Any
    written: list[str] = field(default_factory=list)


@dataclass
class _Opened:
    """The generator (or None for --fake), the reference set, and where results may go."""

    model: Any
    ref: Any
    kind: str
    source: dict[str, Any]
    out: Path | None


def _open(ckpt: str | None, opts: EvaluateOptions, dev: Any) -> _Opened:
    from gancli.data import load_data
    from gancli.metrics.evaluation import array_shape

    data = str(opts.data)
    if ckpt is None:
        shape = array_shape(opts.fake)  # an array of images sets the size of the reference
        if shape is not None and len(shape) == 4:
            ref = load_data(data, image_size=int(shape[-1]), channels=int(shape[1]))
        else:
            ref = load_data(data, image_size=opts.image_size)
        return _Opened(None, ref, ref.kind, {}, opts.out_dir)
    from gancli.engine.model import load_model
    from gancli.latent.draw import refuse_translation
    from gancli.metrics.features import file_sha256
    from gancli.store.locate import locate

    where = locate(ckpt)
    model = load_model(where.path, dev)
    refuse_translation(model.variant)  # before the reference and its features are made
    kind = model.spec["kind"]
    shape = model.spec["shape"]
    size, channels = (int(shape[-1]), int(shape[0])) if kind == "image" else (None, None)
    source = {
        "checkpoint": str(where.path),
        "sha256": file_sha256(where.path),
        "step": int(model.config.get("step", 0)),
        "variant": model.variant.name,
        "ema": opts.ema,
    }
    ref = load_data(data, image_size=size, channels=channels)
    if ref.kind != kind:
        raise GanError(
            f"the checkpoint makes {'2-D points' if kind == 'points' else 'images'} and "
            f"--data {data} holds {'2-D points' if ref.kind == 'points' else 'images'}"
        )
    out = opts.out_dir
    if out is None and not where.read_only:
        out = where.path.parent
    return _Opened(model, ref, kind, source, out)


def _protocol(opts: EvaluateOptions, names: list[str], feat: Any, out: Any, save: bool) -> Any:
    return Protocol(
        metrics=names,
        features=feat,
        seed=opts.seed,
        kid_subsets=opts.kid_subsets,
        kid_subset_size=opts.kid_subset_size,
        pr_k=opts.pr_k,
        is_splits=opts.is_splits,
        bootstrap=opts.bootstrap,
        inception_weights=opts.inception_weights,
        classifier_epochs=opts.classifier_epochs,
        batch_size=opts.batch_size,
        out_dir=out if save or opts.out_dir is not None else None,
    )


def _fakes(opts: EvaluateOptions, ref: Any, n_target: int, note: Any) -> tuple[Any, dict]:
    from gancli.metrics.evaluation import load_fakes

    x, fake_info = load_fakes(opts.fake, ref, n_target, opts.seed)
    source: dict[str, Any] = {"fake": str(opts.fake)}
    if "subset" in fake_info:
        source["subset"] = fake_info["subset"]
    if fake_info.get("skipped"):
        skipped = fake_info["skipped"]
        source["skipped"] = len(skipped)
        note(f"skipped {len(skipped)} unreadable file(s) in {opts.fake}: {', '.join(skipped[:3])}")
    if opts.n is not None and len(x) < opts.n:
        note(
            f"--fake {opts.fake} holds {len(x)} samples, fewer than -n {opts.n}: using all of them"
        )
    return x, source


def score(ckpt: str | None, opts: EvaluateOptions, note: Any = None, quiet: bool = False) -> Scored:
    """Score the checkpoint (or opts.fake), write metrics.json where it belongs, and return
    the report with the receipt of every number. `note` hears what is going on (what was
    skipped; with `quiet` False, each stage)."""
    from gancli.engine.batcher import check_fits_in_memory
    from gancli.engine.device import resolve_device
    from gancli.metrics.evaluation import (
        check_reference,
        describe_reference,
        draw_samples,
        evaluate,
        preflight,
        prepare,
    )
    from gancli.metrics.receipt import merge_results
    from gancli.metrics.registry import parse_metrics
    from gancli.store.files import CARD_FILE, RESULTS_FILE

    note = note or (lambda _: None)
    if (ckpt is None) == (opts.fake is None):
        raise GanError(
            "give a checkpoint or --fake DIR (one of the two), or --compare a.json b.json"
        )
    feat = opts.check()
    dev = resolve_device(opts.device)
    t0 = time.perf_counter()
    o = _open(ckpt, opts, dev)
    timings = {"load": time.perf_counter() - t0}
    if o.ref.skipped:
        shown = ", ".join(o.ref.skipped[:3]) + (" ..." if len(o.ref.skipped) > 3 else "")
        note(f"skipped {len(o.ref.skipped)} unreadable file(s) in {opts.data}: {shown}")
    names = parse_metrics(opts.metrics, o.kind)
    check_reference(names, o.ref)  # e.g. modes needs a set with modes to count
    n_target = opts.n if opts.n is not None else DEFAULT_SAMPLES[o.kind]
    save = opts.save and o.out is not None  # --fake, curated or hf:// without --out-dir
    proto = _protocol(opts, names, feat, o.out, save)
    if o.model is not None:
        preflight(names, n_target, len(o.ref), proto)  # before drawing 10,000 samples
        variant, shape = o.model.variant, o.model.spec["shape"]
        hint = "evaluate with a smaller -n"  # evaluation holds every sample
        check_fits_in_memory(n_target, variant.latent_size, shape, hint, images=True)
    # the extractor next: a missing weights file should not cost the sampling first
    prepared = prepare(o.ref, proto, dev, note=note)
    t0 = time.perf_counter()
    if o.model is not None:
        if not quiet:
            note(f"drawing {n_target} samples from {o.source['checkpoint']} ...")
        x = draw_samples(o.model, n_target, opts.seed, opts.ema, opts.batch_size)
        source = o.source
    else:
        x, source = _fakes(opts, o.ref, n_target, note)
    timings["sampling" if o.model is not None else "reading"] = time.perf_counter() - t0
    reference = describe_reference(o.ref)
    if not quiet:
        note(f"evaluating {len(x)} samples against {reference} ...")
    report = evaluate(x, o.ref, proto, source, dev, note=note, prepared=prepared)
    report.timings = {**timings, **report.timings}
    written = list(report.outputs)
    if save and o.out is not None:
        from gancli.store.zoo import refresh_card

        merge_results(o.out / RESULTS_FILE, report.results)
        written.append(str(o.out / RESULTS_FILE))
        if refresh_card(o.out):  # a zoo entry (or any folder with gancli's card): its card too
            written.append(str(o.out / CARD_FILE))
    return Scored(source, reference, report, written)


def compare(paths: tuple[Path, Path]) -> tuple[tuple[str, str], list[dict], list[str]]:
    """Two results files side by side: (their names, one row per metric both hold, notes).
    A row's winner is the file with the better value, unless the difference is within twice
    the combined spread."""
    from gancli.metrics.receipt import compare_results, read_results

    a, b = (read_results(p) for p in paths)
    names = (str(paths[0]), str(paths[1]))
    rows, notes = compare_results(a, b, names)
    out = []
    for row in rows:
        ra, rb = row["a"], row["b"]
        better = ra.get("better")
        diff = rb["value"] - ra["value"]
        sa, sb = ra.get("spread"), rb.get("spread")
        noise = 2 * (sa**2 + sb**2) ** 0.5 if sa is not None and sb is not None else None
        if diff == 0:
            winner = "same"
        elif noise is not None and abs(diff) <= noise:
            winner = "within 2σ"  # the difference is inside twice the combined spread
        elif better in ("lower", "higher"):
            winner = names[1] if (diff < 0) == (better == "lower") else names[0]
        else:
            winner = "-"
        out.append(
            {
                "metric": row["metric"],
                "a": ra["value"],
                "b": rb["value"],
                "a_spread": sa,
                "b_spread": sb,
                "difference": diff,
                "better": better,
                "winner": winner,
                "receipt": {k: ra["receipt"].get(k) for k in ("n", "features", "reference")},
            }
        )
    return names, out, notes
