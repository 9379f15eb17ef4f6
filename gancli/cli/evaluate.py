"""`gan evaluate CKPT --data REF`: FID, KID, IS, precision/recall, class histograms, mode
coverage, Parzen log-likelihood and memorisation, each with the receipt of what it was
computed on; `gan evaluate --compare a.json b.json` compares two sets of results."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from gancli.cli._common import (
    CKPT_HELP,
    DeviceOpt,
    JsonOpt,
    SeedOpt,
    check_fits_in_memory,
    info,
    shows_progress,
    table_console,
)
from gancli.errors import GanError
from gancli.store.files import CARD_FILE, MEMORISATION_FILE, RESULTS_FILE

# Spelled out rather than read from gancli.metrics.registry: importing the metrics package
# imports numpy, and `gan --help` must stay light (tests check these against the registry).
METRIC_NAMES = ("classes", "fid", "is", "kid", "memorisation", "modes", "parzen", "pr")
EXTRACTOR_NAMES = ("inception", "classifier", "pixels", "points")
_METRICS_HELP = (
    f"Comma-separated: {', '.join(METRIC_NAMES)}. Default: fid,kid,pr for images, modes for "
    "2-D toys."
)
_FEATURES_HELP = (
    "Feature extractor: inception (FID's Inception-v3, the default for images; downloads "
    "once, or --inception-weights), classifier (a small CNN trained once on the labelled "
    "reference set; offline), pixels (8x8 average pooling; a baseline), points (2-D toys)."
)


@shows_progress
def evaluate(
    ckpt: Annotated[
        str | None,
        typer.Argument(help=CKPT_HELP + " Or use --fake."),
    ] = None,
    data: Annotated[
        str | None,
        typer.Option(
            "--data", "-d", help="The reference set: any data source `gan train` accepts."
        ),
    ] = None,
    metrics: Annotated[str | None, typer.Option("--metrics", "-m", help=_METRICS_HELP)] = None,
    n: Annotated[
        int | None,
        typer.Option(
            "-n",
            "--n",
            "--num",
            help="Generated samples (default 10,000; 2,500 for 2-D toys, the mode protocol's); "
            "with --fake, at most this many.",
        ),
    ] = None,
    features: Annotated[str | None, typer.Option(help=_FEATURES_HELP)] = None,
    fake: Annotated[
        Path | None,
        typer.Option(
            help="Score these samples instead of a checkpoint: a folder of images (any "
            "generator's) or a .npy array as `gan sample -o x.npy` writes."
        ),
    ] = None,
    compare: Annotated[
        tuple[Path, Path] | None,
        typer.Option(
            help=f"Compare two results files ({RESULTS_FILE} or --json output); refuses results "
            "whose receipts differ in what matters and names the field."
        ),
    ] = None,
    inception_weights: Annotated[
        str | None,
        typer.Option(
            help="The FID Inception-v3 weights file (.pth or .safetensors), for machines "
            "without internet; also $GANCLI_INCEPTION_WEIGHTS."
        ),
    ] = None,
    image_size: Annotated[
        int | None,
        typer.Option(
            help="With --fake DIR: the size both sets are compared at (default: the "
            "reference's own)."
        ),
    ] = None,
    kid_subset_size: Annotated[int, typer.Option(help="KID: samples per subset.")] = 1000,
    kid_subsets: Annotated[int, typer.Option(help="KID: number of subsets.")] = 100,
    pr_k: Annotated[int, typer.Option(help="Precision/recall: k nearest neighbours.")] = 3,
    is_splits: Annotated[int, typer.Option(help="Inception Score: number of splits.")] = 10,
    bootstrap: Annotated[
        int, typer.Option(help="FID: bootstrap resamples for its standard error (0: none).")
    ] = 20,
    classifier_epochs: Annotated[
        int | None,
        typer.Option(
            help="--features classifier: training epochs (default: about 50,000 images seen)."
        ),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            help=f"Where {RESULTS_FILE} and {MEMORISATION_FILE} go (default: the checkpoint's folder; "
            "for --fake, curated and hf:// models, nothing is written unless this is given)."
        ),
    ] = None,
    save: Annotated[
        bool, typer.Option("--save/--no-save", help=f"Write the results into {RESULTS_FILE}.")
    ] = True,
    ema: Annotated[bool, typer.Option("--ema/--no-ema", help="Use the EMA generator.")] = True,
    batch_size: Annotated[
        int, typer.Option(help="Samples per forward pass (sampling and features).")
    ] = 256,
    seed: SeedOpt = 0,
    device: DeviceOpt = "auto",
    json: JsonOpt = False,
) -> None:
    """Score a generator against a reference set, with the receipt of every number.

    Sample i uses the latent of seed SEED+i, as `gan sample` does. Every result says what it
    was computed on (n, feature extractor and a hash of its weights, resize, reference and a
    hash of its features, protocol, seed, version); results compare only when those match."""
    if compare is not None:
        if ckpt is not None or fake is not None:
            raise GanError("--compare takes two results files and no checkpoint or --fake")
        _compare(compare, json)
        return
    if (ckpt is None) == (fake is None):
        raise GanError(
            "give a checkpoint or --fake DIR (one of the two), or --compare a.json b.json"
        )
    if data is None:
        raise GanError("--data is required: the reference set to compare the samples with")
    if n is not None and n < 1:
        raise GanError("-n must be at least 1")
    if batch_size < 1:
        raise GanError("--batch-size must be at least 1")
    if kid_subsets < 1:
        raise GanError(f"--kid-subsets must be at least 1; got {kid_subsets}")
    if is_splits < 1:
        raise GanError(f"--is-splits must be at least 1; got {is_splits}")
    from gancli.metrics.registry import check_extractor, parse_metrics

    parse_metrics(metrics, None)  # a misspelt name fails before anything is loaded
    feat = check_extractor(features) if features is not None else None

    import time

    from gancli.data import load_data
    from gancli.engine.device import resolve_device
    from gancli.metrics.evaluation import (
        Protocol,
        array_shape,
        describe_reference,
        draw_samples,
        evaluate,
        load_fakes,
        preflight,
        prepare,
    )
    from gancli.metrics.receipt import merge_results

    dev = resolve_device(device)
    timings: dict[str, float] = {}
    source: dict[str, Any] = {}
    model = None
    read_only = False
    t0 = time.perf_counter()
    if ckpt is not None:
        from gancli.engine.model import load_model
        from gancli.metrics.features import file_sha256
        from gancli.store.locate import locate

        where = locate(ckpt)
        path = where.path
        read_only = where.read_only
        model = load_model(path, dev)
        spec = model.spec
        kind = spec["kind"]
        size = int(spec["shape"][-1]) if kind == "image" else None
        channels = int(spec["shape"][0]) if kind == "image" else None
        source = {
            "checkpoint": str(path),
            "sha256": file_sha256(path),
            "step": int(model.config.get("step", 0)),
            "variant": model.variant.name,
            "ema": ema,
        }
        ref = load_data(data, image_size=size, channels=channels)
        if ref.kind != kind:
            raise GanError(
                f"the checkpoint makes {'2-D points' if kind == 'points' else 'images'} and "
                f"--data {data} holds {'2-D points' if ref.kind == 'points' else 'images'}"
            )
    else:
        assert fake is not None
        shape = array_shape(fake)  # an array of images sets the size the reference is read at
        if shape is not None and len(shape) == 4:
            ref = load_data(data, image_size=int(shape[-1]), channels=int(shape[1]))
        else:
            ref = load_data(data, image_size=image_size)
        kind = ref.kind
    timings["load"] = time.perf_counter() - t0
    if ref.skipped:
        shown = ", ".join(ref.skipped[:3]) + (" ..." if len(ref.skipped) > 3 else "")
        info(f"skipped {len(ref.skipped)} unreadable file(s) in {data}: {shown}")

    names = parse_metrics(metrics, kind)
    if "modes" in names and kind == "image" and ref.name != "stacked-mnist":
        raise GanError(
            "modes counts the modes of a 2-D mixture (--data ring8, grid25) or Stacked MNIST's "
            f"1,000 digit triples (--data stacked-mnist); {ref.name} has no modes to count"
        )
    n_target = n if n is not None else (10_000 if kind == "image" else 2_500)
    out = out_dir
    if out is None and ckpt is not None and not read_only:
        out = path.parent
    save = save and out is not None  # --fake, curated or hf:// without --out-dir: print only
    proto = Protocol(
        metrics=names,
        features=feat,
        seed=seed,
        kid_subsets=kid_subsets,
        kid_subset_size=kid_subset_size,
        pr_k=pr_k,
        is_splits=is_splits,
        bootstrap=bootstrap,
        inception_weights=inception_weights,
        classifier_epochs=classifier_epochs,
        batch_size=batch_size,
        out_dir=out if save or out_dir is not None else None,
    )
    if model is not None:
        preflight(names, n_target, len(ref), proto)  # before drawing 10,000 samples
        check_fits_in_memory(  # evaluation holds every sample
            n_target,
            model.variant.latent_size,
            model.spec["shape"],
            "evaluate with a smaller -n",
            images=True,
        )
    # the extractor next: a missing weights file should not cost the sampling first
    prepared = prepare(ref, proto, dev, note=info)
    t0 = time.perf_counter()
    if model is not None:
        if not json:
            info(f"drawing {n_target} samples from {source['checkpoint']} ...")
        x = draw_samples(model, n_target, seed, ema, batch_size)
    else:
        assert fake is not None
        x, fake_info = load_fakes(fake, ref, n_target, seed)
        source = {
            "fake": str(fake),
            **({"subset": fake_info["subset"]} if "subset" in fake_info else {}),
        }
        if fake_info.get("skipped"):
            skipped = fake_info["skipped"]
            source["skipped"] = len(skipped)
            info(f"skipped {len(skipped)} unreadable file(s) in {fake}: {', '.join(skipped[:3])}")
        if n is not None and len(x) < n:
            info(f"--fake {fake} holds {len(x)} samples, fewer than -n {n}: using all of them")
    timings["sampling" if model is not None else "reading"] = time.perf_counter() - t0
    if not json:
        info(f"evaluating {len(x)} samples against {describe_reference(ref)} ...")
    report = evaluate(x, ref, proto, source, dev, note=info, prepared=prepared)
    report.timings = {**timings, **report.timings}

    written = list(report.outputs)
    if save:
        results_path = out / RESULTS_FILE
        merge_results(results_path, report.results)
        written.append(str(results_path))
        from gancli.store.zoo import refresh_card

        if refresh_card(out):  # a zoo entry (or any folder with gancli's card): its card too
            written.append(str(out / CARD_FILE))
    if json:
        import json as _json

        doc = {
            "format": 1,
            "source": source,
            "reference": describe_reference(ref),
            "results": report.results,
            "timings_s": {k: round(v, 3) for k, v in report.timings.items()},
            "outputs": written,
            **report.info,
        }
        print(_json.dumps(doc))
        return
    _table(report.results)
    if written:
        info(f"wrote {', '.join(written)}")


# ---- rendering ----------------------------------------------------------------------------


def _num(v: float | None, digits: int = 4) -> str:
    if v is None:
        return "-"
    if v != v:  # NaN
        return "nan"
    a = abs(v)
    if a != 0 and (a >= 1e5 or a < 1e-3):
        return f"{v:.3e}"
    return f"{v:.{digits}g}" if a >= 1 else f"{v:.4f}"


def _value(r: dict[str, Any]) -> tuple[str, str | None]:
    """The table cell of a result, and a note that says what it means, if it needs one."""
    m, v, d = r["metric"], r["value"], r.get("details", {})
    if m == "modes" and "high_quality" not in d:
        return f"{int(v)} / {d.get('total')}", (
            f"modes: {int(v)} of {d.get('total')} digit triples seen (Stacked MNIST), "
            f"KL {_num(d.get('kl'))} nats (one mode: 6.91)"
        )
    if m == "modes":
        return f"{int(v)} / {d.get('total')}", (
            f"modes: {int(v)} of {d.get('total')} captured, {d.get('high_quality', 0.0):.1%} "
            f"high quality, KL {_num(d.get('kl'))} nats"
        )
    if m == "classes":
        return _num(v), (
            f"classes: KL(samples' class histogram || reference's) in nats; "
            f"{d.get('covered')} of {d.get('total')} classes present"
        )
    if m == "memorisation":
        return _num(v), (
            f"memorisation: samples' median distance to their nearest training image is "
            f"{_num(v)}x that of held-out real images; {d.get('below_heldout_p1', 0):.1%} of "
            f"samples are closer than the held-out 1st percentile (about 1% if nothing is "
            f"copied){'; grid: ' + d['grid'] if d.get('grid') else ''}"
        )
    if m == "parzen":
        edge = " (at the edge of the grid)" if d.get("sigma_at_grid_edge") else ""
        return _num(v), (
            f"parzen: mean log-likelihood in nats, pixels in [0, 1], σ {d.get('sigma', 0):.3g}"
            f"{edge} chosen on {r['receipt']['protocol'].get('validation')} validation images"
        )
    return _num(v), None


def _table(results: list[dict[str, Any]]) -> None:
    """One row per result; what each value and ± means, and the full receipts' names, go
    below the table."""
    from rich.table import Table

    table = Table(title="gan evaluate", title_justify="left")
    for col, just in (
        ("metric", "left"),
        ("value", "right"),
        ("±", "right"),
        ("n", "right"),
        ("features", "left"),
        ("reference", "left"),
    ):
        table.add_column(col, justify=just, overflow="fold")  # type: ignore[arg-type]
    notes: dict[str, None] = {}
    for r in results:
        rec = r["receipt"]
        value, note = _value(r)
        if note:
            notes[note] = None
        spread = "" if r.get("spread") is None else _num(r["spread"])
        if r.get("spread_kind"):
            notes[f"± {r['metric']}: {r['spread_kind']}"] = None
        n = str(rec.get("n")) + (f"/{rec['n_ref']}" if rec.get("n_ref") else "")
        feats = rec.get("features") or "-"
        notes[
            f"features {feats}: "
            + (f"weights {rec['features_hash'][:15]}, " if rec.get("features_hash") else "")
            + f"resize {rec.get('resize')}"
        ] = None
        ref = str(rec.get("reference") or "-")
        notes[f"reference: {ref}"] = None
        table.add_row(r["metric"], value, spread, n, feats.split(" ")[0], ref.split(" (")[0])
    console = table_console()
    console.print(table)
    console.print("n: generated / reference samples", highlight=False)
    for line in notes:
        console.print(line, highlight=False)


def _compare(paths: tuple[Path, Path], json: bool) -> None:
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
                "a_spread": ra.get("spread"),
                "b_spread": rb.get("spread"),
                "difference": diff,
                "better": better,
                "winner": winner,
                "receipt": {k: ra["receipt"].get(k) for k in ("n", "features", "reference")},
            }
        )
    if json:
        import json as _json

        print(_json.dumps({"compare": list(names), "rows": out, "notes": notes}))
        return
    from rich.table import Table

    table = Table(title=f"{names[0]} vs {names[1]}", title_justify="left")
    for col in ("metric", "a", "b", "b - a", "better", "n", "features"):
        table.add_column(col)
    for o in out:
        sa = "" if o["a_spread"] is None else f" ± {_num(o['a_spread'])}"
        sb = "" if o["b_spread"] is None else f" ± {_num(o['b_spread'])}"
        table.add_row(
            o["metric"],
            _num(o["a"]) + sa,
            _num(o["b"]) + sb,
            _num(o["difference"]),
            o["winner"],
            str(o["receipt"]["n"]),
            str(o["receipt"]["features"]),
        )
    console = table_console()
    console.print(table)
    console.print(
        "better: the file with the better value, unless the difference is within twice the "
        "combined ± (within 2σ)",
        highlight=False,
    )
    for line in notes:
        info(line)
