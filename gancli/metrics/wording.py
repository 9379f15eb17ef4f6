"""Results in words: the table cell of each metric's value and the note that says what it
means (mode counts out of a total, what a memorisation ratio of 0.96 is, ...)."""

from __future__ import annotations

from typing import Any


def number(v: float | None, digits: int = 4) -> str:
    if v is None:
        return "-"
    if v != v:  # NaN
        return "nan"
    a = abs(v)
    if a != 0 and (a >= 1e5 or a < 1e-3):
        return f"{v:.3e}"
    return f"{v:.{digits}g}" if a >= 1 else f"{v:.4f}"


def cell(r: dict[str, Any]) -> tuple[str, str | None]:
    """The table cell of a result, and a note that says what it means, if it needs one."""
    m, v, d = r["metric"], r["value"], r.get("details", {})
    if m == "modes" and "high_quality" not in d:
        return f"{int(v)} / {d.get('total')}", (
            f"modes: {int(v)} of {d.get('total')} digit triples seen (Stacked MNIST), "
            f"KL {number(d.get('kl'))} nats (one mode: 6.91)"
        )
    if m == "modes":
        return f"{int(v)} / {d.get('total')}", (
            f"modes: {int(v)} of {d.get('total')} captured, {d.get('high_quality', 0.0):.1%} "
            f"high quality, KL {number(d.get('kl'))} nats"
        )
    if m == "classes":
        return number(v), (
            f"classes: KL(samples' class histogram || reference's) in nats; "
            f"{d.get('covered')} of {d.get('total')} classes present"
        )
    if m == "memorisation":
        return number(v), (
            f"memorisation: samples' median distance to their nearest training image is "
            f"{number(v)}x that of held-out real images; {d.get('below_heldout_p1', 0):.1%} of "
            f"samples are closer than the held-out 1st percentile (about 1% if nothing is "
            f"copied){'; grid: ' + d['grid'] if d.get('grid') else ''}"
        )
    if m == "parzen":
        edge = " (at the edge of the grid)" if d.get("sigma_at_grid_edge") else ""
        return number(v), (
            f"parzen: mean log-likelihood in nats, pixels in [0, 1], σ {d.get('sigma', 0):.3g}"
            f"{edge} chosen on {r['receipt']['protocol'].get('validation')} validation images"
        )
    return number(v), None
