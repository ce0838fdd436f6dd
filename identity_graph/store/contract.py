"""The store contract: what every store (embedded SQLite, Neo4j) provides.

The pipeline and the public API speak only to this Protocol; ``tests/store/`` is one contract
suite that every store passes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import pandas as pd

__all__ = [
    "Store", "LoadWriter", "Resolution", "ResolutionDelta", "SourceInfo", "FileInfo", "EVENT_COLUMNS",
    "Decision", "DECISION_COLUMNS", "REVIEW_EDGE_COLUMNS",
    "AUDIT_COLUMNS", "API_KEY_COLUMNS", "USER_COLUMNS",
    "Purge", "TOMBSTONE_COLUMNS",
]

#: columns of a run's person events, as computed (the store adds ``seq``, the durable cursor of
#: the change feed, ``run_id`` and ``at``). ``event``: created, merged, split, dissolved,
#: records_added, records_removed, details_changed. ``detail``: JSON (or None): for
#: details_changed ``{"field": ..., "old": ..., "new": ...}``; for records_added / records_removed
#: ``{"records": [record ids]}``. ``sources``: the sources holding records of the person (and, for
#: a removal or a retirement, the sources that held them), sorted: a service filters on it.
EVENT_COLUMNS = ["event", "person_id", "other_person_id", "records", "detail", "sources"]

#: columns of one audit entry (issue 11 item 5): ``at`` (ISO UTC time), ``actor`` (an API key's
#: name, or ``cli:<os user>``), ``role``, ``action`` (``GET /v1/persons/{person_id}``, ``idgraph
#: person``), ``person_id`` / ``record_id`` read (either may be None), ``purpose`` (the
#: ``X-Purpose`` header or ``--purpose``), ``request_id`` (groups the entries of one request) and
#: ``detail`` (short text, never a search's values). The store adds ``seq``, the entry's order.
AUDIT_COLUMNS = ["at", "actor", "role", "action", "person_id", "record_id", "purpose", "request_id", "detail"]
#: columns of ``Store.api_keys`` (a key's hash is never read back in a listing)
API_KEY_COLUMNS = ["name", "role", "source", "created_at", "revoked_at"]
#: columns of ``Store.users`` (workbench users, issue 13; a password's hash is never listed)
USER_COLUMNS = ["name", "role", "created_at", "disabled_at"]


@dataclass(frozen=True)
class SourceInfo:
    source: str
    trust: int
    mapping_json: str
    compare: dict[str, str] = field(default_factory=dict)  # extra field name -> method


@dataclass(frozen=True)
class FileInfo:
    path: str
    sha256: str
    rows: int | None = None


class LoadWriter(Protocol):
    """Handed out by ``Store.load``; everything written through it commits or rolls back together."""

    def existing_hashes(self, source_record_ids: list[str]) -> dict[str, str]:
        """row_hash of those records already in the store (for idempotent loads)."""

    def upsert(self, frame: pd.DataFrame, *, updated: set[str]) -> None:
        """Insert new records and replace changed ones (their old values go to history).

        ``frame`` is a canonical record frame plus ``row_hash`` and ``raw`` (JSON) columns;
        ``updated`` names the record_ids that already exist and changed.
        """

    def finish(self, counts: dict[str, int]) -> int:
        """Record the load in the audit log; returns the load id."""


@dataclass
class Resolution:
    """Everything a resolve run writes, in one transaction."""

    settings_json: str
    model_json: str
    report: dict[str, Any]
    assignment: pd.DataFrame  # record_id, person_id
    persons: pd.DataFrame  # person_id, created_run(None = this run), size, review, golden (JSON)
    retired: pd.DataFrame  # person_id, merged_into (None when dissolved)
    events: pd.DataFrame  # EVENT_COLUMNS (``detail`` and ``sources`` may be absent: None)
    edges: pd.DataFrame | None  # record_a, record_b, weight, probability, tier, levels; None: keep
    address_history: pd.DataFrame  # person_id, address_key, address, postcode, first_seen,
    #                                last_seen, sources, records, is_current
    term_frequencies: pd.DataFrame | None  # column, value, tf; None: keep the stored ones
    #: ``Store.records_version()`` when the run read its records: the write is refused
    #: (``StaleInputError``) when it has changed since. None: not checked (ADR 0028)
    records_version: int | None = None


@dataclass
class ResolutionDelta:
    """What an incremental update (``api.update``) writes, in one transaction: only the records
    and people it touched. Every other record, person, edge and address-history row is left
    exactly as it is. The run itself (settings, model, report) is recorded like a resolve's.

    Order of application inside the transaction:

    1. ``retired_records`` (record_id, reason): deleted records. Each row's current values go to
       the record's history (``record_history``, with the reason and the time), then the record,
       its identifiers and its person link are removed. (Re-loading the record later brings it
       back as a new record.)
    2. every stored edge with an endpoint in ``edges_touching``, or with *both* endpoints in
       ``region``, is deleted; then ``edges`` (record_a < record_b, weight, probability, tier,
       levels) are inserted.
    3. the person links of every record in ``region`` are replaced by ``assignment``
       (record_id, person_id, row_hash: the record's row_hash the update clustered, which
       ``dirty_records`` compares against). ``region`` lists record ids; records retired in
       step 1 lose their link there.
    4. ``persons`` (person_id, created_run (None = this run), size, review, golden JSON) are
       upserted as active, as ``write_resolution`` upserts them (updated_run changes only when
       golden, size or status changed); ``retired`` (person_id, merged_into or None) are retired.
    5. the address history rows of every person in ``history_people`` are replaced by
       ``address_history`` rows (same columns as ``Resolution.address_history``).
    6. ``events`` (``EVENT_COLUMNS``) are appended to the change feed in frame order, each with
       the next ``seq``, this ``run_id`` and the time.
    Term frequencies are never touched (the stored model's are frozen).

    Decided with the stores (ADR 0025):

    - Refused before anything is written, every problem named in one ``StoreError``: a frame
      without its columns (an empty frame may have none), ``assignment`` rows outside ``region``
      or naming a record twice, a record both retired and assigned, a person both upserted and
      retired, an edge not written ``record_a < record_b``, ``address_history`` rows of people
      not in ``history_people``.
    - Refused inside the transaction, which rolls back (``StoreError``): a ``run_id`` not after
      every recorded run (``StaleInputError``: take ``next_run_id()`` when the update's input is
      read, ADR 0028); a retired record that
      is not in the store; an edge or assignment naming a record not in the store once step 1
      is done; an assignment to a person who is not active once step 4 is done. The delta was
      computed against another state of the store: compute it again.
    - Step 1 also removes every edge of a retired record (named in ``edges_touching`` or not).
      Its history row has ``load_id`` None, ``replaced_at`` the update's time and ``reason``;
      Neo4j also removes identifier nodes that nothing holds any more.
    - Step 2 inserts an edge whose pair is still stored by replacing it (an upsert).
    - Step 3: an ``assignment`` row whose ``row_hash`` is None remembers the record's current
      row_hash (read in the same transaction).
    - Neo4j upserts the people (step 4) before relinking the region (step 3): a link needs its
      person node. The state written is the one this order describes.
    """

    settings_json: str
    model_json: str
    report: dict[str, Any]
    retired_records: pd.DataFrame  # record_id, reason
    region: list[str]
    assignment: pd.DataFrame  # record_id, person_id, row_hash
    persons: pd.DataFrame  # person_id, created_run, size, review, golden
    retired: pd.DataFrame  # person_id, merged_into
    events: pd.DataFrame  # EVENT_COLUMNS
    edges_touching: list[str]
    edges: pd.DataFrame  # record_a, record_b, weight, probability, tier, levels
    history_people: list[str]
    address_history: pd.DataFrame


# -- human decisions (ADR 0024) -------------------------------------------------------------------
#: columns of ``Store.decisions``: ``superseded_by`` is the decision_id of the later decision on
#: the same pair that replaced this one (None: this is the pair's current decision)
DECISION_COLUMNS = ["decision_id", "kind", "record_a", "record_b", "actor", "decided_at", "reason", "superseded_by"]
#: columns of ``Store.person_edges`` and ``Store.cross_person_edges``
REVIEW_EDGE_COLUMNS = ["record_a", "record_b", "weight", "probability", "tier", "levels", "person_a", "person_b"]


@dataclass(frozen=True)
class Decision:
    """A reviewer's decision about two records: ``kind`` is ``same-person`` or ``keep-apart``;
    ``record_a`` < ``record_b`` (the caller normalises the order); ``actor`` names who decided
    (``cli:<os user>``, an API key's name); ``decided_at`` is ISO 8601 UTC; ``reason`` is required."""

    kind: str
    record_a: str
    record_b: str
    actor: str
    decided_at: str
    reason: str


# -- personal data: erasure, tombstones, retention (issue 12, ADR 0032) ------------------------------
#: columns of a tombstone: ``hash`` (hex SHA-256 of the store's salt + ``source:source_record_id``),
#: ``source`` (the system's name, not personal), ``erased_at`` (ISO UTC), ``reason``, ``actor``
TOMBSTONE_COLUMNS = ["hash", "source", "erased_at", "reason", "actor"]


@dataclass
class Purge:
    """What an erasure (or a retention run) removes, written by ``Store.purge`` in one transaction.

    - ``record_ids``: every trace of these records goes: the record row (if still there), its
      history (``record_history`` / ``:RecordVersion``), identifiers (Neo4j: identifier nodes no
      one else holds), person links, similarity edges, and every decision naming it (superseded
      ones too).
    - ``people``: people whose golden record and address history are removed when they are
      retired (an active person's are the ones its remaining records give: left alone).
    - ``event_details``: seq -> the event's new ``detail`` (None: no detail).
    - ``term_frequencies``: (column, value, tf): the row's new frequency, or None to remove it.
    - ``audit_record_ids``: record_id -> the pseudonym audit entries name it by from now on.
    - ``tombstones``: rows of ``TOMBSTONE_COLUMNS`` added (a hash already there is kept).
    """

    record_ids: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    event_details: dict[int, str | None] = field(default_factory=dict)
    term_frequencies: list[tuple[str, str, float | None]] = field(default_factory=list)
    audit_record_ids: dict[str, str] = field(default_factory=dict)
    tombstones: list[dict[str, Any]] = field(default_factory=list)


@runtime_checkable
class Store(Protocol):
    uri: str
    #: True: a failed load leaves nothing behind. False: loads commit per batch and are
    #: idempotent, so rerunning a failed load leaves exactly the data of one clean load.
    atomic_loads: bool

    def close(self) -> None: ...

    # -- loading ----------------------------------------------------------------------------
    def load(self, source: SourceInfo, file: FileInfo) -> AbstractContextManager[LoadWriter]:
        """A transaction for one export: committed on clean exit, rolled back on error."""

    # -- the resolve pipeline's reads --------------------------------------------------------
    def records_frame(self) -> pd.DataFrame:
        """Every record as a canonical record frame plus ``trust``, sorted by record_id: object
        columns, None for missing, equal strings one shared object (``_memory``)."""

    def sources(self) -> list[SourceInfo]: ...

    def current_assignment(self) -> pd.DataFrame:
        """record_id, person_id of the latest run (empty before the first)."""

    def persons_meta(self) -> pd.DataFrame:
        """person_id, created_run, status for every person id ever issued."""

    def next_run_id(self) -> int: ...

    def records_version(self) -> int:
        """A counter that changes whenever a record is inserted, changed or removed (ADR 0028):
        read it before reading records, give it to the run as ``Resolution.records_version``."""

    def write_resolution(self, run_id: int, resolution: Resolution) -> None:
        """Write a full run in one transaction (Neo4j: in idempotent batches, ADR 0011). Every
        record's person link also records the record's current ``row_hash`` (so
        ``dirty_records`` is empty right after), and the events are appended to the change feed
        (``changes``) with new ``seq`` numbers.

        Refused, nothing written (``StaleInputError``, checked in the transaction that records
        the run): a ``run_id`` not after every recorded run (read ``next_run_id()`` before
        reading the input: another run recorded since makes this one stale), and a
        ``resolution.records_version`` that is not the store's ``records_version()`` any more."""

    def write_update(self, run_id: int, delta: ResolutionDelta) -> None:
        """Write an incremental update in one transaction (see ``ResolutionDelta``); on any
        error nothing is written."""

    def dirty_records(self) -> tuple[list[str], list[str]]:
        """(changed, gone): record ids whose stored row is not the one the latest run clustered
        (new records, and records whose row_hash changed since), sorted; and record ids that
        hold a person link but whose record no longer exists, sorted. (Records only leave
        through ``write_update``, which drops their link too, so ``gone`` is empty unless a
        store was edited by hand; on Neo4j a link cannot outlive its record: always empty.)
        A store migrated from schema v1 takes a link as clustered with its record's current row
        when the record was last written before the latest run started; others are changed."""

    def records_hashes(self, record_ids: list[str]) -> dict[str, str]:
        """record_id -> current row_hash, for those of ``record_ids`` that exist."""

    def changes(self, after: int = 0, source: str | None = None, limit: int = 1000) -> pd.DataFrame:
        """The change feed: events with ``seq`` > ``after`` in ``seq`` order, at most ``limit``;
        with ``source``, only events whose ``sources`` include it. Columns: seq (int, > 0,
        never reissued), run_id, at (UTC ISO, seconds), event, person_id, other_person_id,
        records (int or None), detail (JSON text or None; a dict given in the events frame is
        stored as its JSON), sources (sorted list of distinct str; [] when none were given).
        A negative ``after`` or ``limit`` raises StoreError. Events stored before schema v2
        are numbered in run order, with their run's finish time and no sources."""

    # -- queries ------------------------------------------------------------------------------
    def person(self, person_id: str) -> dict[str, Any] | None:
        """person_id, status, merged_into, size, review, golden (dict), created_run, updated_run."""

    def goldens(self, person_ids: list[str]) -> dict[str, str]:
        """person_id -> golden record (JSON text) of those of ``person_ids`` that are active."""

    def person_records(self, person_id: str) -> pd.DataFrame: ...

    def person_address_history(self, person_id: str) -> pd.DataFrame: ...

    def person_of(self, record_id: str) -> str | None: ...

    def records(self, record_ids: list[str]) -> pd.DataFrame:
        """Canonical rows (plus trust, raw) for these record ids, in record_id order."""

    def record_history(self, record_id: str) -> pd.DataFrame:
        """record_id, load_id, replaced_at, row_hash, raw, canonical (JSON), reason: one row per
        replaced value (a load: load_id, reason None) or retirement (load_id None, reason)."""

    def find_records(self, kind: str, values: list[str]) -> pd.DataFrame:
        """record_id, kind, value of records holding any of these identifier values."""

    def edges(self, record_ids: list[str]) -> pd.DataFrame:
        """Similarity edges touching these records."""

    def latest_model(self) -> tuple[int, str, str] | None:
        """(run_id, settings_json, model_json) of the latest resolve."""

    def term_frequencies(self, column: str, values: list[str]) -> dict[str, float]: ...

    def links(self) -> Iterator[pd.DataFrame]:
        """source, source_record_id, person_id, in chunks, for export."""

    def runs(self) -> pd.DataFrame: ...

    def events(self, run_id: int | None = None) -> pd.DataFrame: ...

    def stats(self) -> dict[str, Any]: ...

    # -- investigator primitives (identity_graph/investigate/graph.py composes them) -------------
    def shared_identifiers(self, kinds: list[str], min_people: int, limit: int) -> pd.DataFrame:
        """kind, value, people, person_ids (sorted list): identifiers on more than one person."""

    def identifier_people(self, kind: str, value: str) -> pd.DataFrame:
        """person_id, record_id, source, first_seen, last_seen of records holding one identifier."""

    def residents(self, address: str) -> pd.DataFrame:
        """Address history rows at an address key (or every address of a postcode)."""

    def person_links(self, person_ids: list[str], kinds: list[str]) -> pd.DataFrame:
        """person_id, other_person_id, kind, value: one hop through shared identifiers."""

    def changed_since(self, since: str, limit: int) -> pd.DataFrame:
        """record_id, source, updated_at, person_id of records changed since an ISO time."""

    # -- the workbench's reads (issue 13; embedded_investigate.py, neo4j/investigate.py) ----------
    def residents_matching(self, needle: str) -> pd.DataFrame:
        """Address history rows (person_id, address_key, address, postcode, first_seen,
        last_seen, sources, is_current) whose address key contains ``needle``, a plain
        substring (never a pattern), by address_key, first_seen, person_id."""

    def address_history_all(self) -> pd.DataFrame:
        """Every address history row (columns as ``residents_matching``), by person_id,
        first_seen, address_key, address, last_seen (missing as ''): what the alerts over the whole index read."""

    def source_records(self, source: str) -> pd.DataFrame:
        """record_id, person_id (None: not resolved), address_key, address, postcode,
        record_date, dob, attributes (JSON text) of one source's records, by record_id."""

    # -- recompute clusters in the store -----------------------------------------------------
    def all_edges(self) -> Iterator[pd.DataFrame]:
        """Every similarity edge (record_a, record_b, probability, tier, levels), in chunks."""

    def match_components(self) -> tuple[pd.DataFrame, str]:
        """(record_id, component) over match edges, computed in the store, and the method used."""

    # -- human decisions and the review queue (ADR 0024) ---------------------------------------
    # Kept in their own section: decisions are written by reviewers at any time, independent of
    # runs; clustering reads them (``decisions``) on every resolve, recluster and update.
    def record_decision(self, decision: Decision) -> int:
        """Append a decision in one transaction and return its ``decision_id`` (increasing).
        The pair's current decision, if any, is superseded by it (kept, with ``superseded_by``).
        Raises ``NotFoundError`` when either record does not exist. Values travel as parameters
        only (reasons are free text written by people)."""

    def decisions(self, history: bool = False) -> pd.DataFrame:
        """``DECISION_COLUMNS`` in ``decision_id`` order: the current decision of every pair, or
        with ``history`` every decision ever recorded."""

    def flagged_persons(self) -> pd.DataFrame:
        """person_id, size, golden (JSON text), updated_run of the active people flagged for
        review, in person_id order."""

    def person_edges(self, person_ids: list[str]) -> pd.DataFrame:
        """``REVIEW_EDGE_COLUMNS``: every stored edge with a record of one of these people at
        either end, with the person of each end (None: no person), in (record_a, record_b) order."""

    def cross_person_edges(self, tier: str) -> pd.DataFrame:
        """``REVIEW_EDGE_COLUMNS``: the stored edges of one tier whose two records belong to two
        different people, in (record_a, record_b) order."""
    # -- access: API keys, the audit log, concurrent reads (issue 11 item 5) ---------------------
    # (kept apart from the sections above: identity_graph/access/ and serve/ are its only users)
    def add_api_key(self, name: str, key_hash: str, role: str, source: str | None, created_at: str) -> None:
        """Store a new key by its hash (the key itself is never stored). Raises ``StoreError``
        when a key of that name exists, revoked or not (audit entries name keys)."""

    def api_key(self, key_hash: str) -> dict[str, Any] | None:
        """The active (not revoked) key with this hash: name, role, source, created_at, key_hash."""

    def api_keys(self) -> pd.DataFrame:
        """``API_KEY_COLUMNS`` of every key, revoked ones too, by name."""

    def revoke_api_key(self, name: str, revoked_at: str) -> bool:
        """Revoke a key (its hash is forgotten, its name kept); False when no active key has it."""

    # users of the browser workbench (issue 13, ADR 0034): passwords stored only as a salted
    # KDF hash (``access/users.py`` makes it); a disabled user keeps the name, loses the hash
    def add_user(self, name: str, password_hash: str, role: str, created_at: str) -> None:
        """Store a new user. Raises ``StoreError`` when a user of that name exists (disabled or not)."""

    def user(self, name: str) -> dict[str, Any] | None:
        """The active (not disabled) user of this name: name, role, created_at, password_hash."""

    def users(self) -> pd.DataFrame:
        """``USER_COLUMNS`` of every user, disabled ones too, by name."""

    def set_user_password(self, name: str, password_hash: str) -> bool:
        """Replace an active user's password hash; False when no active user has the name."""

    def disable_user(self, name: str, disabled_at: str) -> bool:
        """Disable a user (the hash is forgotten, the name kept); False when none was active."""

    def secret(self, name: str, candidate: str, created_at: str) -> str:
        """The stored secret ``name`` (e.g. the workbench's session-signing key); when there is
        none yet, ``candidate`` is stored and returned. Concurrent first calls agree on one value."""

    def write_audit(self, entries: Sequence[Mapping[str, Any]]) -> None:
        """Append audit entries (``AUDIT_COLUMNS``; missing keys are None) in order, in one
        transaction, each with the next ``seq``."""

    def audit_log(
        self, limit: int = 100, person_id: str | None = None, actor: str | None = None
    ) -> pd.DataFrame:
        """``seq`` + ``AUDIT_COLUMNS``, newest first, at most ``limit``; only a person's or an
        actor's entries when given."""

    def read_view(self) -> AbstractContextManager[Store]:
        """A store to read through on the calling thread while other threads write through this
        one. Embedded: the thread's own read-only connection, inside one read transaction, so
        every read in the block sees one committed state (never half a write). Neo4j: the store
        itself (driver sessions are per call; each read is its own transaction)."""

    # -- personal data: erasure, tombstones, retention (issue 12, ADR 0032) -----------------------
    # (kept apart from the sections above: identity_graph/gdpr/ is its only user)
    def tombstone_salt(self) -> str:
        """The store's secret salt for tombstone hashes (hex), created on first use and kept in
        the store: the same record id hashes the same way in this store, and in no other."""

    def tombstones(self, hashes: list[str]) -> dict[str, str]:
        """hash -> erased_at of those of ``hashes`` that have a tombstone."""

    def drop_tombstones(self, hashes: list[str]) -> int:
        """Remove these tombstones (a record let back in with ``load --allow-erased``); returns
        how many there were."""

    def purge(self, purge: Purge) -> None:
        """Apply a ``Purge`` in one transaction (see its docstring); ids that are not there are
        skipped, so a purge run twice leaves what one leaves."""

    def history_record_ids(self, record_ids: list[str]) -> list[str]:
        """Those of ``record_ids`` that have history rows (records retired earlier live on only
        there), sorted."""

    def person_changes(self, person_ids: list[str]) -> pd.DataFrame:
        """The change feed's events naming any of these people (``person_id`` or
        ``other_person_id``), with the columns of ``changes``, in seq order."""

    def events_mentioning(self, texts: list[str]) -> pd.DataFrame:
        """``changes`` columns of the events whose ``detail`` contains any of ``texts``, in seq
        order (a scan: for erasure only)."""

    def detailed_events(self, before: str) -> pd.DataFrame:
        """``changes`` columns of the ``details_changed`` events written before ``before`` (ISO
        UTC) that still hold a detail, in seq order."""

    def history_before(self, source: str, before: str) -> pd.DataFrame:
        """record_id, replaced_at, reason, current (bool: the record still exists) of the
        history rows of ``source``'s records replaced or retired before ``before``."""

    def prune_history(self, source: str, before: str) -> int:
        """Delete those history rows (``history_before``) in one transaction; returns how many."""

    def retired_goldens(self) -> pd.DataFrame:
        """person_id, golden (JSON text), retired_at (the finish time of the run that retired
        them) of retired people who still hold a golden record or an address history."""

    def compact(self) -> dict[str, Any]:
        """Make removed values unrecoverable from the store's own files where the store can:
        embedded, ``VACUUM`` then a truncating WAL checkpoint (``{"vacuumed": True,
        "wal_truncated": bool}``); Neo4j, nothing it can do from a session (``{}``: its
        transaction logs rotate by the server's retention policy, see README)."""

    def find_text(self, needles: list[str]) -> list[str]:
        """Where any of ``needles`` occurs, case-insensitively, in a stored text value:
        ``table.column`` (embedded) or ``Label.property`` / ``:TYPE.property`` (Neo4j), sorted,
        distinct. A scan of everything: to check an erasure, never on a hot path."""
