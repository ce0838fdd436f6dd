"""Search: who is this resident? Any mix of name, date of birth, postcode, address, phone,
email, NHS / NI number or a source record id, sent by POST (the values never enter a URL).

Ranked by the investigators' search (``investigate.search``, ADR 0035), not the front-line
match: an address or postcode alone finds the residents of the dwellings it names (as people
type it: "14 hyde park rd", "ls61ab"), one exact strong identifier (NHS / NI number, phone,
email) ranks its holder first with an identifier score of 1 / its holders, and every result says
why in plain words. Each result shows the person's golden name, date of birth and current
address, the model's match probability and the reasons. Each person shown is audited with the
fields searched by (never their values).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from ... import api
from ...access.audit import clean_purpose
from ...errors import IdentityGraphError
from ...investigate.neighbourhood import golden_name
from ...investigate.search import SearchHits
from ...settings import Settings
from ..guard import Investigator, signer_of
from ..render import render
from ..session import COOKIE
from .login import set_session_cookie

__all__ = ["router", "FORM_FIELDS"]

router = APIRouter()

#: the form's fields -> the canonical field they search (docs/MAPPING_SPEC.md), with labels
FORM_FIELDS: list[tuple[str, str, str]] = [
    ("full_name", "Name", "e.g. Jon Smith"),
    ("dob", "Date of birth", "e.g. 01/02/1980 or 1980-02-01"),
    ("address", "Address", "e.g. 14 Hyde Park Road"),
    ("postcode", "Postcode", "e.g. LS6 1AB"),
    ("phone", "Phone", "e.g. 07700 900123"),
    ("email", "Email", ""),
    ("nhs_number", "NHS number", ""),
    ("ni_number", "NI number", ""),
]
LIMIT = 20


def _tier(probability: float, thresholds: tuple[float, float]) -> str:
    match, possible = thresholds
    return "match" if probability >= match else "possible" if probability >= possible else "unlikely"


def _result(person_id: str | None, record_id: str, probability: float | None, tier: str | None,
            golden: dict[str, Any], reasons: list[str], identifier_score: float = 0.0) -> dict[str, Any]:
    return {"person_id": person_id, "record_id": record_id, "name": golden_name(golden) if golden else "(no name)",
            "dob": golden.get("dob"), "address": golden.get("address"), "postcode": golden.get("postcode"),
            "probability": probability, "tier": tier, "identifier_score": identifier_score, "why": reasons}


def _thresholds(store: Any) -> tuple[float, float]:
    latest = store.latest_model()
    s = Settings.from_json(latest[1]) if latest else Settings()
    return s.match_threshold, s.possible_threshold


def _by_record(visit: Any, record_id: str) -> list[dict[str, Any]]:
    """The person holding a source record: ``source:id``, or a bare id looked up in every source."""
    with visit.service.reading() as store:
        wanted = [record_id] if ":" in record_id else [f"{s.source}:{record_id}" for s in store.sources()]
        out = []
        for rid in wanted:
            pid = store.person_of(rid)
            if pid is not None:
                p = store.person(pid)
                out.append(_result(pid, rid, None, "record id", (p or {}).get("golden") or {},
                                   ["the source record id given"]))
    return out


@router.get("/search", summary="The search form")
def search_form(request: Request, visit: Investigator) -> Response:
    return render(request, "search.html", {"title": "Search", "fields": FORM_FIELDS, "values": {},
                                           "record_id": "", "results": None, "error": None}, visit=visit)


@router.post("/search", summary="Search for a resident")
def search(request: Request, visit: Investigator,
           full_name: Annotated[str, Form(max_length=500)] = "",
           dob: Annotated[str, Form(max_length=100)] = "",
           address: Annotated[str, Form(max_length=500)] = "",
           postcode: Annotated[str, Form(max_length=20)] = "",
           phone: Annotated[str, Form(max_length=100)] = "",
           email: Annotated[str, Form(max_length=300)] = "",
           nhs_number: Annotated[str, Form(max_length=50)] = "",
           ni_number: Annotated[str, Form(max_length=50)] = "",
           record_id: Annotated[str, Form(max_length=300)] = "",
           purpose: Annotated[str, Form(max_length=200)] = "") -> Response:
    given = {k: v.strip() for k, v in {
        "full_name": full_name, "dob": dob, "address": address, "postcode": postcode, "phone": phone,
        "email": email, "nhs_number": nhs_number, "ni_number": ni_number}.items() if v.strip()}
    why = clean_purpose(purpose)
    if why != visit.session.purpose:  # the case this search is for: kept for the session's reads
        visit.session = visit.session.with_purpose(why)
    results: list[dict[str, Any]] = []
    error = None
    unresolved = 0
    if record_id.strip():
        results = _by_record(visit, record_id.strip())
    if given:
        try:
            with visit.service.reading() as store:
                hits = api.search(store, limit=LIMIT, **given)
                thresholds = _thresholds(store)
        except IdentityGraphError as exc:
            hits, error = SearchHits(), str(exc)
        unresolved = hits.unresolved
        results += [_result(h.person_id, h.record_id, h.probability, _tier(h.probability, thresholds), h.golden,
                            h.reasons, h.identifier_score) for h in hits]
    elif not record_id.strip():
        error = "Fill in at least one field."
    searched = sorted(given) + (["record_id"] if record_id.strip() else [])
    visit.audit([(r["person_id"], r["record_id"]) for r in results], detail="search by " + ",".join(searched))
    context = {"title": "Search", "fields": FORM_FIELDS, "values": given, "record_id": record_id,
               "results": results, "error": error, "purpose": why, "unresolved": unresolved}
    partial = bool(request.headers.get("hx-request"))
    resp = render(request, "_results.html" if partial else "search.html", context, visit=visit)
    if why != _cookie_purpose(request):  # the session now carries this case's purpose
        set_session_cookie(request, resp, visit.session)
    return resp


def _cookie_purpose(request: Request) -> str | None:
    s = signer_of(request).load(request.cookies.get(COOKIE))
    return s.purpose if s else None
