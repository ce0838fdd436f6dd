"""``GET /v1/search?family_name=...&dob=...``: who is this resident? (thin over ``api.search``).

The query's fields are the canonical ones of ``_search_fields.SEARCH_FIELDS``; an unknown one is
a 422. Each person returned is audited with the fields searched by (never their values).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, create_model

from ... import api
from ..._search_fields import SEARCH_FIELDS
from ...access.keys import Permission
from ..auth import Access, require
from ..errors import ERROR_RESPONSES
from ..models import Golden

__all__ = ["router", "SearchQuery"]

router = APIRouter(prefix="/v1", tags=["people"], responses=ERROR_RESPONSES)
Reader = Annotated[Access, Depends(require(Permission.READ_PEOPLE))]

_query_fields: dict[str, Any] = {f: (str | None, Field(None, max_length=500)) for f in SEARCH_FIELDS}
_query_fields["limit"] = (int, Field(10, ge=1, le=100, description="At most this many people."))
#: the search's query string: canonical fields (docs/MAPPING_SPEC.md) and ``limit``
SearchQuery = create_model("SearchQuery", __config__=ConfigDict(extra="forbid"), **_query_fields)


class Hit(BaseModel):
    person_id: str | None = None
    best_record: str
    probability: float
    weight: float
    golden: Golden  # type: ignore[valid-type]


class SearchResult(BaseModel):
    """People ranked by how likely each is the person described, best first."""

    hits: list[Hit]


@router.get("/search", response_model=SearchResult, summary="Who is this resident?")
def search(query: Annotated[SearchQuery, Query()], access: Reader) -> SearchResult:  # type: ignore[valid-type]
    given = {k: v for k, v in query.model_dump().items() if k != "limit" and v not in (None, "")}
    with access.service.reading() as store:
        hits = api.search(store, limit=query.limit, **given)
    access.audit([(h.person_id, h.record_id) for h in hits], detail="by " + ",".join(sorted(given)))
    return SearchResult(hits=[Hit(**h.to_dict()) for h in hits])
