"""The embedded store's personal-data section: tombstones, purges, retention, compaction.

A mixin of ``EmbeddedStore`` (ADR 0032), kept apart from loading and resolving. Its table is
created by the store's migration (``GDPR_SCHEMA``, ``IF NOT EXISTS``); the tombstone salt lives
in ``meta`` (key ``tombstone_salt``).

Removing a row from SQLite leaves its bytes in free pages, and in WAL mode in the ``-wal`` file
until a checkpoint. A purge therefore runs with ``PRAGMA secure_delete`` on (freed content is
overwritten with zeros), and ``compact`` rewrites the file (``VACUUM``) and truncates the WAL.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import StoreError
from .contract import TOMBSTONE_COLUMNS, Purge
from .feed import changes_frame

__all__ = ["GDPR_SCHEMA", "EmbeddedGdprMixin"]

GDPR_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS tombstones(hash TEXT PRIMARY KEY, source TEXT, erased_at TEXT,
        reason TEXT, actor TEXT)""",
]

_FEED_COLS = "e.seq, e.run_id, e.at, e.event, e.person_id, e.other_person_id, e.records, e.detail, e.sources"
_FEED_KEYS = ["seq", "run_id", "at", "event", "person_id", "other_person_id", "records", "detail", "sources"]


def _source_range(source: str) -> tuple[str, str]:
    """(low, high): the record ids of ``source`` are the ids ``low <= id < high`` (``source:``
    up to ``source;``, the next character), a range the record_id index reads."""
    return f"{source}:", f"{source};"


