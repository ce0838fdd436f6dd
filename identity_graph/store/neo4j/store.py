"""The Neo4j store: the identity graph where investigators work (ADR 0008).

Graph model::

    (:Source)<-[:FROM]-(:Record)-[:HAS]->(:Identifier:Phone|Email|Address|Name|Dob|Postcode|StrongId)
    (:Record)-[:SIMILAR {weight, probability, tier, levels}]->(:Record)
    (:Person)-[:HAS_RECORD]->(:Record)
    (:Person)-[:LIVED_AT {first_seen, last_seen, sources, is_current}]->(:Identifier:Address)
    (:RecordVersion)-[:VERSION_OF]->(:Record)      (:Run) (:Load) (:PersonEvent) (:TermFrequency)

Writes go in batches (``UNWIND $rows``), each its own managed transaction, idempotent: a load
killed half-way and run again leaves exactly the data of one clean load (records MERGE on id and
skip rows whose hash is stored; identifiers MERGE on key). All Cypher lives in ``cypher/``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from ..._memory import share_repeated_strings
from ...errors import NotFoundError, StoreError, StoreNotFoundError
from ...types import RECORD_COLUMNS
from ..contract import (
    DECISION_COLUMNS,
    REVIEW_EDGE_COLUMNS,
    Decision,
    FileInfo,
    Resolution,
    ResolutionDelta,
    SourceInfo,
)
from ..delta import (
    check_delta,
    missing_people_error,
    missing_records_error,
    stale_records_error,
    stale_run_error,
)
from ..feed import changes_frame, check_feed_window, event_rows
from ..identifiers import identifier_rows
from .access import ACCESS_SCHEMA_VERSION, Neo4jAccessMixin
from .catalog import query, statements
from .gdpr import Neo4jGdprMixin
from .investigate import Neo4jInvestigateMixin

__all__ = ["Neo4jStore", "SCHEMA_VERSION"]

#: v2 (issue 11): HAS_RECORD remembers the row_hash it clustered; PersonEvent has a unique,
#: global ``seq`` (counter in ``(:Meta {key: 'event_seq'})``), ``at``, ``detail`` and ``sources``
SCHEMA_VERSION = 2
BATCH = 10_000
#: load chunks written at once (on their own sessions): the server's work per transaction is
#: single-threaded, so one writer leaves a core idle
WRITERS = 2
#: records per page when reading them back (a page is one row of columns)
PAGE = 100_000
#: identifier kind -> the catalog query that merges its nodes with the right label
_MERGE_BY_KIND = {
    "name": "load/identifiers_merge_name",
    "dob": "load/identifiers_merge_dob",
    "address": "load/identifiers_merge_address",
    "postcode": "load/identifiers_merge_postcode",
    "phone": "load/identifiers_merge_phone",
    "email": "load/identifiers_merge_email",
    "nhs": "load/identifiers_merge_strong",
    "ni": "load/identifiers_merge_strong",
    "uprn": "load/identifiers_merge_strong",
}
_CANON = list(RECORD_COLUMNS)
_EDGE_COLUMNS = ["record_a", "record_b", "weight", "probability", "tier", "levels"]
_HISTORY_COLUMNS = ["address_key", "address", "postcode", "first_seen", "last_seen", "sources", "records", "is_current"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _clean(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, np.generic):
        return v.item()
    if v is pd.NA or v is pd.NaT:
        return None
    return v


def _hashes(frame: pd.DataFrame, cols: list[str]) -> list[str]:
    """A 64-bit hash (hex) of each row's values: what a resolve compares with the stored hash."""
    h = pd.util.hash_pandas_object(frame[cols].astype(str), index=False)
    return [f"{int(x):016x}" for x in h.to_numpy()]


def _records(frame: pd.DataFrame, cols: list[str]) -> list[dict[str, Any]]:
    data = frame[cols].astype(object)
    data = data.where(data.notna(), None)
    return [{k: _clean(v) for k, v in zip(cols, row, strict=True)} for row in data.itertuples(index=False, name=None)]


