"""The audit log, for admins: who looked at whom, when, through what, and why; filtered by
person, actor and date. The page's own view is audited too (with no person)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ...access.audit import audit_log
from ...errors import IdentityGraphError
from ..guard import Admin
from ..render import render

__all__ = ["router", "PAGE"]

router = APIRouter()
#: at most this many entries on the page
PAGE = 500


def _day(text: str, label: str) -> date | None:
    """A filter's date (YYYY-MM-DD, as the date input sends it), or None when left empty."""
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise IdentityGraphError(f"{label} date {text!r}: give a date as YYYY-MM-DD, e.g. 2026-12-01") from None


@router.get("/audit", summary="The audit log")
def audit_page(request: Request, visit: Admin,
               person: Annotated[str, Query(max_length=300)] = "",
               actor: Annotated[str, Query(max_length=200)] = "",
               since: Annotated[str, Query(max_length=10)] = "",
               until: Annotated[str, Query(max_length=10)] = "") -> Response:
    start, end = _day(since, "From"), _day(until, "To")
    with visit.service.reading() as store:
        log = audit_log(store, limit=PAGE if start is None and end is None else 20 * PAGE,
                        person_id=person.strip() or None, actor=actor.strip() or None)
    rows = log.to_dict(orient="records")
    if start is not None:
        rows = [r for r in rows if str(r["at"])[:10] >= start.isoformat()]
    if end is not None:
        rows = [r for r in rows if str(r["at"])[:10] <= end.isoformat()]
    visit.audit([(None, None)], detail="audit log viewed")
    return render(request, "audit.html", {"title": "Audit log", "rows": rows[:PAGE], "person": person,
                                          "actor": actor, "since": start, "until": end}, visit=visit)
