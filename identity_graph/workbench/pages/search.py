"""Search: who is this resident? Any mix of name, date of birth, postcode, address, phone,
email, NHS / NI number or a source record id, sent by POST (the values never enter a URL).

Scored by the live index, as ``POST /v1/match`` scores (``serve/live.py``): each result shows
the person's golden name, date of birth and current address, the match probability and the
field-by-field evidence for it. Each person shown is audited with the fields searched by (never
their values).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from ...access.audit import clean_purpose
from ...errors import IdentityGraphError
from ..guard import Investigator, signer_of
from ..render import render
from ..session import COOKIE
from .login import set_session_cookie

__all__ = ["router", "FORM_FIELDS", "MATCH_TIMEOUT"]

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
MATCH_TIMEOUT = 30.0
LIMIT = 20


def _why(evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The comparisons that counted, strongest (for or against) first."""
    shown = [e for e in evidence if abs(float(e.get("weight") or 0.0)) >= 0.05]
    return sorted(shown, key=lambda e: -abs(float(e["weight"])))


def _result(person_id: str | None, record_id: str, probability: float | None, tier: str | None,
            golden: dict[str, Any], evidence: list[dict[str, Any]]) -> dict[str, Any]:
    name = " ".join(str(golden[f]) for f in ("title", "given_name", "middle_names", "family_name")
                    if golden.get(f))
    return {"person_id": person_id, "record_id": record_id, "name": name or "(no name)",
            "dob": golden.get("dob"), "address": golden.get("address"), "postcode": golden.get("postcode"),
            "probability": probability, "tier": tier, "why": _why(evidence)}


def _by_record(visit: Any, record_id: str) -> list[dict[str, Any]]:
    """The person holding a source record: ``source:id``, or a bare id looked up in every source."""
    with visit.service.reading() as store:
        wanted = [record_id] if ":" in record_id else [f"{s.source}:{record_id}" for s in store.sources()]
        out = []
        for rid in wanted:
            pid = store.person_of(rid)
            if pid is not None:
                p = store.person(pid)
                out.append(_result(pid, rid, None, "record id", (p or {}).get("golden") or {}, []))
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
    if record_id.strip():
        results = _by_record(visit, record_id.strip())
    if given:
        try:
            found = visit.service.live.batcher.submit(given, LIMIT).result(timeout=MATCH_TIMEOUT)
        except IdentityGraphError as exc:
            found, error = [], str(exc)
        results += [_result(c.person_id, c.record_id, c.probability, c.tier, c.golden or {}, c.evidence)
                    for c in found]
    elif not record_id.strip():
        error = "Fill in at least one field."
    searched = sorted(given) + (["record_id"] if record_id.strip() else [])
    visit.audit([(r["person_id"], r["record_id"]) for r in results], detail="search by " + ",".join(searched))
    context = {"title": "Search", "fields": FORM_FIELDS, "values": given, "record_id": record_id,
               "results": results, "error": error, "purpose": why}
    partial = bool(request.headers.get("hx-request"))
    resp = render(request, "_results.html" if partial else "search.html", context, visit=visit)
    if why != _cookie_purpose(request):  # the session now carries this case's purpose
        set_session_cookie(request, resp, visit.session)
    return resp


def _cookie_purpose(request: Request) -> str | None:
    s = signer_of(request).load(request.cookies.get(COOKIE))
    return s.purpose if s else None
