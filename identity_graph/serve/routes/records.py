"""A service's own records: ``POST /v1/sources/{source}/records`` (one record or a batch, in the
source's own columns) and ``DELETE /v1/sources/{source}/records/{id}``.

Posted rows are standardised by the source's stored mapping exactly as ``idgraph load`` would,
written in one transaction, then resolved incrementally with the stored model (only the people
they touch change). The answer names each record's person and the events the change caused,
which the change feed (``GET /v1/changes``) also carries to every other service. Writes are
serialised; reads carry on meanwhile and see the change whole or not at all.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from ... import api
from ...access.keys import Permission
from ..auth import Access, require
from ..errors import ERROR_RESPONSES, ApiError
from ..models import PersonEvent

__all__ = ["router"]

router = APIRouter(prefix="/v1/sources", tags=["records"], responses=ERROR_RESPONSES)
Writer = Annotated[Access, Depends(require(Permission.WRITE_RECORDS))]
SourcePath = Annotated[str, Path(max_length=100, pattern=r"^[a-z0-9_]+$", description="A source system's name.")]

#: rows in one request at most
MAX_ROWS = 5000


class RecordsIn(BaseModel):
    """One record (``record``) or several (``records``), each an object of the source's own
    columns, as in its exports."""

    record: dict[str, Any] | None = None
    records: list[dict[str, Any]] | None = Field(None, max_length=MAX_ROWS)


class RecordOut(BaseModel):
    record_id: str
    person_id: str | None = None


class RejectOut(BaseModel):
    row: int
    column: str | None = None
    reason: str
    action: str


class WriteResult(BaseModel):
    run_id: int | None = None
    records: list[RecordOut]
    rejected: list[RejectOut] = []
    events: list[PersonEvent] = []


@router.post("/{source}/records", response_model=WriteResult, summary="Add or change this source's records")
def post_records(source: SourcePath, body: RecordsIn, access: Writer) -> WriteResult:
    access.check_source(source)
    rows = ([body.record] if body.record else []) + list(body.records or [])
    if not rows:
        raise ApiError(422, "invalid", "send `record` (one object) or `records` (a list) in the source's own columns")
    live = access.service.live
    live.index()  # built before the write lock is taken (reads the whole store once)
    with live.writing() as store:
        report, rejects, ids = api.load_records(store, source, rows)
        result = live.update(store, changed=report.written or []) if report.written else None
        people = {rid: store.person_of(rid) for rid in ids}
    out = [RecordOut(record_id=r, person_id=people[r]) for r in ids]
    access.audit([(p, r) for r, p in people.items()], detail="records written")
    return WriteResult(
        run_id=result.run_id if result else None, records=out,
        rejected=[RejectOut(row=r.row, column=r.column, reason=r.reason, action=r.action) for r in rejects],
        events=PersonEvent.rows(result.events) if result is not None else [],
    )


@router.delete("/{source}/records/{record_id}", response_model=WriteResult, summary="Retire one of this source's records")
def delete_record(
    source: SourcePath,
    record_id: Annotated[str, Path(max_length=300, description="The record's id in its source.")],
    access: Writer,
    reason: Annotated[str, Query(min_length=1, max_length=500, description="Why (kept in the record's history).")] = "deleted by its source",
) -> WriteResult:
    access.check_source(source)
    rid = f"{source}:{record_id}"
    live = access.service.live
    live.index()
    with live.writing() as store:
        was = store.person_of(rid)
        result = live.update(store, retire=[rid], reason=reason)
    access.audit([(was, rid)], detail="record retired")
    return WriteResult(run_id=result.run_id, records=[RecordOut(record_id=rid, person_id=None)],
                       events=PersonEvent.rows(result.events))
