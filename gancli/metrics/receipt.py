"""Receipts: what every number was computed on, and whether two numbers may be compared.

A result is a JSON object: {"metric", "value", "spread", "spread_kind", "ci95", "details",
"receipt"}. Its receipt names the metric, the sample counts, the feature extractor and a hash of
its weights, the resize method, the reference set and a hash of its features (or pixels), the
metric's protocol parameters, the seed, the gancli version and what was evaluated.

Two results compare only when the fields in `MATTERS` are equal: FID at n = 5,000 is not FID
at n = 50,000, and Inception features resized two ways are two different metrics. The seed,
the version, the date and the evaluated model may differ.

Results live in `metrics.json` beside a checkpoint; a new result replaces an old one with the
same metric and the same receipt (a re-run), and is appended otherwise. Free of torch.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from gancli import __version__
from gancli.errors import GanError

RESULTS_FORMAT = 1

# The receipt fields that must match for two results to be compared, and why.
MATTERS: dict[str, str] = {
    "metric": "they are different metrics",
    "n": "the number of generated samples differs, and FID, KID's spread and precision/recall "
    "depend on it",
    "n_ref": "the number of reference samples differs",
    "features": "the feature extractors differ",
    "features_hash": "the feature extractor's weights differ",
    "resize": "the images were resized differently for the feature extractor",
    "reference_hash": "the reference sets (or their features) differ",
    "protocol": "the metric's protocol parameters differ",
}
# Not compared: they may differ between two results that compare.
INFORMATIVE = ("seed", "gancli_version", "source", "created", "reference")


def receipt(**fields: Any) -> dict[str, Any]:
    """A receipt with the version filled in; the caller gives the rest."""
    out = {k: fields.get(k) for k in MATTERS}
    out.update({k: v for k, v in fields.items() if k not in out})
    out.setdefault("gancli_version", __version__)
    return out


def identity(result: dict[str, Any]) -> str:
    """What makes two results 'the same measurement': metric and receipt, less the date."""
    r = {k: v for k, v in result.get("receipt", {}).items() if k != "created"}
    return json.dumps({"metric": result.get("metric"), "receipt": r}, sort_keys=True)


def first_difference(a: dict[str, Any], b: dict[str, Any]) -> str | None:
    """The first field of MATTERS where receipts a and b differ, or None."""
    for key in MATTERS:
        if a.get(key) != b.get(key):
            return key
    return None


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else str(value)
    if text.startswith("sha256:"):
        return text[:19]
    return text if len(text) <= 60 else text[:57] + "..."


def explain(metric: str, key: str, a: dict, b: dict, names: tuple[str, str]) -> str:
    va, vb = a.get(key), b.get(key)
    if isinstance(va, dict) and isinstance(vb, dict):  # name the protocol parameter itself
        for sub in sorted(set(va) | set(vb)):
            if va.get(sub) != vb.get(sub):
                key, va, vb = f"{key}.{sub}", va.get(sub), vb.get(sub)
                break
    return (
        f"cannot compare {metric}: the receipts differ in {key} "
        f"({_short(va)} in {names[0]}, {_short(vb)} in {names[1]}): {MATTERS[key.split('.')[0]]}"
    )


# ---- files ------------------------------------------------------------------------------


def read_results(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The results in a metrics.json or in `gan evaluate --json` output."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text())
    except FileNotFoundError:
        raise GanError(f"no results file '{path}'") from None
    except (OSError, ValueError) as e:
        raise GanError(f"'{path}' is not a JSON results file ({e})") from None
    results = doc.get("results") if isinstance(doc, dict) else None
    if not isinstance(results, list) or not all(
        isinstance(r, dict) and "metric" in r and isinstance(r.get("receipt"), dict)
        for r in results
    ):
        raise GanError(
            f"'{path}' holds no gan evaluate results (a metrics.json or the output of "
            f"gan evaluate --json)"
        )
    return results


def merge_results(path: str | os.PathLike, new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add `new` to the results file at `path` (replacing re-runs); returns the merged list."""
    p = Path(path)
    old: list[dict[str, Any]] = []
    if p.exists():
        try:
            old = read_results(p)
        except GanError as e:
            raise GanError(f"{e}: move it away to write new results there") from None
    fresh = {identity(r) for r in new}
    merged = [r for r in old if identity(r) not in fresh] + list(new)
    doc = {"format": RESULTS_FORMAT, "results": merged}
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return merged


# ---- comparing ---------------------------------------------------------------------------


def compare_results(
    a: list[dict[str, Any]], b: list[dict[str, Any]], names: tuple[str, str] = ("a", "b")
) -> tuple[list[dict[str, Any]], list[str]]:
    """Pairs of results with equal receipts, one per metric, and notes on metrics found in
    only one file. GanError, naming the field, when a metric in both has no comparable pair."""
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    metrics_a = list(dict.fromkeys(r["metric"] for r in a))
    metrics_b = set(r["metric"] for r in b)
    for metric in metrics_a:
        if metric not in metrics_b:
            notes.append(f"{metric} is only in {names[0]}")
            continue
        ra = [r for r in a if r["metric"] == metric]
        rb = [r for r in b if r["metric"] == metric]
        pair = None
        for x in reversed(ra):  # the latest first
            for y in reversed(rb):
                if first_difference(x["receipt"], y["receipt"]) is None:
                    pair = (x, y)
                    break
            if pair:
                break
        if pair is None:
            x, y = ra[-1], rb[-1]
            key = first_difference(x["receipt"], y["receipt"]) or "metric"
            raise GanError(explain(metric, key, x["receipt"], y["receipt"], names))
        x, y = pair
        rows.append({"metric": metric, "a": x, "b": y})
    notes += [
        f"{m} is only in {names[1]}"
        for m in dict.fromkeys(r["metric"] for r in b)
        if m not in set(metrics_a)
    ]
    if not rows:
        raise GanError(f"{names[0]} and {names[1]} share no metric to compare")
    return rows, notes
