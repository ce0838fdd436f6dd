"""Reviewers: ``GET /v1/review`` (flagged people and possible matches, worst first, with
evidence and why each is listed) and ``POST /v1/decisions`` (same-person or keep-apart, with a
reason; honoured by every later resolve, recluster and update, and applied at once to the live
index's people when ``apply`` is set).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from ... import api
from ...access.keys import Permission
from ..auth import Access, require
from ..errors import ERROR_RESPONSES

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["review"], responses=ERROR_RESPONSES)
Reviewer = Annotated[Access, Depends(require(Permission.REVIEW))]


class ReviewQueue(BaseModel):
    items: list[dict[str, Any]]


@router.get("/review", response_model=ReviewQueue, summary="The review queue, worst first")
def review(access: Reviewer, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> ReviewQueue:
    with access.service.reading() as store:
        items = [i.to_dict() for i in api.review_queue(store, limit)]
    reads: list[tuple[str | None, str | None]] = []
    for i in items:
        for p in i.get("person_ids") or []:
            if p:
                reads.append((p, None))
    access.audit(reads, detail="review queue")
    return ReviewQueue(items=items)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["same-person", "keep-apart"]
    record_a: str = Field(max_length=300)
    record_b: str = Field(max_length=300)
    reason: str = Field(min_length=1, max_length=2000)
    apply: bool = Field(False, description="Re-cluster the two records' people now (an incremental update).")


class DecisionOut(BaseModel):
    recorded: list[dict[str, Any]]
    contradictions: list[dict[str, Any]] = []
    run_id: int | None = None
    events: list[dict[str, Any]] = []


@router.post("/decisions", response_model=DecisionOut, summary="Record a reviewer's decision")
def decide(body: DecisionIn, access: Reviewer) -> DecisionOut:
    run_id, events = None, []
    live = access.service.live
    if body.apply:
        live.index()
    with live.writing() as store:
        rep = api.decide(store, body.kind, body.record_a, body.record_b, reason=body.reason,
                         actor=access.actor.name)
        if body.apply:
            res = live.update(store, changed=[])
            run_id, events = res.run_id, res.events.to_dict(orient="records")
    access.audit([(None, body.record_a), (None, body.record_b)], detail=f"decision {body.kind}")
    d = rep.to_dict()
    return DecisionOut(recorded=d.get("recorded", []), contradictions=d.get("contradictions", []),
                       run_id=run_id, events=events)
