"""``POST /v1/match``: the Citizen ID lookup a front-desk form makes at its first step.

Answered from the warm live index (``serve.live``): the query is standardised as a record,
blocked against every record and scored with the stored model; concurrent requests are
answered together. Every candidate person returned is audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, create_model

from ..._search_fields import SEARCH_FIELDS
from ...access.keys import Permission
from ..auth import Access, require
from ..errors import ERROR_RESPONSES
from ..models import Golden

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["match"], responses=ERROR_RESPONSES)
Matcher = Annotated[Access, Depends(require(Permission.MATCH))]

_fields: dict[str, Any] = {f: (str | None, Field(None, max_length=500)) for f in SEARCH_FIELDS}
#: the resident as the form knows them, in canonical field names (docs/MAPPING_SPEC.md)
MatchFields = create_model("MatchFields", __config__=ConfigDict(extra="forbid"), **_fields)

#: seconds a request waits for its batch before the service gives up on it
MATCH_TIMEOUT = 30.0


class MatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fields: MatchFields  # type: ignore[valid-type]
    limit: int = Field(5, ge=1, le=50, description="At most this many candidates.")


class Evidence(BaseModel):
    comparison: str
    level: str
    weight: float


class Candidate(BaseModel):
    person_id: str | None = None
    best_record: str
    probability: float
    tier: str = Field(description="match (p >= match threshold), possible, or unlikely")
    golden: Golden  # type: ignore[valid-type]
    evidence: list[Evidence]


class MatchResult(BaseModel):
    """Candidate people, most likely first; store the first one's ``person_id`` when its tier
    is ``match``."""

    candidates: list[Candidate]


@router.post("/match", response_model=MatchResult, summary="Who is this resident? (the Citizen ID)")
def match(body: MatchRequest, access: Matcher) -> MatchResult:
    fields = {k: v for k, v in body.fields.model_dump().items() if v not in (None, "")}
    found = access.service.live.batcher.submit(fields, body.limit).result(timeout=MATCH_TIMEOUT)
    access.audit([(c.person_id, c.record_id) for c in found], detail="match by " + ",".join(sorted(fields)))
    return MatchResult(candidates=[Candidate(**c.to_dict()) for c in found])
