"""The embedded store's access section: API keys, the audit log, and read views for a service.

A mixin of ``EmbeddedStore`` (kept in its own module, apart from loading and resolving). Its
tables are created by the store's migration (``ACCESS_SCHEMA``, ``IF NOT EXISTS``):

- ``api_keys``: one row per key, by its SHA-256 hash; a revoked key keeps its name and loses
  its hash.
- ``audit_log``: one row per person or record read, ``seq`` in order of writing.
- ``users``: workbench users (issue 13), by name, with a salted KDF hash of the password.
- ``secrets``: named secrets the service makes on first use (the session-signing key).

Read views: SQLite lets many connections read while one writes (WAL), but one connection shared
by several threads shares its transaction too: a reader on it would see a writer's uncommitted
rows. ``read_view()`` hands each thread its own read-only connection (opened on first use and
kept for the thread's life), and wraps the block in one read transaction, so all its reads see
the same committed state.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import StoreError
from .contract import API_KEY_COLUMNS, AUDIT_COLUMNS, USER_COLUMNS

if TYPE_CHECKING:
    from .embedded import EmbeddedStore

__all__ = ["ACCESS_SCHEMA", "EmbeddedAccessMixin", "READ_CACHE_KIB", "READ_MMAP_BYTES"]

#: page cache of each per-thread read connection (KiB); the file itself is shared through mmap
READ_CACHE_KIB = 32_000
READ_MMAP_BYTES = 1 << 30

ACCESS_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS api_keys(name TEXT PRIMARY KEY, key_hash TEXT UNIQUE, role TEXT,
        source TEXT, created_at TEXT, revoked_at TEXT)""",
    """CREATE TABLE IF NOT EXISTS audit_log(seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT, actor TEXT,
        role TEXT, action TEXT, person_id TEXT, record_id TEXT, purpose TEXT, request_id TEXT, detail TEXT)""",
    "CREATE INDEX IF NOT EXISTS audit_log_person ON audit_log(person_id)",
    "CREATE INDEX IF NOT EXISTS audit_log_actor ON audit_log(actor)",
    """CREATE TABLE IF NOT EXISTS users(name TEXT PRIMARY KEY, password_hash TEXT, role TEXT,
        created_at TEXT, disabled_at TEXT)""",
    "CREATE TABLE IF NOT EXISTS secrets(name TEXT PRIMARY KEY, value TEXT NOT NULL, created_at TEXT)",
]


class _Readers:
    """One read-only ``EmbeddedStore`` per thread, closed with the store that opened them.

    A thread that ends leaves its store behind; the next thread to open one closes those (a
    connection made with ``check_same_thread=False`` may be closed from any thread).
    """

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.Lock()
        self._by_thread: dict[int, tuple[threading.Thread, EmbeddedStore, list[int]]] = {}

    def get(self) -> tuple[EmbeddedStore, list[int]]:
        """(the calling thread's read store, its nesting depth cell)."""
        me = threading.current_thread()
        held = self._by_thread.get(me.ident or 0)
        if held is not None and held[0] is me:
            return held[1], held[2]
        from .embedded import EmbeddedStore

        store = EmbeddedStore(self.path, read_only=True)
        with self._lock:
            for ident, (thread, old, _) in list(self._by_thread.items()):
                if not thread.is_alive():
                    old.close()
                    del self._by_thread[ident]
            self._by_thread[me.ident or 0] = (me, store, [0])
            return store, self._by_thread[me.ident or 0][2]

    def close(self) -> None:
        with self._lock:
            for _, store, _ in self._by_thread.values():
                store.close()
            self._by_thread.clear()


