"""The Neo4j store's personal-data section: tombstones, purges, retention (a mixin of ``Neo4jStore``).

Graph model: ``(:Tombstone {hash, source, erased_at, reason, actor})`` (unique ``hash``); the
salt in ``(:Meta {key: 'tombstone_salt'})``. The queries are in ``cypher/gdpr/``; the constraint
in ``cypher/gdpr/schema.cypher``, created on first use. ADR 0032.
"""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..contract import TOMBSTONE_COLUMNS, Purge
from ..feed import changes_frame
from ..identifiers import identifier_rows
from .catalog import query, statements

__all__ = ["Neo4jGdprMixin"]

#: canonical columns ``identifier_rows`` reads
_IDENTIFIER_COLUMNS = ["record_id", "given_name", "family_name", "dob", "address_key", "postcode", "phones",
                       "emails", "nhs_number", "ni_number", "uprn"]


def _identifier_keys(canonical: list[str | None]) -> list[str]:
    """``kind:value`` keys of the identifiers these canonical rows (JSON) would hold."""
    rows = []
    for text in canonical:
        if not text:
            continue
        try:
            rows.append(json.loads(text))
        except ValueError:
            continue
    if not rows:
        return []
    frame = pd.DataFrame([{c: r.get(c) for c in _IDENTIFIER_COLUMNS} for r in rows], columns=_IDENTIFIER_COLUMNS,
                         dtype=object)
    frame = frame.where(frame.notna(), None)
    idents = identifier_rows(frame)
    return sorted({f"{k}:{v}" for k, v in zip(idents["kind"], idents["value"], strict=True)})


