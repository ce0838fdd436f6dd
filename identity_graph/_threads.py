"""Whole-array work on chunks of pairs, spread over the machine's cores by threads.

Comparing and scoring a chunk of pairs is numpy and rapidfuzz work, much of it with the GIL
released, so two threads on two cores share it (ADR 0021 has what that gained). Results come
back in chunk order, so what a stage computes never depends on which thread finished first.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

__all__ = ["chunk_threads", "map_chunks"]

T = TypeVar("T")


def chunk_threads() -> int:
    """Threads for chunked pair work: ``IDGRAPH_THREADS``, else the cores (at most 4)."""
    env = os.environ.get("IDGRAPH_THREADS")
    if env:
        return max(1, int(env))
    return max(1, min(4, os.cpu_count() or 1))


def map_chunks(
    fn: Callable[[int, int], T], total: int, step: int, *, threads: int | None = None, first: int = 10_000
) -> Iterator[T]:
    """``fn(start, stop)`` over ``range(total)`` in chunks, results in order.

    A small first chunk (``first`` items) runs on the calling thread before any other starts, so
    what ``fn`` computes once and caches (coded columns, lookup tables) is mostly built by then;
    a cache entry two threads still both build is built twice, the same both times. The rest go
    in chunks of ``step`` to ``threads`` threads. At most ``threads`` chunks are being computed
    or held by the caller at a time: pass a ``step`` that keeps their sum within what one chunk
    used to take.
    """
    threads = chunk_threads() if threads is None else max(1, threads)
    step = max(1, step)
    if total <= 0:
        return
    head = min(total, step, max(1, first)) if threads > 1 else min(total, step)
    yield fn(0, head)
    it = iter(range(head, total, step))
    if threads == 1:
        for s in it:
            yield fn(s, min(s + step, total))
        return
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="idgraph-chunk") as pool:
        pending: list[Future[T]] = []
        for s in it:
            pending.append(pool.submit(fn, s, min(s + step, total)))
            if len(pending) >= threads:
                break
        while pending:
            yield pending.pop(0).result()
            nxt = next(it, None)  # submitted once the caller is done with the last result
            if nxt is not None:
                pending.append(pool.submit(fn, nxt, min(nxt + step, total)))
