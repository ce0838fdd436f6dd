"""Errors as JSON: ``{"error": code, "message": what went wrong and what to do}``.

Library errors (``IdentityGraphError``) map to statuses here, in one place, so a route only
raises; their messages name the id or field the caller sent, which is fine in a response (the
caller sent it) and never reaches a log.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import IdentityGraphError, ModelError, NotFoundError, StoreError

__all__ = ["ApiError", "ErrorBody", "install_error_handlers", "ERROR_RESPONSES"]


class ErrorBody(BaseModel):
    """Every error response."""

    error: str
    message: str
    detail: list[dict[str, Any]] | None = None


class ApiError(Exception):
    """An error a route or a dependency raises: its status, a short code and a clear message."""

    def __init__(self, status: int, error: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.error, self.message, self.headers = status, error, message, headers


#: documented on every route that needs a key (OpenAPI)
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No API key, or an unknown or revoked one."},
    403: {"model": ErrorBody, "description": "The key's role or source does not allow this."},
    422: {"model": ErrorBody, "description": "Bad input: the message names the field."},
}

_STATUS_OF = [(NotFoundError, 404, "not_found"), (ModelError, 409, "no_model"), (StoreError, 503, "store")]
_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 422: "invalid", 503: "unavailable"}


def _json(status: int, error: str, message: str, detail: list[dict[str, Any]] | None = None,
          headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorBody(error=error, message=message, detail=detail).model_dump(exclude_none=True)
    return JSONResponse(body, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _json(exc.status, exc.error, exc.message, headers=exc.headers)

    @app.exception_handler(IdentityGraphError)
    async def library_error(_: Request, exc: IdentityGraphError) -> JSONResponse:
        for kind, status, code in _STATUS_OF:
            if isinstance(exc, kind):
                return _json(status, code, str(exc))
        return _json(422, "invalid", str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]) for e in problems if e["loc"])
        return _json(422, "invalid", f"invalid input ({fields}): see detail", problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _json(exc.status_code, _CODES.get(exc.status_code, "error"), str(exc.detail),
                     headers=getattr(exc, "headers", None))
