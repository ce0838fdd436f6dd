"""What every request shares: the store, its per-thread read views, the write lock, the audit.

Reads go through ``reading()``: on the embedded store, each request thread reads on its own
read-only SQLite connection inside one read transaction, so it sees one committed state while a
write is applied on another thread (and never half of it). Writes go through ``writing()``: one
at a time, on the store's own connection (for SQLite, the only writer; for Neo4j, serialised
all the same, so two updates never interleave).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import Request

from ..store.contract import Store
from .audit import AuditWriter

__all__ = ["Service", "get_service"]


class Service:
    def __init__(self, store: Store):
        self.store = store
        self.write_lock = threading.Lock()
        self.audit = AuditWriter(self.writing)
        self._live: Any = None
        self._live_lock = threading.Lock()

    @property
    def live(self) -> Any:
        """The warm live index and its match batcher (``serve.live.LiveHolder``), made on first use."""
        if self._live is None:
            with self._live_lock:
                if self._live is None:
                    from .live import LiveHolder

                    self._live = LiveHolder(self)
        return self._live

    @contextmanager
    def reading(self) -> Iterator[Store]:
        """A store to read through on this thread: one consistent snapshot for the block."""
        with self.store.read_view() as view:
            yield view

    @contextmanager
    def writing(self) -> Iterator[Store]:
        """The store, for writing, held by one thread at a time."""
        with self.write_lock:
            yield self.store

    def close(self) -> None:
        if self._live is not None:
            self._live.close()
        try:
            self.audit.close()
        finally:
            self.store.close()


def get_service(request: Request) -> Service:
    """Dependency: the app's ``Service``."""
    service: Service = request.app.state.service
    return service
