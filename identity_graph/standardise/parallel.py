"""Standardise export chunks on every core while the caller writes the previous ones.

Standardisation is per-value Python (names, addresses) and dominates a load; chunks are
independent, so the first chunk runs in-process (a load of one small file never pays for a pool)
and the rest go to a process pool, results coming back in file order.

A batch of exports (:class:`Batch`) shares one pool: the chunks of the next export are read and
standardised while the caller is still writing the current one, so no core waits at the seam
between two exports. A reader or standardiser error belongs to its own export: it is raised when
the caller asks for that export's chunks, never while an earlier export is being written.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from ..ingest.mapping import SourceMapping
from ..ingest.readers import RawChunk
from .record import StandardisedChunk, standardise_chunk

__all__ = ["standardised", "default_workers", "Batch", "BatchJob"]


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


@dataclass
class BatchJob:
    """One export of a batch: its raw chunks (read lazily), its mapping and its file name."""

    chunks: Iterable[RawChunk]
    mapping: SourceMapping
    file: str


_END = object()  # marks the end of one job's chunks in the queue


class Batch:
    """Standardise the chunks of several exports, in order, on one process pool.

    ``chunks(k)`` yields job ``k``'s (raw chunk, standardised chunk) pairs in file order; call it
    for ``k = 0, 1, ...`` in turn. While the caller consumes job ``k``, up to ``workers + 1``
    later chunks (of job ``k`` or the jobs after it) are already being standardised. Use it as a
    context manager so the pool is shut down.
    """

    def __init__(self, jobs: Sequence[BatchJob], *, workers: int | None = None):
        self.jobs = list(jobs)
        self.workers = default_workers() if workers is None else workers
        self._feed = self._items()
        self._pending: deque[tuple[int, Any, Any]] = deque()  # (job, raw | _END | error, result)
        self._pool: ProcessPoolExecutor | None = None
        self._next_job = 0
        self._started = False

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for _, _, result in self._pending:
            if isinstance(result, Future):
                result.cancel()
        self._pending.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _items(self) -> Iterator[tuple[int, Any]]:
        """(job, raw chunk), (job, _END) after each job, or (job, exception) when its reader
        fails; nothing after a failure (the caller stops at that job)."""
        for k, job in enumerate(self.jobs):
            try:
                for chunk in job.chunks:
                    yield k, chunk
            except Exception as exc:  # raised later, when job k is consumed
                yield k, exc
                return
            yield k, _END

    def _inline(self, k: int, raw: RawChunk) -> Callable[[], StandardisedChunk]:
        job = self.jobs[k]
        return lambda: standardise_chunk(raw.frame, job.mapping, job.file)

    def _start(self) -> None:
        """Queue the first chunk to run in-process; start the pool only if there is more."""
        self._started = True
        first = next(self._feed, None)
        if first is None:
            return
        second = next(self._feed, None)
        self._queue(*first, inline=True)
        if second is None:
            return
        rest_is_tiny = second[1] is _END and len(self.jobs) == 1
        if self.workers > 1 and not rest_is_tiny:
            ctx = multiprocessing.get_context("fork")
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=ctx, initializer=_die_with_parent
            )
        self._queue(*second)

    def _queue(self, k: int, item: Any, *, inline: bool = False) -> None:
        if item is _END or isinstance(item, BaseException):
            self._pending.append((k, item, None))
        elif self._pool is None or inline:
            self._pending.append((k, item, self._inline(k, item)))
        else:
            job = self.jobs[k]
            self._pending.append((k, item, self._pool.submit(standardise_chunk, item.frame, job.mapping, job.file)))

    def _fill(self) -> None:
        in_flight = sum(1 for _, _, r in self._pending if isinstance(r, Future))
        while self._pool is not None and in_flight <= self.workers:
            nxt = next(self._feed, None)
            if nxt is None:
                return
            self._queue(*nxt)
            if isinstance(self._pending[-1][2], Future):
                in_flight += 1
        if self._pool is None and not self._pending:
            nxt = next(self._feed, None)
            if nxt is not None:
                self._queue(*nxt)

    def chunks(self, k: int) -> Iterator[tuple[RawChunk, StandardisedChunk]]:
        """Job ``k``'s pairs in file order; raises the job's reader or standardiser error."""
        if k != self._next_job:
            raise ValueError(f"jobs are consumed in order: expected job {self._next_job}, got {k}")
        self._next_job += 1
        if not self._started:
            self._start()
        while True:
            self._fill()
            if not self._pending:
                return
            job, raw, result = self._pending[0]
            if job != k:
                return
            self._pending.popleft()
            if raw is _END:
                return
            if isinstance(raw, BaseException):
                raise raw
            yield raw, (result.result() if isinstance(result, Future) else result())


def standardised(
    chunks: Iterable[RawChunk], mapping: SourceMapping, file: str, *, workers: int | None = None
) -> Iterator[tuple[RawChunk, StandardisedChunk]]:
    """Yield (raw chunk, standardised chunk) pairs in file order."""
    with Batch([BatchJob(chunks, mapping, file)], workers=workers) as batch:
        yield from batch.chunks(0)
