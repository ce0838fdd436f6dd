"""Templates: one Jinja2 environment over ``templates/``, autoescape on for every file.

Every value a page shows passes through Jinja2's HTML escaping (names can hold ``<script>``);
no template marks anything ``|safe``, and the address timeline's SVG is a template too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..access.keys import ROLE_PERMISSIONS, Permission, Role

__all__ = ["render", "ENV"]

ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,  # every template, whatever its name
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _nav(role: str | None) -> list[tuple[str, str]]:
    """(path, label) of the pages a role may open, for the header."""
    if role is None:
        return []
    r = Role(role)
    items = []
    if Permission.READ_PEOPLE in ROLE_PERMISSIONS[r]:
        items += [("/search", "Search"), ("/address", "Addresses"), ("/alerts", "Alerts")]
    if Permission.REVIEW in ROLE_PERMISSIONS[r]:
        items.append(("/review", "Review queue"))
    if r is Role.ADMIN:
        items.append(("/audit", "Audit log"))
    return items


def render(request: Request, template: str, context: dict[str, Any], *, status: int = 200,
           visit: Any = None) -> HTMLResponse:
    """A page: ``template`` with ``context``, the session's actor, nav and CSRF token."""
    from .app import HTMX, PREFIX

    session = visit.session if visit is not None else None
    base = {
        "prefix": PREFIX,
        "htmx": f"{PREFIX}/static/{HTMX}",
        "session": session,
        "csrf": visit.csrf if visit is not None else "",
        "nav": _nav(session.role if session else None),
        "here": request.url.path,
        "partial": False,
    }
    html = ENV.get_template(template).render({**base, **context})
    return HTMLResponse(html, status_code=status)
