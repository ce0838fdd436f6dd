"""Log in (with an API key, or a user name and password) and log out."""

from __future__ import annotations

import os
import secrets
import time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ...access import audit as audit_entries
from ...access.keys import Role, authenticate
from ...access.users import authenticate_password
from ..guard import Anyone, current_session, service_of, signer_of
from ..render import render
from ..session import COOKIE, LOGIN_COOKIE, Session

__all__ = ["router", "secure_cookies", "set_session_cookie"]

router = APIRouter()

#: roles with pages in the workbench (match and service keys are for systems)
PEOPLE_ROLES = frozenset({Role.INVESTIGATOR, Role.REVIEWER, Role.ADMIN})


def secure_cookies(request: Request) -> bool:
    """Cookies get the Secure flag over HTTPS, or always with IDGRAPH_WORKBENCH_SECURE_COOKIES=1
    (set it when TLS ends in a proxy in front of the service)."""
    return request.url.scheme == "https" or os.environ.get("IDGRAPH_WORKBENCH_SECURE_COOKIES") == "1"


def set_session_cookie(request: Request, resp: Response, session: Session) -> None:
    """The session cookie on ``resp``: HttpOnly, SameSite=Strict, for /workbench only, until the
    session expires; Secure over HTTPS or when asked (``secure_cookies``)."""
    from ..app import PREFIX

    resp.set_cookie(COOKIE, signer_of(request).dump(session), max_age=max(1, session.expires - int(time.time())),
                    path=PREFIX, httponly=True, samesite="strict", secure=secure_cookies(request))


def landing(role: str) -> str:
    """Where a role starts: investigators at search, reviewers at the queue."""
    from ..app import PREFIX

    return f"{PREFIX}/review" if Role(role) is Role.REVIEWER else f"{PREFIX}/search"


def _login_page(request: Request, message: str | None, status: int) -> Response:
    from ..app import PREFIX

    nonce = secrets.token_urlsafe(24)
    resp = render(request, "login.html", {"title": "Log in", "message": message,
                                          "login_csrf": signer_of(request).login_csrf(nonce)}, status=status)
    resp.set_cookie(LOGIN_COOKIE, nonce, max_age=3600, path=f"{PREFIX}/login", httponly=True,
                    samesite="strict", secure=secure_cookies(request))
    return resp


@router.get("/login", summary="The login page")
def login_form(request: Request) -> Response:
    s = current_session(request)
    if s is not None:
        return RedirectResponse(landing(s.role), status_code=303)
    return _login_page(request, None, 200)


@router.post("/login", summary="Log in with an API key, or a user name and password")
def login(
    request: Request,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    api_key: Annotated[str, Form(max_length=300)] = "",
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    from ..app import PREFIX

    signer = signer_of(request)
    if not signer.check_login_csrf(request.cookies.get(LOGIN_COOKIE), csrf_token):
        return _login_page(request, "The login form had expired. Please try again.", 403)
    service = service_of(request)
    kind, stamp = "key", ""
    with service.reading() as store:
        if api_key.strip():
            actor = authenticate(store, api_key.strip())
        elif username.strip() and password:
            kind = "user"
            actor = authenticate_password(store, username.strip(), password)
            row = store.user(username.strip()) if actor is not None else None
            stamp = signer.fingerprint(str(row["password_hash"])) if row else ""
        else:
            return _login_page(request, "Give an API key, or a user name and a password.", 400)
    if actor is None:
        return _login_page(request, "That key, or that user name and password, is not right.", 401)
    if actor.role not in PEOPLE_ROLES:
        return _login_page(request, f"A {actor.role.value} key is for systems; the workbench needs an "
                                    "investigator, reviewer or admin key or user.", 403)
    session = signer.new(kind, actor.name, actor.role.value, stamp=stamp)
    service.audit.submit(audit_entries.entries(session.actor, session.role, "POST /workbench/login",
                                               [(None, None)], detail="logged in"))
    resp = RedirectResponse(landing(session.role), status_code=303)
    set_session_cookie(request, resp, session)
    resp.delete_cookie(LOGIN_COOKIE, path=f"{PREFIX}/login")
    return resp


@router.post("/logout", summary="Log out")
def logout(request: Request, visit: Anyone) -> Response:
    from ..app import PREFIX

    signer_of(request).end(visit.session)
    visit.audit([(None, None)], detail="logged out")
    resp = RedirectResponse(f"{PREFIX}/login", status_code=303)
    resp.delete_cookie(COOKIE, path=PREFIX)
    return resp