class _Writer:
    """Writes a load's chunks on background threads while the caller standardises the next.

    ``upsert`` queues a chunk and returns; up to ``WRITERS`` chunks are written at once, on their
    own sessions, so the server uses both cores (one writer left a core idle: the server's work
    per transaction is single-threaded). Chunks of one load never share a record (the loader
    drops repeated ids first); identifier nodes they share are merged under the uniqueness
    constraint, and a deadlock between two writers is retried by the driver. ``existing_hashes``
    waits for any chunk in flight that holds one of the ids asked for, and ``finish`` (and
    leaving ``Neo4jStore.load``) for all of them, raising their errors, so reads see every upsert
    so far. A crash still leaves whole batches only (each is one transaction).
    """

    def __init__(self, store: Neo4jStore, source: SourceInfo, file: FileInfo, load_id: int):
        self.store, self.source, self.file, self.load_id = store, source, file, load_id
        self._pool = ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="idgraph-neo4j-load")
        self._pending: list[tuple[Future[None], set[str]]] = []

    def existing_hashes(self, source_record_ids: list[str]) -> dict[str, str]:
        """Stored row hashes, including those of every chunk upserted so far (it waits for a
        chunk in flight only if that chunk holds one of these records)."""
        ids = [f"{self.source.source}:{s}" for s in source_record_ids]
        wanted = set(ids)
        self._wait(lambda held: not held.isdisjoint(wanted))
        out: dict[str, str] = {}
        for i in range(0, len(ids), 20_000):
            for rec in self.store._read("load/existing_hashes", ids=ids[i : i + 20_000]):
                out[rec["record_id"]] = rec["row_hash"]
        return out

    def upsert(self, frame: pd.DataFrame, *, updated: set[str]) -> None:
        """Queue new and changed records for writing (at most ``WRITERS`` chunks in flight)."""
        if frame.empty:
            return
        self._reap()
        while len(self._pending) >= WRITERS:
            self._wait_one()
        held = set(frame["record_id"])
        self._pending.append((self._pool.submit(self._write, frame, set(updated)), held))

    def _reap(self) -> None:
        """Collect finished chunks (raising the first error)."""
        done = [p for p in self._pending if p[0].done()]
        self._pending = [p for p in self._pending if not p[0].done()]
        for fut, _ in done:
            fut.result()

    def _wait_one(self) -> None:
        fut, _ = self._pending.pop(0)
        fut.result()

    def _wait(self, which: Callable[[set[str]], bool] = lambda _: True) -> None:
        keep: list[tuple[Future[None], set[str]]] = []
        error: BaseException | None = None
        for fut, held in self._pending:
            if which(held):
                try:
                    fut.result()
                except BaseException as exc:  # noqa: BLE001 - re-raised below, after the others
                    error = error or exc
            else:
                keep.append((fut, held))
        self._pending = keep
        if error is not None:
            raise error

    def flush(self) -> None:
        """Wait for every chunk in flight to commit (raising the first error)."""
        self._wait()

    def close(self, *, raise_errors: bool = True) -> None:
        """Wait for the chunks in flight (so nothing is written after the load returns)."""
        try:
            self._wait()
        except Exception:
            if raise_errors:
                raise
        finally:
            self._pool.shutdown(wait=True)

    def _write(self, frame: pd.DataFrame, updated: set[str]) -> None:
        """Write records in batches; each batch (its versions, records, identifier nodes and
        links) is one transaction, so a crash leaves whole batches only."""
        now = _now()
        f = frame.copy()
        f["trust"] = self.source.trust
        f["dob_ambiguous"] = f["dob_ambiguous"].astype(bool)
        prop_cols = [c for c in _CANON if c != "record_id"] + ["trust", "raw"]
        for i in range(0, len(f), BATCH):
            self.store._run_tx(self._batch_steps(f.iloc[i : i + BATCH], prop_cols, updated, now))

    def _batch_steps(
        self, part: pd.DataFrame, prop_cols: list[str], updated: set[str], now: str
    ) -> list[tuple[str, dict[str, Any]]]:
        is_update = part["record_id"].isin(updated).to_numpy()
        props = _records(part, prop_cols)
        idents = identifier_rows(part)
        keys = (idents["kind"] + ":" + idents["value"].astype(str)).groupby(idents["record_id"].to_numpy()).agg(list)
        by_record: dict[str, list[str]] = keys.to_dict()
        rows = [
            {"record_id": rid, "row_hash": h, "props": p, "identifiers": by_record.get(rid, [])}
            for rid, h, p in zip(part["record_id"], part["row_hash"], props, strict=True)
        ]
        steps: list[tuple[str, dict[str, Any]]] = []
        for kind, vals in idents.groupby("kind")["value"]:
            steps.append((_MERGE_BY_KIND[str(kind)], {"kind": kind, "values": sorted(set(vals))}))
        common = {"load_id": self.load_id, "now": now, "source": self.source.source}
        upd_rows = [r for r, u in zip(rows, is_update, strict=True) if u]
        if upd_rows:
            old = self.store._read("read/records_get", ids=[r["record_id"] for r in upd_rows])
            versions = [
                {
                    "record_id": o["props"]["record_id"],
                    "row_hash": o["props"].get("row_hash"),
                    "raw": o["props"].get("raw"),
                    "canonical": json.dumps({c: o["props"].get(c) for c in _CANON}, default=str),
                }
                for o in old
            ]
            steps.append(("load/versions_create", {"rows": versions, "load_id": self.load_id, "now": now}))
            steps.append(("load/records_update", {"rows": upd_rows, **common}))
        new_rows = [r for r, u in zip(rows, is_update, strict=True) if not u]
        if new_rows:
            steps.append(("load/records_create", {"rows": new_rows, **common}))
        steps.append(("load/records_version_bump", {}))  # last: its lock is held to the commit only
        return steps

    def finish(self, counts: dict[str, int]) -> int:
        self._wait()
        self.store._run_write("load/load_finish", load_id=self.load_id, now=_now(), counts_json=json.dumps(counts))
        return self.load_id


