"""A run as a person would rather look at it than read it: `gan report RUN`.

From what the run folder holds (it works on a finished run, a stopped one and one still
training: it reads what is there), it writes into RUN/report (or `--out`):

    curves.png     the losses over the steps, with the health monitor's events marked
    health.png     the monitor's signals: D's accuracy on real and fake, diversity, modes
    timelapse.png  the sample grids over training as one strip, each labelled with its step
    timelapse.gif  the same grids as an animation
    report.html    all of it in one self-contained file (pictures inline), with the last
                   logged values, the evaluations and the monitor's events

    from gancli.api.report import ReportOptions, report
    made = report("runs/ring8-gan", ReportOptions())
"""

from __future__ import annotations

import base64
import html
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gancli.errors import GanError
from gancli.optionspec import option
from gancli.store.files import GRID_GLOB, MODEL_FILE, SAMPLES_DIR, TRAIN_LOG_FILE, snapshot_step

HEALTH_KEYS = ("acc_real", "acc_fake", "diversity")
EVENTS = ("health", "rollback", "eval", "best")


@dataclass
class ReportOptions:
    out: str | None = option(
        None, "--out", "-o", help="Folder for report.html and the pictures (default: RUN/report)."
    )
    frames: int = option(
        24, help="At most this many sample grids in the time-lapse (evenly spread)."
    )

    def check(self) -> None:
        if self.frames < 1:
            raise GanError(f"--frames must be at least 1; got {self.frames}")


@dataclass
class Report:
    run: str
    out: str
    html: str
    pictures: dict[str, str]
    steps: int
    last: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    evaluations: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def run_folder(run: str) -> Path:
    path = Path(run)
    if path.is_file() and path.name == MODEL_FILE:
        path = path.parent
    if not (path / TRAIN_LOG_FILE).exists():
        raise GanError(f"no training log in {run} ({TRAIN_LOG_FILE}): is it a run folder?")
    return path


