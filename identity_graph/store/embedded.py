"""The embedded store: one SQLite file (standard library), the default.

Every load and every resolve is one transaction (``BEGIN IMMEDIATE`` … ``COMMIT``; any error
rolls back), so a failed run leaves the file as it was. The schema is versioned in ``meta`` and
migrated forward on open.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._memory import trim_heap
from ..errors import NotFoundError, StoreError, StoreNotFoundError
from ..private_files import create_private_file
from ..types import RECORD_COLUMNS
from .bulk import insert_columns
from .contract import (
    DECISION_COLUMNS,
    REVIEW_EDGE_COLUMNS,
    Decision,
    FileInfo,
    Resolution,
    ResolutionDelta,
    SourceInfo,
)
from .default import DEFAULT_STORE as DEFAULT_NAME
from .delta import (
    check_delta,
    missing_people_error,
    missing_records_error,
    stale_records_error,
    stale_run_error,
)
from .embedded_access import ACCESS_SCHEMA, READ_CACHE_KIB, READ_MMAP_BYTES, EmbeddedAccessMixin
from .embedded_gdpr import GDPR_SCHEMA, EmbeddedGdprMixin
from .embedded_investigate import EmbeddedInvestigateMixin
from .feed import changes_frame, check_feed_window, event_columns
from .identifiers import identifier_rows
from .lock import DEFAULT_WAIT, busy_error, clear_note, process_label, write_note
from .run_writer import RunWriter

#: SQLite's page cache (KiB) for loads and reads; and while a resolve writes its run
CACHE_KIB = 200_000
WRITE_CACHE_KIB = 32_000
#: a run appending at least this many events (and at least half as many as the feed holds)
#: rebuilds the feed's indexes after, rather than inserting into them row by row
BULK_EVENTS = 20_000

__all__ = ["EmbeddedStore", "SCHEMA_VERSION"]

#: v2 (issue 11): person links remember the row_hash they clustered; record history has a reason;
#: person events have a durable ``seq`` (the change feed's cursor), a time, detail and sources
SCHEMA_VERSION = 2
_CANON = [c for c in RECORD_COLUMNS]

#: AUTOINCREMENT: a seq is never issued twice, even if the latest events were deleted
_EVENTS_TABLE = """CREATE TABLE IF NOT EXISTS person_events(seq INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER, at TEXT, event TEXT, person_id TEXT, other_person_id TEXT, records INTEGER,
    detail TEXT, sources TEXT)"""

_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT)",
    """CREATE TABLE IF NOT EXISTS sources(source TEXT PRIMARY KEY, trust INTEGER, mapping_json TEXT,
        compare_json TEXT, first_loaded TEXT, last_loaded TEXT)""",
    """CREATE TABLE IF NOT EXISTS loads(load_id INTEGER PRIMARY KEY, source TEXT, file TEXT,
        sha256 TEXT, started TEXT, finished TEXT, counts_json TEXT)""",
    "CREATE TABLE IF NOT EXISTS records("
    + ", ".join(
        ["record_id TEXT PRIMARY KEY"]
        + [f"{c} TEXT" for c in _CANON if c not in ("record_id", "dob_ambiguous")]
        + ["dob_ambiguous INTEGER", "trust INTEGER", "row_hash TEXT", "raw TEXT",
           "first_load INTEGER", "last_load INTEGER", "updated_at TEXT"]
    )
    + ")",
    "CREATE INDEX IF NOT EXISTS records_source ON records(source, source_record_id)",
    # record id and row hash alone: what dirty_records compares, read without the wide rows
    # (650k records: ~40 MB of index instead of ~1 GB of table)
    "CREATE INDEX IF NOT EXISTS records_hash ON records(record_id, row_hash)",
    """CREATE TABLE IF NOT EXISTS record_history(record_id TEXT, load_id INTEGER, replaced_at TEXT,
        row_hash TEXT, raw TEXT, canonical TEXT, reason TEXT)""",
    "CREATE INDEX IF NOT EXISTS record_history_id ON record_history(record_id)",
    """CREATE TABLE IF NOT EXISTS identifiers(kind TEXT, value TEXT, record_id TEXT,
        PRIMARY KEY(kind, value, record_id)) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS identifiers_record ON identifiers(record_id)",
    """CREATE TABLE IF NOT EXISTS runs(run_id INTEGER PRIMARY KEY, started TEXT, finished TEXT,
        settings_json TEXT, model_json TEXT, report_json TEXT)""",
    """CREATE TABLE IF NOT EXISTS persons(person_id TEXT PRIMARY KEY, created_run INTEGER,
        updated_run INTEGER, status TEXT, merged_into TEXT, size INTEGER, review INTEGER, golden TEXT)""",
    "CREATE TABLE IF NOT EXISTS person_records(record_id TEXT PRIMARY KEY, person_id TEXT, row_hash TEXT)",
    "CREATE INDEX IF NOT EXISTS person_records_person ON person_records(person_id)",
    _EVENTS_TABLE,
    "CREATE INDEX IF NOT EXISTS person_events_run ON person_events(run_id)",
    # the change feed by person (the workbench's person page, erasure)
    "CREATE INDEX IF NOT EXISTS person_events_person ON person_events(person_id)",
    "CREATE INDEX IF NOT EXISTS person_events_other ON person_events(other_person_id)",
    # the change feed's filter by source: (source, seq) pairs, read in seq order
    """CREATE TABLE IF NOT EXISTS event_sources(source TEXT, seq INTEGER, PRIMARY KEY(source, seq))
        WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS edges(record_a TEXT, record_b TEXT, weight REAL, probability REAL,
        tier TEXT, levels TEXT, PRIMARY KEY(record_a, record_b)) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS edges_b ON edges(record_b)",
    """CREATE TABLE IF NOT EXISTS address_history(person_id TEXT, address_key TEXT, address TEXT,
        postcode TEXT, first_seen TEXT, last_seen TEXT, sources TEXT, records INTEGER,
        is_current INTEGER)""",
    "CREATE INDEX IF NOT EXISTS address_history_person ON address_history(person_id)",
    """CREATE TABLE IF NOT EXISTS term_frequencies(col TEXT, value TEXT, tf REAL,
        PRIMARY KEY(col, value)) WITHOUT ROWID""",
]


#: human decisions (ADR 0024): one row per decision ever made; the current one of a pair has
#: ``superseded_by`` NULL. Created on open of any store (``IF NOT EXISTS``), old ones included.
_DECISIONS_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS decisions(decision_id INTEGER PRIMARY KEY, kind TEXT NOT NULL,
        record_a TEXT NOT NULL, record_b TEXT NOT NULL, actor TEXT NOT NULL, decided_at TEXT NOT NULL,
        reason TEXT NOT NULL, superseded_by INTEGER)""",
    "CREATE INDEX IF NOT EXISTS decisions_pair ON decisions(record_a, record_b)",
]


#: ``meta.records_version`` changes whenever a record is inserted, changed or deleted: a load
#: bumps it with each chunk it writes, this trigger with every deletion (a retirement, an erasure,
#: a hand edit). A resolve refuses to write when it changed since it read its records (ADR 0028).
_STALENESS_SCHEMA = [
    """CREATE TRIGGER IF NOT EXISTS records_deleted_version AFTER DELETE ON records BEGIN
        UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'records_version'; END""",
]

_OBJECT_NAME = re.compile(r"CREATE (?:TABLE|INDEX|TRIGGER) IF NOT EXISTS (\w+)")


def _all_schema() -> list[str]:
    """Every statement of the current schema, in order (each ``IF NOT EXISTS``)."""
    return _SCHEMA + _DECISIONS_SCHEMA + ACCESS_SCHEMA + GDPR_SCHEMA + _STALENESS_SCHEMA


