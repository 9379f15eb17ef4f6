"""Progress output: a Rich live line on a terminal, JSON lines when piped or asked for.

The loop reports every `log_every` steps; only then are losses read back from the device.
"""

from __future__ import annotations

import json
import time
from typing import Any


class Reporter:
    def __init__(self, total: int, start: int, json_lines: bool, quiet: bool = False) -> None:
        self.total, self.start_step = total, start
        self.json_lines, self.quiet = json_lines, quiet
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Reporter:
        if not self.json_lines and not self.quiet:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("[bold]train"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=False,
            )
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
            self._progress.update(self._task, completed=record["step"], description=desc)

    # The events a person at a terminal wants to read; JSON lines carry all of them.
    HUMAN = {
        "start": "training {variant} on {data} ({device}, {precision}) -> {out}",
        "checkpoint": "step {step}: saved {path}",
    }

    def event(self, name: str, **fields: Any) -> None:
        """A notable moment: every one as a JSON line, the ones in HUMAN on a terminal."""
        if self.quiet:
            return
        if self.json_lines:
            print(json.dumps({"event": name, **fields}), flush=True)
        elif self._progress is not None and name in self.HUMAN:
            self._progress.console.print(self.HUMAN[name].format(**fields), highlight=False)


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
