"""``GET /v1/changes?after=CURSOR&source=S&limit=N``: the change feed ("tell us once").

Person events in order, each with its ``seq`` (the cursor to pass next time): created, merged,
split, dissolved, records added or removed, details changed (old and new values). A key bound to
a source reads the events touching that source's records.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from ... import api
from ...access.keys import Permission
from ..auth import Access, require
from ..errors import ERROR_RESPONSES, ApiError
from ..models import PersonEvent

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["changes"], responses=ERROR_RESPONSES)
Reader = Annotated[Access, Depends(require(Permission.READ_CHANGES))]


class Changes(BaseModel):
    changes: list[PersonEvent]
    next: int  # pass as ``after`` next time


@router.get("/changes", response_model=Changes, summary="What changed about people, after a cursor")
def changes(
    access: Reader,
    after: Annotated[int, Query(ge=0)] = 0,
    source: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> Changes:
    source = source or access.actor.source
    if source:
        access.check_source(source)
    elif access.actor.role.value != "admin":
        raise ApiError(422, "invalid", "name the source whose changes you read (`source=`); "
                       "this key is bound to none")
    with access.service.reading() as store:
        df = api.changes(store, after=after, source=source, limit=limit)
    rows = PersonEvent.rows(df)
    access.audit([(c.person_id, None) for c in rows if c.person_id], detail="change feed")
    return Changes(changes=rows, next=int(rows[-1].seq or after) if rows else after)