def _schema_objects() -> list[str]:
    """The tables, indexes and triggers the current schema creates, by name."""
    return [m.group(1) for stmt in _all_schema() if (m := _OBJECT_NAME.search(stmt))]


def _locked(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite gave up waiting for another connection's lock."""
    return "locked" in str(exc) or "busy" in str(exc)


def _bump_records_version(con: sqlite3.Connection) -> None:
    con.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'records_version'")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _py(v: Any) -> Any:
    """A value SQLite accepts: None for missing, plain Python scalars."""
    if v is None:
        return None
    if isinstance(v, float) and np.isnan(v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    if v is pd.NA or v is pd.NaT:
        return None
    return v


def _rows(frame: pd.DataFrame, cols: list[str]) -> list[tuple[Any, ...]]:
    """Rows as tuples of plain Python values (None for missing), column by column."""
    columns = [_column_values(frame[c]) for c in cols]
    return list(zip(*columns, strict=True)) if columns else []


def _column_values(s: pd.Series) -> list[Any]:
    """A column as plain Python values (None for missing): what SQLite binds."""
    if s.dtype.kind in "iub":
        return s.tolist()  # tolist gives Python int/bool, not numpy scalars
    if s.dtype.kind == "f":
        return [None if v != v else float(v) for v in s.tolist()]
    vals = s.to_numpy(dtype=object)
    missing = pd.isna(vals)
    if missing.any():
        vals = vals.copy()
        vals[missing] = None
    return vals.tolist()


def _flag_values(s: pd.Series) -> list[int | None]:
    """A yes/no column as SQLite stores it: 1, 0, or None when missing; bool() once per
    distinct value (a load's flags are True, False and missing), not once per row."""
    codes, uniques = pd.factorize(s.astype(object), use_na_sentinel=True)
    as_int = np.array([int(bool(u)) for u in uniques] + [None], dtype=object)
    return as_int[codes].tolist()  # code -1 (missing) takes the last: None


def _records_frame(con: sqlite3.Connection, chunk_rows: int = 50_000) -> pd.DataFrame:
    """The records table as a frame: object columns, None for missing, equal strings one object.

    Each row arrives from SQLite as one byte string that numpy and Arrow split into columns (on a
    second thread while SQLite steps), and each text column becomes Python strings once per
    distinct value (``records_read``). At 655k records: 6.5 CPU seconds on two threads, where a
    tuple a row took 8.1 on one (and pandas' reader 11-14). (SQLite's ADBC driver links its own
    copy of SQLite, and two SQLite libraries on one file in one process defeat each other's
    POSIX locks: it read stale rows in testing, and it is how SQLite files get corrupted.)
    """
    from .records_read import read_records

    df = read_records(con, _CANON + ["trust"], {"dob_ambiguous": 0, "trust": 1}, chunk_rows)
    df["dob_ambiguous"] = df["dob_ambiguous"].astype(bool)
    return df


def _secondary_indexes(con: sqlite3.Connection, table: str) -> list[str]:
    """The CREATE statements of a table's own indexes (not the primary key's)."""
    rows = con.execute(
        "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name=? AND sql IS NOT NULL", (table,)
    )
    return [r[0] for r in rows]


def _index_name(create_sql: str) -> str:
    """The name in ``CREATE INDEX [IF NOT EXISTS] name ON ...``."""
    return create_sql.split(" ON ")[0].split()[-1]


def _in_key_order(frame: pd.DataFrame, key: list[str]) -> bool:
    """Whether rows are already in (non-null, ascending) key order: a pass, not a sort."""
    if len(frame) < 2:
        return True
    cols = [frame[k].to_numpy(dtype=object) for k in key]
    if any(pd.isna(c).any() for c in cols):
        return False
    ahead = np.zeros(len(frame) - 1, dtype=bool)  # row i+1 already known to follow row i
    tied = np.ones(len(frame) - 1, dtype=bool)
    for c in cols:
        ahead |= tied & (c[1:] > c[:-1])
        tied &= c[1:] == c[:-1]
    return bool((ahead | tied).all())


def _table_columns(frame: pd.DataFrame, cols: list[str], key: list[str] | None = None) -> list[list[Any]]:
    """A frame's columns as plain Python values, its rows in ``key`` order (when a key is given)."""
    if key and not _in_key_order(frame, key):
        frame = frame.sort_values(key, kind="stable")
    return [_column_values(frame[c]) for c in cols]


def _replace_rows(con: sqlite3.Connection, table: str, cols: list[str], columns: list[list[Any]]) -> None:
    """Replace a table's rows with ``columns`` inside the caller's transaction.

    A bulk replace is written the way SQLite writes fastest: secondary indexes dropped and rebuilt
    after (one sort each, instead of a random B-tree insert per row), rows inserted in primary-key
    order (appends: ``_table_columns`` sorts them). 1.04M edges at 655k records: 28 s as random
    inserts, 5 s this way. The DDL is part of the transaction, so a failure leaves the table, and
    its indexes, as they were.
    """
    indexes = _secondary_indexes(con, table)
    for sql in indexes:
        con.execute(f"DROP INDEX IF EXISTS {_index_name(sql)}")
    con.execute(f"DELETE FROM {table}")
    insert_columns(con, f"INSERT INTO {table}({','.join(cols)})", columns)
    for sql in indexes:
        con.execute(sql)


def _queue_replace(writer: RunWriter, table: str, frame: pd.DataFrame, cols: list[str],
                   key: list[str] | None = None, *, here: bool = True) -> None:
    """``_replace_rows`` queued on a run's writer, the columns made here (the caller's thread,
    while the writer works through what is queued) or, ``here=False``, by the writer (while the
    caller goes on with something else)."""
    if here:
        columns = _table_columns(frame, cols, key)
        writer.submit(lambda con: _replace_rows(con, table, cols, columns))
    else:
        writer.submit(lambda con: _replace_rows(con, table, cols, _table_columns(frame, cols, key)))


def _write_links(con: sqlite3.Connection, assignment: pd.DataFrame) -> None:
    """The run's record -> person links. Each link remembers the row its record holds now
    (dirty_records compares): the hashes read in one pass of the (record_id, row_hash) index and
    joined here, not looked up one record at a time (which reads each wide record row)."""
    hashes = dict(con.execute("SELECT record_id, row_hash FROM records"))
    links = assignment.assign(row_hash=pd.Series([hashes.get(x) for x in assignment["record_id"].tolist()],
                                                 index=assignment.index, dtype=object))
    del hashes
    cols = ["record_id", "person_id", "row_hash"]
    _replace_rows(con, "person_records", cols, _table_columns(links, cols, ["record_id"]))


def _goldens(con: sqlite3.Connection, person_ids: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i in range(0, len(person_ids), 900):
        part = list(person_ids[i : i + 900])
        q = (f"SELECT person_id, golden FROM persons WHERE status='active' AND person_id IN "
             f"({','.join('?' * len(part))})")
        out.update({p: g for p, g in con.execute(q, part) if g})
    return out


_PERSON_COLUMNS = ["person_id", "created_run", "updated_run", "status", "merged_into", "size", "review", "golden"]


def _persons_columns(run_id: int, persons: pd.DataFrame) -> list[list[Any]]:
    """People as the persons table holds them, active, in person-id order (B-tree appends)."""
    if not len(persons):
        return []
    p = persons.copy()
    p["created_run"] = p["created_run"].map(lambda v: run_id if v is None or pd.isna(v) else int(v))
    p["updated_run"] = run_id
    p["status"] = "active"
    p["merged_into"] = None
    p["review"] = p["review"].astype(bool).astype(int)
    return _table_columns(p, _PERSON_COLUMNS, ["person_id"])


def _upsert_persons(con: sqlite3.Connection, columns: list[list[Any]]) -> None:
    """Upsert people as active; ``updated_run`` moves only when golden, size or status changed."""
    if not columns or not columns[0]:
        return
    insert_columns(
        con,
        f"INSERT INTO persons({','.join(_PERSON_COLUMNS)})",
        columns,
        " ON CONFLICT(person_id) DO UPDATE SET updated_run=CASE WHEN persons.golden IS excluded.golden "
        "AND persons.size = excluded.size AND persons.status = 'active' THEN persons.updated_run "
        "ELSE excluded.updated_run END, status='active', merged_into=NULL, size=excluded.size, "
        "review=excluded.review, golden=excluded.golden",
    )


def _retire_persons(con: sqlite3.Connection, run_id: int, retired: pd.DataFrame) -> None:
    if not len(retired):
        return
    con.executemany(
        "UPDATE persons SET status='retired', merged_into=?, updated_run=?, size=0 WHERE person_id=?",
        [(_py(m), run_id, pid) for pid, m in zip(retired["person_id"], retired["merged_into"], strict=True)],
    )


def _append_events(con: sqlite3.Connection, run_id: int, cols: dict[str, list[Any]], now: str) -> None:
    """Append a run's events (``event_columns``) to the change feed, each with the next seq (in
    their order)."""
    n = len(cols["event"])
    if not n:
        return
    # inside the write transaction no one else appends: number the rows here, after the highest
    # seq ever issued (AUTOINCREMENT's counter; it outlives deleted rows)
    issued = con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'person_events'").fetchone()
    top = con.execute("SELECT coalesce(max(seq), 0) FROM person_events").fetchone()[0]
    base = max(int(issued[0]) if issued else 0, int(top))
    # a first run's events (one per person) outnumber what the feed holds: its indexes are
    # dropped and built again after, one sort each rather than a B-tree insert per row
    # (inside the transaction: a failure leaves them as they were); a later run's few are inserted
    bulk = n >= BULK_EVENTS and 2 * n >= base
    indexes = _secondary_indexes(con, "person_events") if bulk else []
    for sql in indexes:
        con.execute(f"DROP INDEX IF EXISTS {_index_name(sql)}")
    seqs = list(range(base + 1, base + n + 1))
    sources = cols["sources"]
    texts: dict[int, str] = {}  # equal sources share one list (event_columns): one JSON text each
    insert_columns(
        con,
        "INSERT INTO person_events(seq, run_id, at, event, person_id, other_person_id, records, detail, sources)",
        [seqs, [run_id] * n, [now] * n, cols["event"], cols["person_id"], cols["other_person_id"], cols["records"],
         cols["detail"], [texts.get(id(s)) or texts.setdefault(id(s), json.dumps(s)) for s in sources]],
    )
    insert_columns(con, "INSERT INTO event_sources(source, seq)",
                   [[src for s in sources for src in s], [q for q, s in zip(seqs, sources, strict=True) for _ in s]])
    for sql in indexes:
        con.execute(sql)


def _migrate_v1_to_v2(con: sqlite3.Connection) -> None:
    """Schema v1 -> v2, inside the caller's transaction.

    - ``person_records.row_hash``: a link is taken to have clustered its record's current row
      when the record was last written before the latest run started (the run read it after);
      records written since (or in the same second) stay NULL, so ``dirty_records`` lists them.
    - ``record_history.reason``: NULL for the replacements loads made.
    - ``person_events`` gains ``seq`` (the stored events numbered in run order, then write order),
      ``at`` (its run's finish time), ``detail`` (NULL) and ``sources`` (empty).
    """
    con.execute("ALTER TABLE person_records ADD COLUMN row_hash TEXT")
    con.execute(
        """UPDATE person_records SET row_hash = (
               SELECT r.row_hash FROM records r WHERE r.record_id = person_records.record_id
               AND r.updated_at < (SELECT started FROM runs ORDER BY run_id DESC LIMIT 1))"""
    )
    con.execute("ALTER TABLE record_history ADD COLUMN reason TEXT")
    con.execute("DROP INDEX IF EXISTS person_events_run")
    con.execute("ALTER TABLE person_events RENAME TO person_events_v1")
    con.execute(_EVENTS_TABLE)
    con.execute(
        """INSERT INTO person_events(run_id, at, event, person_id, other_person_id, records, detail, sources)
           SELECT e.run_id, (SELECT finished FROM runs WHERE runs.run_id = e.run_id), e.event,
                  e.person_id, e.other_person_id, e.records, NULL, '[]'
           FROM person_events_v1 e ORDER BY e.run_id, e.rowid"""
    )
    con.execute("DROP TABLE person_events_v1")


class _Writer:
    def __init__(self, store: EmbeddedStore, source: SourceInfo, file: FileInfo, load_id: int):
        self.store, self.source, self.file, self.load_id = store, source, file, load_id
        self.con = store.con

    def existing_hashes(self, source_record_ids: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        ids = [f"{self.source.source}:{s}" for s in source_record_ids]
        for i in range(0, len(ids), 900):
            part = ids[i : i + 900]
            q = f"SELECT record_id, row_hash FROM records WHERE record_id IN ({','.join('?' * len(part))})"
            out.update({r: h for r, h in self.con.execute(q, part)})
        return out

    def upsert(self, frame: pd.DataFrame, *, updated: set[str]) -> None:
        if frame.empty:
            return
        con = self.con
        now = _now()
        if updated:
            ids = sorted(updated)
            for i in range(0, len(ids), 900):
                part = ids[i : i + 900]
                marks = ",".join("?" * len(part))
                old = pd.read_sql_query(f"SELECT * FROM records WHERE record_id IN ({marks})", con, params=part)
                canon = old[_CANON].to_dict(orient="records")
                con.executemany(
                    "INSERT INTO record_history(record_id, load_id, replaced_at, row_hash, raw, canonical) "
                    "VALUES (?,?,?,?,?,?)",
                    [
                        (r, self.load_id, now, h, raw, json.dumps(c, default=str))
                        for r, h, raw, c in zip(old["record_id"], old["row_hash"], old["raw"], canon, strict=True)
                    ],
                )
                con.execute(f"DELETE FROM identifiers WHERE record_id IN ({marks})", part)
        n = len(frame)
        # the load's own values, one per row: lists of one object (no frame copy)
        given = {"trust": [self.source.trust] * n, "first_load": [self.load_id] * n,
                 "last_load": [self.load_id] * n, "updated_at": [now] * n,
                 "dob_ambiguous": _flag_values(frame["dob_ambiguous"])}
        cols = _CANON + ["trust", "row_hash", "raw", "first_load", "last_load", "updated_at"]
        # an update keeps first_load: upsert on the primary key. The columns go to SQLite as
        # lists (no frame copy, no tuple per row), a thousand rows a statement (store/bulk.py)
        insert_columns(
            con,
            f"INSERT INTO records({','.join(cols)})",
            [given[c] if c in given else _column_values(frame[c]) for c in cols],
            " ON CONFLICT(record_id) DO UPDATE SET "
            + ", ".join(f"{c}=excluded.{c}" for c in cols if c not in ("record_id", "first_load")),
        )
        idents = identifier_rows(frame)
        insert_columns(
            con,
            "INSERT OR IGNORE INTO identifiers(kind, value, record_id)",
            [_column_values(idents[c]) for c in ("kind", "value", "record_id")],
        )
        _bump_records_version(con)

    def finish(self, counts: dict[str, int]) -> int:
        self.con.execute(
            "UPDATE loads SET finished=?, counts_json=? WHERE load_id=?",
            (_now(), json.dumps(counts), self.load_id),
        )
        return self.load_id


_EDGE_COLUMNS = ["record_a", "record_b", "weight", "probability", "tier", "levels"]
_HISTORY_COLUMNS = ["person_id", "address_key", "address", "postcode", "first_seen", "last_seen", "sources",
                    "records", "is_current"]


class EmbeddedRun:
    """A full run being written (``EmbeddedStore.start_resolution``): SQL on a writer thread, in
    one transaction (``RunWriter``), frames turned into columns on the caller's thread meanwhile.

    ``write_edges`` writes the edges and term frequencies as soon as the resolve has them (the
    people stage runs meanwhile); ``finish`` writes the rest and commits; ``abort`` (or leaving
    a ``with`` block by an exception) rolls everything back.
    """

    def __init__(self, store: EmbeddedStore, run_id: int, records_version: int | None):
        self.run_id = run_id
        self._edges_written = self._links_written = False

        def setup(con: sqlite3.Connection) -> None:
            # the run is written once, in key order: a smaller page cache spills to the WAL sooner
            # and costs no time, where the full one (~200 MB) would sit on top of the run's frames
            con.execute(f"PRAGMA cache_size=-{WRITE_CACHE_KIB}")

        def teardown(con: sqlite3.Connection) -> None:
            con.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            con.execute("PRAGMA shrink_memory")

        self._writer = RunWriter(store.con, store._tx, lambda con: store._check_current(run_id, records_version),
                                 setup=setup, teardown=teardown)

    def __enter__(self) -> EmbeddedRun:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is not None:
            self.abort()

    def abort(self) -> None:
        self._writer.abort()

    def goldens(self, person_ids: list[str]) -> dict[str, str]:
        """``Store.goldens`` read inside the run's transaction (on the writer thread, after what
        is queued)."""
        return self._writer.call(lambda con: _goldens(con, person_ids)) if len(person_ids) else {}

    def write_edges(self, edges: pd.DataFrame | None, term_frequencies: pd.DataFrame | None) -> None:
        """Queue the run's edges (replacing the stored ones) and term frequencies; None leaves them."""
        self._edges_written = True
        if edges is not None:
            _queue_replace(self._writer, "edges", edges, _EDGE_COLUMNS, key=["record_a", "record_b"], here=False)
        if term_frequencies is not None:
            tf = term_frequencies.rename(columns={"column": "col"})
            tf = tf.drop_duplicates(["col", "value"], keep="last")  # as INSERT OR REPLACE did
            _queue_replace(self._writer, "term_frequencies", tf, ["col", "value", "tf"], key=["col", "value"],
                           here=False)

    def write_links(self, assignment: pd.DataFrame) -> None:
        """Queue the run's record -> person links (replacing the stored ones)."""
        self._links_written = True
        links = assignment[["record_id", "person_id"]]
        self._writer.submit(lambda con: _write_links(con, links))

    def finish(self, r: Resolution) -> None:
        """Write the rest of the run and commit; raises what any part raised, and then nothing
        of the run is written."""
        try:
            self._finish(r)
        except BaseException:
            self.abort()
            raise

    def _finish(self, r: Resolution) -> None:
        w, run_id, now = self._writer, self.run_id, _now()
        if not self._edges_written:
            self.write_edges(r.edges, r.term_frequencies)
        report = json.dumps(r.report, default=str)
        w.submit(lambda con: con.execute(
            "INSERT INTO runs(run_id, started, finished, settings_json, model_json, report_json) VALUES (?,?,?,?,?,?)",
            (run_id, r.report.get("started", now), now, r.settings_json, r.model_json, report)))
        if not self._links_written:
            self.write_links(r.assignment)
        persons = _persons_columns(run_id, r.persons)
        w.submit(lambda con: _upsert_persons(con, persons))
        w.submit(lambda con: _retire_persons(con, run_id, r.retired))
        events = event_columns(r.events)
        w.submit(lambda con: _append_events(con, run_id, events, now))
        ah = r.address_history.copy()
        ah["is_current"] = ah["is_current"].astype(int)
        _queue_replace(w, "address_history", ah, _HISTORY_COLUMNS)
        w.commit()


class EmbeddedStore(EmbeddedAccessMixin, EmbeddedGdprMixin, EmbeddedInvestigateMixin):
    """A store in one SQLite file. ``EmbeddedStore(":memory:")`` works for tests.

    Opening (ADR 0028):

    - ``create``: a file that does not exist is created (with its folder's existence checked);
      with ``create=False`` a missing file is an error naming the path and how to create it.
    - ``read_only=True`` opens an existing store for reading only (``mode=ro``, no migration, no
      lock): what read commands and ``read_view()`` use. A store that needs migrating says so.
      Audit entries of reads are still written, each in a short transaction of its own.
    - a writable open migrates only when the schema needs it, so it takes no lock otherwise.
    - ``wait``: seconds a write waits for another writer's transaction to end before it fails
      with ``StoreBusyError`` naming the holder (``lock``); ``command`` is how this process is
      named to writers that wait for it.
    """

    #: a load is one transaction (rolled back on failure)
    atomic_loads = True

    def __init__(
        self,
        path: str | Path,
        *,
        read_only: bool = False,
        create: bool = True,
        wait: float = DEFAULT_WAIT,
        command: str | None = None,
    ):
        self.path = str(path)
        self.uri = self.path
        self.read_only = read_only
        self.wait = float(wait)
        self.command = command or process_label()
        self._readers = None
        self._tx_lock = threading.RLock()
        if read_only:
            self.con = self._open_read_only()
            return
        memory = self.path == ":memory:"
        if not memory:
            self._check_path(create)
            create_private_file(self.path)  # 0600; SQLite gives -wal/-shm/-journal its mode (ADR 0027)
        try:
            self.con = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=self.wait)
        except sqlite3.Error as exc:  # e.g. a file this user may not open
            raise StoreError(f"cannot open store {self.path}: {exc}; check --store and its permissions") from exc
        try:
            self.con.execute("PRAGMA journal_mode=WAL" if not memory else "PRAGMA journal_mode=MEMORY")
            self.con.execute("PRAGMA synchronous=NORMAL")
            self.con.execute("PRAGMA temp_store=MEMORY")
            self.con.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            if self._needs_migration():
                self._migrate()
        except BaseException as exc:
            self.con.close()
            if isinstance(exc, sqlite3.OperationalError):
                if _locked(exc):
                    raise busy_error(self.path, self.wait) from exc
                raise StoreError(f"cannot open store {self.path}: {exc}") from exc
            if isinstance(exc, sqlite3.DatabaseError):
                raise StoreError(
                    f"{self.path} is not an identity-graph store ({exc}); check --store (a store is a "
                    "file made by `idgraph init` or `idgraph load --create`)"
                ) from exc
            raise

    def _check_path(self, create: bool) -> None:
        p = Path(self.path)
        if p.is_dir():
            raise StoreError(f"store {self.path} is a folder; --store names a file, e.g. {p / DEFAULT_NAME}")
        if p.exists():
            return
        if not create:
            raise StoreNotFoundError(
                f"no store at {self.path}: check --store, or create it: `idgraph --store {self.path} init` "
                "(or `idgraph load --create ...`)"
            )
        if not p.parent.exists():
            raise StoreError(f"cannot create store {self.path}: folder {p.parent} does not exist")

    def _needs_migration(self) -> bool:
        """Whether the schema is behind this version (a read: no lock is taken)."""
        try:
            row = self.con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return True
            raise
        if row is None or int(row[0]) != SCHEMA_VERSION:
            return True
        have = {r[0] for r in self.con.execute("SELECT name FROM sqlite_master WHERE name IS NOT NULL")}
        meta = {r[0] for r in self.con.execute("SELECT key FROM meta")}
        return bool(set(_schema_objects()) - have) or "records_version" not in meta

    def _open_read_only(self) -> sqlite3.Connection:
        """A read-only connection to an existing, migrated store (``mode=ro``, ``query_only``)."""
        if self.path == ":memory:" or not Path(self.path).is_file():
            raise StoreNotFoundError(
                f"no store at {self.path}: check --store (a read never creates a store; "
                f"`idgraph --store {self.path} init` or `idgraph load --create` makes one)"
            )
        con: sqlite3.Connection | None = None
        try:
            con = sqlite3.connect(
                Path(self.path).resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None,
                check_same_thread=False, timeout=self.wait,
            )
            con.execute("PRAGMA query_only=ON")
            con.execute(f"PRAGMA cache_size=-{READ_CACHE_KIB}")
            con.execute(f"PRAGMA mmap_size={READ_MMAP_BYTES}")
            row = con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            have = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE name IS NOT NULL")}
        except sqlite3.Error as exc:
            if con is not None:
                con.close()
            if isinstance(exc, sqlite3.OperationalError) and _locked(exc):
                raise busy_error(self.path, self.wait) from exc
            raise StoreError(f"{self.path} is not an identity-graph store ({exc}); check --store") from exc
        if row is None or int(row[0]) != SCHEMA_VERSION or set(_schema_objects()) - have:
            con.close()
            if row is not None and int(row[0]) > SCHEMA_VERSION:
                raise StoreError(
                    f"store {self.path} has schema v{row[0]}, newer than this identity-graph "
                    f"(v{SCHEMA_VERSION}); upgrade identity-graph"
                )
            raise StoreError(
                f"store {self.path} needs migrating to this version's schema (v{SCHEMA_VERSION}) before it can "
                f"be read: run `idgraph --store {self.path} migrate` (or any command that writes)"
            )
        return con

    # -- lifecycle ----------------------------------------------------------------------------
    def _migrate(self) -> None:
        with self._tx():
            self.con.execute(_SCHEMA[0])  # meta
            row = self.con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"store {self.path} has schema v{version}, newer than this identity-graph "
                    f"(v{SCHEMA_VERSION}); upgrade identity-graph"
                )
            if version == 1:
                _migrate_v1_to_v2(self.con)
            for stmt in _all_schema():
                self.con.execute(stmt)
            self.con.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            self.con.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('records_version', '0')")

    def migrate(self) -> bool:
        """Bring the schema to this version's now (what a writable open does when needed);
        True when something was migrated."""
        if self.read_only or not self._needs_migration():
            return False
        self._migrate()
        return True

    def close(self) -> None:
        self._close_readers()
        self.con.close()

    def __enter__(self) -> EmbeddedStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[None]:
        """One write transaction on the store's connection; threads take turns (a connection
        holds one transaction at a time: two threads would share it). Another process's writer
        is waited for (``wait`` seconds), then named in a ``StoreBusyError``; while this one
        holds the lock its note says so (``lock``)."""
        if self.read_only:
            raise StoreError(f"store {self.path} was opened read-only: open it for writing to change it")
        with self._tx_lock:
            try:
                self.con.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if _locked(exc):
                    raise busy_error(self.path, self.wait) from exc
                raise
            noted = self.path != ":memory:"
            if noted:
                write_note(self.path, self.command)
            try:
                yield
            except BaseException:
                self.con.execute("ROLLBACK")
                raise
            else:
                self.con.execute("COMMIT")
            finally:
                if noted:
                    clear_note(self.path)

    # -- loading ------------------------------------------------------------------------------
    @contextmanager
    def load(self, source: SourceInfo, file: FileInfo) -> Iterator[_Writer]:
        with self._tx():
            now = _now()
            self.con.execute(
                "INSERT INTO sources(source, trust, mapping_json, compare_json, first_loaded, last_loaded) "
                "VALUES (?,?,?,?,?,?) ON CONFLICT(source) DO UPDATE SET trust=excluded.trust, "
                "mapping_json=excluded.mapping_json, compare_json=excluded.compare_json, "
                "last_loaded=excluded.last_loaded",
                (source.source, source.trust, source.mapping_json, json.dumps(source.compare), now, now),
            )
            cur = self.con.execute(
                "INSERT INTO loads(source, file, sha256, started) VALUES (?,?,?,?)",
                (source.source, file.path, file.sha256, now),
            )
            yield _Writer(self, source, file, int(cur.lastrowid or 0))

    # -- pipeline reads -----------------------------------------------------------------------
    def records_frame(self) -> pd.DataFrame:
        frame = _records_frame(self.con)
        # the read filled SQLite's page cache (up to cache_size, ~200 MB) with pages nobody reads
        # again before the run is written: free them, and give the heap's pages back
        self.con.execute("PRAGMA shrink_memory")
        trim_heap()
        return frame

    def sources(self) -> list[SourceInfo]:
        rows = self.con.execute("SELECT source, trust, mapping_json, compare_json FROM sources ORDER BY source")
        return [SourceInfo(s, int(t), m, json.loads(c or "{}")) for s, t, m, c in rows]

    def current_assignment(self) -> pd.DataFrame:
        return pd.read_sql_query(
            "SELECT record_id, person_id FROM person_records ORDER BY record_id", self.con, dtype=object
        )

    def persons_meta(self) -> pd.DataFrame:
        return pd.read_sql_query(
            "SELECT person_id, created_run, status FROM persons ORDER BY person_id", self.con
        )

    def next_run_id(self) -> int:
        row = self.con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchone()
        return int(row[0])

    def records_version(self) -> int:
        row = self.con.execute("SELECT value FROM meta WHERE key='records_version'").fetchone()
        return int(row[0]) if row else 0

    def _check_current(self, run_id: int, records_version: int | None) -> None:
        """Inside the write transaction: refuse a run computed from a state of the store that
        changed since (another run recorded, records written or removed): ADR 0028."""
        next_run = self.next_run_id()
        if run_id < next_run:
            raise stale_run_error(run_id, next_run)
        if records_version is not None:
            now = self.records_version()
            if now != records_version:
                raise stale_records_error(records_version, now)

    def write_resolution(self, run_id: int, r: Resolution) -> None:
        with self.start_resolution(run_id, r.records_version) as run:
            run.finish(r)

    def start_resolution(self, run_id: int, records_version: int | None) -> EmbeddedRun:
        """Begin writing a full run (``write_resolution`` in parts): its transaction begins on
        a writer thread and the run is checked current now (``StaleRunError`` here, before the
        caller computes the rest); ``write_edges`` may go ahead of ``finish``. ADR 0043."""
        return EmbeddedRun(self, run_id, records_version)

    def write_update(self, run_id: int, delta: ResolutionDelta) -> None:
        """Apply an incremental update in one ``BEGIN IMMEDIATE`` transaction, touching only the
        rows it names (through the indexes: edges by record_a and record_b, links by record_id,
        address history by person_id). Readers on other connections see the store as it was
        until the commit (WAL)."""
        check_delta(delta)
        con = self.con
        now = _now()
        with self._tx():
            self._check_current(run_id, None)
            con.execute(
                "INSERT INTO runs(run_id, started, finished, settings_json, model_json, report_json) "
                "VALUES (?,?,?,?,?,?)",
                (run_id, delta.report.get("started", now), now, delta.settings_json, delta.model_json,
                 json.dumps(delta.report, default=str)),
            )
            try:
                self._apply_delta(run_id, delta, now)
            finally:
                for name in ("touching", "region", "people", "ids"):
                    con.execute(f"DROP TABLE IF EXISTS temp.delta_{name}")

    def _ids_table(self, name: str, ids: list[str]) -> str:
        """A temporary one-column table of distinct ids (this connection only), for joins."""
        table = f"temp.delta_{name}"
        self.con.execute(f"DROP TABLE IF EXISTS {table}")
        self.con.execute(f"CREATE TABLE {table}(id TEXT PRIMARY KEY) WITHOUT ROWID")
        self.con.executemany(f"INSERT OR IGNORE INTO {table}(id) VALUES (?)", [(str(i),) for i in ids])
        return table

    def _missing_records(self, ids: list[str]) -> list[str]:
        table = self._ids_table("ids", ids)
        rows = self.con.execute(
            # NOT EXISTS: one primary-key probe per id (NOT IN (SELECT ...) lists every record)
            f"SELECT t.id FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.record_id = t.id) "
            "ORDER BY t.id"
        )
        return [r[0] for r in rows]

    def _apply_delta(self, run_id: int, d: ResolutionDelta, now: str) -> None:
        con = self.con
        # 1. retired records: their current row to history, then the record and all it holds
        retired = [str(x) for x in d.retired_records["record_id"]] if len(d.retired_records) else []
        if retired:
            gone = self._missing_records(retired)
            if gone:
                raise missing_records_error("retired_records", gone)
            reasons = dict(zip(retired, d.retired_records["reason"].map(_py), strict=True))
            table = self._ids_table("ids", retired)
            old = pd.read_sql_query(
                f"SELECT * FROM records WHERE record_id IN (SELECT id FROM {table}) ORDER BY record_id",
                con,
                dtype=object,
            )
            canon = old[_CANON].astype(object).where(old[_CANON].notna(), None)
            canon["dob_ambiguous"] = canon["dob_ambiguous"].map(lambda v: None if v is None else int(v))
            con.executemany(
                "INSERT INTO record_history(record_id, load_id, replaced_at, row_hash, raw, canonical, reason) "
                "VALUES (?,NULL,?,?,?,?,?)",
                [
                    (rid, now, h, raw, json.dumps(c, default=str), reasons[rid])
                    for rid, h, raw, c in zip(
                        old["record_id"], old["row_hash"], old["raw"], canon.to_dict(orient="records"), strict=True
                    )
                ],
            )
            for sql in (
                "DELETE FROM identifiers WHERE record_id IN (SELECT id FROM {t})",
                "DELETE FROM person_records WHERE record_id IN (SELECT id FROM {t})",
                "DELETE FROM edges WHERE record_a IN (SELECT id FROM {t})",
                "DELETE FROM edges WHERE record_b IN (SELECT id FROM {t})",
                "DELETE FROM records WHERE record_id IN (SELECT id FROM {t})",
            ):
                con.execute(sql.format(t=table))

        # every record the rest of the delta names must exist now
        named = (
            list(d.assignment["record_id"]) if len(d.assignment) else []
        ) + (list(d.edges["record_a"]) + list(d.edges["record_b"]) if len(d.edges) else [])
        gone = self._missing_records(named)
        if gone:
            raise missing_records_error("assignment or edges", gone)

        # 2. edges: drop those touching the named records or inside the region, insert the new
        touching = self._ids_table("touching", list(d.edges_touching))
        region = self._ids_table("region", list(d.region))
        con.execute(f"DELETE FROM edges WHERE record_a IN (SELECT id FROM {touching})")
        con.execute(f"DELETE FROM edges WHERE record_b IN (SELECT id FROM {touching})")
        con.execute(
            # "+record_b": walk the edges of each region record by the primary key, then test the
            # other end; probing every (a, b) combination of the region is quadratic (2.2 s for 3k)
            f"DELETE FROM edges WHERE record_a IN (SELECT id FROM {region}) AND +record_b IN (SELECT id FROM {region})"
        )
        if len(d.edges):
            insert_columns(
                con,
                f"INSERT INTO edges({','.join(_EDGE_COLUMNS)})",
                [_column_values(d.edges[c]) for c in _EDGE_COLUMNS],
                " ON CONFLICT(record_a, record_b) DO UPDATE SET weight=excluded.weight, "
                "probability=excluded.probability, tier=excluded.tier, levels=excluded.levels",
            )

        # 3. the region's person links (with the row each was clustered with; None: the current)
        con.execute(f"DELETE FROM person_records WHERE record_id IN (SELECT id FROM {region})")
        if len(d.assignment):
            con.executemany(
                "INSERT INTO person_records(record_id, person_id, row_hash) VALUES "
                "(?1, ?2, coalesce(?3, (SELECT row_hash FROM records WHERE record_id = ?1)))",
                _rows(d.assignment, ["record_id", "person_id", "row_hash"]),
            )

        # 4. people
        _upsert_persons(con, _persons_columns(run_id, d.persons))
        _retire_persons(con, run_id, d.retired)
        if len(d.assignment):
            people = self._ids_table("people", list(d.assignment["person_id"]))
            absent = [
                r[0]
                for r in con.execute(
                    f"SELECT t.id FROM {people} t WHERE NOT EXISTS (SELECT 1 FROM persons p "
                    "WHERE p.person_id = t.id AND p.status = 'active') ORDER BY t.id"
                )
            ]
            if absent:
                raise missing_people_error(absent)

        # 5. address histories of the named people
        people = self._ids_table("people", list(d.history_people))
        con.execute(f"DELETE FROM address_history WHERE person_id IN (SELECT id FROM {people})")
        if len(d.address_history):
            ah = d.address_history.copy()
            ah["is_current"] = ah["is_current"].astype(bool).astype(int)
            insert_columns(con, f"INSERT INTO address_history({','.join(_HISTORY_COLUMNS)})",
                           [_column_values(ah[c]) for c in _HISTORY_COLUMNS])

        # 6. the change feed
        _append_events(con, run_id, event_columns(d.events), now)

    def dirty_records(self) -> tuple[list[str], list[str]]:
        changed = self.con.execute(
            "SELECT r.record_id FROM records r LEFT JOIN person_records pr ON pr.record_id = r.record_id "
            "WHERE pr.row_hash IS NULL OR pr.row_hash IS NOT r.row_hash ORDER BY r.record_id"
        )
        changed_ids = [row[0] for row in changed]
        gone = self.con.execute(
            "SELECT record_id FROM person_records WHERE record_id NOT IN (SELECT record_id FROM records) "
            "ORDER BY record_id"
        )
        return changed_ids, [row[0] for row in gone]

    def records_hashes(self, record_ids: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        ids = [str(i) for i in record_ids]
        for i in range(0, len(ids), 900):
            part = ids[i : i + 900]
            q = f"SELECT record_id, row_hash FROM records WHERE record_id IN ({','.join('?' * len(part))})"
            out.update({r: h for r, h in self.con.execute(q, part)})
        return out

    def changes(self, after: int = 0, source: str | None = None, limit: int = 1000) -> pd.DataFrame:
        check_feed_window(after, limit)
        cols = "e.seq, e.run_id, e.at, e.event, e.person_id, e.other_person_id, e.records, e.detail, e.sources"
        if source is None:
            cur = self.con.execute(
                f"SELECT {cols} FROM person_events e WHERE e.seq > ? ORDER BY e.seq LIMIT ?", (after, limit)
            )
        else:  # (source, seq) is event_sources' key: a range read in seq order
            cur = self.con.execute(
                f"SELECT {cols} FROM event_sources s JOIN person_events e ON e.seq = s.seq "
                "WHERE s.source = ? AND s.seq > ? ORDER BY s.seq LIMIT ?",
                (source, after, limit),
            )
        keys = ["seq", "run_id", "at", "event", "person_id", "other_person_id", "records", "detail", "sources"]
        return changes_frame(dict(zip(keys, row, strict=True)) for row in cur)

    # -- queries ------------------------------------------------------------------------------
    def person(self, person_id: str) -> dict[str, Any] | None:
        row = self.con.execute(
            "SELECT person_id, status, merged_into, size, review, golden, created_run, updated_run "
            "FROM persons WHERE person_id=?",
            (person_id,),
        ).fetchone()
        if row is None:
            return None
        keys = ["person_id", "status", "merged_into", "size", "review", "golden", "created_run", "updated_run"]
        d = dict(zip(keys, row, strict=True))
        d["golden"] = json.loads(d["golden"]) if d["golden"] else {}
        d["review"] = bool(d["review"])
        return d

    def goldens(self, person_ids: list[str]) -> dict[str, str]:
        return _goldens(self.con, person_ids)

    def person_records(self, person_id: str) -> pd.DataFrame:
        names = _CANON + ["trust", "raw"]
        cols = ", ".join(f"r.{c}" for c in names)
        rows = self.con.execute(  # a person's few rows: no read_sql_query fixed cost; NULL is None
            f"SELECT {cols} FROM person_records pr JOIN records r USING (record_id) "
            "WHERE pr.person_id=? ORDER BY r.record_id",
            (person_id,),
        ).fetchall()
        return pd.DataFrame(rows, columns=names, dtype=object) if rows else pd.DataFrame(columns=names, dtype=object)

    def person_address_history(self, person_id: str) -> pd.DataFrame:
        df = pd.read_sql_query(
            "SELECT address_key, address, postcode, first_seen, last_seen, sources, records, is_current "
            "FROM address_history WHERE person_id=? ORDER BY is_current DESC, last_seen DESC, address_key",
            self.con,
            params=(person_id,),
        )
        df["is_current"] = df["is_current"].astype(bool)
        return df

    def person_of(self, record_id: str) -> str | None:
        row = self.con.execute("SELECT person_id FROM person_records WHERE record_id=?", (record_id,)).fetchone()
        return row[0] if row else None

    def records(self, record_ids: list[str]) -> pd.DataFrame:
        cols = ", ".join(_CANON + ["trust", "raw"])
        parts = []
        for i in range(0, len(record_ids), 900):
            part = list(record_ids[i : i + 900])
            parts.append(
                pd.read_sql_query(
                    f"SELECT {cols} FROM records WHERE record_id IN ({','.join('?' * len(part))})",
                    self.con,
                    params=part,
                    dtype=object,
                )
            )
        if not parts:
            return pd.DataFrame(columns=_CANON + ["trust", "raw"], dtype=object)
        df = pd.concat(parts, ignore_index=True).sort_values("record_id", ignore_index=True)
        df = df.astype(object).where(df.notna(), None)
        df["dob_ambiguous"] = df["dob_ambiguous"].map(lambda v: bool(int(v)) if v is not None else False)
        df["trust"] = df["trust"].map(lambda v: int(v) if v is not None else 1)
        return df

    def record_history(self, record_id: str) -> pd.DataFrame:
        return pd.read_sql_query(
            "SELECT record_id, load_id, replaced_at, row_hash, raw, canonical, reason FROM record_history "
            "WHERE record_id=? ORDER BY replaced_at, rowid",
            self.con,
            params=(record_id,),
        )

    def find_records(self, kind: str, values: list[str]) -> pd.DataFrame:
        parts = []
        for i in range(0, len(values), 900):
            part = list(values[i : i + 900])
            parts.append(
                pd.read_sql_query(
                    f"SELECT record_id, kind, value FROM identifiers WHERE kind=? AND value IN "
                    f"({','.join('?' * len(part))}) ORDER BY record_id",
                    self.con,
                    params=[kind, *part],
                )
            )
        if not parts:
            return pd.DataFrame(columns=["record_id", "kind", "value"])
        return pd.concat(parts, ignore_index=True)

    def edges(self, record_ids: list[str]) -> pd.DataFrame:
        parts = []
        for i in range(0, len(record_ids), 450):
            part = list(record_ids[i : i + 450])
            marks = ",".join("?" * len(part))
            parts.append(
                pd.read_sql_query(
                    f"SELECT record_a, record_b, weight, probability, tier, levels FROM edges "
                    f"WHERE record_a IN ({marks}) OR record_b IN ({marks})",
                    self.con,
                    params=part + part,
                )
            )
        if not parts:
            return pd.DataFrame(columns=["record_a", "record_b", "weight", "probability", "tier", "levels"])
        return pd.concat(parts, ignore_index=True).drop_duplicates(["record_a", "record_b"]).sort_values(
            ["record_a", "record_b"], ignore_index=True
        )

    def latest_model(self) -> tuple[int, str, str] | None:
        row = self.con.execute(
            "SELECT run_id, settings_json, model_json FROM runs ORDER BY run_id DESC LIMIT 1"
        ).fetchone()
        return (int(row[0]), row[1], row[2]) if row else None

    def term_frequencies(self, column: str, values: list[str]) -> dict[str, float]:
        out: dict[str, float] = {}
        for i in range(0, len(values), 900):
            part = list(values[i : i + 900])
            q = f"SELECT value, tf FROM term_frequencies WHERE col=? AND value IN ({','.join('?' * len(part))})"
            out.update(dict(self.con.execute(q, [column, *part]).fetchall()))
        return out

    def links(self, chunk: int = 100_000) -> Iterator[pd.DataFrame]:
        cur = self.con.execute(
            "SELECT r.source, r.source_record_id, pr.person_id FROM records r "
            "LEFT JOIN person_records pr USING (record_id) ORDER BY r.source, r.source_record_id"
        )
        while True:
            rows = cur.fetchmany(chunk)
            if not rows:
                break
            yield pd.DataFrame(rows, columns=["source", "source_record_id", "person_id"])

    def runs(self) -> pd.DataFrame:
        return pd.read_sql_query(
            "SELECT run_id, started, finished, report_json FROM runs ORDER BY run_id", self.con
        )

    def events(self, run_id: int | None = None) -> pd.DataFrame:
        q = "SELECT run_id, event, person_id, other_person_id, records FROM person_events"
        if run_id is not None:
            return pd.read_sql_query(q + " WHERE run_id=? ORDER BY seq", self.con, params=(run_id,))
        return pd.read_sql_query(q + " ORDER BY seq", self.con)

    def loads(self) -> pd.DataFrame:
        return pd.read_sql_query(
            "SELECT load_id, source, file, sha256, started, finished, counts_json FROM loads ORDER BY load_id",
            self.con,
        )

    # -- investigator queries (same answers as cypher/investigate/*.cypher) ---------------------
    def shared_identifiers(self, kinds: list[str], min_people: int, limit: int) -> pd.DataFrame:
        marks = ",".join("?" * len(kinds))
        df = pd.read_sql_query(
            f"""SELECT i.kind, i.value, count(DISTINCT pr.person_id) AS people,
                       group_concat(DISTINCT pr.person_id) AS person_ids
                FROM identifiers i JOIN person_records pr USING (record_id)
                WHERE i.kind IN ({marks})
                GROUP BY i.kind, i.value HAVING count(DISTINCT pr.person_id) >= ?
                ORDER BY people DESC, i.kind, i.value LIMIT ?""",
            self.con,
            params=[*kinds, min_people, limit],
        )
        df["person_ids"] = df["person_ids"].map(lambda s: sorted(s.split(",")))
        return df

    def identifier_people(self, kind: str, value: str) -> pd.DataFrame:
        return pd.read_sql_query(
            """SELECT pr.person_id, r.record_id, r.source, r.record_date AS first_seen,
                      r.record_date AS last_seen
               FROM identifiers i JOIN records r USING (record_id) JOIN person_records pr USING (record_id)
               WHERE i.kind = ? AND i.value = ? ORDER BY pr.person_id, r.record_id""",
            self.con,
            params=(kind, value),
        )

    def residents(self, address: str) -> pd.DataFrame:
        df = pd.read_sql_query(
            """SELECT person_id, address_key, address, postcode, first_seen, last_seen, sources, is_current
               FROM address_history WHERE address_key = ? OR postcode = ?
               ORDER BY coalesce(first_seen, ''), person_id, address_key""",
            self.con,
            params=(address, address),
        )
        df["is_current"] = df["is_current"].astype(bool)
        return df

    def person_links(self, person_ids: list[str], kinds: list[str]) -> pd.DataFrame:
        if not person_ids:
            return pd.DataFrame(columns=["person_id", "other_person_id", "kind", "value"])
        pm = ",".join("?" * len(person_ids))
        km = ",".join("?" * len(kinds))
        return pd.read_sql_query(
            f"""SELECT DISTINCT pa.person_id, pb.person_id AS other_person_id, ia.kind, ia.value
                FROM person_records pa
                JOIN identifiers ia ON ia.record_id = pa.record_id AND ia.kind IN ({km})
                JOIN identifiers ib ON ib.kind = ia.kind AND ib.value = ia.value
                JOIN person_records pb ON pb.record_id = ib.record_id
                WHERE pa.person_id IN ({pm}) AND pb.person_id <> pa.person_id
                ORDER BY pa.person_id, other_person_id, ia.kind, ia.value""",
            self.con,
            params=[*kinds, *person_ids],
        )

    def changed_since(self, since: str, limit: int) -> pd.DataFrame:
        return pd.read_sql_query(
            """SELECT r.record_id, r.source, r.updated_at, pr.person_id
               FROM records r LEFT JOIN person_records pr USING (record_id)
               WHERE r.updated_at >= ? ORDER BY r.updated_at DESC, r.record_id LIMIT ?""",
            self.con,
            params=(since, limit),
        )

    def all_edges(self, chunk: int = 500_000) -> Iterator[pd.DataFrame]:
        cur = self.con.execute(
            "SELECT record_a, record_b, probability, tier, levels FROM edges ORDER BY record_a, record_b"
        )
        while True:
            rows = cur.fetchmany(chunk)
            if not rows:
                break
            yield pd.DataFrame(rows, columns=["record_a", "record_b", "probability", "tier", "levels"])

    def match_components(self) -> tuple[pd.DataFrame, str]:
        """Connected components over match edges (scipy), labelled by their smallest record id."""
        from ..cluster.components import connected_components

        e = pd.read_sql_query("SELECT record_a, record_b FROM edges WHERE tier = 'match'", self.con)
        ids = pd.Index(sorted(set(e["record_a"]) | set(e["record_b"])))
        lab = connected_components(len(ids), ids.get_indexer(e["record_a"]), ids.get_indexer(e["record_b"]))
        return pd.DataFrame({"record_id": ids.to_numpy(), "component": ids.to_numpy()[lab]}), "scipy"

    def stats(self) -> dict[str, Any]:
        q = self.con.execute
        by_source = dict(q("SELECT source, count(*) FROM records GROUP BY source ORDER BY source").fetchall())
        people = q("SELECT count(*) FROM persons WHERE status='active'").fetchone()[0]
        sizes = dict(
            q(
                "SELECT size, count(*) FROM persons WHERE status='active' GROUP BY size ORDER BY size"
            ).fetchall()
        )
        tiers = dict(q("SELECT tier, count(*) FROM edges GROUP BY tier").fetchall())
        run = q("SELECT run_id, finished FROM runs ORDER BY run_id DESC LIMIT 1").fetchone()
        return {
            "store": self.uri,
            "records": int(sum(by_source.values())),
            "records_by_source": by_source,
            "people": int(people),
            "people_by_size": {int(k): int(v) for k, v in sizes.items()},
            "edges_by_tier": tiers,
            "review_flags": int(q("SELECT count(*) FROM persons WHERE status='active' AND review=1").fetchone()[0]),
            "loads": int(q("SELECT count(*) FROM loads").fetchone()[0]),
            "last_run": {"run_id": run[0], "finished": run[1]} if run else None,
        }

    # -- human decisions and the review queue (ADR 0024) -----------------------------------------
    def record_decision(self, decision: Decision) -> int:
        d = decision
        if not d.record_a < d.record_b:
            raise StoreError(f"decision pair not in order: {d.record_a!r} must sort before {d.record_b!r}")
        with self._tx():
            found = {r for (r,) in self.con.execute(
                "SELECT record_id FROM records WHERE record_id IN (?, ?)", (d.record_a, d.record_b))}
            missing = sorted({d.record_a, d.record_b} - found)
            if missing:
                raise NotFoundError(f"no record {missing}; record ids look like council_tax:CT000123")
            cur = self.con.execute(
                "INSERT INTO decisions(kind, record_a, record_b, actor, decided_at, reason) VALUES (?,?,?,?,?,?)",
                (d.kind, d.record_a, d.record_b, d.actor, d.decided_at, d.reason),
            )
            new_id = int(cur.lastrowid or 0)
            self.con.execute(
                "UPDATE decisions SET superseded_by=? WHERE record_a=? AND record_b=? AND superseded_by IS NULL "
                "AND decision_id<>?",
                (new_id, d.record_a, d.record_b, new_id),
            )
        return new_id

    def decisions(self, history: bool = False) -> pd.DataFrame:
        q = f"SELECT {', '.join(DECISION_COLUMNS)} FROM decisions"
        if not history:
            q += " WHERE superseded_by IS NULL"
        df = pd.read_sql_query(q + " ORDER BY decision_id", self.con, dtype=object)
        df = df.astype(object).where(df.notna(), None)
        for c in ("decision_id", "superseded_by"):
            df[c] = pd.Series([None if v is None else int(v) for v in df[c].tolist()], index=df.index, dtype=object)
        return df

    def flagged_persons(self) -> pd.DataFrame:
        return pd.read_sql_query(
            "SELECT person_id, size, golden, updated_run FROM persons WHERE status='active' AND review=1 "
            "ORDER BY person_id",
            self.con,
        )

    _REVIEW_EDGE_SELECT = (
        "SELECT e.record_a, e.record_b, e.weight, e.probability, e.tier, e.levels, "
        "(SELECT person_id FROM person_records WHERE record_id = e.record_a) AS person_a, "
        "(SELECT person_id FROM person_records WHERE record_id = e.record_b) AS person_b FROM edges e "
    )

    def person_edges(self, person_ids: list[str]) -> pd.DataFrame:
        parts = []
        for i in range(0, len(person_ids), 450):
            part = list(person_ids[i : i + 450])
            marks = ",".join("?" * len(part))
            held = f"(SELECT record_id FROM person_records WHERE person_id IN ({marks}))"
            parts.append(pd.read_sql_query(
                f"{self._REVIEW_EDGE_SELECT} WHERE e.record_a IN {held} UNION "
                f"{self._REVIEW_EDGE_SELECT} WHERE e.record_b IN {held}",
                self.con,
                params=part + part,
            ))
        if not parts:
            return pd.DataFrame(columns=REVIEW_EDGE_COLUMNS)
        df = pd.concat(parts, ignore_index=True).drop_duplicates(["record_a", "record_b"])
        return df.sort_values(["record_a", "record_b"], ignore_index=True)[REVIEW_EDGE_COLUMNS]

    def cross_person_edges(self, tier: str) -> pd.DataFrame:
        return pd.read_sql_query(
            "SELECT e.record_a, e.record_b, e.weight, e.probability, e.tier, e.levels, pa.person_id AS person_a, "
            "pb.person_id AS person_b FROM edges e JOIN person_records pa ON pa.record_id = e.record_a "
            "JOIN person_records pb ON pb.record_id = e.record_b WHERE e.tier = ? AND pa.person_id <> pb.person_id "
            "ORDER BY e.record_a, e.record_b",
            self.con,
            params=(tier,),
        )
