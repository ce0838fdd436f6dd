"""The service's audit writer: every read's entries reach the store, without making reads wait.

A route hands its entries to ``AuditWriter.submit`` and answers. One background thread writes
them in batches, each one transaction, through the service's write lock (an embedded store has
one writer connection). So a read is never held up by a write in progress (an incremental update
holds the store's write lock for seconds), and the store writes one transaction per batch, not
one per read. ``flush()`` waits until every entry submitted so far is committed (tests, and
shutdown call it). A batch that fails is retried, never dropped; while the writer is behind by
``MAX_PENDING`` entries, ``submit`` waits: reads slow down rather than go unaudited.

See ADR 0023 for why not one synchronous insert per read.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Any

from ..store.contract import Store

__all__ = ["AuditWriter"]

log = logging.getLogger("identity_graph.serve.audit")

MAX_PENDING = 10_000
BATCH = 1_000


class AuditWriter:
    def __init__(self, writing: Callable[[], AbstractContextManager[Store]], *,
                 max_pending: int = MAX_PENDING, batch: int = BATCH, retry_seconds: float = 0.5):
        self._writing = writing
        self._max_pending, self._batch, self._retry = max_pending, batch, retry_seconds
        self._pending: deque[Mapping[str, Any]] = deque()
        self._cond = threading.Condition()
        self._submitted = 0  # entries ever submitted
        self._written = 0  # entries ever committed
        self._closing = False
        self._thread: threading.Thread | None = None

    def submit(self, entries: Iterable[Mapping[str, Any]]) -> None:
        rows = list(entries)
        if not rows:
            return
        with self._cond:
            if self._closing:
                raise RuntimeError("the audit writer is closed")
            while len(self._pending) >= self._max_pending:
                self._cond.wait()
            self._pending.extend(rows)
            self._submitted += len(rows)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="idgraph-audit", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def flush(self, timeout: float = 60.0) -> None:
        """Wait until every entry submitted before this call is committed."""
        deadline = time.monotonic() + timeout
        with self._cond:
            target = self._submitted
            while self._written < target:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{target - self._written} audit entries not yet written after {timeout}s")
                self._cond.wait(left)

    def close(self, timeout: float = 60.0) -> None:
        """Write what is pending, then stop the thread."""
        try:
            self.flush(timeout)
        finally:
            with self._cond:
                self._closing = True
                self._cond.notify_all()
            if self._thread is not None:
                self._thread.join(timeout)
            if self._pending:
                log.error("%d audit entries could not be written before shutdown", len(self._pending))

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closing:
                    self._cond.wait()
                if not self._pending:  # closing, nothing left
                    return
                batch = [self._pending[i] for i in range(min(self._batch, len(self._pending)))]
            try:
                with self._writing() as store:
                    store.write_audit(batch)
            except Exception as exc:  # noqa: BLE001 - retried: an audit entry is never dropped
                log.error("writing %d audit entries failed (%s); retrying", len(batch), type(exc).__name__)
                with self._cond:
                    if self._closing:
                        return
                    self._cond.wait(self._retry)
                continue
            with self._cond:
                for _ in batch:
                    self._pending.popleft()
                self._written += len(batch)
                self._cond.notify_all()