def read_log(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The step records and the events; a line still being written is skipped."""
    steps, events = [], []
    for line in path.read_text().splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if record.get("event") in EVENTS:
            events.append(record)
        elif "event" not in record and "step" in record:
            # after a --rollback the run logs those steps again: the later branch is the run's
            if steps and record["step"] <= steps[-1]["step"]:
                steps = [s for s in steps if s["step"] < record["step"]]
            steps.append(record)
    return steps, events


def report(run: str, opts: ReportOptions) -> Report:
    opts.check()
    folder = run_folder(run)
    steps, events = read_log(folder / TRAIN_LOG_FILE)
    out = Path(opts.out) if opts.out else folder / "report"
    out.mkdir(parents=True, exist_ok=True)
    pictures: dict[str, Path] = {}
    if steps:
        pictures["curves"] = _curves(steps, events, out / "curves.png")
        if any("health" in s for s in steps):
            pictures["health"] = _health(steps, events, out / "health.png")
    grids = sorted((folder / SAMPLES_DIR).glob(GRID_GLOB), key=snapshot_step)
    if grids:
        if len(grids) > opts.frames:  # evenly spread, the last one kept
            idx = [round(i * (len(grids) - 1) / (opts.frames - 1)) for i in range(opts.frames)]
            grids = [grids[i] for i in sorted(set(idx))] if opts.frames > 1 else grids[-1:]
        pictures["timelapse"] = _strip(grids, out / "timelapse.png")
        pictures["timelapse_gif"] = _gif(grids, out / "timelapse.gif")
    last = {k: v for k, v in (steps[-1] if steps else {}).items() if k != "health"}
    health = [e for e in events if e["event"] in ("health", "rollback")]
    evals = [e for e in events if e["event"] == "eval"]
    page = out / "report.html"
    page.write_text(_html(folder, steps, last, health, evals, pictures))
    return Report(
        run=str(folder),
        out=str(out),
        html=str(page),
        pictures={k: str(v) for k, v in pictures.items()},
        steps=int(last.get("step", 0)),
        last=last,
        events=health,
        evaluations=evals,
    )


# ---- the pictures -------------------------------------------------------------------------


def _figure(rows: int) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(rows, 1, figsize=(8, 2.6 * rows), sharex=True, squeeze=False)
    return fig, axes[:, 0]


def _mark(ax: Any, events: list[dict[str, Any]]) -> None:
    for e in events:
        if e["event"] in ("health", "rollback"):
            colour = "tab:red" if e["event"] == "rollback" else "tab:orange"
            ax.axvline(e["step"], color=colour, alpha=0.5, linewidth=1)


def _save(fig: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _series(steps: list[dict[str, Any]], get: Any) -> tuple[list[int], list[float]]:
    xs, ys = [], []
    for s in steps:
        v = get(s)
        if isinstance(v, int | float) and math.isfinite(v):
            xs.append(s["step"])
            ys.append(float(v))
    return xs, ys


def _curves(steps: list[dict[str, Any]], events: list[dict[str, Any]], path: Path) -> Path:
    keys = [k for k in steps[-1] if k.endswith("loss")]
    fig, (ax,) = _figure(1)
    for k in keys:
        ax.plot(*_series(steps, lambda s, k=k: s.get(k)), label=k)
    _mark(ax, events)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend(loc="upper right")
    ax.set_title("losses (orange: health events, red: rollbacks)")
    return _save(fig, path)


def _health(steps: list[dict[str, Any]], events: list[dict[str, Any]], path: Path) -> Path:
    fig, (top, bottom) = _figure(2)
    for k in ("acc_real", "acc_fake"):
        top.plot(*_series(steps, lambda s, k=k: s.get("health", {}).get(k)), label=k)
    top.set_ylim(-0.05, 1.05)
    top.set_ylabel("D's accuracy")
    top.legend(loc="lower right")
    bottom.plot(*_series(steps, lambda s: s.get("health", {}).get("diversity")), label="diversity")
    modes = _series(
        steps,
        lambda s: (
            s["health"]["modes"] / s["health"]["modes_total"]
            if "modes" in s.get("health", {})
            else None
        ),
    )
    if modes[0]:
        bottom.plot(*modes, label="modes reached (share)")
    bottom.set_ylabel("share of the data's")
    bottom.set_xlabel("step")
    bottom.legend(loc="lower right")
    for ax in (top, bottom):
        _mark(ax, events)
    top.set_title("the health monitor's signals")
    return _save(fig, path)


def _frames(grids: list[Path], height: int) -> list[Any]:
    from PIL import Image, ImageDraw

    frames = []
    for g in grids:
        with Image.open(g) as im:
            im = im.convert("RGB")
            scale = height / im.height
            im = im.resize((max(1, round(im.width * scale)), height), Image.Resampling.LANCZOS)
        label = Image.new("RGB", (im.width, 16), "white")
        ImageDraw.Draw(label).text((4, 2), f"step {snapshot_step(g)}", fill="black")
        frame = Image.new("RGB", (im.width, im.height + 16), "white")
        frame.paste(label, (0, 0))
        frame.paste(im, (0, 16))
        frames.append(frame)
    return frames


def _strip(grids: list[Path], path: Path) -> Path:
    from PIL import Image

    frames = _frames(grids, 160)
    strip = Image.new("RGB", (sum(f.width + 4 for f in frames), frames[0].height), "white")
    x = 0
    for f in frames:
        strip.paste(f, (x, 0))
        x += f.width + 4
    strip.save(path)
    return path


def _gif(grids: list[Path], path: Path) -> Path:
    frames = _frames(grids, 256)
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=400, loop=0)
    return path


# ---- the page -----------------------------------------------------------------------------


def _inline(path: Path) -> str:
    kind = "gif" if path.suffix == ".gif" else "png"
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img src="data:image/{kind};base64,{data}" alt="{html.escape(path.name)}">'


def _table(rows: list[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def _value(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _html(
    folder: Path,
    steps: list[dict[str, Any]],
    last: dict[str, Any],
    health: list[dict[str, Any]],
    evals: list[dict[str, Any]],
    pictures: dict[str, Path],
) -> str:
    parts = [f"<h1>{html.escape(folder.name)}</h1>", f"<p>{html.escape(str(folder))}</p>"]
    if not steps:
        parts.append("<p>No step logged yet.</p>")
    else:
        parts += ["<h2>Last logged step</h2>", _table([(k, _value(v)) for k, v in last.items()])]
    for key, title in (("curves", "Losses"), ("health", "Health")):
        if key in pictures:
            parts += [f"<h2>{title}</h2>", _inline(pictures[key])]
    if "timelapse" in pictures:
        parts += [
            "<h2>Samples over training</h2>",
            _inline(pictures["timelapse_gif"]),
            f'<div class="strip">{_inline(pictures["timelapse"])}</div>',
        ]
    if evals:
        rows = [
            (f"step {e['step']}", ", ".join(f"{k} {_value(v)}" for k, v in e.items()
                                             if k not in ("event", "step")))
            for e in evals
        ]  # fmt: skip
        parts += ["<h2>Evaluations</h2>", _table(rows)]
    parts.append("<h2>Health monitor events</h2>")
    if health:
        rows = [
            (
                f"step {e['step']}",
                e.get("message") or e.get("reason", "") + f" (back to step {e.get('to_step')})",
            )
            for e in health
        ]
        parts.append(_table(rows))
    else:
        parts.append("<p>None: the monitor raised nothing.</p>")
    style = (
        "body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "th{text-align:left;padding-right:1em}.strip{overflow-x:auto}"
    )
    body = "\n".join(parts)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(folder.name)}"
        f"</title><style>{style}</style></head><body>{body}</body></html>"
    )
