"""Who is asking, and may they: the one dependency every route declares.

``require(Permission.X)`` is a FastAPI dependency that

1. reads the key from ``Authorization: Bearer KEY`` (401 without one, or with an unknown or
   revoked key: the response never says which);
2. checks the key's role grants ``X`` (403 otherwise: the message names the role needed);
3. returns an ``Access``: the actor, the route, the ``X-Purpose`` header and the request id,
   with ``access.audit(reads)`` to write the audit entries of what the route returns, and
   ``access.check_source(source)`` for routes about one source's records (403 for a key bound
   to another source).

``create_app`` refuses to start when a route (other than the public ones) lacks it, and the
test suite calls every route without a key, with a bad key and with each role.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..access import audit as audit_entries
from ..access.keys import ROLE_PERMISSIONS, Actor, Permission, Role, authenticate
from .errors import ApiError
from .service import Service, get_service

__all__ = ["Access", "Require", "require", "route_template"]

_bearer = HTTPBearer(auto_error=False, description="An API key: `idgraph keys add NAME --role ROLE`")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def route_template(request: Request) -> str:
    """``GET /v1/persons/{person_id}``: the route as declared, never the ids in the URL."""
    route = request.scope.get("route")
    return f"{request.method} {getattr(route, 'path', '<no route>')}"


@dataclass
class Access:
    """The caller of one request, allowed in; what its route reads is audited through it."""

    actor: Actor
    action: str
    purpose: str | None
    request_id: str
    service: Service = field(repr=False)

    def audit(self, reads: list[tuple[str | None, str | None]], detail: str | None = None) -> None:
        """Audit what this request returns: (person_id, record_id) pairs (either may be None)."""
        self.service.audit.submit(
            audit_entries.entries(self.actor.name, self.actor.role.value, self.action, reads,
                                  purpose=self.purpose, request_id=self.request_id, detail=detail)
        )

    def check_source(self, source: str) -> None:
        """403 unless this key may read or write ``source``'s records and feed."""
        if not self.actor.may_use_source(source):
            bound = f"bound to source {self.actor.source!r}" if self.actor.source else "bound to no source"
            raise ApiError(403, "forbidden", f"key {self.actor.name!r} is {bound}; it cannot use source {source!r}")


class Require:
    """The auth dependency for one permission (``require(Permission.READ_PEOPLE)``)."""

    def __init__(self, permission: Permission):
        self.permission = permission

    def __call__(
        self,
        request: Request,
        service: Annotated[Service, Depends(get_service)],
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        x_purpose: Annotated[str | None, Header(description="Why this read is made (kept in the audit log).")] = None,
    ) -> Access:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise ApiError(401, "unauthorized",
                           "no API key: send Authorization: Bearer KEY (an admin makes one with "
                           "`idgraph keys add NAME --role ROLE`)", _CHALLENGE)
        with service.reading() as store:
            actor = authenticate(store, credentials.credentials)
        if actor is None:
            raise ApiError(401, "unauthorized", "unknown or revoked API key; ask an admin for a key", _CHALLENGE)
        if not actor.can(self.permission):
            roles = sorted(r.value for r in Role if self.permission in ROLE_PERMISSIONS[r])
            raise ApiError(403, "forbidden",
                           f"key {actor.name!r} has role {actor.role.value}; this needs {self.permission.value} "
                           f"(roles: {', '.join(roles)})")
        return Access(actor, route_template(request), audit_entries.clean_purpose(x_purpose),
                      str(getattr(request.state, "request_id", "")), service)


_REQUIRES: dict[Permission, Require] = {p: Require(p) for p in Permission}


def require(permission: Permission) -> Require:
    """The dependency for ``permission``: ``access: Annotated[Access, Depends(require(P))]``."""
    return _REQUIRES[permission]