class EmbeddedAccessMixin:
    """API keys, the audit log and per-thread read views (``Store``'s access section)."""

    path: str
    con: sqlite3.Connection
    read_only: bool
    wait: float
    command: str
    _readers: _Readers | None

    # -- read views ---------------------------------------------------------------------------
    @contextmanager
    def read_view(self) -> Iterator[Any]:
        if self.path == ":memory:":  # no other connection can see it: read through this one
            yield self
            return
        if self._readers is None:
            self._readers = _Readers(self.path)
        reader, depth = self._readers.get()
        if depth[0] == 0:
            reader.con.execute("BEGIN")  # deferred: the snapshot is taken at the first read
        depth[0] += 1
        try:
            yield reader
        finally:
            depth[0] -= 1
            if depth[0] == 0:
                reader.con.execute("COMMIT")  # a read transaction: nothing to write

    def _close_readers(self) -> None:
        if self._readers is not None:
            self._readers.close()
            self._readers = None

    # -- API keys -----------------------------------------------------------------------------
    def add_api_key(self, name: str, key_hash: str, role: str, source: str | None, created_at: str) -> None:
        try:
            with self._tx():
                self.con.execute(
                    "INSERT INTO api_keys(name, key_hash, role, source, created_at) VALUES (?,?,?,?,?)",
                    (name, key_hash, role, source, created_at),
                )
        except sqlite3.IntegrityError as exc:
            raise StoreError(
                f"a key named {name!r} exists already (revoked keys keep their name for the audit); "
                "choose another name"
            ) from exc

    def api_key(self, key_hash: str) -> dict[str, Any] | None:
        row = self.con.execute(
            "SELECT name, role, source, created_at, key_hash FROM api_keys "
            "WHERE key_hash = ? AND revoked_at IS NULL",
            (key_hash,),
        ).fetchone()
        if row is None:
            return None
        return dict(zip(["name", "role", "source", "created_at", "key_hash"], row, strict=True))

    def api_keys(self) -> pd.DataFrame:
        rows = self.con.execute(f"SELECT {', '.join(API_KEY_COLUMNS)} FROM api_keys ORDER BY name").fetchall()
        return pd.DataFrame(rows, columns=API_KEY_COLUMNS, dtype=object)

    def revoke_api_key(self, name: str, revoked_at: str) -> bool:
        with self._tx():
            cur = self.con.execute(
                "UPDATE api_keys SET revoked_at = ?, key_hash = NULL WHERE name = ? AND revoked_at IS NULL",
                (revoked_at, name),
            )
        return cur.rowcount > 0

    # -- workbench users and secrets -------------------------------------------------------------
    def add_user(self, name: str, password_hash: str, role: str, created_at: str) -> None:
        try:
            with self._tx():
                self.con.execute(
                    "INSERT INTO users(name, password_hash, role, created_at) VALUES (?,?,?,?)",
                    (name, password_hash, role, created_at),
                )
        except sqlite3.IntegrityError as exc:
            raise StoreError(
                f"a user named {name!r} exists already (disabled users keep their name for the audit); "
                "choose another name"
            ) from exc

    def user(self, name: str) -> dict[str, Any] | None:
        row = self.con.execute(
            "SELECT name, role, created_at, password_hash FROM users WHERE name = ? AND disabled_at IS NULL",
            (name,),
        ).fetchone()
        if row is None:
            return None
        return dict(zip(["name", "role", "created_at", "password_hash"], row, strict=True))

    def users(self) -> pd.DataFrame:
        rows = self.con.execute(f"SELECT {', '.join(USER_COLUMNS)} FROM users ORDER BY name").fetchall()
        return pd.DataFrame(rows, columns=USER_COLUMNS, dtype=object)

    def set_user_password(self, name: str, password_hash: str) -> bool:
        with self._tx():
            cur = self.con.execute(
                "UPDATE users SET password_hash = ? WHERE name = ? AND disabled_at IS NULL", (password_hash, name)
            )
        return cur.rowcount > 0

    def disable_user(self, name: str, disabled_at: str) -> bool:
        with self._tx():
            cur = self.con.execute(
                "UPDATE users SET disabled_at = ?, password_hash = NULL WHERE name = ? AND disabled_at IS NULL",
                (disabled_at, name),
            )
        return cur.rowcount > 0

    def secret(self, name: str, candidate: str, created_at: str) -> str:
        with self._tx():
            self.con.execute(
                "INSERT OR IGNORE INTO secrets(name, value, created_at) VALUES (?,?,?)", (name, candidate, created_at)
            )
            row = self.con.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()
        return str(row[0])

    # -- the audit log --------------------------------------------------------------------------
    def write_audit(self, entries: Sequence[Mapping[str, Any]]) -> None:
        if not entries:
            return
        rows = [tuple(e.get(c) for c in AUDIT_COLUMNS) for e in entries]
        sql = f"INSERT INTO audit_log({', '.join(AUDIT_COLUMNS)}) VALUES ({','.join('?' * len(AUDIT_COLUMNS))})"
        if self.read_only:  # a read is still audited: one short write of its own (ADR 0028)
            from .embedded import EmbeddedStore

            writer = EmbeddedStore(self.path, create=False, wait=self.wait, command=self.command)
            try:
                with writer._tx():
                    writer.con.executemany(sql, rows)
            finally:
                writer.close()
            return
        with self._tx():
            self.con.executemany(sql, rows)

    def audit_log(
        self, limit: int = 100, person_id: str | None = None, actor: str | None = None
    ) -> pd.DataFrame:
        where, params = [], []
        if person_id is not None:
            where.append("person_id = ?")
            params.append(person_id)
        if actor is not None:
            where.append("actor = ?")
            params.append(actor)
        cols = ["seq", *AUDIT_COLUMNS]
        q = f"SELECT {', '.join(cols)} FROM audit_log"
        if where:
            q += " WHERE " + " AND ".join(where)
        rows = self.con.execute(q + " ORDER BY seq DESC LIMIT ?", [*params, limit]).fetchall()
        return pd.DataFrame(rows, columns=cols, dtype=object)

    if TYPE_CHECKING:  # supplied by EmbeddedStore

        def _tx(self) -> AbstractContextManager[None]: ...
