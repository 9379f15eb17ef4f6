"""One thread pool helper for the one-time decode work.

Threads, not processes: PIL and numpy release the GIL while decoding and resizing, and
threads need no pickling of the arrays they return.
"""

from __future__ import annotations

import itertools
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
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
    called from the caller's thread, so it may touch a Rich display safely.

    Only a few items per worker are in flight at a time: the results wait for the caller in
    a bounded queue, so streaming a data set of any size through it takes bounded memory."""
    if progress:
        progress(0, total)
    workers = n_workers()
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gancli-decode")
    pending: deque[Future[R]] = deque()
    source = iter(items)
    try:
        for item in itertools.islice(source, 4 * workers):
            pending.append(pool.submit(fn, item))
        i = 0
        while pending:
            result = pending.popleft().result()
            for item in itertools.islice(source, 1):
                pending.append(pool.submit(fn, item))
            i += 1
            if progress and (i == total or i % 256 == 0):
                progress(i, total)
            yield result
    finally:
        # On Ctrl-C or an error, drop the queued items instead of running them all first.
        for f in pending:
            f.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
