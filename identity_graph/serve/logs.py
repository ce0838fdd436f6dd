"""The service's access log: method, route template, status and latency; nothing personal.

uvicorn's own access log prints each request's path and query string, which hold person ids,
record ids and (for a search) names and dates of birth: ``idgraph serve`` turns it off and this
middleware logs instead. An error no handler answered is logged by its type only (its message
may quote a value) and answered with a 500 in the usual JSON shape; it is not re-raised, so the
server does not log its traceback either.
"""

from __future__ import annotations

import json
import logging
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["AccessLogMiddleware", "ACCESS_LOGGER"]

ACCESS_LOGGER = "identity_graph.serve.access"
log = logging.getLogger(ACCESS_LOGGER)

_500 = json.dumps({"error": "internal", "message": "internal error; the service log names its type "
                   "(quote the X-Request-ID header when reporting it)"}).encode()


class AccessLogMiddleware:
    """``plain_paths`` (no ids in them) and ``plain_prefixes`` (static files) are logged as they
    are when they match no API route; any other unmatched path as ``<unmatched>``."""

    def __init__(self, app: ASGIApp, plain_paths: frozenset[str] = frozenset(),
                 plain_prefixes: tuple[str, ...] = ()):
        self.app = app
        self.plain_paths, self.plain_prefixes = plain_paths, plain_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = False

        async def send_logged(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = int(message["status"])
                MutableHeaders(scope=message).append("X-Request-ID", request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        except Exception as exc:  # noqa: BLE001 - logged by type, answered, not re-raised
            log.error("%s %s unhandled %s (request %s)", scope.get("method"), self._template(scope),
                      type(exc).__name__, request_id)
            if not started:
                status = 500
                await send({"type": "http.response.start", "status": 500, "headers": [
                    (b"content-type", b"application/json"), (b"x-request-id", request_id.encode())]})
                await send({"type": "http.response.body", "body": _500})
        finally:
            ms = (time.perf_counter() - start) * 1000
            log.info("%s %s %d %.1fms", scope.get("method"), self._template(scope), status, ms)

    def _template(self, scope: Scope) -> str:
        """The route's template (``/v1/persons/{person_id}``), never the ids in the URL."""
        route = scope.get("route")
        template = getattr(route, "path", None)
        if template:
            return str(template)
        path = str(scope.get("path", ""))
        if path in self.plain_paths:
            return path
        for prefix in self.plain_prefixes:
            if path.startswith(prefix + "/"):
                return prefix + "/{path}"
        return "<unmatched>"
