"""Who is looking, and may they: the one dependency every workbench page declares.

``page(Permission.X)`` (or ``page(admin=True)``) reads the session cookie (no valid session: the
login page, with the page asked for remembered), checks the actor is still active with the same
role, checks the role, and for a POST checks the form's CSRF token (refused with 403 without
it). It returns a ``Visit``: the session, the service, the CSRF token for the page's forms, and
``visit.audit(reads)``, which writes audit entries exactly as the API's routes do
(``serve/audit.py``). ``build_workbench`` refuses to build when a page lacks it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from ..access import audit as audit_entries
from ..access.keys import ROLE_PERMISSIONS, Permission, Role
from ..serve.service import Service
from .session import COOKIE, Session, Signer

__all__ = ["Visit", "Page", "page", "LoginRequired", "Refused", "signer_of", "current_session"]


class LoginRequired(Exception):
    """No valid session: answered with a redirect to the login page."""


class Refused(Exception):
    """A session whose role may not see the page, or a POST without its CSRF token (403)."""

    def __init__(self, message: str, session: Session | None = None):
        super().__init__(message)
        self.message, self.session = message, session


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def signer_of(request: Request) -> Signer:
    """The session signer, its secret read from (or, the first time, made in) the store."""
    holder = request.app.state.workbench
    return holder.signer()


def _active(service: Service, signer: Signer, s: Session) -> bool:
    with service.reading() as store:
        if s.kind == "user":
            row = store.user(s.name)
            return (row is not None and str(row["role"]) == s.role
                    and signer.fingerprint(str(row.get("password_hash") or "")) == s.stamp)
        keys = store.api_keys()
    hit = keys[(keys["name"] == s.name) & keys["revoked_at"].isna()]
    return len(hit) == 1 and str(hit.iloc[0]["role"]) == s.role


def current_session(request: Request) -> Session | None:
    """The request's valid session, or None."""
    signer = signer_of(request)
    s = signer.load(request.cookies.get(COOKIE))
    if s is None or not _active(service_of(request), signer, s):
        return None
    return s


@dataclass
class Visit:
    """One page request by a logged-in actor; what the page reads is audited through it."""

    session: Session
    action: str
    request_id: str
    csrf: str
    service: Service = field(repr=False)

    @property
    def role(self) -> Role:
        return Role(self.session.role)

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def audit(self, reads: list[tuple[str | None, str | None]], detail: str | None = None) -> None:
        """Audit what this page shows: (person_id, record_id) pairs (either may be None)."""
        self.service.audit.submit(audit_entries.entries(
            self.session.actor, self.session.role, self.action, reads,
            purpose=self.session.purpose, request_id=self.request_id, detail=detail))


def _template(request: Request) -> str:
    route = request.scope.get("route")
    return f"{request.method} /workbench{getattr(route, 'path', '<no route>')}"


class Page:
    """The guard of one page: ``permission`` needed (or ``admin`` only)."""

    def __init__(self, permission: Permission | None, admin: bool = False):
        self.permission, self.admin = permission, admin

    async def __call__(self, request: Request) -> Visit:
        s = current_session(request)
        if s is None:
            raise LoginRequired()
        role = Role(s.role)
        if self.admin and role is not Role.ADMIN:
            raise Refused(f"{s.actor} has role {role.value}; this page is for admins only", s)
        if self.permission is not None and self.permission not in ROLE_PERMISSIONS[role]:
            needs = sorted(r.value for r in Role if self.permission in ROLE_PERMISSIONS[r]
                           and r not in (Role.MATCH, Role.SERVICE))
            raise Refused(f"{s.actor} has role {role.value}; this page needs the role {' or '.join(needs)}", s)
        signer = signer_of(request)
        if request.method == "POST":
            form = await request.form()
            token = form.get("csrf_token")
            if not signer.check_csrf(s, token if isinstance(token, str) else None):
                raise Refused("this form is out of date or was not sent by the workbench (no valid CSRF "
                              "token): reload the page and try again", s)
        return Visit(s, _template(request), str(getattr(request.state, "request_id", "") or ""),
                     signer.csrf(s), service_of(request))


_PAGES: dict[tuple[Permission | None, bool], Page] = {}


def page(permission: Permission | None = None, *, admin: bool = False) -> Page:
    """The dependency of a page: ``visit: Annotated[Visit, Depends(page(Permission.READ_PEOPLE))]``."""
    return _PAGES.setdefault((permission, admin), Page(permission, admin))


Investigator = Annotated[Visit, Depends(page(Permission.READ_PEOPLE))]
Reviewer = Annotated[Visit, Depends(page(Permission.REVIEW))]
Admin = Annotated[Visit, Depends(page(admin=True))]
Anyone = Annotated[Visit, Depends(page())]