class EmbeddedGdprMixin:
    """Tombstones, purges, retention reads and compaction (``Store``'s personal-data section)."""

    path: str
    con: sqlite3.Connection

    # -- tombstones -----------------------------------------------------------------------------
    def tombstone_salt(self) -> str:
        row = self.con.execute("SELECT value FROM meta WHERE key = 'tombstone_salt'").fetchone()
        if row is not None:
            return str(row[0])
        with self._tx():
            self.con.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('tombstone_salt', ?)", (secrets.token_hex(32),)
            )
            return str(self.con.execute("SELECT value FROM meta WHERE key = 'tombstone_salt'").fetchone()[0])

    def tombstones(self, hashes: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for i in range(0, len(hashes), 900):
            part = list(hashes[i : i + 900])
            q = f"SELECT hash, erased_at FROM tombstones WHERE hash IN ({','.join('?' * len(part))})"
            out.update(dict(self.con.execute(q, part).fetchall()))
        return out

    def drop_tombstones(self, hashes: list[str]) -> int:
        n = 0
        with self._tx():
            for i in range(0, len(hashes), 900):
                part = list(hashes[i : i + 900])
                cur = self.con.execute(f"DELETE FROM tombstones WHERE hash IN ({','.join('?' * len(part))})", part)
                n += cur.rowcount
        return n

    # -- purge ------------------------------------------------------------------------------------
    @contextmanager
    def _secure_delete(self) -> Iterator[None]:
        self.con.execute("PRAGMA secure_delete=ON")
        try:
            yield
        finally:
            self.con.execute("PRAGMA secure_delete=OFF")

    def purge(self, purge: Purge) -> None:
        con = self.con
        with self._secure_delete(), self._tx():
            try:
                if purge.record_ids:
                    t = self._ids_table("purge", [str(r) for r in purge.record_ids])
                    for sql in (
                        "DELETE FROM identifiers WHERE record_id IN (SELECT id FROM {t})",
                        "DELETE FROM person_records WHERE record_id IN (SELECT id FROM {t})",
                        "DELETE FROM edges WHERE record_a IN (SELECT id FROM {t})",
                        "DELETE FROM edges WHERE record_b IN (SELECT id FROM {t})",
                        "DELETE FROM record_history WHERE record_id IN (SELECT id FROM {t})",
                        "DELETE FROM decisions WHERE record_a IN (SELECT id FROM {t}) "
                        "OR record_b IN (SELECT id FROM {t})",
                        "DELETE FROM records WHERE record_id IN (SELECT id FROM {t})",
                    ):
                        con.execute(sql.format(t=t))
                if purge.people:
                    t = self._ids_table("purge_people", [str(p) for p in purge.people])
                    retired = f"(SELECT person_id FROM persons WHERE status = 'retired' AND person_id IN (SELECT id FROM {t}))"
                    con.execute(f"DELETE FROM address_history WHERE person_id IN {retired}")
                    con.execute(f"UPDATE persons SET golden = NULL WHERE person_id IN {retired}")
                if purge.event_details:
                    con.executemany(
                        "UPDATE person_events SET detail = ? WHERE seq = ?",
                        [(d, int(s)) for s, d in sorted(purge.event_details.items())],
                    )
                for col, value, tf in purge.term_frequencies:
                    if tf is None:
                        con.execute("DELETE FROM term_frequencies WHERE col = ? AND value = ?", (col, value))
                    else:
                        con.execute("UPDATE term_frequencies SET tf = ? WHERE col = ? AND value = ?", (float(tf), col, value))
                if purge.audit_record_ids:
                    con.executemany(
                        "UPDATE audit_log SET record_id = ? WHERE record_id = ?",
                        [(p, r) for r, p in sorted(purge.audit_record_ids.items())],
                    )
                if purge.tombstones:
                    con.executemany(
                        f"INSERT OR IGNORE INTO tombstones({', '.join(TOMBSTONE_COLUMNS)}) "
                        f"VALUES ({','.join('?' * len(TOMBSTONE_COLUMNS))})",
                        [tuple(row.get(c) for c in TOMBSTONE_COLUMNS) for row in purge.tombstones],
                    )
            finally:
                for name in ("purge", "purge_people"):
                    con.execute(f"DROP TABLE IF EXISTS temp.delta_{name}")

    def history_record_ids(self, record_ids: list[str]) -> list[str]:
        out: set[str] = set()
        for i in range(0, len(record_ids), 900):
            part = list(record_ids[i : i + 900])
            q = f"SELECT DISTINCT record_id FROM record_history WHERE record_id IN ({','.join('?' * len(part))})"
            out.update(r for (r,) in self.con.execute(q, part))
        return sorted(out)

    # -- the change feed, read for erasure and retention ----------------------------------------
    def _feed(self, where: str, params: list[Any]) -> pd.DataFrame:
        cur = self.con.execute(f"SELECT {_FEED_COLS} FROM person_events e WHERE {where} ORDER BY e.seq", params)
        return changes_frame(dict(zip(_FEED_KEYS, row, strict=True)) for row in cur)

    def person_changes(self, person_ids: list[str]) -> pd.DataFrame:
        if not person_ids:
            return self._feed("0", [])
        ids = sorted({str(p) for p in person_ids})
        if len(ids) <= 500:  # a page's few people, on a read-only connection too: no temp table
            marks = ",".join("?" * len(ids))
            return self._feed(  # a union of two index seeks (person_events_person, _other)
                f"e.seq IN (SELECT seq FROM person_events WHERE person_id IN ({marks}) UNION "
                f"SELECT seq FROM person_events WHERE other_person_id IN ({marks}))", ids + ids
            )
        t = self._ids_table("feed_people", ids)
        try:
            return self._feed(
                f"e.seq IN (SELECT seq FROM person_events WHERE person_id IN (SELECT id FROM {t}) UNION "
                f"SELECT seq FROM person_events WHERE other_person_id IN (SELECT id FROM {t}))", []
            )
        finally:
            self.con.execute(f"DROP TABLE IF EXISTS {t}")

    def events_mentioning(self, texts: list[str]) -> pd.DataFrame:
        texts = [t for t in texts if t]
        if not texts:
            return self._feed("0", [])
        frames = []
        for i in range(0, len(texts), 500):
            part = texts[i : i + 500]
            frames.append(self._feed(
                "e.detail IS NOT NULL AND (" + " OR ".join(["instr(e.detail, ?) > 0"] * len(part)) + ")", part
            ))
        out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        return out.drop_duplicates("seq").sort_values("seq", ignore_index=True)

    def detailed_events(self, before: str) -> pd.DataFrame:
        return self._feed("e.event = 'details_changed' AND e.detail IS NOT NULL AND e.at < ?", [before])

    # -- retention ----------------------------------------------------------------------------------
    def history_before(self, source: str, before: str) -> pd.DataFrame:
        low, high = _source_range(source)
        df = pd.read_sql_query(
            "SELECT h.record_id, h.replaced_at, h.reason, "
            "EXISTS (SELECT 1 FROM records r WHERE r.record_id = h.record_id) AS current "
            "FROM record_history h WHERE h.record_id >= ? AND h.record_id < ? AND h.replaced_at < ? "
            "ORDER BY h.record_id, h.replaced_at",
            self.con,
            params=(low, high, before),
        )
        df["current"] = df["current"].astype(bool)
        return df

    def prune_history(self, source: str, before: str) -> int:
        low, high = _source_range(source)
        with self._secure_delete(), self._tx():
            cur = self.con.execute(
                "DELETE FROM record_history WHERE record_id >= ? AND record_id < ? AND replaced_at < ?",
                (low, high, before),
            )
        return int(cur.rowcount)

    def retired_goldens(self) -> pd.DataFrame:
        return pd.read_sql_query(
            "SELECT p.person_id, p.golden, r.finished AS retired_at FROM persons p "
            "LEFT JOIN runs r ON r.run_id = p.updated_run WHERE p.status = 'retired' AND "
            "(p.golden IS NOT NULL OR EXISTS (SELECT 1 FROM address_history a WHERE a.person_id = p.person_id)) "
            "ORDER BY p.person_id",
            self.con,
        )

    # -- making removals final ------------------------------------------------------------------
    def compact(self) -> dict[str, Any]:
        """``VACUUM`` (the file rewritten without free pages), then ``wal_checkpoint(TRUNCATE)``
        (the WAL emptied). The store's own read connections are closed first; a reader in
        another process can keep the WAL from being truncated (``wal_truncated`` False: run
        ``idgraph erase`` again, or any compaction, once the service has stopped)."""
        self._close_readers()
        try:
            self.con.execute("VACUUM")
            row = self.con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.OperationalError as exc:
            raise StoreError(
                f"could not compact {self.path} ({exc}): another process is using the store; "
                "stop it (e.g. `idgraph serve`) and run the command again"
            ) from exc
        busy = bool(row and row[0])
        return {"vacuumed": True, "wal_truncated": not busy}

    def find_text(self, needles: list[str]) -> list[str]:
        wanted = [n.lower() for n in needles if n]
        if not wanted:
            return []
        found: set[str] = set()
        # table and column names come from the store's own schema (sqlite_master), quoted
        tables = [r[0] for r in self.con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        for table in tables:
            quoted_table = '"' + table.replace('"', '""') + '"'
            columns = [r[1] for r in self.con.execute(f"PRAGMA table_info({quoted_table})")]
            for column in columns:
                quoted = '"' + column.replace('"', '""') + '"'
                cond = " OR ".join([f"instr(lower(CAST({quoted} AS TEXT)), ?) > 0"] * len(wanted))
                hit = self.con.execute(f"SELECT 1 FROM {quoted_table} WHERE {cond} LIMIT 1", wanted).fetchone()
                if hit:
                    found.add(f"{table}.{column}")
        return sorted(found)

    if TYPE_CHECKING:  # supplied by EmbeddedStore

        def _tx(self) -> AbstractContextManager[None]: ...

        def _ids_table(self, name: str, ids: list[str]) -> str: ...

        def _close_readers(self) -> None: ...
