"""Progress output: a Rich live line on a terminal, JSON lines when piped or asked for.

The loop reports every `log_every` steps; only then are losses read back from the device.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from gancli.reporting import install, report, uninstall

__all__ = ["Clock", "Reporter", "TaskProgress", "bar", "report"]


def bar(label: str, described: bool, transient: bool) -> Any:
    """A Rich progress bar on stderr: label, bar, done/total, (description,) elapsed, ETA."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn()]
    if described:
        columns.append(TextColumn("{task.description}"))
    columns += [TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn()]
    return Progress(*columns, console=Console(stderr=True), transient=transient)


class Reporter:
    def __init__(self, total: int, start: int, json_lines: bool, quiet: bool = False) -> None:
        self.total, self.start_step = total, start
        self.json_lines, self.quiet = json_lines, quiet
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Reporter:
        if not self.json_lines and not self.quiet:
            self._progress = bar("train", described=True, transient=False)
            self._progress.start()
            self._task = self._progress.add_task("", total=self.total, completed=self.start_step)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.stop()

    def step(self, step: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=step)

    def log(self, record: dict[str, Any]) -> None:
        if self.json_lines and not self.quiet:
            print(json.dumps({"event": "step", **record}), flush=True)
        elif self._progress is not None:
            losses = "  ".join(f"{k} {v:.3f}" for k, v in record.items() if k.endswith("loss"))
            desc = f"{losses}  {record.get('img_per_s', 0):.0f} img/s"
            if record.get("warnings"):  # the health monitor's states, until they clear
                desc += "  [yellow]! " + ", ".join(record["warnings"]) + "[/]"
            self._progress.update(self._task, completed=record["step"], description=desc)

    # The events a person at a terminal wants to read; JSON lines carry all of them.
    HUMAN = {
        "start": "training {variant} on {data} at {size} ({device}, {precision}, batch {batch}; "
        "{nets}) -> {out}",
        "plan": "projected {duration} for the remaining steps ({seconds_per_step:.2f} s/step){hint}",
        "checkpoint": "step {step}: saved {path}",
        "eval": "step {step}: {values} ({features} features)",
        "best": "best {metric} {value:.4g} at step {step}: {checkpoint}",
        "health": "[yellow]step {step}: {message}[/]; try: {tries}",
        "rollback": "step {step}: {reason}; back to step {to_step} with lr G {lr_g:.3g}, "
        "D {lr_d:.3g} (rollback {count} of {max})",
    }

    def event(self, name: str, **fields: Any) -> None:
        """A notable moment: every one as a JSON line, the ones in HUMAN on a terminal."""
        if self.quiet:
            return
        if self.json_lines:
            print(json.dumps({"event": name, **fields}), flush=True)
        elif self._progress is not None and name in self.HUMAN:
            self._progress.console.print(
                self.HUMAN[name].format(**_shown(name, fields)), highlight=False
            )


def _shown(name: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The fields of an event as a person reads them."""
    shown = dict(fields)
    if name == "start":
        shape = fields.get("shape") or []
        shown["size"] = (
            "x".join(str(s) for s in shape[1:]) if len(shape) == 3 else f"{shape} points"
        )
        widths = fields.get("widths") or {}
        params = fields.get("params") or {}
        shown["nets"] = "; ".join(
            f"{'G' if k == 'generator' else 'D' if k == 'discriminator' else k}: "
            + (f"width {widths[k]}, " if k in widths else "")
            + f"{params[k] / 1e6:.2f}M params"
            for k in params
        )
    if name == "eval":
        skip = ("step", "features")
        shown["values"] = ", ".join(f"{k} {v:.4g}" for k, v in fields.items() if k not in skip)
    if name == "health":
        shown["tries"] = "; ".join(fields.get("remedies") or [])
    if name == "plan":
        minutes = round(fields["projected_s"] / 60)
        shown["duration"] = (
            f"{minutes // 60} h {minutes % 60:02d} min"
            if minutes >= 60
            else f"{max(1, minutes)} min"
        )
        shown["hint"] = (
            f"; for about an hour on this CPU: {fields['suggest']}" if fields.get("suggest") else ""
        )
    return shown


class Clock:
    """Images per second over the last report interval."""

    def __init__(self) -> None:
        self.t, self.images = time.perf_counter(), 0

    def tick(self, images: int) -> None:
        self.images += images

    def rate(self) -> float:
        now = time.perf_counter()
        rate = self.images / max(now - self.t, 1e-9)
        self.t, self.images = now, 0
        return rate


class TaskProgress:
    """Progress of one long task that is not training (building a data cache, exporting,
    projecting, evaluating): a Rich bar with an ETA on a terminal's stderr, `{"event":
    "progress", ...}` JSON lines on stderr (about every 5% and at the end) with `json_lines`
    (stdout keeps the command's one result), nothing when quiet or when stderr is not a
    terminal. Call it as `progress(done, total)`."""

    def __init__(self, what: str, json_lines: bool = False, quiet: bool = False) -> None:
        self.what, self.json_lines = what, json_lines and not quiet
        self.live = not quiet and not json_lines and sys.stderr.isatty()
        self._progress: Any = None
        self._task: Any = None
        self._last = -1

    def __enter__(self) -> TaskProgress:
        self._token = install(self)  # library loops report here (gancli.reporting)
        self._tasks: dict[str, TaskProgress] = {}
        return self

    def __exit__(self, *exc: Any) -> None:
        uninstall(self._token)
        for t in self._tasks.values():
            t.close()
        self.close()

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def task(self, what: str) -> TaskProgress:
        """A bar of its own for one phase of the command (same output mode)."""
        if what not in self._tasks:
            sub = TaskProgress(what, self.json_lines, not (self.live or self.json_lines))
            sub._tasks = {}
            self._tasks[what] = sub
        return self._tasks[what]

    def __call__(self, done: int, total: int) -> None:
        if self.json_lines:
            step = max(1, total // 20)
            if done == total or done // step != self._last:
                self._last = done // step
                record = {"event": "progress", "task": self.what, "done": done, "total": total}
                print(json.dumps(record), file=sys.stderr, flush=True)
        elif self.live:
            if self._progress is None:
                self._progress = bar(self.what, described=False, transient=True)
                self._progress.start()
                self._task = self._progress.add_task("", total=total)
            self._progress.update(self._task, completed=done, total=total)
            if done >= total:  # finished: make way for the next display (one live at a time)
                self.close()
