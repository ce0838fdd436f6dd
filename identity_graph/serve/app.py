"""The match service: ``create_app(store_uri)`` builds the FastAPI app ``idgraph serve`` runs.

Layout: ``routes/`` holds one module per resource, each an ``APIRouter`` called ``router``;
``auth.py`` decides every request (API key -> actor -> role -> ``Access``); ``audit.py`` writes
what reads return to the audit log; ``service.py`` holds the store, per-thread read views and
the write lock; ``errors.py`` turns errors into JSON; ``logs.py`` is the access log (nothing
personal); ``docs.py`` serves Swagger UI from a local package.

Adding a resource (a 20-line job), e.g. ``GET /v1/changes``:

1. Write ``serve/routes/changes.py``::

       from typing import Annotated
       from fastapi import APIRouter, Depends
       from pydantic import BaseModel
       from ...access.keys import Permission
       from ..auth import Access, require
       from ..errors import ERROR_RESPONSES

       router = APIRouter(prefix="/v1", tags=["changes"], responses=ERROR_RESPONSES)
       Reader = Annotated[Access, Depends(require(Permission.READ_CHANGES))]

       class Changes(BaseModel):          # the response: the typed contract
           events: list[dict]

       @router.get("/changes", response_model=Changes)
       def changes(access: Reader, after: int = 0, source: str | None = None) -> Changes:
           source = source or access.actor.source
           if source:
               access.check_source(source)           # 403 for a key bound to another source
           with access.service.reading() as store:   # writes: access.service.writing()
               events = store.changes(after, source)
           access.audit([(p, None) for p in events["person_id"]])   # every person returned
           return Changes(events=events.to_dict(orient="records"))

2. Add ``changes`` to ``ROUTERS`` below.

Every route must take an ``Access`` from ``require(...)``: ``create_app`` refuses to build an
app with a route that does not (``PUBLIC_PATHS`` are the exceptions), and
``tests/serve/test_access.py`` calls every route without a key, with a bad key and with every
role. Library errors need no handling in a route (``errors.py`` maps them: NotFoundError -> 404,
others -> 422). Reads on the embedded store must go through ``access.service.reading()``: the
thread's own connection, one snapshot.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager
from types import ModuleType

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from .. import __version__
from ..store.contract import Store
from .auth import Require
from .docs import STATIC_PREFIX, install_docs
from .errors import install_error_handlers
from .logs import AccessLogMiddleware
from .routes import changes, health, keys, match, persons, records, review, search
from .service import Service

__all__ = ["create_app", "ROUTERS", "PUBLIC_PATHS", "api_routes"]

#: the resources the service serves, in the order the docs list them
ROUTERS: list[ModuleType] = [match, records, changes, persons, search, review, keys, health]
#: paths answered without a key: they reveal nothing about anyone
PUBLIC_PATHS = frozenset({"/v1/health", "/docs", "/openapi.json"})


def create_app(store_uri: str | Store, *, title: str = "identity-graph") -> FastAPI:
    """The service over a store (a path, a ``bolt://`` URI, or an open ``Store`` it takes over
    and closes on shutdown)."""
    from .. import api

    store = api.open_store(store_uri) if isinstance(store_uri, str) else store_uri
    service = Service(store)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        service.close()  # writes the audit entries still pending, then closes the store

    app = FastAPI(
        title=title,
        version=__version__,
        summary="The live customer index: people, search and explain, behind API keys with roles.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.service = service
    install_error_handlers(app)
    for module in ROUTERS:
        app.include_router(module.router)
    install_docs(app)
    from ..workbench import mount_workbench

    mount_workbench(app, service)  # the browser workbench at /workbench (ADR 0034)
    app.add_middleware(AccessLogMiddleware, plain_paths=PUBLIC_PATHS, plain_prefixes=(STATIC_PREFIX,))
    _check_every_route_is_guarded(app)
    return app


def api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """Every ``APIRoute`` an app serves, through included routers (which newer FastAPI keeps
    as ``original_router`` entries rather than copying their routes into the app)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from api_routes(inner.routes)


def _guarded(dependant: Dependant) -> bool:
    return any(isinstance(d.call, Require) or _guarded(d) for d in dependant.dependencies)


def _check_every_route_is_guarded(app: FastAPI) -> None:
    bare = [
        f"{sorted(r.methods)} {r.path}"
        for r in api_routes(app.routes)
        if r.path not in PUBLIC_PATHS and not _guarded(r.dependant)
    ]
    if bare:
        raise RuntimeError(
            f"routes without an API-key check: {bare}; give each an `Access` parameter from "
            "`Depends(require(Permission...))` (serve/auth.py)"
        )
