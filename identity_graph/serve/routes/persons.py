"""People: ``GET /v1/persons/{id}`` and ``GET /v1/persons/{id}/explain?with=...``.

Thin over ``api.person`` and ``api.explain``; every person and record returned is audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from ... import api
from ...access.keys import Permission
from ...explain.explain import strongest_pair
from ..auth import Access, require
from ..errors import ERROR_RESPONSES, ErrorBody
from ..models import AddressSpell, Golden, SourceRecord, plain

__all__ = ["router"]

router = APIRouter(prefix="/v1/persons", tags=["people"], responses=ERROR_RESPONSES)
Reader = Annotated[Access, Depends(require(Permission.READ_PEOPLE))]
_404 = {404: {"model": ErrorBody, "description": "No such person or record."}}
IdPath = Annotated[str, Path(description="A person id (P1a2b3c4d5e6f) or a record id (council_tax:CT000123).",
                             max_length=300)]


class Person(BaseModel):
    """A person: golden record, source records and address history. Asked for by an id that
    was merged into another person, it is that person (``status`` says so)."""

    person_id: str
    asked: str
    status: str
    merged_into: str | None = None
    review: bool
    created_run: int | None = None
    updated_run: int | None = None
    golden: Golden  # type: ignore[valid-type]
    records: list[SourceRecord]  # type: ignore[valid-type]
    address_history: list[AddressSpell]


class Comparison(BaseModel):
    comparison: str
    value_a: Any = None
    value_b: Any = None
    level: str
    m: float | None = None
    u: float | None = None
    weight: float
    tf_adjustment: float


class Explanation(BaseModel):
    """Field-by-field evidence between two records: the two asked for, or (for a person) the
    pair of their records whose evidence is strongest under the current model."""

    record_a: str
    record_b: str
    person_a: str | None = None
    person_b: str | None = None
    pairs_compared: int
    prior_weight: float
    comparisons: list[Comparison]
    total_weight: float
    probability: float
    same_person: bool
    tier: str | None = None


def _is_record(identifier: str) -> bool:
    return ":" in identifier  # record ids are source:source_record_id; person ids never hold ':'


@router.get("/{person_id}", response_model=Person, responses=_404, summary="A person, by person or record id")
def get_person(person_id: IdPath, access: Reader) -> Person:
    with access.service.reading() as store:
        view = api.person(store, person_id)
    detail = f"asked for {person_id}" if person_id != view.person_id and not _is_record(person_id) else None
    access.audit([(view.person_id, person_id if _is_record(person_id) else None)], detail)
    d = view.to_dict()
    return Person(
        person_id=view.person_id, asked=person_id, status=view.status, merged_into=view.merged_into,
        review=view.review, created_run=view.created_run, updated_run=view.updated_run, golden=view.golden,
        records=[plain(r) for r in d["records"]], address_history=[plain(r) for r in d["address_history"]],
    )


@router.get("/{person_id}/explain", response_model=Explanation, responses=_404,
            summary="Why a person is (or is not) the same as another person or record")
def explain(
    person_id: IdPath,
    access: Reader,
    other: Annotated[str, Query(alias="with", max_length=300,
                                description="A record id or a person id to compare with.")],
) -> Explanation:
    with access.service.reading() as store:
        record_a, record_b, pairs = strongest_pair(store, person_id, other)
        exp = api.explain(store, record_a, record_b)
    access.audit([(exp.person_a, record_a), (exp.person_b, record_b)])
    d = exp.to_dict()
    d["comparisons"] = [plain(c) for c in d["comparisons"]]
    return Explanation(pairs_compared=pairs, **d)
