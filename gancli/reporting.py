"""Progress of long library loops, with no display of its own: a loop calls
`report(what, done, total)`; whatever a command installed with `showing` shows it (see
gancli.engine.progress.TaskProgress), and with nothing installed the call does nothing.

Kept at the bottom of the package (standard library only), so that data, metrics and the
engine can all report without importing each other.
"""

from __future__ import annotations

import contextvars
from typing import Any

_SINK: contextvars.ContextVar[Any] = contextvars.ContextVar("gancli_progress", default=None)


def report(what: str, done: int, total: int) -> None:
    """`done` of `total` of the phase `what`; cheap to call."""
    sink = _SINK.get()
    if sink is not None:
        sink.task(what)(done, total)


def install(sink: Any) -> contextvars.Token:
    """Show every report with `sink` (it has `task(what) -> callable(done, total)`)."""
    return _SINK.set(sink)


def uninstall(token: contextvars.Token) -> None:
    _SINK.reset(token)