class Neo4jStore(Neo4jAccessMixin, Neo4jGdprMixin, Neo4jInvestigateMixin):
    """A store in a Neo4j database. ``uri`` is ``bolt://…`` or ``neo4j://…``; credentials come from
    ``NEO4J_USER`` / ``NEO4J_PASSWORD`` unless given."""

    #: a load is one transaction (no: per-batch transactions, idempotent, resumable)
    atomic_loads = False

    def __init__(
        self,
        uri: str,
        user: str | None = None,
        password: str | None = None,
        database: str | None = None,
        *,
        create: bool = True,
        read_only: bool = False,
    ):
        """``create=False``: a database that holds no identity-graph store yet is an error (not
        a new store); ``read_only``: no migration (a database that needs one says so). ADR 0028."""
        import neo4j

        self.uri = uri
        self.database = database or os.environ.get("NEO4J_DATABASE") or None
        user = user or os.environ.get("NEO4J_USER", "neo4j")
        password = password if password is not None else os.environ.get("NEO4J_PASSWORD")
        if password is None:
            raise StoreError(
                f"no password for {uri}: export NEO4J_PASSWORD (and NEO4J_USER). For the "
                "server `idgraph neo4j start` runs, `eval \"$(idgraph neo4j start)\"` exports "
                "NEO4J_URI, NEO4J_USER and NEO4J_PASSWORD in this shell (give it the server's "
                "--home or IDGRAPH_NEO4J_HOME)"
            )
        driver = None
        try:
            driver = neo4j.GraphDatabase.driver(uri, auth=(user, password), notifications_min_severity="OFF")
            driver.verify_connectivity()
            self.driver = driver
        except Exception as exc:  # the driver raises several unrelated types
            if driver is not None:
                driver.close()
            why = " ".join(str(exc).split())  # the driver's messages run over several lines
            raise StoreError(f"cannot connect to Neo4j at {uri}: {why}; is it running? (`idgraph neo4j status`)") from exc
        self.read_only = read_only
        try:
            self._open(create, read_only)
        except BaseException:
            self.driver.close()
            raise

    def _open(self, create: bool, read_only: bool) -> None:
        rows = self._read("schema/version_get")
        version = int(rows[0]["version"]) if rows else 0
        if version == 0 and not create:
            raise StoreNotFoundError(
                f"the Neo4j database at {self.uri} holds no identity-graph store: check --store, or "
                f"create one: `idgraph --store {self.uri} init` (or `idgraph load --create ...`)"
            )
        if not read_only:
            self._migrate()
            return
        access = self._read("schema/access_version_get")
        if version != SCHEMA_VERSION or not access or int(access[0]["version"]) != ACCESS_SCHEMA_VERSION:
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"Neo4j database has identity-graph schema v{version}, newer than v{SCHEMA_VERSION}; "
                    "upgrade identity-graph"
                )
            raise StoreError(
                f"the identity-graph store at {self.uri} needs migrating to this version's schema before it "
                f"can be read: run `idgraph --store {self.uri} migrate` (or any command that writes)"
            )

    def migrate(self) -> bool:
        """Bring the schema to this version's now (a writable open already did); False."""
        return False

    # -- plumbing -----------------------------------------------------------------------------
    def _session(self) -> Any:
        return self.driver.session(database=self.database) if self.database else self.driver.session()

    def _tx_meta(self, name: str) -> dict[str, str]:
        return {"app": "identity-graph", "query": name}

    def _execute(self, name: str, params: dict[str, Any], *, write: bool, plain: bool = False) -> list[dict[str, Any]]:
        """One catalog query in a managed transaction (with audit metadata), rows as dicts.

        ``plain``: values as the driver decoded them (lists and maps, no nodes), without
        ``Record.data()``'s deep copy, which took longer than the query for big column lists.
        """
        import neo4j

        text = query(name)

        def work(tx: Any) -> list[dict[str, Any]]:
            result = tx.run(text, params)
            return [dict(r.items()) for r in result] if plain else [r.data() for r in result]

        unit = neo4j.unit_of_work(metadata=self._tx_meta(name))(work)
        with self._session() as s:
            return s.execute_write(unit) if write else s.execute_read(unit)

    def _read(self, name: str, **params: Any) -> list[dict[str, Any]]:
        return self._execute(name, params, write=False)

    def _read_columns(self, name: str, **params: Any) -> dict[str, Any]:
        """A catalog query that returns one row of columns (lists); {} when it returns no row."""
        rows = self._execute(name, params, write=False, plain=True)
        return rows[0] if rows else {}

    def _run_write(self, name: str, **params: Any) -> list[dict[str, Any]]:
        return self._execute(name, params, write=True)

    def _run_tx(self, steps: list[tuple[str, dict[str, Any]]]) -> None:
        """Several catalog queries in one managed write transaction (retried as a whole)."""
        import neo4j

        texts = [(query(name), params) for name, params in steps]

        def work(tx: Any) -> None:
            for text, params in texts:
                tx.run(text, params).consume()

        with self._session() as s:
            s.execute_write(neo4j.unit_of_work(metadata=self._tx_meta("batch:" + ",".join(n for n, _ in steps)))(work))

    def _write_batches(self, name: str, rows: list[dict[str, Any]], batch: int = BATCH, **params: Any) -> None:
        for i in range(0, len(rows), batch):
            self._run_write(name, rows=rows[i : i + batch], **params)

    def _delete_all(self, name: str, limit: int = 20_000) -> None:
        self._until_none(name, "deleted", limit)

    def _until_none(self, name: str, counted: str, limit: int = 20_000, **params: Any) -> None:
        """Run a batch query (``LIMIT $limit``, returning a count) until a batch does nothing."""
        while True:
            res = self._run_write(name, limit=limit, **params)
            if not res or int(res[0][counted]) == 0:
                return

    def _schema(self, name: str) -> None:
        with self._session() as s:
            for stmt in statements(name):
                s.run(stmt).consume()

    def _migrate(self) -> None:
        rows = self._read("schema/version_get")
        version = int(rows[0]["version"]) if rows else 0
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"Neo4j database has identity-graph schema v{version}, newer than v{SCHEMA_VERSION}; "
                "upgrade identity-graph"
            )
        if version < SCHEMA_VERSION:
            self._migrate_core(version)
        self._schema("schema/003_event_people")  # indexes only: idempotent, cheap once made
        self._migrate_access()

    def _migrate_core(self, version: int) -> None:
        if version < 1:
            self._schema("schema/001_constraints")
        if version == 1:
            self._migrate_v1_to_v2()
        self._schema("schema/002_change_feed")
        self._run_write("schema/version_set", version=SCHEMA_VERSION)
        if version == 1:
            self._until_none("schema/migrate_v2_event_marks", "updated")

    def _migrate_v1_to_v2(self) -> None:
        """Number the stored events globally (run order, then their order in the run) and start
        the counter after them; give links the row_hash they clustered where it is known (records
        last written before the latest run started). In batches, each step idempotent: a
        migration killed half-way is finished by the next open."""
        base = 0
        for run in self._read("schema/migrate_v2_event_runs"):
            self._until_none("schema/migrate_v2_event_renumber", "updated", run_id=run["run_id"], base=base,
                             finished=run["finished"])
            base += int(run["span"])
        self._run_write("schema/migrate_v2_event_counter")
        self._until_none("schema/migrate_v2_link_hashes", "updated")

    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> Neo4jStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- loading ------------------------------------------------------------------------------
    @contextmanager
    def load(self, source: SourceInfo, file: FileInfo) -> Iterator[_Writer]:
        now = _now()
        self._run_write(
            "load/source_upsert",
            source=source.source,
            trust=source.trust,
            mapping_json=source.mapping_json,
            compare_json=json.dumps(source.compare),
            now=now,
        )
        load_id = int(self._read("load/next_load_id")[0]["next"])
        self._run_write("load/load_start", load_id=load_id, source=source.source, file=file.path,
                        sha256=file.sha256, now=now)
        writer = _Writer(self, source, file, load_id)
        try:
            yield writer
        except BaseException:
            writer.close(raise_errors=False)  # the caller's error is the one to report
            raise
        writer.close()

    # -- pipeline reads -----------------------------------------------------------------------
    def _frame(self, props: list[dict[str, Any]]) -> pd.DataFrame:
        cols = _CANON + ["trust", "raw"]
        return self._typed(pd.DataFrame([{c: p.get(c) for c in cols} for p in props], columns=cols, dtype=object))

    @staticmethod
    def _typed(df: pd.DataFrame) -> pd.DataFrame:
        df = df.astype(object).where(df.notna(), None)
        df["dob_ambiguous"] = df["dob_ambiguous"].map(lambda v: bool(v) if v is not None else False)
        df["trust"] = df["trust"].map(lambda v: int(v) if v is not None else 1)
        return df

    def records_frame(self) -> pd.DataFrame:
        cols = _CANON + ["trust"]
        pages: list[pd.DataFrame] = []
        after = ""
        while True:
            page = self._read_columns("read/records_all", after=after, limit=PAGE)
            if not page or not page["record_id"]:
                break
            pages.append(pd.DataFrame({c: page[c] for c in cols}, columns=cols, dtype=object))
            after = page["record_id"][-1]
        df = pd.concat(pages, ignore_index=True) if pages else pd.DataFrame(columns=cols, dtype=object)
        return share_repeated_strings(self._typed(df))

    def sources(self) -> list[SourceInfo]:
        return [
            SourceInfo(r["source"], int(r["trust"]), r["mapping_json"], json.loads(r["compare_json"] or "{}"))
            for r in self._read("read/sources")
        ]

    def current_assignment(self) -> pd.DataFrame:
        cols = self._read_columns("read/assignment")
        return pd.DataFrame(cols, columns=["record_id", "person_id"], dtype=object)

    def persons_meta(self) -> pd.DataFrame:
        cols = self._read_columns("read/persons_meta")
        df = pd.DataFrame(cols, columns=["person_id", "created_run", "status"])
        return df if len(df) else pd.DataFrame(columns=["person_id", "created_run", "status"])

    def next_run_id(self) -> int:
        return int(self._read("read/next_run_id")[0]["next"])

    def records_version(self) -> int:
        return int(self._read("read/records_version")[0]["version"])

    @staticmethod
    def _check_current(run: Callable[..., list[dict[str, Any]]], run_id: int, records_version: int | None,
                       now: str) -> None:
        """In the transaction that records a run: take the run lock, then refuse a run computed
        from a state of the store that changed since (ADR 0028)."""
        run("cluster/run_lock", now=now)
        next_run = int(run("read/next_run_id")[0]["next"])
        if run_id < next_run:
            raise stale_run_error(run_id, next_run)
        if records_version is not None:
            current = int(run("read/records_version")[0]["version"])
            if current != records_version:
                raise stale_records_error(records_version, current)

    def write_resolution(self, run_id: int, r: Resolution) -> None:
        """Write a run differentially: people, HAS_RECORD links and address histories are compared
        with what is stored (hashes on :Person, the links themselves) and only what changed is
        written, so a recluster of an unchanged graph writes almost nothing. Every step is
        idempotent: a write killed half-way and run again converges on the same graph."""
        import neo4j

        now = _now()

        def create_run(tx: Any) -> None:  # the run id is checked and taken in one transaction
            def run(name: str, **params: Any) -> list[dict[str, Any]]:
                return [dict(x.items()) for x in tx.run(query(name), params)]

            self._check_current(run, run_id, r.records_version, now)
            run("cluster/run_create", run_id=run_id, started=r.report.get("started", now), now=now,
                settings_json=r.settings_json, model_json=r.model_json,
                report_json=json.dumps(r.report, default=str))

        with self._session() as s:
            s.execute_write(neo4j.unit_of_work(metadata=self._tx_meta("cluster/run_create"))(create_run))
        if r.edges is not None:
            self._delete_all("cluster/delete_batch_similar")
        if r.term_frequencies is not None:
            self._delete_all("cluster/delete_batch_tf")
        stored = pd.DataFrame(
            self._read_columns("cluster/persons_state") or None,
            columns=["person_id", "status", "state_hash", "history_hash"],
            dtype=object,
        ).set_index("person_id")

        p = r.persons.copy()
        p["review"] = p["review"].astype(bool)
        p["created_run"] = p["created_run"].map(lambda v: None if v is None or pd.isna(v) else int(v))
        p["state_hash"] = _hashes(p, ["size", "review", "golden"])
        was = stored.reindex(p["person_id"])
        same = (was["status"].to_numpy() == "active") & (was["state_hash"].to_numpy() == p["state_hash"].to_numpy())
        self._write_batches(
            "cluster/persons_upsert",
            _records(p[~same], ["person_id", "created_run", "size", "review", "golden", "state_hash"]),
            run_id=run_id,
        )
        if len(r.retired):
            self._write_batches("cluster/persons_retire", _records(r.retired, ["person_id", "merged_into"]),
                                run_id=run_id)
        self._write_batches("cluster/events_create", event_rows(r.events), run_id=run_id, now=now)
        # people who must hold no history: retired now, or active before and not in this run
        emptied = set(r.retired["person_id"]) | (
            set(stored.index[stored["status"] == "active"]) - set(p["person_id"])
        )
        # SIMILAR (record-record) and LIVED_AT (person-address) lock disjoint nodes: written side by
        # side on two server threads; HAS_RECORD (person-record) after both.
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="idgraph-neo4j-run") as pool:
            jobs = [pool.submit(self._write_histories, r.address_history, stored["history_hash"], emptied)]
            if r.edges is not None:
                edge_rows = _records(r.edges, ["record_a", "record_b", "weight", "probability", "tier", "levels"])
                jobs.append(pool.submit(self._write_batches, "cluster/edges_write", edge_rows, 20_000))
            for job in jobs:
                job.result()
        self._write_links(r.assignment)
        # links whose person did not change but whose record did: remember its row now
        self._until_none("cluster/links_refresh_hashes", "updated")
        if r.term_frequencies is not None:
            self._write_batches("cluster/tf_write", _records(r.term_frequencies, ["column", "value", "tf"]),
                                batch=20_000)
        self._run_write("cluster/run_finish", run_id=run_id, now=_now())

    def _write_links(self, assignment: pd.DataFrame) -> None:
        """HAS_RECORD: relink only records whose person changed (or that had no single link)."""
        cur = pd.DataFrame(self._read_columns("cluster/links_current") or None, columns=["record_id", "person_id"])
        single = cur.drop_duplicates("record_id", keep=False).set_index("record_id")["person_id"]
        new = assignment[["record_id", "person_id"]]
        old = single.reindex(new["record_id"]).to_numpy()
        linked = new["record_id"].isin(set(cur["record_id"])).to_numpy()
        for name, rows in (
            ("cluster/assignment_create", new[~linked]),
            ("cluster/assignment_write", new[linked & (old != new["person_id"].to_numpy())]),
        ):
            self._write_batches(
                name,
                [{"record_id": a, "person_id": b} for a, b in zip(rows["record_id"], rows["person_id"], strict=True)],
                batch=20_000,
            )
        gone = sorted(set(cur["record_id"]) - set(new["record_id"]))
        for i in range(0, len(gone), 20_000):
            self._run_write("cluster/assignment_unlink", ids=gone[i : i + 20_000])

    @staticmethod
    def _history_hashes(history: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
        """The address-history rows with their node keys, and each person's history hash."""
        cols = _HISTORY_COLUMNS
        ah = history.copy()
        if len(ah):
            fallback = "~" + ah["address"].fillna("").astype(str) + "|" + ah["postcode"].fillna("").astype(str)
            ah["node_key"] = ah["address_key"].where(ah["address_key"].notna(), fallback)
            ah["is_current"] = ah["is_current"].astype(bool)
            ah["_pos"] = ah.groupby("person_id", sort=False).cumcount()
            row_hash = pd.util.hash_pandas_object(ah[["node_key", *cols, "_pos"]].astype(str), index=False)
            target = row_hash.groupby(ah["person_id"].to_numpy()).sum().map(lambda h: f"{int(h):016x}")
        else:
            target = pd.Series(dtype=object)
        return ah, target

    @staticmethod
    def _history_people(ah: pd.DataFrame, target: pd.Series, people: list[str]) -> list[dict[str, Any]]:
        """``address_history_write`` rows replacing these people's histories."""
        sub = ah[ah["person_id"].isin(set(people))] if len(ah) else ah
        rows_of: dict[str, list[dict[str, Any]]] = {}
        if len(sub):
            for pid, row in zip(sub["person_id"], _records(sub, ["node_key", *_HISTORY_COLUMNS]), strict=True):
                rows_of.setdefault(pid, []).append(row)
        return [
            {"person_id": pid, "history_hash": target[pid] if rows_of.get(pid) else None,
             "rows": rows_of.get(pid, [])}
            for pid in people
        ]

    def _write_histories(self, history: pd.DataFrame, stored: pd.Series, emptied: set[str]) -> None:
        """LIVED_AT: rewrite the people whose address history's hash differs from the stored one."""
        ah, target = self._history_hashes(history)
        people = set(target.index) | set(stored.index[stored.notna()]) | emptied
        want = target.astype(object).reindex(sorted(people))
        have = stored.astype(object).reindex(want.index)
        rewrite = want.index[(want.fillna("").to_numpy() != have.fillna("").to_numpy()) | want.index.isin(emptied)]
        if not len(rewrite):
            return
        batch: list[dict[str, Any]] = []
        n_rows = 0
        for person in self._history_people(ah, target, list(rewrite)):
            batch.append(person)
            n_rows += len(person["rows"]) + 1
            if n_rows >= BATCH:
                self._run_write("cluster/address_history_write", people=batch)
                batch, n_rows = [], 0
        if batch:
            self._run_write("cluster/address_history_write", people=batch)

    def write_update(self, run_id: int, delta: ResolutionDelta) -> None:
        """Apply an incremental update in one explicit (managed) write transaction: every step
        below runs in it, reads included, so a failure at any point (or a retry by the driver)
        leaves the graph as it was, and readers see all of the update or none of it. People are
        upserted before the region's records are relinked (a HAS_RECORD needs its person node);
        the state it leaves is the one the delta's order describes."""
        import neo4j

        check_delta(delta)
        d = delta
        now = _now()
        retired = [str(x) for x in d.retired_records["record_id"]] if len(d.retired_records) else []
        reasons = dict(zip(retired, d.retired_records["reason"].map(_clean), strict=True)) if retired else {}
        named = (list(d.assignment["record_id"]) if len(d.assignment) else []) + (
            list(d.edges["record_a"]) + list(d.edges["record_b"]) if len(d.edges) else []
        )
        named = sorted({str(x) for x in named})
        edge_rows = _records(d.edges, _EDGE_COLUMNS) if len(d.edges) else []
        persons = self._person_rows(d.persons) if len(d.persons) else []
        retire_rows = _records(d.retired, ["person_id", "merged_into"]) if len(d.retired) else []
        link_rows = _records(d.assignment, ["record_id", "person_id", "row_hash"]) if len(d.assignment) else []
        ah, target = self._history_hashes(d.address_history if len(d.address_history) else
                                          pd.DataFrame(columns=["person_id", *_HISTORY_COLUMNS]))
        histories = self._history_people(ah, target, sorted({str(x) for x in d.history_people}))
        events = event_rows(d.events)
        region = sorted({str(x) for x in d.region})

        def work(tx: Any) -> None:
            def run(name: str, **params: Any) -> list[dict[str, Any]]:
                return [dict(r.items()) for r in tx.run(query(name), params)]

            self._check_current(run, run_id, None, now)
            run("cluster/run_create", run_id=run_id, started=d.report.get("started", now), now=now,
                settings_json=d.settings_json, model_json=d.model_json,
                report_json=json.dumps(d.report, default=str))
            # 1. retired records: their values to a version, then the record and all it holds
            if retired:
                gone = run("cluster/update_records_missing", ids=retired)[0]["missing"]
                if gone:
                    raise missing_records_error("retired_records", gone)
                versions = [
                    {
                        "record_id": o["props"]["record_id"],
                        "row_hash": o["props"].get("row_hash"),
                        "raw": o["props"].get("raw"),
                        "canonical": json.dumps({c: o["props"].get(c) for c in _CANON}, default=str),
                        "reason": reasons[o["props"]["record_id"]],
                    }
                    for o in run("read/records_get", ids=retired)
                ]
                run("cluster/update_versions_retire", rows=versions, now=now)
                keys = run("cluster/update_records_delete", ids=retired)
                run("cluster/update_identifiers_prune", keys=keys[0]["keys"] if keys else [])
                run("load/records_version_bump")
            if named:
                gone = run("cluster/update_records_missing", ids=named)[0]["missing"]
                if gone:
                    raise missing_records_error("assignment or edges", gone)
            # 2. edges touching the named records or inside the region, then the new ones
            run("cluster/update_edges_delete_touching", ids=sorted({str(x) for x in d.edges_touching}))
            run("cluster/update_edges_delete_region", ids=region)
            for i in range(0, len(edge_rows), BATCH):
                run("cluster/update_edges_merge", rows=edge_rows[i : i + BATCH])
            # 4. people (before 3: a link needs its person node)
            if persons:
                run("cluster/persons_upsert", rows=persons, run_id=run_id)
            if retire_rows:
                run("cluster/persons_retire", rows=retire_rows, run_id=run_id)
            if link_rows:
                people = sorted({r["person_id"] for r in link_rows})
                absent = run("cluster/update_people_missing", ids=people)[0]["missing"]
                if absent:
                    raise missing_people_error(absent)
            # 3. the region's person links
            run("cluster/assignment_unlink", ids=region)
            for i in range(0, len(link_rows), BATCH):
                run("cluster/update_links_create", rows=link_rows[i : i + BATCH])
            # 5. address histories of the named people
            if histories:
                run("cluster/address_history_write", people=histories)
            # 6. the change feed
            if events:
                run("cluster/events_create", rows=events, run_id=run_id, now=now)
            run("cluster/run_finish", run_id=run_id, now=now)

        with self._session() as s:
            s.execute_write(neo4j.unit_of_work(metadata=self._tx_meta("write_update"))(work))

    @staticmethod
    def _person_rows(persons: pd.DataFrame) -> list[dict[str, Any]]:
        p = persons.copy()
        p["review"] = p["review"].astype(bool)
        p["created_run"] = p["created_run"].map(lambda v: None if v is None or pd.isna(v) else int(v))
        p["state_hash"] = _hashes(p, ["size", "review", "golden"])
        return _records(p, ["person_id", "created_run", "size", "review", "golden", "state_hash"])

    def dirty_records(self) -> tuple[list[str], list[str]]:
        """(changed, gone). A HAS_RECORD cannot outlive its record in the graph (records leave
        with DETACH DELETE), so ``gone`` is always empty here."""
        cols = self._read_columns("read/dirty_records")
        return [str(x) for x in cols.get("changed", [])], []

    def records_hashes(self, record_ids: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        ids = [str(i) for i in record_ids]
        for i in range(0, len(ids), 20_000):
            for rec in self._read("load/existing_hashes", ids=ids[i : i + 20_000]):
                out[rec["record_id"]] = rec["row_hash"]
        return out

    def changes(self, after: int = 0, source: str | None = None, limit: int = 1000) -> pd.DataFrame:
        check_feed_window(after, limit)
        return changes_frame(self._read("read/changes", after=int(after), source=source, limit=int(limit)))

    # -- queries ------------------------------------------------------------------------------
    def person(self, person_id: str) -> dict[str, Any] | None:
        rows = self._read("read/person", person_id=person_id)
        if not rows:
            return None
        d = rows[0]
        d["golden"] = json.loads(d["golden"]) if d["golden"] else {}
        d["review"] = bool(d["review"])
        return d

    def goldens(self, person_ids: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for i in range(0, len(person_ids), 10_000):
            rows = self._read("read/goldens", person_ids=list(person_ids[i : i + 10_000]))
            out.update({r["person_id"]: r["golden"] for r in rows if r["golden"]})
        return out

    def person_records(self, person_id: str) -> pd.DataFrame:
        return self._frame([r["props"] for r in self._read("read/person_records", person_id=person_id)])

    def person_address_history(self, person_id: str) -> pd.DataFrame:
        cols = ["address_key", "address", "postcode", "first_seen", "last_seen", "sources", "records", "is_current"]
        df = pd.DataFrame(self._read("read/person_address_history", person_id=person_id), columns=cols)
        df["is_current"] = df["is_current"].astype(bool)
        return df

    def person_of(self, record_id: str) -> str | None:
        rows = self._read("read/person_of", record_id=record_id)
        return rows[0]["person_id"] if rows else None

    def records(self, record_ids: list[str]) -> pd.DataFrame:
        props: list[dict[str, Any]] = []
        for i in range(0, len(record_ids), 20_000):
            props.extend(r["props"] for r in self._read("read/records_get", ids=list(record_ids[i : i + 20_000])))
        df = self._frame(props)
        return df.sort_values("record_id", ignore_index=True)

    def record_history(self, record_id: str) -> pd.DataFrame:
        cols = ["record_id", "load_id", "replaced_at", "row_hash", "raw", "canonical", "reason"]
        return pd.DataFrame(self._read("read/record_history", record_id=record_id), columns=cols)

    def find_records(self, kind: str, values: list[str]) -> pd.DataFrame:
        rows = self._read("read/find_records", kind=kind, values=list(values))
        return pd.DataFrame(rows, columns=["record_id", "kind", "value"])

    def edges(self, record_ids: list[str]) -> pd.DataFrame:
        cols = ["record_a", "record_b", "weight", "probability", "tier", "levels"]
        return pd.DataFrame(self._read("read/edges", ids=list(record_ids)), columns=cols)

    def latest_model(self) -> tuple[int, str, str] | None:
        rows = self._read("read/latest_model")
        return (int(rows[0]["run_id"]), rows[0]["settings_json"], rows[0]["model_json"]) if rows else None

    def term_frequencies(self, column: str, values: list[str]) -> dict[str, float]:
        return {r["value"]: float(r["tf"]) for r in self._read("read/term_frequencies", column=column, values=list(values))}

    def links(self, chunk: int = 100_000) -> Iterator[pd.DataFrame]:
        after = ""
        while True:
            rows = self._read("read/links", after=after, limit=chunk)
            if not rows:
                break
            after = rows[-1]["record_id"]
            df = pd.DataFrame(rows, columns=["source", "source_record_id", "person_id", "record_id"])
            yield df.sort_values(["source", "source_record_id"]).drop(columns="record_id")

    def runs(self) -> pd.DataFrame:
        return pd.DataFrame(self._read("read/runs"), columns=["run_id", "started", "finished", "report_json"])

    def events(self, run_id: int | None = None) -> pd.DataFrame:
        cols = ["run_id", "event", "person_id", "other_person_id", "records"]
        return pd.DataFrame(self._read("read/events", run_id=run_id), columns=cols)

    def loads(self) -> pd.DataFrame:
        cols = ["load_id", "source", "file", "sha256", "started", "finished", "counts_json"]
        return pd.DataFrame(self._read("read/loads"), columns=cols)

    # -- investigator queries ---------------------------------------------------------------
    def shared_identifiers(self, kinds: list[str], min_people: int, limit: int) -> pd.DataFrame:
        rows = self._read("investigate/shared_identifiers", kinds=list(kinds), min_people=min_people, limit=limit)
        df = pd.DataFrame(rows, columns=["kind", "value", "people", "person_ids"])
        df["person_ids"] = df["person_ids"].map(sorted)
        return df

    def identifier_people(self, kind: str, value: str) -> pd.DataFrame:
        rows = self._read("investigate/identifier_people", key=f"{kind}:{value}")
        return pd.DataFrame(rows, columns=["person_id", "record_id", "source", "first_seen", "last_seen"])

    def residents(self, address: str) -> pd.DataFrame:
        cols = ["person_id", "address_key", "address", "postcode", "first_seen", "last_seen", "sources", "is_current"]
        df = pd.DataFrame(self._read("investigate/residents", address=address), columns=cols)
        df["is_current"] = df["is_current"].astype(bool)
        return df

    def person_links(self, person_ids: list[str], kinds: list[str]) -> pd.DataFrame:
        rows = self._read("investigate/person_links", ids=list(person_ids), kinds=list(kinds))
        return pd.DataFrame(rows, columns=["person_id", "other_person_id", "kind", "value"])

    def changed_since(self, since: str, limit: int) -> pd.DataFrame:
        rows = self._read("investigate/changed_since", since=since, limit=limit)
        return pd.DataFrame(rows, columns=["record_id", "source", "updated_at", "person_id"])

    def all_edges(self, records_per_page: int = PAGE) -> Iterator[pd.DataFrame]:
        """Every similarity edge, sorted by (record_a, record_b), one frame per page of records."""
        cols = ["record_a", "record_b", "probability", "tier", "levels"]
        after = ""
        while True:
            page = self._read_columns("cluster/edges_page", after=after, limit=records_per_page)
            if not page:
                break
            after = page["last_record"]
            if page["record_a"]:
                df = pd.DataFrame({c: page[c] for c in cols}, columns=cols)
                yield df.sort_values(["record_a", "record_b"], ignore_index=True)

    def gds_available(self) -> bool:
        try:
            self._read("cluster/gds_version")
            return True
        except Exception:  # the procedure is not installed: fall back
            return False

    def match_components(self) -> tuple[pd.DataFrame, str]:
        """Weakly connected components over match edges: GDS WCC in the database when the plugin
        is installed, else networkx over the match edges read from it."""
        if self.gds_available():
            name = f"idgraph_match_{os.getpid()}"
            projected = self._run_write("cluster/gds_project_match", graph_name=name)
            rows = []
            if projected and projected[0].get("graph"):  # no match edge: no graph is projected
                try:
                    rows = self._read("cluster/gds_wcc_stream", graph_name=name)
                finally:
                    self._run_write("cluster/gds_drop", graph_name=name)
            df = pd.DataFrame(rows, columns=["record_id", "component"])
            method = "gds.wcc"
        else:
            import networkx as nx

            g = nx.Graph()
            g.add_edges_from((r["a"], r["b"]) for r in self._read("cluster/match_edges"))
            df = pd.DataFrame(
                [(rid, c) for c, comp in enumerate(nx.connected_components(g)) for rid in comp],
                columns=["record_id", "component"],
            )
            method = "networkx"
        if len(df):  # label each component by its smallest record id, as the embedded store does
            df["component"] = df.groupby("component")["record_id"].transform("min")
        return df.sort_values("record_id", ignore_index=True), method

    def stats(self) -> dict[str, Any]:
        s = self._read("read/stats_all")[0]
        by_source = {k: int(v) for k, v in s["by_source"]}
        sizes = {int(k): int(v) for k, v in s["sizes"]}
        tiers = {k: int(v) for k, v in s["tiers"]}
        run = self._read("read/latest_run")
        return {
            "store": self.uri,
            "records": int(sum(by_source.values())),
            "records_by_source": dict(sorted(by_source.items())),
            "people": int(s["people"]),
            "people_by_size": dict(sorted(sizes.items())),
            "edges_by_tier": tiers,
            "review_flags": int(s["review"]),
            "loads": int(s["loads"]),
            "last_run": {"run_id": run[0]["run_id"], "finished": run[0]["finished"]} if run else None,
        }

    # -- human decisions and the review queue (ADR 0024) -----------------------------------------
    # (:Decision {decision_id, kind, record_a, record_b, actor, decided_at, reason, superseded_by})
    #     -[:ABOUT]->(:Record) x2
    _decision_schema_ready = False

    def _decision_schema(self) -> None:
        """The decisions' constraints, created on first use (``IF NOT EXISTS``)."""
        if self._decision_schema_ready:
            return
        with self._session() as s:
            for stmt in statements("decisions/schema"):
                s.run(stmt).consume()
        self._decision_schema_ready = True

    def record_decision(self, decision: Decision) -> int:
        d = decision
        if not d.record_a < d.record_b:
            raise StoreError(f"decision pair not in order: {d.record_a!r} must sort before {d.record_b!r}")
        self._decision_schema()
        rows = self._run_write(
            "decisions/record", kind=d.kind, record_a=d.record_a, record_b=d.record_b, actor=d.actor,
            decided_at=d.decided_at, reason=d.reason,
        )
        if not rows:
            found = set(self.records([d.record_a, d.record_b])["record_id"])
            missing = sorted({d.record_a, d.record_b} - found)
            raise NotFoundError(f"no record {missing}; record ids look like council_tax:CT000123")
        return int(rows[0]["decision_id"])

    def decisions(self, history: bool = False) -> pd.DataFrame:
        df = pd.DataFrame(self._read("decisions/list", history=history), columns=DECISION_COLUMNS, dtype=object)
        df = df.astype(object).where(df.notna(), None)
        for c in ("decision_id", "superseded_by"):
            df[c] = pd.Series([None if v is None else int(v) for v in df[c].tolist()], index=df.index, dtype=object)
        return df

    def flagged_persons(self) -> pd.DataFrame:
        cols = ["person_id", "size", "golden", "updated_run"]
        return pd.DataFrame(self._read("decisions/flagged_persons"), columns=cols)

    def person_edges(self, person_ids: list[str]) -> pd.DataFrame:
        rows: list[dict[str, Any]] = []
        for i in range(0, len(person_ids), 5_000):
            rows.extend(self._read("decisions/person_edges", ids=list(person_ids[i : i + 5_000])))
        df = pd.DataFrame(rows, columns=REVIEW_EDGE_COLUMNS).drop_duplicates(["record_a", "record_b"])
        return df.sort_values(["record_a", "record_b"], ignore_index=True)

    def cross_person_edges(self, tier: str) -> pd.DataFrame:
        return pd.DataFrame(self._read("decisions/cross_person_edges", tier=tier), columns=REVIEW_EDGE_COLUMNS)