class Neo4jGdprMixin:
    """Tombstones, purges and retention reads (``Store``'s personal-data section)."""

    _gdpr_schema_ready = False

    def _gdpr_schema(self) -> None:
        if self._gdpr_schema_ready:
            return
        with self._session() as s:
            for stmt in statements("gdpr/schema"):
                s.run(stmt).consume()
        self._gdpr_schema_ready = True

    # -- tombstones -----------------------------------------------------------------------------
    def tombstone_salt(self) -> str:
        return str(self._run_write("gdpr/salt", salt=secrets.token_hex(32))[0]["salt"])

    def tombstones(self, hashes: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for i in range(0, len(hashes), 20_000):
            out.update({r["hash"]: r["erased_at"] for r in self._read("gdpr/tombstones_get", hashes=list(hashes[i : i + 20_000]))})
        return out

    def drop_tombstones(self, hashes: list[str]) -> int:
        rows = self._run_write("gdpr/tombstones_drop", hashes=list(hashes))
        return int(rows[0]["dropped"]) if rows else 0

    # -- purge ------------------------------------------------------------------------------------
    def purge(self, purge: Purge) -> None:
        """One explicit write transaction: a failure (or a retry by the driver) leaves the graph
        as it was."""
        import neo4j

        self._gdpr_schema()
        ids = sorted({str(r) for r in purge.record_ids})
        people = sorted({str(p) for p in purge.people})
        details = [{"seq": int(s), "detail": d} for s, d in sorted(purge.event_details.items())]
        tf_set = [{"column": c, "value": v, "tf": float(t)} for c, v, t in purge.term_frequencies if t is not None]
        tf_delete = [{"column": c, "value": v} for c, v, t in purge.term_frequencies if t is None]
        audit = [{"record_id": r, "pseudonym": p} for r, p in sorted(purge.audit_record_ids.items())]
        tombstones = [{c: row.get(c) for c in TOMBSTONE_COLUMNS} for row in purge.tombstones]

        def work(tx: Any) -> None:
            def run(name: str, **params: Any) -> list[dict[str, Any]]:
                return [dict(r.items()) for r in tx.run(query(name), params)]

            keys: set[str] = set()
            if ids:
                held = run("gdpr/record_keys", ids=ids)
                keys.update(held[0]["keys"] if held else [])
                current = [json.dumps(r["props"], default=str) for r in run("read/records_get", ids=ids)]
                versions = [r["canonical"] for r in run("gdpr/versions_canonical", ids=ids)]
                keys.update(_identifier_keys([*current, *versions]))
                run("cluster/update_records_delete", ids=ids)
                run("gdpr/versions_delete", ids=ids)
                run("gdpr/decisions_delete", ids=ids)
            if people:
                for row in run("gdpr/people_clear", ids=people):
                    keys.update(row["keys"])
            if keys:
                run("cluster/update_identifiers_prune", keys=sorted(keys))
            if details:
                run("gdpr/events_set_detail", rows=details)
            if tf_set:
                run("gdpr/tf_set", rows=tf_set)
            if tf_delete:
                run("gdpr/tf_delete", rows=tf_delete)
            if audit:
                run("gdpr/audit_pseudonymise", rows=audit)
            if tombstones:
                run("gdpr/tombstones_add", rows=tombstones)
            if ids:  # records removed: a resolve that read them before is stale (ADR 0028)
                run("load/records_version_bump")

        with self._session() as s:
            s.execute_write(neo4j.unit_of_work(metadata=self._tx_meta("purge"))(work))

    def history_record_ids(self, record_ids: list[str]) -> list[str]:
        return [r["record_id"] for r in self._read("gdpr/history_record_ids", ids=list(record_ids))]

    # -- the change feed, read for erasure and retention ----------------------------------------
    def person_changes(self, person_ids: list[str]) -> pd.DataFrame:
        return changes_frame(self._read("gdpr/person_changes", ids=list(person_ids)))

    def events_mentioning(self, texts: list[str]) -> pd.DataFrame:
        texts = [t for t in texts if t]
        return changes_frame(self._read("gdpr/events_mentioning", texts=texts) if texts else [])

    def detailed_events(self, before: str) -> pd.DataFrame:
        return changes_frame(self._read("gdpr/detailed_events", before=before))

    # -- retention ----------------------------------------------------------------------------------
    def history_before(self, source: str, before: str) -> pd.DataFrame:
        rows = self._read("gdpr/history_before", prefix=f"{source}:", before=before)
        df = pd.DataFrame(rows, columns=["record_id", "replaced_at", "reason", "current"])
        df["current"] = df["current"].astype(bool)
        return df

    def prune_history(self, source: str, before: str) -> int:
        """The versions go; so do identifier nodes nothing holds any more (on Neo4j a replaced
        value's identifier node outlives it: a load relinks the record, it does not prune)."""
        rows = self._run_write("gdpr/history_prune", prefix=f"{source}:", before=before)
        self._until_none("gdpr/identifiers_orphans_prune", "deleted")
        return int(rows[0]["deleted"]) if rows else 0

    def retired_goldens(self) -> pd.DataFrame:
        return pd.DataFrame(self._read("gdpr/retired_goldens"), columns=["person_id", "golden", "retired_at"])

    def compact(self) -> dict[str, Any]:
        return {}

    def find_text(self, needles: list[str]) -> list[str]:
        wanted = [n.lower() for n in needles if n]
        if not wanted:
            return []
        found = {f"{':'.join(sorted(r['labels']))}.{r['property']}" for r in self._read("gdpr/find_text_nodes", needles=wanted)}
        found |= {f":{r['type']}.{r['property']}" for r in self._read("gdpr/find_text_relationships", needles=wanted)}
        return sorted(found)

    if TYPE_CHECKING:  # supplied by Neo4jStore

        def _read(self, name: str, **params: Any) -> list[dict[str, Any]]: ...

        def _run_write(self, name: str, **params: Any) -> list[dict[str, Any]]: ...

        def _session(self) -> Any: ...

        def _until_none(self, name: str, counted: str, limit: int = 20_000, **params: Any) -> None: ...

        def _tx_meta(self, name: str) -> dict[str, str]: ...
