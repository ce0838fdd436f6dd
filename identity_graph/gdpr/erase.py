"""Erasure (UK GDPR article 17): a record, or a resident, removed from everything the store holds.

``erase(store, target, reason=..., actor=...)``, in order:

1. the target: a person id (every record the person holds now), or a record id (a record held
   now, or one retired earlier that lives on in history);
2. the records held now leave through the live index's delete path (``recompute.update`` with
   ``retire``, reason ``erased``): the person shrinks, splits or dissolves exactly as with
   ``idgraph delete``, and every other person is left as it was (no run without a model: then
   no one was clustered yet);
3. one ``Store.purge`` removes every trace: the records and their whole history, identifiers no
   one else holds, links, edges, decisions naming them, the golden record and address history of
   people now retired, the erased values in the change feed's details (``details_changed`` old
   and new values, record ids in ``records_added`` / ``records_removed``), their share of the
   term frequencies; the audit log keeps who read what and when, the record named by a
   pseudonym; a tombstone per record (salted hash, when, why, who) stops a reload;
4. ``Store.compact``: the embedded file rewritten (``VACUUM``) and its WAL truncated;
5. rejects files (the store's own rejects folder, and any folder named) lose the rows that name
   the record or hold its values.

Steps 2 and 3 are two transactions. If the purge fails, run the erasure again with the record
ids the error names: a record already retired is found in its history.
"""

from __future__ import annotations

import csv
import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import IdentityGraphError, NotFoundError
from ..store.contract import Purge, Store
from ..types import MULTI_SEPARATOR, RECORD_COLUMNS
from .tombstones import pseudonym, record_hash

__all__ = ["ErasureReport", "erase", "erased_values", "default_rejects_dir", "scrub_rejects"]

#: the canonical fields whose values an erasure looks for in the change feed's details
VALUE_FIELDS = ("given_name", "middle_names", "family_name", "dob", "address", "postcode", "address_key",
                "phones", "emails", "nhs_number", "ni_number", "uprn")
#: shorter values match too much (a title, a sex, an initial): not looked for
MIN_VALUE_CHARS = 3
#: the marker an erased value leaves in an event's detail
ERASED = "[erased]"


@dataclass
class ErasureReport:
    target: str
    person_id: str | None
    records: list[str]
    run_id: int | None  # the update that re-clustered what was left (None: no one to re-cluster)
    people_touched: list[str]
    events_redacted: int
    term_frequencies: int
    tombstones: int
    rejects_rows: int = 0
    rejects_files: list[str] = field(default_factory=list)
    compacted: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target, "person_id": self.person_id, "records": len(self.records),
            "run_id": self.run_id, "people_touched": self.people_touched,
            "events_redacted": self.events_redacted, "term_frequencies": self.term_frequencies,
            "tombstones": self.tombstones, "rejects_rows": self.rejects_rows,
            "rejects_files": self.rejects_files, "compacted": self.compacted,
        }


def _targets(store: Store, target: str) -> tuple[str | None, list[str], list[str]]:
    """(person id, record ids held now, record ids found only in history)."""
    found = store.person(target)
    if found is not None:
        if found["status"] != "active":
            if found.get("merged_into"):
                raise NotFoundError(
                    f"person {target} was merged into {found['merged_into']}: erase "
                    f"{found['merged_into']} (everything held about the resident), or name the record ids"
                )
            raise NotFoundError(
                f"person {target} is retired and holds no records; name the record ids to erase "
                "(a retired record is kept in its history until it is erased)"
            )
        return target, sorted(store.person_records(target)["record_id"].tolist()), []
    if len(store.records([target])):
        return store.person_of(target), [target], []
    if store.history_record_ids([target]):
        return None, [], [target]
    raise NotFoundError(
        f"no person or record {target!r} (nor a retired record in history); person ids look like "
        "P1a2b3c4d5e6f, record ids like council_tax:CT000123"
    )


