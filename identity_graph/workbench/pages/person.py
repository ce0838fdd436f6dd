"""A person: the golden record and which sources hold each value, every record by source with
its history of changes, the address timeline, the events of the change feed, and the graph
with its evidence panel (``graph.py``: expand in place, waterfalls, paths). Every person and
record shown is audited."""

from __future__ import annotations

import json
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from ... import api
from ...people.golden import ADDRESS_FIELDS, GOLDEN_FIELDS
from ...store.contract import Store
from ..guard import Investigator, Visit
from ..render import render
from ..timeline import timeline
from .graph import graph_context, graph_reads

__all__ = ["router", "golden_rows", "person_events", "person_response"]

router = APIRouter()

#: fields a person page shows for a record, in this order (the rest of the canonical columns
#: are internal: keys, tokens, flags)
RECORD_FIELDS = ["title", "given_name", "middle_names", "family_name", "suffix", "dob", "gender", "address",
                 "postcode", "uprn", "phones", "emails", "nhs_number", "ni_number"]
_RECORD_SOURCE_FIELD = {"phones": "phones", "emails": "emails"}
LABELS = {"title": "Title", "given_name": "Given name", "middle_names": "Middle names", "family_name": "Family name",
          "suffix": "Suffix", "dob": "Date of birth", "gender": "Gender", "phones": "Phones", "emails": "Emails",
          "nhs_number": "NHS number", "ni_number": "NI number", "uprn": "UPRN", "address": "Address",
          "postcode": "Postcode", "address_key": "Address key"}


def _text(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and v != v):
        return None
    s = str(v).strip()
    return s or None


def golden_rows(golden: dict[str, Any], records: pd.DataFrame) -> list[dict[str, Any]]:
    """Each golden value with the sources whose records hold that same value (the golden record
    keeps the person's sources, not each value's: this is read from the records)."""
    rows = []
    for f in (*GOLDEN_FIELDS, *ADDRESS_FIELDS):
        if f == "address_key":
            continue
        value = _text(golden.get(f))
        if value is None:
            continue
        col = _RECORD_SOURCE_FIELD.get(f, f)
        held: list[str] = []
        if col in records.columns:
            want = set(value.split("|")) if f in ("phones", "emails") else {value}
            for src, v in zip(records["source"], records[col], strict=True):
                t = _text(v)
                if t is not None and (want & set(t.split("|")) if f in ("phones", "emails") else t in want):
                    held.append(str(src))
        rows.append({"field": f, "label": LABELS.get(f, f), "value": value.replace("|", ", "),
                     "sources": sorted(set(held))})
    return rows


def _history(store: Store, record_id: str, current: dict[str, Any]) -> list[dict[str, Any]]:
    """The record's earlier versions, newest first, each with the fields that changed after it."""
    h = store.record_history(record_id)
    if h.empty:
        return []
    versions = []
    for row in h.sort_values("replaced_at", kind="stable").to_dict(orient="records"):
        try:
            values = json.loads(row["canonical"]) if row.get("canonical") else {}
        except (TypeError, ValueError):
            values = {}
        versions.append({"replaced_at": row.get("replaced_at"), "reason": row.get("reason"), "values": values})
    out = []
    for i, v in enumerate(versions):
        after = versions[i + 1]["values"] if i + 1 < len(versions) else current
        changed = [{"label": LABELS.get(f, f), "old": _text(v["values"].get(f)), "new": _text(after.get(f))}
                   for f in RECORD_FIELDS if _text(v["values"].get(f)) != _text(after.get(f))]
        out.append({"replaced_at": v["replaced_at"], "reason": v["reason"], "changed": changed})
    return list(reversed(out))


def _says(detail: Any, records: Any) -> str:
    """An event's detail in words: a changed field's old and new value, or the records moved."""
    if isinstance(detail, dict) and detail.get("field"):
        old, new = _text(detail.get("old")) or "—", _text(detail.get("new")) or "—"
        return f"{LABELS.get(str(detail['field']), detail['field'])}: {old} → {new}"
    if isinstance(detail, dict) and detail.get("records"):
        return ", ".join(str(r) for r in detail["records"])
    n = _text(records)
    return f"{n} records" if n else ""


def person_events(store: Store, person_id: str) -> list[dict[str, Any]]:
    """The change feed's events about a person (as the person or the other person of a merge or
    split), oldest first: read by person (``Store.person_changes``, indexed on both stores)."""
    out: list[dict[str, Any]] = []
    for e in store.person_changes([person_id]).to_dict(orient="records"):
        detail = e.get("detail")
        try:
            d = json.loads(detail) if isinstance(detail, str) else detail
        except ValueError:
            d = None
        out.append({"seq": int(e["seq"]), "at": e.get("at"), "event": str(e["event"]).replace("_", " "),
                    "other": _text(e.get("other_person_id")), "says": _says(d, e.get("records"))})
    return out


IdPath = Annotated[str, Path(max_length=300)]


@router.get("/person/{person_id}", summary="A person")
def person_page(request: Request, person_id: IdPath, visit: Investigator) -> Response:
    return person_response(request, visit, person_id, [])


def person_response(request: Request, visit: Visit, person_id: str, expanded: list[str], **graph: Any) -> Response:
    """The person page, its graph with the people in ``expanded`` opened in place (``graph``:
    the note arguments of ``graph_context``). Audits every record and person it shows."""
    with visit.service.reading() as store:
        view = api.person(store, person_id)
        records = view.records.sort_values(["source", "record_id"], kind="stable")
        by_source: dict[str, list[dict[str, Any]]] = {}
        for rec in records.to_dict(orient="records"):
            rid = str(rec["record_id"])
            by_source.setdefault(str(rec["source"]), []).append({
                "record_id": rid,
                "fields": [(LABELS[f], _text(rec.get(f)).replace("|", ", ")) for f in RECORD_FIELDS
                           if _text(rec.get(f)) is not None],
                "history": _history(store, rid, rec),
            })
        events = person_events(store, view.person_id)
        drawn = graph_context(store, view.person_id, expanded, **graph)
    golden = golden_rows(view.golden, records)
    spells = view.address_history.to_dict(orient="records")
    visit.audit([(view.person_id, str(r)) for r in records["record_id"]] or [(view.person_id, None)],
                detail=f"asked for {person_id}" if person_id != view.person_id else None)
    new, old = graph_reads(drawn["graph"], graph.get("opened"))
    if new:
        visit.audit(new, detail=f"expanded in the graph of {view.person_id}")
    if old:  # the people one hop out, named in the graph: read too
        visit.audit(old, detail=f"in the graph of {view.person_id}")
    name = " ".join(v["value"] for v in golden if v["field"] in ("given_name", "family_name")) or view.person_id
    own = [(str(r), f"{s} {i}") for r, s, i in
           records[["record_id", "source", "source_record_id"]].itertuples(index=False, name=None)]
    return render(request, "person.html", {
        "title": name, "view": view, "golden": golden, "by_source": by_source,
        "timeline": timeline(spells), "events": events, "own_records": own, **drawn,
    }, visit=visit)
