"""Standardise export chunks on every core while the caller writes the previous ones.

Standardisation is per-value Python (names, addresses) and dominates a load; chunks are
independent, so the first chunk runs in-process (small files never pay for a pool) and the rest
go to a process pool, results coming back in file order.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from ..ingest.mapping import SourceMapping
from ..ingest.readers import RawChunk
from .record import StandardisedChunk, standardise_chunk

__all__ = ["standardised", "default_workers"]


def default_workers() -> int:
    env = os.environ.get("IDGRAPH_WORKERS")
    if env:
        return max(1, int(env))
    return max(1, min(4, os.cpu_count() or 1))


def _die_with_parent() -> None:
    """Worker initializer: on Linux, the kernel kills a worker when the loader dies (even by
    SIGKILL), so a killed load never leaves orphaned workers behind."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def standardised(
    chunks: Iterable[RawChunk], mapping: SourceMapping, file: str, *, workers: int | None = None
) -> Iterator[tuple[RawChunk, StandardisedChunk]]:
    """Yield (raw chunk, standardised chunk) pairs in file order."""
    workers = default_workers() if workers is None else workers
    it = iter(chunks)
    first = next(it, None)
    if first is None:
        return
    second = next(it, None)
    if second is None or workers <= 1:
        yield first, standardise_chunk(first.frame, mapping, file)
        if second is not None:
            yield second, standardise_chunk(second.frame, mapping, file)
            for c in it:
                yield c, standardise_chunk(c.frame, mapping, file)
        return
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_die_with_parent) as pool:
        pending: deque[tuple[RawChunk, Future[StandardisedChunk]]] = deque()

        def submit(c: RawChunk) -> None:
            pending.append((c, pool.submit(standardise_chunk, c.frame, mapping, file)))

        submit(second)
        for c in it:
            submit(c)
            if len(pending) > workers + 1:
                break
        yield first, standardise_chunk(first.frame, mapping, file)
        for c in it:
            raw, fut = pending.popleft()
            yield raw, fut.result()
            submit(c)
        while pending:
            raw, fut = pending.popleft()
            yield raw, fut.result()