def _history_rows(store: Store, record_ids: Sequence[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(canonical rows, raw rows) of every stored version of these records."""
    canon, raws = [], []
    for rid in record_ids:
        h = store.record_history(rid)
        for c, r in zip(h["canonical"].tolist(), h["raw"].tolist(), strict=True):
            canon.append(_json_dict(c))
            raws.append(_json_dict(r))
    return canon, raws


def _json_dict(text: Any) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def erased_values(canonical: Iterable[dict[str, Any]], raws: Iterable[dict[str, Any]]) -> set[str]:
    """The personal values of these rows an erasure looks for elsewhere: canonical identifying
    fields (multi-valued ones split) and every raw value of four characters or more."""
    out: set[str] = set()
    for row in canonical:
        for f in VALUE_FIELDS:
            v = row.get(f)
            if v is None or v != v:
                continue
            for part in str(v).split(MULTI_SEPARATOR):
                if len(part.strip()) >= MIN_VALUE_CHARS:
                    out.add(part.strip())
    for raw in raws:
        for v in raw.values():
            if v is not None and len(str(v).strip()) > MIN_VALUE_CHARS:
                out.add(str(v).strip())
    return out


def _redacted(detail: str, ids: set[str], values: list[str], affected: bool, names: dict[str, str]) -> str | None:
    """The event detail with the erased record ids and (for an affected person) the erased
    values taken out; the same text when nothing in it was erased."""
    try:
        d = json.loads(detail)
    except ValueError:
        return None if affected and any(v in detail.lower() for v in values) else detail
    if not isinstance(d, dict):
        return detail
    changed = False
    records = d.get("records")
    if isinstance(records, list):
        kept = [r for r in records if r not in ids]
        if len(kept) != len(records):
            d["records"] = kept
            d["erased_records"] = int(d.get("erased_records", 0)) + len(records) - len(kept)
            changed = True
    if affected:
        for key in ("old", "new"):
            if key in d and d[key] != ERASED:
                text = json.dumps(d[key], ensure_ascii=False, default=str).lower()
                if any(v in text for v in values):
                    d[key] = ERASED
                    changed = True
    out = json.dumps(d, ensure_ascii=False, sort_keys=True) if changed else detail
    for rid in ids:  # a record id anywhere else in the text
        if rid in out:
            out = out.replace(rid, names[rid])
    return out


#: golden-record fields of which one shared value ties a retired person to an erased record
STRONG_FIELDS = ("emails", "phones", "nhs_number", "ni_number")


def _split(v: Any) -> set[str]:
    if v is None or v != v:
        return set()
    return {p for p in str(v).split(MULTI_SEPARATOR) if p}


def _held_by(golden: str | None, rows: list[dict[str, Any]]) -> bool:
    """Whether a (retired) person's last golden record came from one of these records: it holds
    one of their emails, phones, NHS or NI numbers, or their name and date of birth together."""
    g = _json_dict(golden)
    if not g:
        return False
    for r in rows:
        if any(_split(g.get(f)) & _split(r.get(f)) for f in STRONG_FIELDS):
            return True
        keys = ("given_name", "family_name", "dob")
        if all(r.get(k) for k in keys) and all(g.get(k) == r.get(k) for k in keys):
            return True
    return False


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame([{c: r.get(c) for c in RECORD_COLUMNS} for r in rows], columns=list(RECORD_COLUMNS), dtype=object)
    df = df.where(df.notna(), None)
    df["dob_ambiguous"] = df["dob_ambiguous"].map(lambda v: bool(v) if v is not None else False)
    df["trust"] = [int(r.get("trust") or 1) for r in rows]
    return df


def _term_frequency_rows(store: Store, canonical: list[dict[str, Any]]) -> list[tuple[str, str, float | None]]:
    """The stored model's term frequencies with the erased records' share taken out: a value's
    count (tf / floor, ADR 0026) less the erased records holding it; none left, the row goes."""
    from ..pipeline import prepare_frame
    from ..recompute import compare_methods
    from ..score.model import Model

    latest = store.latest_model()
    if latest is None or not canonical:
        return []
    model = Model.from_json(latest[2])
    floors = model.context.get("tf_floor") if model.context else None
    if not floors:
        return []
    prepared, _ = prepare_frame(_frame(canonical), compare_methods(store),
                                placeholders=model.context.get("placeholders", {}))
    out: list[tuple[str, str, float | None]] = []
    for column, floor in sorted(floors.items()):
        cols = ["given_name", "family_name"] if column in ("given_name", "family_name") else [column]
        counts: Counter[str] = Counter()
        for c in cols:
            if c in prepared.columns:
                counts.update(str(v) for v in prepared[c].tolist() if v is not None and v == v and v != "")
        if not counts:
            continue
        for value, tf in sorted(store.term_frequencies(column, sorted(counts)).items()):
            left = round(float(tf) / float(floor)) - counts[value]
            out.append((column, value, None if left <= 0 else left * float(floor)))
    return out


def default_rejects_dir(store: Store) -> Path | None:
    """The folder loads write rejects to by default (``api._rejects_path``): next to an
    embedded store's file; ``./<database>.rejects/`` in the working folder for Neo4j."""
    if store.uri == ":memory:":
        return None
    from ..api import _rejects_path
    from ..ingest.mapping import SourceMapping

    probe = SourceMapping.from_dict({"source": "x", "id": "id", "fields": {"given_name": "g"}}, "<probe>")
    return _rejects_path(store, probe, Path("x.csv")).parent


def _mentions(text: str, ids: set[str], values: list[str]) -> bool:
    if not text:
        return False
    tokens = set(re.split(r"[\s,;|\"'()\[\]{}]+", text))
    if tokens & ids:
        return True
    low = text.lower()
    return any(v in low for v in values)


def scrub_rejects(
    folders: Iterable[Path], ids_by_source: dict[str, set[str]], values: Iterable[str]
) -> tuple[int, list[str]]:
    """Remove, from the rejects files of these sources (``<source>__*.csv``) in these folders,
    every row naming one of the source record ids or holding one of the values (five characters
    or more). Returns (rows removed, files rewritten). A file is replaced whole (a temporary file
    renamed over it, its permissions kept)."""
    long_values = sorted({v.lower() for v in values if len(v) >= 5})
    removed, files = 0, []
    for folder in folders:
        if not folder.is_dir():
            continue
        for source, ids in sorted(ids_by_source.items()):
            for path in sorted(folder.glob(f"{source}__*.csv")):
                with path.open(encoding="utf-8-sig", newline="") as fh:
                    rows = list(csv.reader(fh))
                if not rows:
                    continue
                header, body = rows[0], rows[1:]
                kept = [r for r in body if not any(_mentions(cell, ids, long_values) for cell in r)]
                if len(kept) == len(body):
                    continue
                mode = path.stat().st_mode & 0o777
                fd, tmp = tempfile.mkstemp(dir=folder, prefix=".scrub-", suffix=".csv")
                try:
                    with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                        w = csv.writer(out)
                        w.writerow(header)
                        w.writerows(kept)
                    os.chmod(tmp, mode)
                    os.replace(tmp, path)
                except BaseException:
                    Path(tmp).unlink(missing_ok=True)
                    raise
                removed += len(body) - len(kept)
                files.append(str(path))
    return removed, files


def erase(
    store: Store,
    target: str,
    *,
    reason: str,
    actor: str,
    rejects_dirs: Sequence[str | os.PathLike[str]] = (),
    compact: bool = True,
) -> ErasureReport:
    """Erase a person (every record they hold) or one record, everywhere; see the module docstring."""
    from ..recompute import update

    reason = (reason or "").strip()
    if not reason:
        raise IdentityGraphError("an erasure needs a reason (kept in the tombstone), e.g. --reason \"SAR 41: erasure request\"")
    person_id, current, history_only = _targets(store, target)
    ids = sorted({*current, *history_only})
    # what the records hold, read before anything is removed
    now_rows = store.records(current) if current else pd.DataFrame(columns=[*RECORD_COLUMNS, "trust", "raw"])
    canon = now_rows.drop(columns=["raw"]).to_dict(orient="records")
    raws = [_json_dict(r) for r in now_rows["raw"].tolist()]
    h_canon, h_raws = _history_rows(store, ids)
    values = sorted({v.lower() for v in erased_values([*canon, *h_canon], [*raws, *h_raws])})
    affected = {p for p in (store.person_of(r) for r in current) if p}
    if person_id:
        affected.add(person_id)
    # the model's term frequencies, read while the records still count in them
    tf_rows = _term_frequency_rows(store, [*canon, *h_canon])

    # 2. the delete path: the person shrinks, splits or dissolves; no one else moves
    run_id: int | None = None
    if current and store.latest_model() is not None:
        res = update(store, retire=current, reason="erased", changed=[])
        run_id = res.run_id
        ev = res.events
        affected |= {p for p in [*ev["person_id"].tolist(), *ev["other_person_id"].tolist()] if p}

    # 3. the purge
    salt = store.tombstone_salt()
    hashes = {r: record_hash(salt, r) for r in ids}
    names = {r: pseudonym(h) for r, h in hashes.items()}
    id_set = set(ids)
    mentioning = store.events_mentioning(ids)
    affected |= {p for p in [*mentioning["person_id"].tolist(), *mentioning["other_person_id"].tolist()] if p}
    # retired people whose last golden record came from these records (merged away, dissolved)
    affected |= {p for p, g in zip(*(store.retired_goldens()[c].tolist() for c in ("person_id", "golden")),
                                     strict=True) if _held_by(g, [*canon, *h_canon])}
    events = pd.concat([store.person_changes(sorted(affected)), mentioning], ignore_index=True)
    details: dict[int, str | None] = {}
    for seq, detail, p, q in zip(events["seq"].tolist(), events["detail"].tolist(), events["person_id"].tolist(),
                                 events["other_person_id"].tolist(), strict=True):
        if detail is None or int(seq) in details:
            continue
        new = _redacted(detail, id_set, values, bool({p, q} & affected), names)
        if new != detail:
            details[int(seq)] = new
    erased_at = datetime.now(UTC).isoformat(timespec="seconds")
    tombstones = [{"hash": hashes[r], "source": r.split(":", 1)[0], "erased_at": erased_at, "reason": reason,
                   "actor": actor} for r in ids]
    store.purge(Purge(record_ids=ids, people=sorted(affected), event_details=details, term_frequencies=tf_rows,
                      audit_record_ids=names, tombstones=tombstones))
    # the erasure in the audit log, beside the reads of the person (no record id, no reason text)
    from ..access import audit

    audit.record(store, actor, "cli" if actor.startswith("cli:") else "api", "erase", [(person_id, None)],
                 detail=f"{len(ids)} records erased")
    compacted = store.compact() if compact else {}

    # 5. rejects files
    folders = [Path(d) for d in rejects_dirs]
    own = default_rejects_dir(store)
    if own is not None and own not in folders:
        folders.append(own)
    by_source: dict[str, set[str]] = {}
    for r in ids:
        source, _, sid = r.partition(":")
        by_source.setdefault(source, set()).add(sid)
    raw_values = {str(v).strip() for raw in [*raws, *h_raws] for v in raw.values() if v is not None}
    rows_removed, files = scrub_rejects(folders, by_source, raw_values | set(values))
    return ErasureReport(
        target=target, person_id=person_id, records=ids, run_id=run_id, people_touched=sorted(affected),
        events_redacted=len(details), term_frequencies=len(tf_rows), tombstones=len(tombstones),
        rejects_rows=rows_removed, rejects_files=files, compacted=compacted,
    )
