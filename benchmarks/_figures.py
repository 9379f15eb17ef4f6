"""Figures for the benchmark pages, drawn with PIL (the project does not depend on matplotlib):
a line chart of logged values against the step, and images side by side under captions.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

INK, GRID, PAPER = (30, 30, 30), (220, 220, 220), (255, 255, 255)
COLOURS = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (148, 103, 189), (255, 127, 14)]


def moving_average(values: Sequence[float], window: int) -> list[float]:
    """The mean of the last `window` values at each point (fewer at the start)."""
    out, total = [], 0.0
    for i, v in enumerate(values):
        total += v
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    import math

    span = hi - lo or 1.0
    raw = span / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step) + 1)]


def line_chart(
    panels: Sequence[dict],
    path: Path,
    width: int = 720,
    panel_height: int = 220,
    x_label: str = "step",
) -> None:
    """One panel per dict: {"title": str, "series": [(label, xs, ys, faint: bool)], "ylim":
    (lo, hi) or None}. Faint series are drawn thin and light (raw values under a smoothed
    line); every panel shares the x axis of its own data."""
    font = ImageFont.load_default()
    left, right, top, bottom = 60, 20, 28, 34
    img = Image.new("RGB", (width, panel_height * len(panels)), PAPER)
    draw = ImageDraw.Draw(img)
    for p, panel in enumerate(panels):
        y0 = p * panel_height
        series = panel["series"]
        xs_all = [x for _, xs, _, _ in series for x in xs]
        ys_all = [y for _, _, ys, _ in series for y in ys]
        x_lo, x_hi = min(xs_all), max(xs_all)
        y_lo, y_hi = panel.get("ylim") or (min(ys_all), max(ys_all))
        if y_hi == y_lo:
            y_hi = y_lo + 1.0
        pw, ph = width - left - right, panel_height - top - bottom

        def to_px(x: float, y: float, box: tuple = (x_lo, x_hi, y_lo, y_hi, y0, pw, ph)) -> tuple:
            xl, xh, yl, yh, oy, w, h = box
            fx = (x - xl) / ((xh - xl) or 1.0)
            fy = (min(max(y, yl), yh) - yl) / (yh - yl)
            return left + fx * w, oy + top + (1 - fy) * h

        for t in _nice_ticks(y_lo, y_hi):
            _, py = to_px(x_lo, t)
            draw.line([(left, py), (left + pw, py)], fill=GRID)
            draw.text((4, py - 5), f"{t:.4g}", fill=INK, font=font)
        for t in _nice_ticks(x_lo, x_hi, 6):
            px, _ = to_px(t, y_lo)
            draw.line([(px, y0 + top), (px, y0 + top + ph)], fill=GRID)
            draw.text((px - 10, y0 + top + ph + 4), f"{t:g}", fill=INK, font=font)
        draw.rectangle([left, y0 + top, left + pw, y0 + top + ph], outline=INK)
        draw.text((left, y0 + 8), panel["title"], fill=INK, font=font)
        draw.text((left + pw - 30, y0 + top + ph + 18), x_label, fill=INK, font=font)
        legend_x = left + pw - 10
        for i, (label, xs, ys, faint) in enumerate(series):
            colour = COLOURS[i % len(COLOURS)] if not faint else (190, 190, 200)
            pts = [to_px(x, y) for x, y in zip(xs, ys)]
            if len(pts) > 1:
                draw.line(pts, fill=colour, width=1 if faint else 2)
            if not faint:
                w = draw.textlength(label, font=font)
                legend_x -= w + 24
                draw.line([(legend_x, y0 + 13), (legend_x + 14, y0 + 13)], fill=colour, width=2)
                draw.text((legend_x + 18, y0 + 8), label, fill=INK, font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)


def side_by_side(images: Sequence[Path], captions: Sequence[str], path: Path, gap: int = 12):
    """Pictures in one row, each under its caption, on white."""
    font = ImageFont.load_default()
    pics = [Image.open(p).convert("RGB") for p in images]
    height = max(p.height for p in pics) + 22
    total = sum(p.width for p in pics) + gap * (len(pics) + 1)
    out = Image.new("RGB", (total, height + gap), PAPER)
    draw = ImageDraw.Draw(out)
    x = gap
    for pic, caption in zip(pics, captions):
        draw.text((x, 6), caption, fill=INK, font=font)
        out.paste(pic, (x, 22))
        x += pic.width + gap
    path.parent.mkdir(parents=True, exist_ok=True)
    out.save(path)


def stack(images: Sequence[Path], path: Path, gap: int = 6) -> None:
    """Pictures one under another, left-aligned, on white."""
    pics = [Image.open(p).convert("RGB") for p in images]
    out = Image.new(
        "RGB",
        (max(p.width for p in pics), sum(p.height for p in pics) + gap * (len(pics) - 1)),
        PAPER,
    )
    y = 0
    for pic in pics:
        out.paste(pic, (0, y))
        y += pic.height + gap
    path.parent.mkdir(parents=True, exist_ok=True)
    out.save(path)
