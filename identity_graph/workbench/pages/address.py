"""An address: who lived at a dwelling, when, according to which source.

Asked by POST (an address is personal data: it never enters a URL): an address key (as the
person page's timeline sends it), a postcode for every dwelling in it, or text as people type it
("14 Hyde Park Road", "LS61AB": ``investigate.addresses``). Each person shown is
audited.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from ...investigate.graph import residents
from ...investigate.neighbourhood import golden_name
from ..guard import Investigator
from ..render import render
from ..timeline import _day, _sources

__all__ = ["router", "dwellings"]

router = APIRouter()
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}$")


def dwellings(rows: list[dict[str, Any]], goldens: dict[str, str]) -> list[dict[str, Any]]:
    """Residents grouped by dwelling (address key), each oldest first."""
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        key = str(r.get("address_key") or r.get("address") or "")
        d = out.setdefault(key, {"address_key": key, "address": r.get("address"), "postcode": r.get("postcode"),
                                 "residents": []})
        pid = str(r["person_id"])
        golden = json.loads(goldens[pid]) if pid in goldens else {}
        d["residents"].append({"person_id": pid, "name": golden_name(golden), "dob": golden.get("dob"),
                               "first": _day(r.get("first_seen")), "last": _day(r.get("last_seen")),
                               "sources": _sources(r.get("sources")), "current": bool(r.get("is_current"))})
    for d in out.values():
        d["residents"].sort(key=lambda x: (x["first"] is None, str(x["first"] or ""), x["person_id"]))
    return sorted(out.values(), key=lambda d: str(d["address"] or d["address_key"]))


def _key(text: str) -> str | None:
    t = text.strip()
    if "|" in t:
        return t
    compact = re.sub(r"\s+", "", t.upper())
    if _POSTCODE.match(compact):
        return f"{compact[:-3]} {compact[-3:]}"  # the stored form: outward code, space, inward code
    return None


@router.get("/address", summary="The address form")
def address_form(request: Request, visit: Investigator) -> Response:
    return render(request, "address.html", {"title": "Addresses", "asked": "", "dwellings": None,
                                            "error": None}, visit=visit)


@router.post("/address", summary="Who lived at an address")
def address_page(request: Request, visit: Investigator,
                 address: Annotated[str, Form(max_length=500)] = "") -> Response:
    key = _key(address) or address.strip()  # an address key, a postcode, or text as people type it
    found: list[dict[str, Any]] = []
    error = None
    if not key:
        error = "Give an address as you would write it (e.g. 14 Hyde Park Road, LS6 1AB), or a postcode."
    else:
        with visit.service.reading() as store:
            frame = residents(store, key)
            rows = frame.to_dict(orient="records")
            goldens = store.goldens(sorted({str(r["person_id"]) for r in rows}))
        found = dwellings(rows, goldens)
        if not found:
            error = "No one on record at that address."
    visit.audit([(r["person_id"], None) for d in found for r in d["residents"]], detail="residents")
    return render(request, "address.html", {"title": "Addresses", "asked": address, "dwellings": found,
                                            "error": error}, visit=visit)
