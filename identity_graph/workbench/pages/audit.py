"""The audit log, for admins: who looked at whom, when, through what, and why; filtered by
person, actor and date. The page's own view is audited too (with no person)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ...access.audit import audit_log
from ..guard import Admin
from ..render import render

__all__ = ["router", "PAGE"]

router = APIRouter()
#: at most this many entries on the page
PAGE = 500


@router.get("/audit", summary="The audit log")
def audit_page(request: Request, visit: Admin,
               person: Annotated[str, Query(max_length=300)] = "",
               actor: Annotated[str, Query(max_length=200)] = "",
               since: Annotated[date | None, Query()] = None,
               until: Annotated[date | None, Query()] = None) -> Response:
    with visit.service.reading() as store:
        log = audit_log(store, limit=PAGE if since is None and until is None else 20 * PAGE,
                        person_id=person.strip() or None, actor=actor.strip() or None)
    rows = log.to_dict(orient="records")
    if since is not None:
        rows = [r for r in rows if str(r["at"])[:10] >= since.isoformat()]
    if until is not None:
        rows = [r for r in rows if str(r["at"])[:10] <= until.isoformat()]
    visit.audit([(None, None)], detail="audit log viewed")
    return render(request, "audit.html", {"title": "Audit log", "rows": rows[:PAGE], "person": person,
                                          "actor": actor, "since": since, "until": until}, visit=visit)
