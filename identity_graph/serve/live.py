"""The warm index behind ``/v1/match`` and the record routes, and the batcher that answers
concurrent match requests together.

The live index (``identity_graph.live``) is built once, on the first request that needs it (or
at start-up, ``Service.warm``), and then kept up to date by every write the service makes.
Match requests that arrive while a batch is being answered wait for the next one: every stage
of matching works on whole columns, so eight queries cost little more than one
(``LiveIndex.match_many``), and under load the service answers many more requests per second
than one query at a time could.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any

from ..errors import ModelError
from ..live.index import LiveIndex, MatchCandidate

__all__ = ["LiveHolder", "MatchBatcher"]

#: at most this many queries in one batch
MAX_BATCH = 64
#: how long a batch waits for more queries once its first has come
GATHER_SECONDS = 0.004


class MatchBatcher:
    """One thread answering queued match queries in batches."""

    def __init__(self, holder: LiveHolder):
        self._holder = holder
        self._cond = threading.Condition()
        self._queue: list[tuple[dict[str, str], int, Future[list[MatchCandidate]]]] = []
        self._stopped = False
        self._paused = 0  # writes waiting or running: no new batch starts (they share one core)
        self._busy = False
        self._thread = threading.Thread(target=self._run, name="idgraph-match", daemon=True)
        self._thread.start()

    def submit(self, fields: dict[str, str], limit: int) -> Future[list[MatchCandidate]]:
        fut: Future[list[MatchCandidate]] = Future()
        with self._cond:
            if self._stopped:
                raise RuntimeError("the match service is shutting down")
            self._queue.append((fields, limit, fut))
            self._cond.notify()
        return fut

    def _run(self) -> None:
        while True:
            with self._cond:
                while (not self._queue or self._paused) and not self._stopped:
                    self._cond.wait()
                if self._stopped and not self._queue:
                    return
                # a moment for the requests being parsed on other threads to join this batch
                # (each batch costs about the same for one query as for many)
                deadline = time.monotonic() + GATHER_SECONDS
                while len(self._queue) < MAX_BATCH and not self._stopped:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                self._busy = True
            try:
                answers = self._holder.match_many([f for f, _, _ in batch], max(n for _, n, _ in batch))
            except BaseException as exc:  # every waiting request gets the error
                for _, _, fut in batch:
                    fut.set_exception(exc)
                continue
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
            for (_, n, fut), ans in zip(batch, answers, strict=True):
                if isinstance(ans, Exception):
                    fut.set_exception(ans)
                else:
                    fut.set_result(ans[:n])

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No batch starts while the block runs (a write: with one core between them, a write
        made beside a stream of matches took seconds instead of a fraction of one)."""
        with self._cond:
            self._paused += 1
            while self._busy:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._paused -= 1
                self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._thread.join(timeout=10)


class LiveHolder:
    """The service's live index (built on first use) and its match batcher."""

    def __init__(self, service: Any):
        self._service = service
        self._index: LiveIndex | None = None
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()
        self.batcher = MatchBatcher(self)

    def index(self) -> LiveIndex:
        """The warm index; built from the store on first use (no model yet: ModelError, 409)."""
        if self._index is None:
            with self._lock:
                if self._index is None:
                    with self._service.writing() as store:
                        if store.latest_model() is None:
                            raise ModelError("no people yet: run `idgraph resolve` on this store first")
                        self._index = LiveIndex(store)
        return self._index

    def match_many(self, queries: list[dict[str, str]], limit: int) -> list[Any]:
        index = self.index()
        with self._service.reading() as reader:
            if not index.is_current(reader):  # another process wrote runs: catch up, meanwhile
                self._refresh_in_background()  # answer from the index as it is
            return index.match_many(queries, limit=limit, reader=reader)

    @contextmanager
    def writing(self) -> Iterator[Any]:
        """The store for a write, with match batches held back meanwhile (see ``paused``)."""
        with self.batcher.paused(), self._service.writing() as store:
            yield store

    def update(self, store: Any, **kw: Any) -> Any:
        """``api.update`` on the warm index (the caller holds the write lock); an index another
        process's run made stale is read again first."""
        from .. import api

        with self.batcher.paused():
            index = self.index()
            if not index.is_current(store):
                index = self._reload(store)
            return api.update(store, index=index, **kw)

    def _reload(self, store: Any) -> LiveIndex:
        with self._lock:
            self._index = LiveIndex(store)
            return self._index

    def _refresh_in_background(self) -> None:
        if self._refreshing.acquire(blocking=False):
            def run() -> None:
                try:
                    with self._service.writing() as store:
                        if self._index is None or not self._index.is_current(store):
                            self._reload(store)
                finally:
                    self._refreshing.release()

            threading.Thread(target=run, name="idgraph-live-refresh", daemon=True).start()

    def close(self) -> None:
        self.batcher.close()
