"""The store contract: what every store (embedded SQLite, Neo4j) provides.

The pipeline and the public API speak only to this Protocol; ``tests/store/`` is one contract
suite that every store passes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import pandas as pd

__all__ = ["Store", "LoadWriter", "Resolution", "SourceInfo", "FileInfo"]


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
    events: pd.DataFrame  # event, person_id, other_person_id, records
    edges: pd.DataFrame | None  # record_a, record_b, weight, probability, tier, levels; None: keep
    address_history: pd.DataFrame  # person_id, address_key, address, postcode, first_seen,
    #                                last_seen, sources, records, is_current
    term_frequencies: pd.DataFrame | None  # column, value, tf; None: keep the stored ones


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

    def write_resolution(self, run_id: int, resolution: Resolution) -> None: ...

    # -- queries ------------------------------------------------------------------------------
    def person(self, person_id: str) -> dict[str, Any] | None:
        """person_id, status, merged_into, size, review, golden (dict), created_run, updated_run."""

    def person_records(self, person_id: str) -> pd.DataFrame: ...

    def person_address_history(self, person_id: str) -> pd.DataFrame: ...

    def person_of(self, record_id: str) -> str | None: ...

    def records(self, record_ids: list[str]) -> pd.DataFrame:
        """Canonical rows (plus trust, raw) for these record ids, in record_id order."""

    def record_history(self, record_id: str) -> pd.DataFrame: ...

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

    # -- recompute clusters in the store -----------------------------------------------------
    def all_edges(self) -> Iterator[pd.DataFrame]:
        """Every similarity edge (record_a, record_b, probability, tier, levels), in chunks."""

    def match_components(self) -> tuple[pd.DataFrame, str]:
        """(record_id, component) over match edges, computed in the store, and the method used."""
