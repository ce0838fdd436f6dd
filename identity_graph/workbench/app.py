"""``build_workbench(service)``: the workbench as an ASGI app of its own, mounted at ``/workbench``.

Layout: ``pages/`` holds one module per page, each an ``APIRouter`` called ``router``;
``guard.py`` decides every page request (session -> actor -> role -> CSRF on POST -> ``Visit``);
``session.py`` signs cookies and CSRF tokens; ``render.py`` renders templates; ``templates/``
and ``static/`` are package data.

It is a mounted app, not routes of the API's own, so the API's key check (``serve/auth.py``)
and its JSON errors stay as they are, and the workbench answers in HTML: a page without a
session redirects to the login page, a refusal is a 403 page. ``build_workbench`` refuses to
build when a page (other than login) lacks the ``page(...)`` guard.
"""

from __future__ import annotations

import secrets
import threading
import time
from pathlib import Path
from types import ModuleType, SimpleNamespace

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..access.audit import now
from ..errors import IdentityGraphError, NotFoundError
from ..serve.app import api_routes
from ..serve.service import Service
from .guard import LoginRequired, Page, Refused
from .pages import address, alerts, audit, graph, login, person, review, search
from .render import render
from .session import Signer

__all__ = ["build_workbench", "mount_workbench", "PREFIX", "PAGES", "PUBLIC_PAGES", "HTMX", "CSP"]

PREFIX = "/workbench"
#: the vendored htmx (static/vendor/README.md)
HTMX = "vendor/htmx-2.0.11.min.js"
PAGES: list[ModuleType] = [login, search, person, graph, address, alerts, review, audit]
#: pages answered without a session
PUBLIC_PAGES = frozenset({"/login", "/"})  # "/" only redirects to the search page
STATIC = Path(__file__).parent / "static"
SECRET_NAME = "workbench-session-key"

#: no inline script or style, nothing from elsewhere, never framed
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


class _SignerHolder:
    """The session signer, made on first use from the store's secret (created there if absent)."""

    def __init__(self, service: Service):
        self._service = service
        self._signer: Signer | None = None
        self._lock = threading.Lock()

    def signer(self) -> Signer:
        if self._signer is None:
            with self._lock:
                if self._signer is None:
                    with self._service.writing() as store:
                        secret = store.secret(SECRET_NAME, secrets.token_urlsafe(48), now())
                    self._signer = Signer(secret)
        return self._signer


class SecurityHeaders:
    """Security headers on every workbench answer; pages (everything but static files) are
    never cached: they show personal data. ``Server-Timing: app;dur=…`` says how long the page
    took at the server, from the request to its first byte (browsers' developer tools show it;
    benchmarks/workbench_bench.py reads it)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        static = path.startswith((f"{PREFIX}/static/", "/static/"))
        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                took = (time.perf_counter() - started) * 1000
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in (b"cache-control", b"x-frame-options")]
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-frame-options", b"DENY"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"cache-control", b"public, max-age=3600" if static else b"no-store"),
                    (b"server-timing", f"app;dur={took:.1f}".encode()),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _guarded(dependant: Dependant) -> bool:
    return any(isinstance(d.call, Page) or _guarded(d) for d in dependant.dependencies)


def _check_every_page_is_guarded(app: FastAPI) -> None:
    bare = [f"{sorted(r.methods)} {r.path}" for r in api_routes(app.routes)
            if r.path not in PUBLIC_PAGES and not _guarded(r.dependant)]
    if bare:
        raise RuntimeError(f"workbench pages without a session check: {bare}; give each a `Visit` "
                           "parameter from `Depends(page(...))` (workbench/guard.py)")


def build_workbench(service: Service) -> FastAPI:
    """The workbench over the service's store (shares its read views, write lock and audit)."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.service = service
    app.state.workbench = _SignerHolder(service)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in PAGES:
        app.include_router(module.router)

    @app.get("/", include_in_schema=False)
    def home(request: Request) -> Response:
        return RedirectResponse(f"{PREFIX}/search", status_code=303)

    @app.exception_handler(LoginRequired)
    def _login(request: Request, exc: LoginRequired) -> Response:
        if request.headers.get("hx-request"):  # htmx: a full page load of the login page
            return Response(status_code=204, headers={"HX-Redirect": f"{PREFIX}/login"})
        return RedirectResponse(f"{PREFIX}/login", status_code=303)

    @app.exception_handler(Refused)
    def _refused(request: Request, exc: Refused) -> Response:  # with the header: the pages one may open
        signer = app.state.workbench.signer()
        visit = None if exc.session is None else SimpleNamespace(session=exc.session, csrf=signer.csrf(exc.session))
        return render(request, "error.html", {"title": "Not allowed", "message": exc.message}, status=403,
                      visit=visit)

    @app.exception_handler(NotFoundError)
    def _not_found(request: Request, exc: NotFoundError) -> Response:
        return render(request, "error.html", {"title": "Not found", "message": str(exc)}, status=404)

    @app.exception_handler(IdentityGraphError)
    def _bad(request: Request, exc: IdentityGraphError) -> Response:
        return render(request, "error.html", {"title": "Cannot do that", "message": str(exc)}, status=422)

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return render(request, "error.html", {"title": "Error", "message": str(exc.detail)},
                      status=exc.status_code)

    from fastapi.exceptions import RequestValidationError

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, exc: RequestValidationError) -> Response:
        fields = sorted({str(e.get("loc", ["", "?"])[-1]) for e in exc.errors()})
        return render(request, "error.html", {"title": "Cannot do that",
                                              "message": f"the form's fields {', '.join(fields)} are missing or invalid"},
                      status=422)

    @app.exception_handler(Exception)
    def _broken(request: Request, exc: Exception) -> Response:  # logged by the server, never shown
        return render(request, "error.html", {"title": "Something went wrong",
                                              "message": "The page could not be made; the error is in the "
                                                         "service's log. Try again, or tell your administrator."},
                      status=500)

    _check_every_page_is_guarded(app)
    return app


def mount_workbench(app: FastAPI, service: Service) -> None:
    """Mount the workbench at ``/workbench`` of the service's app."""
    app.mount(PREFIX, SecurityHeaders(build_workbench(service)), name="workbench")
