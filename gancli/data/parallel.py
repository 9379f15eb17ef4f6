"""One thread pool helper for the one-time decode work.

Threads, not processes: PIL and numpy release the GIL while decoding and resizing, and
threads need no pickling of the arrays they return.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

Progress = Callable[[int, int], None]


def n_workers() -> int:
    """The cores this process may use (respects taskset/cgroup affinity where the OS tells)."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        n = os.cpu_count() or 1
    return max(1, min(32, n))


def thread_map(
    fn: Callable[[T], R], items: Iterable[T], total: int, progress: Progress | None = None
) -> Iterator[R]:
    """`fn` over `items` on all cores, results in input order; `progress(done, total)` is
    called from the caller's thread, so it may touch a Rich display safely."""
    if progress:
        progress(0, total)
    pool = ThreadPoolExecutor(max_workers=n_workers(), thread_name_prefix="gancli-decode")
    try:
        for i, result in enumerate(pool.map(fn, items), 1):
            if progress and (i == total or i % 256 == 0):
                progress(i, total)
            yield result
    finally:
        # On Ctrl-C or an error, drop the queued files instead of decoding them all first.
        pool.shutdown(wait=True, cancel_futures=True)
